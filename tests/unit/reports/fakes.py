"""The reports service's ports in memory (``chalicelib.reports.domain.ports``).

A contract test runs the same checks on these and on the DynamoDB adapters
(``tests/service/test_reports_store.py``), so a fake cannot drift from what it stands in for. Each feature
adds its repositories to ``MemoryStore``; ``Tables`` is the shared memory several stores (tenants) see.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.reports.domain.days import Contribution, DayFigures
from chalicelib.reports.domain.measures import CENSUS
from chalicelib.reports.domain.morning import ReportSettings
from chalicelib.reports.domain.ports import Hospital, Person

from shared.errors import DomainError
from tests.fakes import MemoryUnitOfWork


@dataclass
class Tables:
    days: dict[tuple[str, date], DayFigures] = field(default_factory=dict)
    records: dict[tuple[str, str, str], Any] = field(default_factory=dict)


@dataclass
class MemoryDays:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, day: date) -> DayFigures | None:
        found = self.tables.days.get((self.tenant, day))
        return copy.deepcopy(found) if found else None

    def between(self, start: date, end: date) -> list[DayFigures]:
        return [
            copy.deepcopy(f)
            for (tenant, day), f in sorted(self.tables.days.items(), key=lambda kv: kv[0][1])
            if tenant == self.tenant and start <= day <= end
        ]

    def _day(self, day: date) -> DayFigures:
        return self.tables.days.setdefault((self.tenant, day), DayFigures(day=day))

    def add(self, contribution: Contribution) -> None:
        def write() -> None:
            figures = self._day(contribution.day)
            for name, amount in contribution.counts.items():
                figures.values[name] = figures.values.get(name, 0.0) + amount
            for name, values in contribution.samples.items():
                figures.samples.setdefault(name, []).extend(values)

        self.uow.stage(write)

    def set_census(self, day: date, values: dict[str, float], by: str) -> None:
        def write() -> None:
            figures = self._day(day)
            for m in CENSUS:
                figures.values.pop(m.name, None)
            figures.values.update({k: float(v) for k, v in values.items()})
            figures.census_recorded = True

        self.uow.stage(write)


@dataclass
class MemorySettings:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self) -> ReportSettings | None:
        found = self.tables.records.get((self.tenant, "report-settings", "settings"))
        return found.model_copy(deep=True) if found else None

    def put(self, settings: ReportSettings, stale: DomainError) -> None:
        key = (self.tenant, "report-settings", "settings")

        def same() -> None:
            stored = self.tables.records.get(key)
            if (stored.revision if stored else 0) != settings.revision:
                raise stale

        saved = settings.model_copy(update={"revision": settings.revision + 1})
        self.uow.check(same)
        self.uow.stage(lambda: self.tables.records.__setitem__(key, saved))


@dataclass
class MemoryMornings:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def sent(self, local_day: date) -> bool:
        return (self.tenant, "morning", local_day.isoformat()) in self.tables.records

    def mark(self, local_day: date, taken: DomainError) -> None:
        key = (self.tenant, "morning", local_day.isoformat())

        def absent() -> None:
            if key in self.tables.records:
                raise taken

        self.uow.check(absent)
        self.uow.stage(lambda: self.tables.records.__setitem__(key, {"day": local_day}))


@dataclass
class MemoryDirectory:
    """The shared directory read model: hospitals (tenant → time zone) and their staff."""

    zones: dict[str, str] = field(default_factory=dict)
    # (tenant, staff id) → (name, status, roles)
    staff: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)

    def add_hospital(self, tenant: str, timezone: str = "Asia/Shanghai") -> None:
        self.zones[tenant] = timezone

    def add_staff(
        self, tenant: str, staff_id: str, name: str, roles: tuple[str, ...] = (), status: str = "active"
    ) -> None:
        self.staff[(tenant, staff_id)] = (name, status, roles)

    def hospitals(self) -> list[Hospital]:
        return [Hospital(t, t, z) for t, z in sorted(self.zones.items())]

    def hospital(self, tenant: str) -> Hospital | None:
        return Hospital(tenant, tenant, self.zones[tenant]) if tenant in self.zones else None

    def people(self, tenant: str, ids: list[str]) -> dict[str, Person]:
        return {
            i: Person(i, self.staff[(tenant, i)][0], self.staff[(tenant, i)][1])
            for i in ids
            if (tenant, i) in self.staff
        }

    def with_role(self, tenant: str, role: str) -> list[str]:
        return sorted(
            i
            for (t, i), (_, status, roles) in self.staff.items()
            if t == tenant and status == "active" and role in roles
        )


@dataclass
class MemoryStore:
    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    zone: str | None = None  # the directory's time zone of the hospital (None: unset)

    @property
    def days(self) -> MemoryDays:
        return MemoryDays(self.tenant, self.tables, self.uow)

    def timezone(self) -> str | None:
        return self.zone

    @property
    def settings(self) -> MemorySettings:
        return MemorySettings(self.tenant, self.tables, self.uow)

    @property
    def mornings(self) -> MemoryMornings:
        return MemoryMornings(self.tenant, self.tables, self.uow)

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.uow.audit(action, resource_type, resource_id, before, after)

    def commit(self) -> None:
        self.uow.commit()


@dataclass
class MemoryDaysAcross:
    """``DaysAcross`` in memory: several hospitals' kept days of ``tables``."""

    tables: Tables

    def days_of(self, tenants: list[str], days: list[date]) -> dict[str, dict[date, DayFigures]]:
        out: dict[str, dict[date, DayFigures]] = {}
        for tenant in tenants:
            for day in days:
                found = self.tables.days.get((tenant, day))
                if found is not None:
                    out.setdefault(tenant, {})[day] = copy.deepcopy(found)
        return out


@dataclass
class MemoryFiles:
    """``Files`` in memory: what was put (or "uploaded" by a test), by key; URLs name the key."""

    objects: dict[str, bytes] = field(default_factory=dict)

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        return f"memory://put/{object_key}?size={size}"

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        return f"memory://get/{object_key}"

    def put(self, object_key: str, content: bytes, content_type: str) -> None:
        self.objects[object_key] = content

    def read(self, object_key: str, max_bytes: int) -> bytes | None:
        found = self.objects.get(object_key)
        if found is not None and len(found) > max_bytes:
            raise ValueError(f"the file is larger than {max_bytes} bytes")
        return found


@dataclass
class MemoryHistory:
    """``HistoryExport`` in memory: the prefixes exported to."""

    prefixes: list[str] = field(default_factory=list)

    def export(self, prefix: str) -> str | None:
        self.prefixes.append(prefix)
        return f"export-{len(self.prefixes)}"
