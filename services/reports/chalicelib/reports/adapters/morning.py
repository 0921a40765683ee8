"""The morning report's records on DynamoDB (JSON records of the reports table) and the directory it reads.

**Settings**: ``<hospital>#report-settings`` / ``settings``, revisioned (create-only at revision 0, then
replaced on the revision read). **Sent markers**: ``<hospital>#morning`` / ``<local date>``, create-only,
kept ``MARKER_KEEP_DAYS`` (TTL): the condition on its creation is what makes a morning's report go once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.reports.adapters.dynamodb import Codec, Keys, ReportsItem
from chalicelib.reports.domain.morning import MARKER_KEEP_DAYS, ReportSettings
from chalicelib.reports.domain.ports import Hospital, Person
from pydantic import BaseModel

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.records import writes
from shared.persistence.uow import UnitOfWork


class MorningMarker(BaseModel):
    day: date  # the hospital's local date of the morning
    sent_at: datetime
    notified: int = 0


def _settings_codec(tenant: str) -> Codec[ReportSettings]:
    return Codec(
        tenant,
        lambda s: Keys(tenant_key(tenant, "report-settings"), "settings", {}),
        ReportSettings,
        "report-settings",
    )


def _marker_codec(tenant: str) -> Codec[MorningMarker]:
    def keys(m: MorningMarker) -> Keys:
        until = datetime.combine(m.day + timedelta(days=MARKER_KEEP_DAYS), time(), tzinfo=UTC)
        return Keys(tenant_key(tenant, "morning"), m.day.isoformat(), {}, expires_at=int(until.timestamp()))

    return Codec(tenant, keys, MorningMarker, "report-morning")


@dataclass
class DynamoSettings:
    tenant: str
    uow: UnitOfWork | None = None

    def get(self) -> ReportSettings | None:
        return _settings_codec(self.tenant).get(tenant_key(self.tenant, "report-settings"), "settings")

    def put(self, settings: ReportSettings, stale: DomainError) -> None:
        # saved as revision + 1, on the revision read (0: none saved yet, so create-only)
        condition: Any = ReportsItem.revision == settings.revision
        if settings.revision == 0:
            condition = ReportsItem.pk.does_not_exist()
        item = _settings_codec(self.tenant).item(settings, settings.revision + 1)
        writes(self.uow).save(item, condition=condition, on_conflict=stale)


@dataclass
class DynamoMornings:
    tenant: str
    uow: UnitOfWork | None = None

    def sent(self, local_day: date) -> bool:
        return (
            _marker_codec(self.tenant).get(tenant_key(self.tenant, "morning"), local_day.isoformat())
            is not None
        )

    def mark(self, local_day: date, taken: DomainError) -> None:
        marker = MorningMarker(day=local_day, sent_at=datetime.now(UTC))
        _marker_codec(self.tenant).add(self.uow, marker, taken)


class DirectoryReadModel:
    """``Directory`` on ``shared.directory`` (written by messaging alone)."""

    def hospitals(self) -> list[Hospital]:
        from shared import directory

        return [Hospital(str(h.sk), str(h.name), str(h.timezone)) for h in directory.hospitals()]

    def hospital(self, tenant: str) -> Hospital | None:
        from shared import directory

        h = directory.hospital(tenant)
        return None if h is None else Hospital(str(h.sk), str(h.name), str(h.timezone))

    def people(self, tenant: str, ids: list[str]) -> dict[str, Person]:
        from shared.directory import StaffItem

        wanted = sorted(set(ids))
        out: dict[str, Person] = {}
        partition = StaffItem.partition(tenant)
        for start in range(0, len(wanted), 100):
            keys = [(partition, i) for i in wanted[start : start + 100]]
            for item in StaffItem.batch_get(keys, attributes_to_get=["pk", "sk", "name", "status", "tenant"]):
                out[str(item.sk)] = Person(str(item.sk), str(item.name), str(item.status or "active"))
        return out

    def with_role(self, tenant: str, role: str) -> list[str]:
        from shared.directory import staff_with_role

        return sorted(str(s.sk) for s in staff_with_role(tenant, role))
