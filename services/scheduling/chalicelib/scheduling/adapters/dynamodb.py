"""Scheduling's DynamoDB items and the reads on them: the only module of the service that touches DynamoDB."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time
from typing import Any

from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.ports import DirectoryStaff, LeavePage, Page
from chalicelib.scheduling.domain.problem import Certificate
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit
from chalicelib.scheduling.domain.roster.model import Assignment
from chalicelib.scheduling.domain.setup import (
    CalendarDay,
    ContractDef,
    DemandRule,
    FairnessOverTime,
    ShiftDef,
)
from chalicelib.scheduling.domain.solve_jobs import SOLVE_RUNNING, SolveJob, SolveSettings, roster_of
from chalicelib.scheduling.domain.ward_rules import WardRules
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import UpdateError

from shared import directory
from shared.errors import Conflict, NotFound
from shared.persistence.models import Aggregate, Gsi1, TenantItem, now_utc, table_meta, tenant_key
from shared.persistence.paging import decode_cursor, one_page, query_page
from shared.persistence.uow import UnitOfWork


class RosterStaffItem(TenantItem):
    """The staff projection. Not versioned: each event rewrites it from the directory's current state, so
    an update must overwrite whatever is there (a version condition refused every staff.updated).

    By id in the hospital's partition, and by unit on gsi1 (``<t>#staff#unit#<unit_id>`` / staff id), so
    a ward's nurses are one Query. Items projected before the index existed join it on their next event."""

    ENTITY = "roster_staff"
    Meta = table_meta("scheduling")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    projected_at = UTCDateTimeAttribute()
    nurse_grade = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    certificates = UnicodeAttribute(default="[]")  # JSON [{"type", "valid_until"}]
    status = UnicodeAttribute(default="active")
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_unit = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")

    @staticmethod
    def unit_partition(tenant: str, unit_id: str) -> str:
        return tenant_key(tenant, "staff", "unit", unit_id)


class ShiftTypeItem(TenantItem):
    """A shift type of the hospital's catalogue (``<t>#shifttypes`` / code); times are local ``HH:MM``."""

    ENTITY = "shift_type"
    Meta = table_meta("scheduling")
    name = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    colour = UnicodeAttribute()
    skill = UnicodeAttribute(null=True)
    max_consecutive = NumberAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "shifttypes")


class WardSetupItem(Aggregate):
    """A ward's own setup, one item (``<t>#ward#<ward_id>`` / ``setup``): each part a JSON attribute,
    absent when the ward has not set it. Versioned: a save names the version it was based on."""

    ENTITY = "ward_setup"
    Meta = table_meta("scheduling")
    shifts = UnicodeAttribute(default="[]")
    shift_codes = UnicodeAttribute(null=True)
    forbidden_successions = UnicodeAttribute(null=True)
    min_rest_hours = NumberAttribute(null=True)
    contracts = UnicodeAttribute(null=True)
    default_contract = UnicodeAttribute(null=True)
    nurse_contracts = UnicodeAttribute(default="{}")
    demand = UnicodeAttribute(null=True)
    skip_approval = BooleanAttribute(null=True)
    fairness = UnicodeAttribute(null=True)  # JSON {over_time, since, months, weight}
    updated_by = UnicodeAttribute(null=True)

    SORT_KEY = "setup"

    @staticmethod
    def ward_partition(tenant: str, ward_id: str) -> str:
        return tenant_key(tenant, "ward", ward_id)


class CalendarDayItem(TenantItem):
    """A day the hospital set itself (``<t>#calendar`` / ISO date): a holiday or a 调休 working day."""

    ENTITY = "calendar_day"
    Meta = table_meta("scheduling")
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute(default=now_utc)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "calendar")


class LeaveItem(TenantItem):
    """Approved leave: a hard unavailability for rostering. Keyed by start date, and by staff on gsi1.

    Written by updates that set every attribute but ``cancelled_at`` (and ``staff_name`` when not known),
    so the approval and its cancellation (销假) land in either order, a cancelled leave stays cancelled and
    keeps the name its approval recorded."""

    ENTITY = "leave"
    Meta = table_meta("scheduling")
    staff_id = UnicodeAttribute()
    staff_name = UnicodeAttribute(null=True)
    instance_id = UnicodeAttribute()
    leave_type = UnicodeAttribute()
    start = UnicodeAttribute()  # local dates, ISO
    end = UnicodeAttribute()
    start_half = UnicodeAttribute(default="am")  # older items: whole days
    end_half = UnicodeAttribute(default="pm")
    days = NumberAttribute(null=True)
    recorded_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_staff = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "leave")

    @staticmethod
    def staff_partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "leave", staff_id)

    @staticmethod
    def sort_key(start: date, staff_id: str, instance_id: str) -> str:
        """Keyed by the approval, so the same leave arriving again overwrites itself."""
        return f"{start.isoformat()}#{staff_id}#{instance_id}"


def _staff(item: RosterStaffItem) -> StaffRecord:
    return StaffRecord(
        id=item.sk,
        name=item.name,
        employee_no=item.employee_no,
        department_id=item.department_id,
        title=item.title,
        projected_at=item.projected_at,
        nurse_grade=item.nurse_grade,
        roles=tuple(str(r) for r in item.roles or ()),
        certificates=tuple(
            Certificate(
                str(c["type"]), date.fromisoformat(c["valid_until"]) if c.get("valid_until") else None
            )
            for c in json.loads(item.certificates or "[]")
        ),
        status=item.status or "active",
    )


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _shift_json(s: ShiftDef) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "start": _hhmm(s.start),
        "end": _hhmm(s.end),
        "colour": s.colour,
        "skill": s.skill,
        "max_consecutive": s.max_consecutive,
    }


def _shift_of(data: dict[str, Any]) -> ShiftDef:
    return ShiftDef(
        str(data["code"]),
        str(data["name"]),
        time.fromisoformat(data["start"]),
        time.fromisoformat(data["end"]),
        str(data.get("colour") or ShiftDef.colour),
        data.get("skill"),
        int(data["max_consecutive"]) if data.get("max_consecutive") else None,
    )


def _shift_type(item: ShiftTypeItem) -> ShiftDef:
    return _shift_of(
        {
            "code": item.sk,
            "name": item.name,
            "start": item.start,
            "end": item.end,
            "colour": item.colour,
            "skill": item.skill,
            "max_consecutive": item.max_consecutive,
        }
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _rules_item(tenant: str, rules: WardRules, expected_version: int) -> WardSetupItem:
    item = WardSetupItem.new(
        tenant,
        WardSetupItem.SORT_KEY,
        pk=WardSetupItem.ward_partition(tenant, rules.ward_id),
        shifts=_json([_shift_json(s) for s in rules.shifts]),
        shift_codes=_json(list(rules.shift_codes)) if rules.shift_codes is not None else None,
        forbidden_successions=_json([list(p) for p in rules.forbidden_successions])
        if rules.forbidden_successions is not None
        else None,
        min_rest_hours=rules.min_rest_hours,
        contracts=_json([asdict(c) for c in rules.contracts]) if rules.contracts is not None else None,
        default_contract=rules.default_contract,
        nurse_contracts=_json(dict(rules.nurse_contracts)),
        demand=_json([asdict(d) for d in rules.demand]) if rules.demand is not None else None,
        skip_approval=rules.skip_approval,
        fairness=_json({**asdict(rules.fairness), "since": _iso(rules.fairness.since)})
        if rules.fairness is not None
        else None,
        updated_at=rules.updated_at or now_utc(),
        updated_by=rules.updated_by,
    )
    if expected_version:
        item.version = expected_version
    return item


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _fairness(data: dict[str, Any] | None) -> FairnessOverTime | None:
    if data is None:
        return None
    since = data.get("since")
    return FairnessOverTime(**{**data, "since": date.fromisoformat(since) if since else None})


def _rules(ward_id: str, item: WardSetupItem) -> WardRules:
    def loaded(value: str | None) -> Any:
        return json.loads(value) if value is not None else None

    contracts, demand = loaded(item.contracts), loaded(item.demand)
    successions, codes = loaded(item.forbidden_successions), loaded(item.shift_codes)
    return WardRules(
        ward_id=ward_id,
        shifts=tuple(_shift_of(s) for s in json.loads(item.shifts or "[]")),
        shift_codes=tuple(codes) if codes is not None else None,
        forbidden_successions=tuple((a, b) for a, b in successions) if successions is not None else None,
        min_rest_hours=float(item.min_rest_hours) if item.min_rest_hours is not None else None,
        contracts=tuple(ContractDef(**c) for c in contracts) if contracts is not None else None,
        default_contract=item.default_contract,
        nurse_contracts=json.loads(item.nurse_contracts or "{}"),
        demand=tuple(DemandRule(**d) for d in demand) if demand is not None else None,
        skip_approval=item.skip_approval,
        fairness=_fairness(loaded(item.fairness)),
        version=int(item.version or 0),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def _leave(item: LeaveItem) -> LeaveRecord:
    return LeaveRecord(
        staff_id=item.staff_id,
        instance_id=item.instance_id,
        leave_type=item.leave_type,
        start=date.fromisoformat(item.start),
        end=date.fromisoformat(item.end),
        recorded_at=item.recorded_at,
        staff_name=item.staff_name or "",
        start_half=item.start_half or "am",
        end_half=item.end_half or "pm",
        days=float(item.days) if item.days is not None else None,
        cancelled_at=item.cancelled_at,
    )


@dataclass
class DynamoStaff:
    """``StaffRepository`` on the scheduling table (one Query a page; writes staged in the unit of work)."""

    tenant: str
    uow: UnitOfWork | None

    def put(self, record: StaffRecord) -> None:
        item = RosterStaffItem.new(
            self.tenant,
            record.id,
            name=record.name,
            employee_no=record.employee_no,
            department_id=record.department_id,
            title=record.title,
            projected_at=record.projected_at,
            nurse_grade=record.nurse_grade,
            roles=list(record.roles),
            certificates=_json(
                [
                    {"type": c.type, "valid_until": c.valid_until.isoformat() if c.valid_until else None}
                    for c in record.certificates
                ]
            ),
            status=record.status,
            gsi1pk=RosterStaffItem.unit_partition(self.tenant, record.department_id),
            gsi1sk=record.id,
        )
        _writes(self.uow).save(item, condition=None)

    def remove(self, staff_id: str) -> None:
        _writes(self.uow).delete(RosterStaffItem(RosterStaffItem.partition(self.tenant), staff_id))

    def page(self, limit: int, cursor: str | None) -> Page:
        rows, next_cursor = query_page(RosterStaffItem, RosterStaffItem.partition(self.tenant), limit, cursor)
        return [_staff(row) for row in rows], next_cursor

    def of_units(self, unit_ids: Sequence[str]) -> list[StaffRecord]:
        return [
            _staff(row)
            for unit_id in dict.fromkeys(unit_ids)
            for row in RosterStaffItem.by_unit.query(RosterStaffItem.unit_partition(self.tenant, unit_id))
            if row.tenant == self.tenant
        ]


@dataclass
class DynamoShiftTypes:
    """``ShiftTypeRepository``: the catalogue is one partition, read whole by one Query."""

    tenant: str
    uow: UnitOfWork | None

    def all(self) -> list[ShiftDef]:
        return [_shift_type(i) for i in ShiftTypeItem.query(ShiftTypeItem.partition(self.tenant))]

    def put(self, shift: ShiftDef) -> None:
        item = ShiftTypeItem.new(
            self.tenant,
            shift.code,
            name=shift.name,
            start=_hhmm(shift.start),
            end=_hhmm(shift.end),
            colour=shift.colour,
            skill=shift.skill,
            max_consecutive=shift.max_consecutive,
        )
        _writes(self.uow).save(item, condition=None)

    def remove(self, code: str) -> None:
        _writes(self.uow).delete(
            ShiftTypeItem(ShiftTypeItem.partition(self.tenant), code),
            condition=ShiftTypeItem.pk.exists(),
            on_conflict=NotFound("shift type"),
        )


@dataclass
class DynamoWardRules:
    """``WardRulesRepository``: one versioned item per ward."""

    tenant: str
    uow: UnitOfWork | None

    def get(self, ward_id: str) -> WardRules:
        try:
            item = WardSetupItem.get(
                WardSetupItem.ward_partition(self.tenant, ward_id), WardSetupItem.SORT_KEY
            )
        except WardSetupItem.DoesNotExist:
            return WardRules(ward_id)
        return _rules(ward_id, item)

    def save(self, rules: WardRules, expected_version: int) -> None:
        _writes(self.uow).save(
            _rules_item(self.tenant, rules, expected_version),
            on_conflict=Conflict("the ward's setup was changed by someone else; reload it and try again"),
        )


@dataclass
class DynamoCalendar:
    """``CalendarRepository``: the hospital's days in one partition, by ISO date."""

    tenant: str
    uow: UnitOfWork | None

    def between(self, first: date, last: date) -> list[CalendarDay]:
        return [
            CalendarDay(date.fromisoformat(i.sk), i.kind, i.name)  # type: ignore[arg-type]
            for i in CalendarDayItem.query(
                CalendarDayItem.partition(self.tenant),
                CalendarDayItem.sk.between(first.isoformat(), last.isoformat()),
            )
        ]

    def put(self, day: CalendarDay) -> None:
        item = CalendarDayItem.new(self.tenant, day.day.isoformat(), kind=day.kind, name=day.name)
        _writes(self.uow).save(item, condition=None)

    def remove(self, day: date) -> None:
        _writes(self.uow).delete(
            CalendarDayItem(CalendarDayItem.partition(self.tenant), day.isoformat()),
            condition=CalendarDayItem.pk.exists(),
            on_conflict=NotFound("calendar day"),
        )


@dataclass
class DynamoLeave:
    """``LeaveRepository``: by start date in the hospital's partition, and by person on gsi1."""

    tenant: str
    uow: UnitOfWork | None

    def _actions(self, record: LeaveRecord) -> tuple[LeaveItem, list[Any]]:
        key = LeaveItem.sort_key(record.start, record.staff_id, record.instance_id)
        item = LeaveItem(LeaveItem.partition(self.tenant), key)
        actions: list[Any] = [
            LeaveItem.entity.set(LeaveItem.ENTITY),
            LeaveItem.tenant.set(self.tenant),
            LeaveItem.staff_id.set(record.staff_id),
            LeaveItem.instance_id.set(record.instance_id),
            LeaveItem.leave_type.set(record.leave_type),
            LeaveItem.start.set(record.start.isoformat()),
            LeaveItem.end.set(record.end.isoformat()),
            LeaveItem.start_half.set(record.start_half),
            LeaveItem.end_half.set(record.end_half),
            LeaveItem.recorded_at.set(record.recorded_at),
            LeaveItem.gsi1pk.set(LeaveItem.staff_partition(self.tenant, record.staff_id)),
            LeaveItem.gsi1sk.set(f"{record.start.isoformat()}#{record.instance_id}"),
        ]
        if record.days is not None:
            actions.append(LeaveItem.days.set(record.days))
        if record.staff_name:  # a cancellation carries none: it keeps the name its approval recorded
            actions.append(LeaveItem.staff_name.set(record.staff_name))
        return item, actions

    def put(self, record: LeaveRecord) -> None:
        item, actions = self._actions(record)
        _writes(self.uow).update(item, actions)

    def cancel(self, record: LeaveRecord, at: datetime) -> None:
        item, actions = self._actions(record)
        actions.append(LeaveItem.cancelled_at.set(LeaveItem.cancelled_at | at))  # the first time stays
        _writes(self.uow).update(item, actions)

    def overlapping(self, staff_id: str | None, window: Window, limit: int, cursor: str | None) -> LeavePage:
        """One Query: leave that started in [window start - the longest leave, window end] and ends on
        or after the window's start (a filter within the page read)."""
        since, until = window.starts_from.isoformat(), f"{window.last.isoformat()}~"
        overlaps = (LeaveItem.end >= window.first.isoformat()) & LeaveItem.cancelled_at.does_not_exist()
        if staff_id is not None:
            partition = LeaveItem.staff_partition(self.tenant, staff_id)
            result = LeaveItem.by_staff.query(
                partition,
                LeaveItem.gsi1sk.between(since, until),
                filter_condition=overlaps,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, partition, pk_name="gsi1pk"),
            )
        else:
            partition = LeaveItem.partition(self.tenant)
            result = LeaveItem.query(
                partition,
                LeaveItem.sk.between(since, until),
                filter_condition=overlaps,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, partition),
            )
        rows, next_cursor = one_page(LeaveItem, result)
        return [_leave(row) for row in rows], next_cursor


def _writes(uow: UnitOfWork | None) -> UnitOfWork:
    if uow is None:
        raise RuntimeError("this store reads only: open it with a unit of work to write")
    return uow


@dataclass
class DynamoStore:
    """``Store`` on DynamoDB for one tenant; writes go into ``uow`` (none: a read-only store)."""

    tenant: str
    uow: UnitOfWork | None = None

    @property
    def staff(self) -> DynamoStaff:
        return DynamoStaff(self.tenant, self.uow)

    @property
    def leave(self) -> DynamoLeave:
        return DynamoLeave(self.tenant, self.uow)

    @property
    def shift_types(self) -> DynamoShiftTypes:
        return DynamoShiftTypes(self.tenant, self.uow)

    @property
    def ward_rules(self) -> DynamoWardRules:
        return DynamoWardRules(self.tenant, self.uow)

    @property
    def calendar(self) -> DynamoCalendar:
        return DynamoCalendar(self.tenant, self.uow)


class DirectoryReadModel:
    """``Directory`` on the shared directory read model: a member of staff (one GetItem), the units
    (one Query of the hospital's unit partition)."""

    def staff(self, tenant: str, staff_id: str) -> DirectoryStaff | None:
        item = directory.get_staff(tenant, staff_id)
        if item is None:
            return None
        try:
            certificates = json.loads(item.certificates or "[]")
        except ValueError:
            certificates = []
        return DirectoryRecord(
            item.name,
            item.employee_no,
            item.department_id,
            item.title,
            item.status,
            item.nurse_grade,
            tuple(str(r) for r in item.roles or ()),
            tuple(c for c in certificates if isinstance(c, dict)),
        )

    def units(self, tenant: str) -> Mapping[str, Unit]:
        return {
            str(u.sk): Unit(str(u.sk), u.name, u.kind or "department", u.parent_id, u.head_id)
            for u in directory.DepartmentItem.query(directory.DepartmentItem.partition(tenant))
        }


@dataclass
class DirectoryRecord:
    name: str
    employee_no: str
    department_id: str
    title: str | None
    status: str
    nurse_grade: str | None = None
    roles: tuple[str, ...] = ()
    certificates: tuple[dict[str, Any], ...] = ()


# ---- auto-roster jobs ------------------------------------------------------------------------------------

LIVE_JOBS_INDEX = "solvejobs"  # a system index for the sweep; every item it returns names its tenant


class SolveJobItem(TenantItem):
    """One auto-roster job, in its period's partition (``job#<id>``, ids in time order: newest first is
    one Query backwards). While it is live it carries the system key ``gsi1pk = solvejobs`` with
    ``gsi1sk = <when it goes stale>#<tenant>#<period>#<job>`` (moved on by every heartbeat), so the
    sweep finds every hospital's overdue jobs with one Query; ending the job removes both (sparse)."""

    ENTITY = "solve_job"
    Meta = table_meta("scheduling")
    period_id = UnicodeAttribute()
    period_name = UnicodeAttribute(default="")
    ward_ids = ListAttribute(of=UnicodeAttribute, default=list)
    time_limit = NumberAttribute()
    keep_pinned = BooleanAttribute(default=True)
    keep_published_days = BooleanAttribute(default=True)
    mode = UnicodeAttribute(default="solve")
    repair_days = UnicodeAttribute(null=True)  # JSON [ISO date] of a repair
    disruption_id = UnicodeAttribute(null=True)  # a repair's disruption
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    created_by_name = UnicodeAttribute(default="")
    started_at = UTCDateTimeAttribute(null=True)
    heartbeat_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    percent = NumberAttribute(default=0)
    progress = UnicodeAttribute(default="[]")  # JSON [[seconds, cost], ...]
    cost = NumberAttribute(null=True)
    cost_by_rule = UnicodeAttribute(default="{}")  # JSON {rule: cost}
    base_revision = NumberAttribute(null=True)
    revision = NumberAttribute(null=True)
    result = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(default="")
    cancel_requested = BooleanAttribute(default=False)
    stop_requested = BooleanAttribute(default=False)
    stop_requested_by = UnicodeAttribute(default="")
    kept = BinaryAttribute(null=True, legacy_encoding=False)  # zlib JSON rows of a kept roster
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    live = Gsi1()

    @staticmethod
    def partition(tenant: str, period_id: str) -> str:
        return tenant_key(tenant, "period", period_id)

    @staticmethod
    def sort_key(job_id: str) -> str:
        return f"job#{job_id}"


class SolveLockItem(TenantItem):
    """The period's live job (``solving``): created with the job, deleted when it ends, so a period has
    at most one queued or running job and a second ``POST …/solve`` can name the first."""

    ENTITY = "solve_lock"
    Meta = table_meta("scheduling")
    job_id = UnicodeAttribute()

    SORT_KEY = "solving"  # outside the jobs (job#…) and the grid (period … row#~)


def _live_key(tenant: str, job: SolveJob) -> str:
    return f"{job.stale_at().isoformat()}#{tenant}#{job.period_id}#{job.id}"


def _kept_blob(rows: tuple[Assignment, ...]) -> bytes | None:
    if not rows:
        return None
    return zlib.compress(json.dumps([[a.nurse, a.day, a.shift, a.skill] for a in rows]).encode())


def _job(item: SolveJobItem) -> SolveJob:
    kept = roster_of(json.loads(zlib.decompress(item.kept))).assignments if item.kept else ()
    return SolveJob(
        id=item.sk.removeprefix("job#"),
        period_id=item.period_id,
        period_name=item.period_name or "",
        ward_ids=tuple(str(w) for w in item.ward_ids or ()),
        settings=SolveSettings(
            time_limit=int(item.time_limit),
            keep_pinned=bool(item.keep_pinned),
            keep_published_days=bool(item.keep_published_days),
            mode=item.mode if item.mode in ("fill", "repair") else "solve",  # type: ignore[arg-type]
            days=tuple(date.fromisoformat(d) for d in json.loads(item.repair_days or "[]")),
            disruption_id=item.disruption_id or "",
        ),
        state=item.state,  # type: ignore[arg-type]
        created_at=item.created_at,
        created_by=item.created_by,
        created_by_name=item.created_by_name or "",
        started_at=item.started_at,
        heartbeat_at=item.heartbeat_at,
        ended_at=item.ended_at,
        percent=int(item.percent or 0),
        progress=tuple((float(t), int(c)) for t, c in json.loads(item.progress or "[]")),
        cost=int(item.cost) if item.cost is not None else None,
        cost_by_rule={k: int(v) for k, v in json.loads(item.cost_by_rule or "{}").items()},
        base_revision=int(item.base_revision) if item.base_revision is not None else None,
        revision=int(item.revision) if item.revision is not None else None,
        result=item.result,  # type: ignore[arg-type]
        reason=item.reason or "",
        cancel_requested=bool(item.cancel_requested),
        stop_requested=bool(item.stop_requested),
        stop_requested_by=item.stop_requested_by or "",
        kept=kept,
    )


def _job_item(tenant: str, job: SolveJob) -> SolveJobItem:
    live = job.live
    return SolveJobItem.new(
        tenant,
        SolveJobItem.sort_key(job.id),
        pk=SolveJobItem.partition(tenant, job.period_id),
        period_id=job.period_id,
        period_name=job.period_name,
        ward_ids=list(job.ward_ids),
        time_limit=job.settings.time_limit,
        keep_pinned=job.settings.keep_pinned,
        keep_published_days=job.settings.keep_published_days,
        mode=job.settings.mode,
        repair_days=json.dumps([d.isoformat() for d in job.settings.days]) if job.settings.days else None,
        disruption_id=job.settings.disruption_id or None,
        state=job.state,
        created_at=job.created_at,
        created_by=job.created_by,
        created_by_name=job.created_by_name,
        started_at=job.started_at,
        heartbeat_at=job.heartbeat_at,
        ended_at=job.ended_at,
        percent=job.percent,
        progress=json.dumps([list(p) for p in job.progress]),
        cost=job.cost,
        cost_by_rule=json.dumps(dict(job.cost_by_rule)),
        base_revision=job.base_revision,
        revision=job.revision,
        result=job.result,
        reason=job.reason,
        cancel_requested=job.cancel_requested,
        stop_requested=job.stop_requested,
        stop_requested_by=job.stop_requested_by,
        kept=_kept_blob(job.kept),
        gsi1pk=LIVE_JOBS_INDEX if live else None,
        gsi1sk=_live_key(tenant, job) if live else None,
    )


def _conditional_update(item: SolveJobItem, actions: list[Any], condition: Any) -> SolveJobItem | None:
    """One UpdateItem returning the item as stored, or None when ``condition`` did not hold."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


@dataclass
class DynamoSolveJobs:
    """``SolveJobs`` on the scheduling table: each change one conditional write (the end of a job, with
    the lock's release, one transaction)."""

    tenant: str

    def _item(self, period_id: str, job_id: str) -> SolveJobItem:
        return SolveJobItem(SolveJobItem.partition(self.tenant, period_id), SolveJobItem.sort_key(job_id))

    def _lock(self, period_id: str) -> SolveLockItem:
        return SolveLockItem(SolveJobItem.partition(self.tenant, period_id), SolveLockItem.SORT_KEY)

    def running(self, period_id: str) -> str | None:
        try:
            lock = SolveLockItem.get(
                SolveJobItem.partition(self.tenant, period_id), SolveLockItem.SORT_KEY, consistent_read=True
            )
        except SolveLockItem.DoesNotExist:
            return None
        return lock.job_id

    def create(self, job: SolveJob) -> None:
        lock = SolveLockItem.new(
            self.tenant,
            SolveLockItem.SORT_KEY,
            pk=SolveJobItem.partition(self.tenant, job.period_id),
            job_id=job.id,
        )
        uow = UnitOfWork("scheduling")
        uow.create(_job_item(self.tenant, job))
        uow.create(lock, on_conflict=Conflict(SOLVE_RUNNING.format("")))
        try:
            uow.commit()
        except Conflict as exc:
            running = self.running(job.period_id)
            raise Conflict(SOLVE_RUNNING.format(running or "")) from exc

    def get(self, period_id: str, job_id: str) -> SolveJob | None:
        try:
            return _job(
                SolveJobItem.get(
                    SolveJobItem.partition(self.tenant, period_id), SolveJobItem.sort_key(job_id)
                )
            )
        except SolveJobItem.DoesNotExist:
            return None

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[SolveJob], str | None]:
        rows, next_cursor = query_page(
            SolveJobItem,
            SolveJobItem.partition(self.tenant, period_id),
            limit,
            cursor,
            condition=SolveJobItem.sk.startswith("job#"),
            newest_first=True,
        )
        return [_job(row) for row in rows], next_cursor

    def start(self, job: SolveJob, at: datetime) -> SolveJob | None:
        started = replace(job, state="running", started_at=at, heartbeat_at=at)
        item = _conditional_update(
            self._item(job.period_id, job.id),
            [
                SolveJobItem.state.set("running"),
                SolveJobItem.started_at.set(at),
                SolveJobItem.heartbeat_at.set(at),
                SolveJobItem.gsi1sk.set(_live_key(self.tenant, started)),
            ],
            SolveJobItem.state == "queued",
        )
        return _job(item) if item is not None else None

    def beat(
        self, job: SolveJob, at: datetime, percent: int, progress: tuple[tuple[float, int], ...]
    ) -> SolveJob | None:
        beaten = replace(job, heartbeat_at=at)
        item = _conditional_update(
            self._item(job.period_id, job.id),
            [
                SolveJobItem.heartbeat_at.set(at),
                SolveJobItem.percent.set(percent),
                SolveJobItem.progress.set(json.dumps([list(p) for p in progress])),
                SolveJobItem.gsi1sk.set(_live_key(self.tenant, beaten)),
            ],
            SolveJobItem.state == "running",
        )
        return _job(item) if item is not None else None

    def finish(self, job: SolveJob, ended: SolveJob) -> bool:
        condition = SolveJobItem.state == job.state
        if job.heartbeat_at is not None:  # a beat since this job was read: its worker is alive after all
            condition &= SolveJobItem.heartbeat_at == job.heartbeat_at
        uow = UnitOfWork("scheduling")
        uow.save(
            _job_item(self.tenant, ended), condition=condition, on_conflict=Conflict("changed meanwhile")
        )
        uow.delete(self._lock(job.period_id), condition=SolveLockItem.job_id == job.id)
        try:
            uow.commit()
        except Conflict:
            return False
        return True

    def request_cancel(self, job: SolveJob) -> bool:
        item = _conditional_update(
            self._item(job.period_id, job.id),
            [SolveJobItem.cancel_requested.set(True)],
            SolveJobItem.state == "running",
        )
        return item is not None

    def request_stop(self, job: SolveJob, by: str) -> SolveJob | None:
        item = _conditional_update(
            self._item(job.period_id, job.id),
            [SolveJobItem.stop_requested.set(True), SolveJobItem.stop_requested_by.set(by)],
            SolveJobItem.state.is_in("queued", "running"),
        )
        return _job(item) if item is not None else None

    def mark_applied(self, job: SolveJob, revision: int) -> bool:
        item = _conditional_update(
            self._item(job.period_id, job.id),
            [SolveJobItem.result.set("applied"), SolveJobItem.revision.set(revision)],
            SolveJobItem.result == "kept",
        )
        return item is not None


class DynamoLiveJobs:
    """``LiveJobs`` on the system-wide live-jobs index: every item it returns names its hospital."""

    def stale(self, now: datetime, limit: int) -> list[tuple[str, SolveJob]]:
        """One Query on the live-jobs index (never a scan), the longest overdue first."""
        items = SolveJobItem.live.query(
            LIVE_JOBS_INDEX, SolveJobItem.gsi1sk <= f"{now.isoformat()}~", limit=limit
        )
        return [(item.tenant, _job(item)) for item in items]
