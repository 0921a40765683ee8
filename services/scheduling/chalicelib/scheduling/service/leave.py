"""Scheduling's service layer: the staff projection and approved leave fed by events, and their queries."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.scheduling.adapters import LeaveItem, RosterStaffItem
from chalicelib.scheduling.contracts import Leave, LeaveQuery, RosterStaff

from shared import directory
from shared.auth import Principal
from shared.errors import Forbidden, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.http import decode_cursor, one_page, query_page
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork


def project_staff(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """staff.created/updated/left → read the directory record (events are thin) → upsert our projection.

    The projection always takes the directory's current state, so events arriving out of order or twice
    converge on the same result; people who left are removed from rostering.
    """
    staff_id = str(envelope.data["staff_id"])
    record = directory.get_staff(envelope.tenant, staff_id)
    if record is None:
        # The directory is written before the event exists, so this is a bug or a deletion; fail loudly
        # so the message is retried and, if it persists, lands in the DLQ for a person to look at.
        raise LookupError(f"staff {staff_id} of {envelope.tenant} is not in the directory")
    if record.status == "left":
        uow.delete(RosterStaffItem(RosterStaffItem.partition(envelope.tenant), staff_id))
        return
    item = RosterStaffItem(
        RosterStaffItem.partition(envelope.tenant),
        staff_id,
        entity="roster_staff",
        tenant=envelope.tenant,
        name=record.name,
        employee_no=record.employee_no,
        department_id=record.department_id,
        title=record.title,
        projected_at=now_utc(),
    )
    uow.save(item, condition=None)


def list_staff(principal: Principal, limit: int, cursor: str | None) -> Page[RosterStaff]:
    partition = RosterStaffItem.partition(principal.tenant)
    rows, next_cursor = query_page(RosterStaffItem, partition, limit, cursor)
    items = [
        RosterStaff(
            id=i.sk,
            name=i.name,
            employee_no=i.employee_no,
            department_id=i.department_id,
            title=i.title,
            projected_at=i.projected_at,
        )
        for i in rows
    ]
    return Page[RosterStaff](items=items, next_cursor=next_cursor)


# Who may see other people's leave (to roster around it); everyone sees their own.
LEAVE_READERS = ("hospital_admin", "department_head", "head_nurse", "scheduler")
LONGEST_LEAVE = timedelta(days=366)  # a window query reaches back this far for leave still running
LONGEST_WINDOW = timedelta(days=366)


def record_leave(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    """approval.leave.approved → the leave read model (one effect per event id: the consumer's inbox).

    Keyed by the approval, so the same leave arriving again overwrites itself rather than doubling."""
    data = envelope.data
    start, end = date.fromisoformat(str(data["start"])), date.fromisoformat(str(data["end"]))
    if end < start:
        raise ValueError(f"leave {data['instance_id']} ends before it starts")  # retried, then the DLQ
    tenant, staff_id, instance_id = envelope.tenant, str(data["staff_id"]), str(data["instance_id"])
    uow.save(
        LeaveItem(
            LeaveItem.partition(tenant),
            f"{start.isoformat()}#{staff_id}#{instance_id}",
            entity="leave",
            tenant=tenant,
            staff_id=staff_id,
            instance_id=instance_id,
            leave_type=str(data.get("leave_type", "")),
            start=start.isoformat(),
            end=end.isoformat(),
            recorded_at=now_utc(),
            gsi1pk=LeaveItem.staff_partition(tenant, staff_id),
            gsi1sk=f"{start.isoformat()}#{instance_id}",
        )
    )


def list_leave(principal: Principal, query: LeaveQuery) -> Page[Leave]:
    """Leave overlapping [from, to], by start date: one Query (of one person's leave, or the hospital's)."""
    if query.to < query.from_:
        raise RuleViolation("the window ends before it starts", field="to")
    if query.to - query.from_ > LONGEST_WINDOW:
        raise RuleViolation("ask for at most a year at a time", field="to")
    if query.staff_id != principal.staff and not principal.has_any_role(LEAVE_READERS):
        raise Forbidden("only your own leave, unless you roster others")
    # Leave overlapping the window started at most LONGEST_LEAVE before it and ends on or after its start.
    since, until = (query.from_ - LONGEST_LEAVE).isoformat(), f"{query.to.isoformat()}~"
    overlaps = LeaveItem.end >= query.from_.isoformat()
    if query.staff_id is not None:
        partition = LeaveItem.staff_partition(principal.tenant, query.staff_id)
        result = LeaveItem.by_staff.query(
            partition,
            LeaveItem.gsi1sk.between(since, until),
            filter_condition=overlaps,
            limit=query.limit,
            last_evaluated_key=decode_cursor(query.cursor, partition, pk_name="gsi1pk"),
        )
    else:
        partition = LeaveItem.partition(principal.tenant)
        result = LeaveItem.query(
            partition,
            LeaveItem.sk.between(since, until),
            filter_condition=overlaps,
            limit=query.limit,
            last_evaluated_key=decode_cursor(query.cursor, partition),
        )
    page, cursor = one_page(LeaveItem, result)
    items = [
        Leave(
            staff_id=i.staff_id,
            instance_id=i.instance_id,
            leave_type=i.leave_type,
            start=date.fromisoformat(i.start),
            end=date.fromisoformat(i.end),
            recorded_at=i.recorded_at,
        )
        for i in page
    ]
    return Page[Leave](items=items, next_cursor=cursor)
