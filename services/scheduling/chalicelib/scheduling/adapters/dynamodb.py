"""Scheduling's DynamoDB items and the reads on them: the only module of the service that touches DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.ports import DirectoryStaff, LeavePage, Page
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared import directory
from shared.persistence.models import Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.paging import decode_cursor, one_page, query_page
from shared.persistence.uow import UnitOfWork


class RosterStaffItem(TenantItem):
    """The staff projection. Not versioned: each event rewrites it from the directory's current state, so
    an update must overwrite whatever is there (a version condition refused every staff.updated)."""

    ENTITY = "roster_staff"
    Meta = table_meta("scheduling")
    name = UnicodeAttribute()
    employee_no = UnicodeAttribute()
    department_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    projected_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "staff")


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
        )
        _writes(self.uow).save(item, condition=None)

    def remove(self, staff_id: str) -> None:
        _writes(self.uow).delete(RosterStaffItem(RosterStaffItem.partition(self.tenant), staff_id))

    def page(self, limit: int, cursor: str | None) -> Page:
        rows, next_cursor = query_page(RosterStaffItem, RosterStaffItem.partition(self.tenant), limit, cursor)
        return [_staff(row) for row in rows], next_cursor


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
