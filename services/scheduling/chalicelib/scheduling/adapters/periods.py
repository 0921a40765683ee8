"""Roster periods on DynamoDB: the period's partition, its wards' lists, versions, and the on-duty read model.

Keys (the scheduling table; every key starts with the tenant):

- ``<t>#period#<id>`` / ``period``: the header; ``row#<staff_id>``: a nurse's cells (date → shift, skill,
  pinned, as JSON); ``request#<staff_id>#<date>``: a nurse's request for a day (create-only: one per
  nurse and day); ``version#<nnnn>``: a published version's snapshot; ``onduty``: which version the
  on-duty read model holds and the keys it wrote. The grid is ONE Query (sk between ``period`` and
  ``row#~``: the header, the requests and the rows, not the versions).
- ``<t>#ward#<ward_id>#periods`` / ``<start>#<id>``: a ward's list entry of each of its periods (a group
  of wards has one in each), with the header's fields, so the list is one Query, newest first.
- ``<t>#onduty#<ward_id>`` / ``<starts_at UTC>#<shift>``: ``shared.onduty.OnDutyShift``, one per ward ×
  day × shift of the live version; ``<t>#myshifts#<staff_id>`` / ``<start>#<period_id>``: a nurse's
  published shifts of one period (``/me/shifts`` is one Query).

A separate module from ``dynamodb.py`` (the staff projection and leave) so the rostering features'
adapters do not all edit one file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.scheduling.adapters.dynamodb import DynamoStore, _writes
from chalicelib.scheduling.domain.periods import (
    Cell,
    DutyShift,
    MyShift,
    NurseRow,
    PeriodRecord,
    Snapshot,
)
from chalicelib.scheduling.domain.requests import RosterRequest
from chalicelib.scheduling.domain.setup import ShiftDef
from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.errors import Conflict
from shared.onduty import MAX_SHIFT, OnDutyShift
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.paging import decode_cursor, one_page
from shared.persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from chalicelib.scheduling.adapters.calendar_feeds import DynamoCalendarFeeds
    from chalicelib.scheduling.adapters.repairs import DynamoDisruptions
    from chalicelib.scheduling.adapters.swaps import DynamoSwaps

HEADER = "period"
ROWS_END = "row#~"
MARKER = "onduty"


def period_partition(tenant: str, period_id: str) -> str:
    return tenant_key(tenant, "period", period_id)


class PeriodItem(TenantItem):
    """A roster period's header (no VersionAttribute: its ``revision`` is the optimistic lock, checked
    by condition on every change)."""

    ENTITY = "roster_period"
    Meta = table_meta("scheduling")
    ward_ids = ListAttribute(of=UnicodeAttribute)
    ward_names = ListAttribute(of=UnicodeAttribute)
    name = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    state = UnicodeAttribute()
    revision = NumberAttribute()
    published_versions = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    submitted_revision = NumberAttribute(null=True)
    approval_instance_id = UnicodeAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)
    published_at = UTCDateTimeAttribute(null=True)
    published_by = UnicodeAttribute(null=True)
    published_by_name = UnicodeAttribute(null=True)
    request_deadline = UnicodeAttribute(null=True)


class RequestItem(TenantItem):
    """A nurse's request for one day of a period."""

    ENTITY = "roster_request"
    Meta = table_meta("scheduling")
    request_id = UnicodeAttribute()
    staff_name = UnicodeAttribute()
    kind = UnicodeAttribute()
    shift = UnicodeAttribute(null=True)
    priority = NumberAttribute()
    reason = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()

    @staticmethod
    def sort_key(staff_id: str, day: date) -> str:
        return f"request#{staff_id}#{day.isoformat()}"


class PeriodEntryItem(TenantItem):
    """A ward's list entry of one of its periods: the header's fields as JSON, kept with every change of
    state or name (a draft's edits do not touch it)."""

    ENTITY = "roster_period_entry"
    Meta = table_meta("scheduling")
    period_id = UnicodeAttribute()
    end = UnicodeAttribute()
    header = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, ward_id: str) -> str:
        return tenant_key(tenant, "ward", ward_id, "periods")


class RowItem(TenantItem):
    """One nurse's cells of a period."""

    ENTITY = "roster_row"
    Meta = table_meta("scheduling")
    staff_name = UnicodeAttribute()
    ward_id = UnicodeAttribute()
    grade = UnicodeAttribute(null=True)
    cells = UnicodeAttribute()  # JSON {date: [shift, skill, pinned]}


class VersionItem(TenantItem):
    """A published version's snapshot (create-only)."""

    ENTITY = "roster_version"
    Meta = table_meta("scheduling")
    number = NumberAttribute()
    revision = NumberAttribute()
    published_at = UTCDateTimeAttribute()
    published_by = UnicodeAttribute()
    published_by_name = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)  # JSON: wards, span, shifts, names, cells


class DutyMarkerItem(TenantItem):
    """Which version of a period the on-duty read model holds, and the keys it wrote for it."""

    ENTITY = "onduty_applied"
    Meta = table_meta("scheduling")
    number = NumberAttribute()
    duty_keys = UnicodeAttribute()  # JSON ["<ward_id>|<sk>"]
    staff_keys = UnicodeAttribute()  # JSON ["<staff_id>|<sk>"]


class MyShiftsItem(TenantItem):
    """A nurse's published shifts of one period (the live version)."""

    ENTITY = "my_shifts"
    Meta = table_meta("scheduling")
    end = UnicodeAttribute()
    period_id = UnicodeAttribute()
    shifts = UnicodeAttribute()  # JSON [{date, shift, shift_name, starts_at, ends_at, ward_id, ward_name}]

    @staticmethod
    def partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "myshifts", staff_id)


# --- conversions --------------------------------------------------------------------------------------


def _header(p: PeriodRecord) -> dict[str, Any]:
    return {
        "id": p.id,
        "ward_ids": list(p.ward_ids),
        "ward_names": list(p.ward_names),
        "name": p.name,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "state": p.state,
        "revision": p.revision,
        "version": p.version,
        "created_at": p.created_at.isoformat(),
        "created_by": p.created_by,
        "submitted_revision": p.submitted_revision,
        "approval_instance_id": p.approval_instance_id,
        "decision_reason": p.decision_reason,
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "published_by": p.published_by,
        "published_by_name": p.published_by_name,
        "request_deadline": p.request_deadline.isoformat() if p.request_deadline else None,
    }


def _from_header(data: dict[str, Any]) -> PeriodRecord:
    return PeriodRecord(
        id=data["id"],
        ward_ids=tuple(data["ward_ids"]),
        ward_names=tuple(data["ward_names"]),
        name=data["name"],
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        state=data["state"],
        revision=int(data["revision"]),
        version=int(data["version"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        created_by=data["created_by"],
        submitted_revision=data.get("submitted_revision"),
        approval_instance_id=data.get("approval_instance_id") or "",
        decision_reason=data.get("decision_reason") or "",
        published_at=datetime.fromisoformat(data["published_at"]) if data.get("published_at") else None,
        published_by=data.get("published_by") or "",
        published_by_name=data.get("published_by_name") or "",
        request_deadline=date.fromisoformat(data["request_deadline"])
        if data.get("request_deadline")
        else None,
    )


def _period(item: PeriodItem) -> PeriodRecord:
    return PeriodRecord(
        id=item.pk.rsplit("#", 1)[1],
        ward_ids=tuple(str(w) for w in item.ward_ids),
        ward_names=tuple(str(w) for w in item.ward_names),
        name=item.name,
        start=date.fromisoformat(item.start),
        end=date.fromisoformat(item.end),
        state=item.state,  # type: ignore[arg-type]
        revision=int(item.revision),
        version=int(item.published_versions or 0),
        created_at=item.created_at,
        created_by=item.created_by,
        submitted_revision=int(item.submitted_revision) if item.submitted_revision is not None else None,
        approval_instance_id=item.approval_instance_id or "",
        decision_reason=item.decision_reason or "",
        published_at=item.published_at,
        published_by=item.published_by or "",
        published_by_name=item.published_by_name or "",
        request_deadline=date.fromisoformat(item.request_deadline) if item.request_deadline else None,
    )


def _period_item(tenant: str, p: PeriodRecord) -> PeriodItem:
    return PeriodItem.new(
        tenant,
        HEADER,
        pk=period_partition(tenant, p.id),
        ward_ids=list(p.ward_ids),
        ward_names=list(p.ward_names),
        name=p.name,
        start=p.start.isoformat(),
        end=p.end.isoformat(),
        state=p.state,
        revision=p.revision,
        published_versions=p.version,
        created_at=p.created_at,
        created_by=p.created_by,
        submitted_revision=p.submitted_revision,
        approval_instance_id=p.approval_instance_id or None,
        decision_reason=p.decision_reason or None,
        published_at=p.published_at,
        published_by=p.published_by or None,
        published_by_name=p.published_by_name or None,
        request_deadline=p.request_deadline.isoformat() if p.request_deadline else None,
    )


def _cells_json(cells: Any) -> str:
    return json.dumps(
        {d.isoformat(): [c.shift, c.skill, c.pinned] for d, c in sorted(cells.items())}, ensure_ascii=False
    )


def _cells(text: str) -> dict[date, Cell]:
    return {date.fromisoformat(d): Cell(v[0], v[1], bool(v[2])) for d, v in json.loads(text or "{}").items()}


def _row(item: RowItem) -> NurseRow:
    return NurseRow(
        item.sk.removeprefix("row#"), item.staff_name, item.ward_id, item.grade or "", _cells(item.cells)
    )


def _request(item: RequestItem) -> RosterRequest:
    _, staff_id, day = item.sk.rsplit("#", 2)
    return RosterRequest(
        id=item.request_id,
        period_id=item.pk.rsplit("#", 1)[1],
        staff_id=staff_id,
        staff_name=item.staff_name,
        day=date.fromisoformat(day),
        kind=item.kind,  # type: ignore[arg-type]
        shift=item.shift,
        priority=int(item.priority),
        reason=item.reason or "",
        created_at=item.created_at,
        created_by=item.created_by,
    )


def _shift_json(s: ShiftDef) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "colour": s.colour,
        "skill": s.skill,
    }


def _shift(d: dict[str, Any]) -> ShiftDef:
    return ShiftDef(
        d["code"],
        d["name"],
        time.fromisoformat(d["start"]),
        time.fromisoformat(d["end"]),
        d["colour"],
        d["skill"],
    )


def _version_item(tenant: str, s: Snapshot) -> VersionItem:
    data = {
        "ward_ids": list(s.ward_ids),
        "ward_names": list(s.ward_names),
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "shifts": [_shift_json(x) for x in s.shifts],
        "names": dict(s.names),
        "wards": dict(s.wards),
        "cells": {k: json.loads(_cells_json(v)) for k, v in s.cells.items()},
    }
    return VersionItem.new(
        tenant,
        f"version#{s.version:04d}",
        pk=period_partition(tenant, s.period_id),
        number=s.version,
        revision=s.revision,
        published_at=s.published_at,
        published_by=s.published_by,
        published_by_name=s.published_by_name or None,
        data=json.dumps(data, ensure_ascii=False),
    )


def _snapshot(item: VersionItem) -> Snapshot:
    data = json.loads(item.data or "{}")
    return Snapshot(
        period_id=item.pk.rsplit("#", 1)[1],
        version=int(item.number),
        revision=int(item.revision),
        ward_ids=tuple(data.get("ward_ids", ())),
        ward_names=tuple(data.get("ward_names", ())),
        start=date.fromisoformat(data["start"]) if "start" in data else date.min,
        end=date.fromisoformat(data["end"]) if "end" in data else date.min,
        published_at=item.published_at,
        published_by=item.published_by,
        published_by_name=item.published_by_name or "",
        shifts=tuple(_shift(x) for x in data.get("shifts", ())),
        names=data.get("names", {}),
        wards=data.get("wards", {}),
        cells={k: _cells(json.dumps(v)) for k, v in data.get("cells", {}).items()},
    )


# --- repositories -------------------------------------------------------------------------------------


@dataclass
class DynamoPeriods:
    """``PeriodRepository``: the header conditioned on its revision, rows and list entries in the same
    transaction."""

    tenant: str
    uow: UnitOfWork | None

    def get(self, period_id: str) -> PeriodRecord | None:
        try:
            return _period(PeriodItem.get(period_partition(self.tenant, period_id), HEADER))
        except PeriodItem.DoesNotExist:
            return None

    def grid(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow]]:
        header, rows, _ = self.sheet(period_id)
        return header, rows

    def sheet(self, period_id: str) -> tuple[PeriodRecord | None, list[NurseRow], list[RosterRequest]]:
        partition = period_partition(self.tenant, period_id)
        header: PeriodRecord | None = None
        rows: list[NurseRow] = []
        requests: list[RosterRequest] = []
        result = PeriodItem.query(partition, PeriodItem.sk.between(HEADER, ROWS_END))
        for page in result.page_iter:
            for raw in page.get("Items", []):
                kind = raw.get("entity", {}).get("S")
                if kind == PeriodItem.ENTITY:
                    header = _period(PeriodItem.from_raw_data(raw))
                elif kind == RowItem.ENTITY:
                    rows.append(_row(RowItem.from_raw_data(raw)))
                elif kind == RequestItem.ENTITY:
                    requests.append(_request(RequestItem.from_raw_data(raw)))
        return header, rows, requests

    def _entries(self, p: PeriodRecord) -> list[PeriodEntryItem]:
        text = json.dumps(_header(p), ensure_ascii=False)
        return [
            PeriodEntryItem.new(
                self.tenant,
                f"{p.start.isoformat()}#{p.id}",
                pk=PeriodEntryItem.partition(self.tenant, ward),
                period_id=p.id,
                end=p.end.isoformat(),
                header=text,
            )
            for ward in p.ward_ids
        ]

    def _row_item(self, period_id: str, row: NurseRow) -> RowItem:
        return RowItem.new(
            self.tenant,
            f"row#{row.staff_id}",
            pk=period_partition(self.tenant, period_id),
            staff_name=row.staff_name,
            ward_id=row.ward_id,
            grade=row.grade or None,
            cells=_cells_json(row.cells),
        )

    def add(self, period: PeriodRecord) -> None:
        uow = _writes(self.uow)
        uow.create(_period_item(self.tenant, period), on_conflict=Conflict("already exists"))
        for entry in self._entries(period):
            uow.save(entry)

    def save(self, period: PeriodRecord, base_revision: int, rows: Iterable[NurseRow], relist: bool) -> None:
        uow = _writes(self.uow)
        uow.save(
            _period_item(self.tenant, period),
            condition=PeriodItem.revision == base_revision,
            on_conflict=Conflict("the roster period changed meanwhile; reload it"),
        )
        for row in rows:
            uow.save(self._row_item(period.id, row))
        if relist:
            for entry in self._entries(period):
                uow.save(entry)

    def remove(self, period: PeriodRecord, row_ids: Iterable[str]) -> None:
        uow = _writes(self.uow)
        partition = period_partition(self.tenant, period.id)
        uow.delete(
            PeriodItem(partition, HEADER),
            condition=PeriodItem.revision == period.revision,
            on_conflict=Conflict("the roster period changed meanwhile; reload it"),
        )
        for staff_id in row_ids:
            uow.delete(RowItem(partition, f"row#{staff_id}"))
        for entry in self._entries(period):
            uow.delete(PeriodEntryItem(entry.pk, entry.sk))

    def of_ward(self, ward_id: str, limit: int, cursor: str | None) -> tuple[list[PeriodRecord], str | None]:
        partition = PeriodEntryItem.partition(self.tenant, ward_id)
        result = PeriodEntryItem.query(
            partition,
            limit=limit,
            page_size=limit,
            scan_index_forward=False,
            last_evaluated_key=decode_cursor(cursor, partition),
        )
        items, next_cursor = one_page(PeriodEntryItem, result)
        return [_from_header(json.loads(i.header)) for i in items], next_cursor

    def around(self, ward_id: str, start: date, end: date) -> list[PeriodRecord]:
        from chalicelib.scheduling.domain.periods import LONGEST_PERIOD

        since = (start - timedelta(days=LONGEST_PERIOD + 1)).isoformat()
        result = PeriodEntryItem.query(
            PeriodEntryItem.partition(self.tenant, ward_id),
            PeriodEntryItem.sk.between(since, f"{end.isoformat()}~"),
            filter_condition=PeriodEntryItem.end >= (start - timedelta(days=1)).isoformat(),
        )
        return [_from_header(json.loads(i.header)) for i in result]


@dataclass
class DynamoRequests:
    """``RequestRepository``: one item per nurse and day, create-only."""

    tenant: str
    uow: UnitOfWork | None

    def add(self, request: RosterRequest) -> None:
        item = RequestItem.new(
            self.tenant,
            RequestItem.sort_key(request.staff_id, request.day),
            pk=period_partition(self.tenant, request.period_id),
            request_id=request.id,
            staff_name=request.staff_name,
            kind=request.kind,
            shift=request.shift,
            priority=request.priority,
            reason=request.reason or None,
            created_at=request.created_at,
            created_by=request.created_by,
        )
        _writes(self.uow).create(item, on_conflict=Conflict("there is a request for that day already"))

    def remove(self, request: RosterRequest) -> None:
        _writes(self.uow).delete(
            RequestItem(
                period_partition(self.tenant, request.period_id),
                RequestItem.sort_key(request.staff_id, request.day),
            ),
            condition=RequestItem.request_id == request.id,
            on_conflict=Conflict("the request changed meanwhile; reload it"),
        )


@dataclass
class DynamoVersions:
    tenant: str
    uow: UnitOfWork | None

    def add(self, snapshot: Snapshot) -> None:
        _writes(self.uow).create(
            _version_item(self.tenant, snapshot),
            on_conflict=Conflict(f"version {snapshot.version} is already published"),
        )

    def get(self, period_id: str, version: int) -> Snapshot | None:
        try:
            return _snapshot(
                VersionItem.get(period_partition(self.tenant, period_id), f"version#{version:04d}")
            )
        except VersionItem.DoesNotExist:
            return None

    def many(self, refs: Sequence[tuple[str, int]]) -> list[Snapshot]:
        keys = [(period_partition(self.tenant, p), f"version#{v:04d}") for p, v in dict.fromkeys(refs)]
        found: dict[tuple[str, str], Snapshot] = {}
        for first in range(0, len(keys), 100):  # DynamoDB's limit per BatchGetItem
            for item in VersionItem.batch_get(keys[first : first + 100]):
                found[(item.pk, item.sk)] = _snapshot(item)
        return [found[k] for k in keys if k in found]

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[Snapshot], str | None]:
        partition = period_partition(self.tenant, period_id)
        result = VersionItem.query(
            partition,
            VersionItem.sk.startswith("version#"),
            limit=limit,
            page_size=limit,
            scan_index_forward=False,
            last_evaluated_key=decode_cursor(cursor, partition),
            attributes_to_get=[
                "pk",
                "sk",
                "entity",
                "tenant",
                "number",
                "revision",
                "published_at",
                "published_by",
                "published_by_name",
            ],
        )
        items, next_cursor = one_page(VersionItem, result)
        return [_snapshot(i) for i in items], next_cursor


def _duty_item(tenant: str, period_id: str, version: int, shift: DutyShift) -> OnDutyShift:
    return OnDutyShift(
        OnDutyShift.partition(tenant, shift.ward_id),
        OnDutyShift.sort_key(shift.starts_at, shift.shift),
        entity=OnDutyShift.ENTITY,
        tenant=tenant,
        ward_id=shift.ward_id,
        shift_code=shift.shift,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        staff_ids=list(shift.staff_ids),
        period_id=period_id,
        day=shift.day.isoformat(),
        shift_name=shift.shift_name,
        staff_names=list(shift.staff_names),
    )


def _mine_json(shifts: Sequence[MyShift]) -> str:
    return json.dumps(
        [
            {
                "date": s.day.isoformat(),
                "shift": s.shift,
                "shift_name": s.shift_name,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "ward_id": s.ward_id,
                "ward_name": s.ward_name,
                "version": s.version,
                "published_at": s.published_at.isoformat() if s.published_at else None,
            }
            for s in shifts
        ],
        ensure_ascii=False,
    )


def _mine(text: str) -> list[MyShift]:
    return [
        MyShift(
            date.fromisoformat(d["date"]),
            d["shift"],
            d["shift_name"],
            datetime.fromisoformat(d["starts_at"]),
            datetime.fromisoformat(d["ends_at"]),
            d["ward_id"],
            d["ward_name"],
            int(d.get("version") or 0),
            datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None,
        )
        for d in json.loads(text or "[]")
    ]


@dataclass
class DynamoDuty:
    """``DutyRepository``: the version's items by BatchWriteItem (a month of a ward is over a hundred
    items, more than one transaction holds), the marker in the consumer's transaction."""

    tenant: str
    uow: UnitOfWork | None

    def applied(self, period_id: str) -> tuple[int, list[str], list[str]]:
        try:
            item = DutyMarkerItem.get(period_partition(self.tenant, period_id), MARKER)
        except DutyMarkerItem.DoesNotExist:
            return 0, [], []
        return int(item.number), json.loads(item.duty_keys), json.loads(item.staff_keys)

    def replace(
        self,
        period_id: str,
        version: int,
        shifts: Sequence[DutyShift],
        mine: dict[str, list[MyShift]],
        start: date,
        stale: tuple[list[str], list[str]],
    ) -> None:
        duty = [_duty_item(self.tenant, period_id, version, s) for s in shifts]
        own = [
            MyShiftsItem.new(
                self.tenant,
                f"{start.isoformat()}#{period_id}",
                pk=MyShiftsItem.partition(self.tenant, staff_id),
                end=max((s.day for s in items), default=start).isoformat(),
                period_id=period_id,
                shifts=_mine_json(items),
            )
            for staff_id, items in sorted(mine.items())
            if items
        ]
        duty_keys = [f"{i.ward_id}|{i.sk}" for i in duty]
        staff_keys = [f"{i.pk.rsplit('#', 1)[1]}|{i.sk}" for i in own]
        with OnDutyShift.batch_write() as batch:
            for item in duty:
                batch.save(item)
            for key in sorted(set(stale[0]) - set(duty_keys)):
                ward, sk = key.split("|", 1)
                batch.delete(OnDutyShift(OnDutyShift.partition(self.tenant, ward), sk))
        with MyShiftsItem.batch_write() as batch:
            for own_item in own:
                batch.save(own_item)
            for key in sorted(set(stale[1]) - set(staff_keys)):
                staff_id, sk = key.split("|", 1)
                batch.delete(MyShiftsItem(MyShiftsItem.partition(self.tenant, staff_id), sk))
        marker = DutyMarkerItem.new(
            self.tenant,
            MARKER,
            pk=period_partition(self.tenant, period_id),
            number=version,
            duty_keys=json.dumps(duty_keys),
            staff_keys=json.dumps(staff_keys),
        )
        _writes(self.uow).save(
            marker,
            condition=DutyMarkerItem.number.does_not_exist() | (DutyMarkerItem.number < version),
            on_conflict=Conflict("a later version is on duty already"),
        )

    def my_shifts(self, staff_id: str, first: date, last: date) -> list[MyShift]:
        from chalicelib.scheduling.domain.periods import LONGEST_PERIOD

        since = (first - timedelta(days=LONGEST_PERIOD)).isoformat()
        result = MyShiftsItem.query(
            MyShiftsItem.partition(self.tenant, staff_id),
            MyShiftsItem.sk.between(since, f"{last.isoformat()}~"),
            filter_condition=MyShiftsItem.end >= first.isoformat(),
        )
        out = [s for item in result for s in _mine(item.shifts) if first <= s.day <= last]
        return sorted(out, key=lambda s: s.starts_at)

    def on_duty(self, ward_id: str, at: datetime) -> list[DutyShift]:
        low = OnDutyShift.sort_key(at - MAX_SHIFT, "")
        high = OnDutyShift.sort_key(at, "~")
        out = []
        for item in OnDutyShift.query(
            OnDutyShift.partition(self.tenant, ward_id), OnDutyShift.sk.between(low, high)
        ):
            if item.starts_at <= at < item.ends_at:
                day = date.fromisoformat(item.day) if item.day else item.starts_at.date()
                ids = tuple(str(s) for s in item.staff_ids or ())
                names = tuple(str(s) for s in item.staff_names or ())
                out.append(
                    DutyShift(
                        ward_id,
                        day,
                        item.shift_code,
                        item.starts_at,
                        item.ends_at,
                        ids,
                        item.shift_name or "",
                        names,
                    )
                )
        return out


@dataclass
class PeriodDynamoStore(DynamoStore):
    """``PeriodStore`` on DynamoDB: the staff and leave repositories of ``DynamoStore`` and the periods'."""

    @property
    def periods(self) -> DynamoPeriods:
        return DynamoPeriods(self.tenant, self.uow)

    @property
    def versions(self) -> DynamoVersions:
        return DynamoVersions(self.tenant, self.uow)

    @property
    def requests(self) -> DynamoRequests:
        return DynamoRequests(self.tenant, self.uow)

    @property
    def duty(self) -> DynamoDuty:
        return DynamoDuty(self.tenant, self.uow)

    @property
    def feeds(self) -> DynamoCalendarFeeds:
        from chalicelib.scheduling.adapters.calendar_feeds import DynamoCalendarFeeds

        return DynamoCalendarFeeds(self.tenant, self.uow)

    @property
    def disruptions(self) -> DynamoDisruptions:
        from chalicelib.scheduling.adapters.repairs import DynamoDisruptions

        return DynamoDisruptions(self.tenant, self.uow)

    @property
    def swaps(self) -> DynamoSwaps:
        from chalicelib.scheduling.adapters.swaps import DynamoSwaps

        return DynamoSwaps(self.tenant, self.uow)
