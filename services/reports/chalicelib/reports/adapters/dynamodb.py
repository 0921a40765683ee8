"""The reports service on DynamoDB (its own table).

**Days**: ``<hospital>#day`` / ``YYYY-MM-DD``, one item per hospital and day; each measure is a
top-level attribute named by ``Measure.attribute`` (``m_approvals_submitted``: a number, added to with
``ADD``, which — unlike a nested map path — works on an item that does not exist yet; ``s_…``: a list of
sample values, appended to). Counts from several consumers land on the same item at once without a read.
The item is read raw (its attributes are named at run time, which a PynamoDB model would drop).

**Records** (settings, sent markers, uploads): one JSON item shape (``ReportsItem``), a ``Codec`` per kind
(``shared.persistence.records``), added by the features.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, TypeVar

from chalicelib.reports.domain.days import Contribution, DayFigures
from chalicelib.reports.domain.measures import BY_NAME, CENSUS
from chalicelib.reports.domain.ports import KEEP_DAYS
from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.operand import Path

from shared.auth import Principal
from shared.persistence.models import Gsi1, TenantItem, now_utc, table_meta, tenant_key
from shared.persistence.records import Codec as RecordCodec
from shared.persistence.records import Keys as Keys
from shared.persistence.records import writes
from shared.persistence.uow import UnitOfWork

M = TypeVar("M", bound=BaseModel)

# attribute name → measure name, for reading a day back
_BY_ATTRIBUTE = {m.attribute: m for m in BY_NAME.values()}


class DayItem(TenantItem):
    """A hospital's day (its measures are attributes named at run time: see the module's note)."""

    ENTITY = "report-day"
    Meta = table_meta("reports")
    day = UnicodeAttribute(null=True)
    census_at = UTCDateTimeAttribute(null=True)
    census_by = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "day")


class ReportsItem(TenantItem):
    """Every JSON record of the reports service: keys, state and revision as attributes, the record in
    ``data``."""

    ENTITY = "reports"
    Meta = table_meta("reports")
    state = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)
    data = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    index1 = Gsi1()


class Codec(RecordCodec[M]):
    item_class = ReportsItem
    indexes: ClassVar[dict[int, Any]] = {1: ReportsItem.index1}


def _number(value: dict[str, Any]) -> float:
    return float(value["N"])


def _figures(raw: dict[str, Any]) -> DayFigures:
    figures = DayFigures(day=date.fromisoformat(raw["sk"]["S"]), census_recorded="census_at" in raw)
    for name, value in raw.items():
        m = _BY_ATTRIBUTE.get(name)
        if m is None:
            continue
        if m.kind == "sample":
            figures.samples[m.name] = [_number(v) for v in value.get("L", [])]
        else:
            figures.values[m.name] = _number(value)
    return figures


def _keep_until(day: date) -> int:
    return int(datetime.combine(day + timedelta(days=KEEP_DAYS), time(), tzinfo=UTC).timestamp())


@dataclass
class DynamoDays:
    tenant: str
    uow: UnitOfWork | None = None

    def _item(self, day: date) -> DayItem:
        return DayItem(
            DayItem.partition(self.tenant), day.isoformat(), entity=DayItem.ENTITY, tenant=self.tenant
        )

    def get(self, day: date) -> DayFigures | None:
        raw = DayItem._get_connection().get_item(
            DayItem.partition(self.tenant), day.isoformat(), consistent_read=True
        )
        item = raw.get("Item")
        return _figures(item) if item else None

    def between(self, start: date, end: date) -> list[DayFigures]:
        if end < start:
            return []
        out: list[DayFigures] = []
        last: dict[str, Any] | None = None
        while True:
            page = DayItem._get_connection().query(
                DayItem.partition(self.tenant),
                range_key_condition=DayItem.sk.between(start.isoformat(), end.isoformat()),
                exclusive_start_key=last,
            )
            out.extend(_figures(item) for item in page.get("Items", []))
            last = page.get("LastEvaluatedKey")
            if not last:
                return out

    def _base_actions(self, day: date) -> list[Any]:
        return [
            DayItem.entity.set(DayItem.ENTITY),
            DayItem.tenant.set(self.tenant),
            DayItem.day.set(day.isoformat()),
            DayItem.expires_at.set(_keep_until(day)),
        ]

    def add(self, contribution: Contribution) -> None:
        actions = self._base_actions(contribution.day)
        for name, amount in contribution.counts.items():
            actions.append(Path([BY_NAME[name].attribute]).add(amount))
        for name, values in contribution.samples.items():
            path = Path([BY_NAME[name].attribute])
            actions.append(path.set((path | []).append(list(values))))
        writes(self.uow).update(self._item(contribution.day), actions)

    def set_census(self, day: date, values: dict[str, float], by: str) -> None:
        actions = [*self._base_actions(day), DayItem.census_at.set(now_utc()), DayItem.census_by.set(by)]
        for m in CENSUS:
            if m.name in values:
                actions.append(Path([m.attribute]).set(values[m.name]))
            else:
                actions.append(Path([m.attribute]).remove())
        writes(self.uow).update(self._item(day), actions)


@dataclass
class DynamoDaysAcross:
    """``DaysAcross``: several hospitals' days in one BatchGetItem (100 keys a call, unprocessed keys
    retried by PynamoDB)."""

    def days_of(self, tenants: list[str], days: list[date]) -> dict[str, dict[date, DayFigures]]:
        connection = DayItem._get_connection()
        keys: list[Any] = [
            {"pk": {"S": DayItem.partition(t)}, "sk": {"S": d.isoformat()}} for t in tenants for d in days
        ]
        out: dict[str, dict[date, DayFigures]] = {}
        pending = [keys[i : i + 100] for i in range(0, len(keys), 100)]
        while pending:
            chunk = pending.pop(0)
            found = connection.batch_get_item(chunk, consistent_read=True)
            for item in found.get("Responses", {}).get(DayItem.Meta.table_name, []):
                figures = _figures(item)
                tenant = item["pk"]["S"].rsplit("#", 1)[0]
                out.setdefault(tenant, {})[figures.day] = figures
            left = found.get("UnprocessedKeys", {}).get(DayItem.Meta.table_name, {}).get("Keys", [])
            if left:
                pending.append(left)
        return out


@dataclass
class DynamoStore:
    """``Store`` on DynamoDB for one tenant; writes go into ``uow`` (none: a read-only store). Each feature
    adds its repositories as properties."""

    tenant: str
    uow: UnitOfWork | None = None
    principal: Principal | None = None
    request_id: str | None = None

    @property
    def days(self) -> DynamoDays:
        return DynamoDays(self.tenant, self.uow)

    @property
    def settings(self) -> Any:
        from chalicelib.reports.adapters.morning import DynamoSettings

        return DynamoSettings(self.tenant, self.uow)

    @property
    def mornings(self) -> Any:
        from chalicelib.reports.adapters.morning import DynamoMornings

        return DynamoMornings(self.tenant, self.uow)

    def emit(self, event: Any) -> None:
        writes(self.uow).emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        writes(self.uow).audit(action, resource_type, resource_id, before, after, tenant=self.tenant)

    def commit(self) -> None:
        writes(self.uow).commit()

    def timezone(self) -> str | None:
        return directory_zone(self.tenant)


def directory_zone(tenant: str) -> str | None:
    """The hospital's time zone as the province's directory has it now (one GetItem), None if unset."""
    from shared import directory

    record = directory.hospital(tenant)
    return (record.timezone or None) if record is not None else None


# The hospitals' time zones, read once a process (a hospital's zone never changes in practice).
_ZONES: dict[str, str | None] = {}


def hospital_zone(tenant: str) -> str | None:
    """The hospital's time zone as the province's directory has it (one GetItem, then remembered)."""
    if tenant not in _ZONES:
        _ZONES[tenant] = directory_zone(tenant)
    return _ZONES[tenant]
