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
