"""Approved leave: recorded from approvals' events, read by window to roster around it."""

from __future__ import annotations

from chalicelib.scheduling.contracts.leave import Leave, LeaveQuery
from chalicelib.scheduling.domain import leave as rules
from chalicelib.scheduling.domain.ports import Directory, Store
from chalicelib.scheduling.domain.records import LeaveRecord
from chalicelib.scheduling.service import wiring

from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import LEAVE_APPROVED, LEAVE_CANCELLED, LeaveApproved
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork


def _record(data: LeaveApproved, staff_name: str = "") -> LeaveRecord:
    rules.check_leave(data.start, data.end, data.instance_id)
    return LeaveRecord(
        staff_id=data.staff_id,
        instance_id=data.instance_id,
        leave_type=data.leave_type,
        start=data.start,
        end=data.end,
        recorded_at=now_utc(),
        start_half=data.start_half,
        end_half=data.end_half,
        days=data.days,
        staff_name=staff_name,
    )


def record_leave(
    envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None, directory: Directory | None = None
) -> None:
    """approval.leave.approved → the leave read model (one effect per event id: the consumer's inbox).

    Keyed by the approval, so the same leave arriving again overwrites itself rather than doubling; one
    cancelled meanwhile stays cancelled. The person's name is kept on it from the directory (one
    GetItem), so a list of leave names people without a read per row."""
    data = LEAVE_APPROVED.parse(envelope)
    rules.check_leave(data.start, data.end, data.instance_id)
    person = (directory or wiring.directory()).staff(envelope.tenant, data.staff_id)
    record = _record(data, person.name if person is not None else "")
    (store or wiring.store(envelope.tenant, uow)).leave.put(record)


def cancel_leave(envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None) -> None:
    """approval.leave.cancelled (销假) → the leave is marked cancelled and no longer makes the person
    unavailable. Keyed like its approval, so it lands whichever of the two arrives first, and a repeat
    changes nothing (the first cancellation time stays). It reads no name: it keeps the one its
    approval recorded, and an approval arriving after it records the name then."""
    data = LEAVE_CANCELLED.parse(envelope)
    (store or wiring.store(envelope.tenant, uow)).leave.cancel(_record(data), envelope.time)


def list_leave(principal: Principal, query: LeaveQuery, store: Store | None = None) -> Page[Leave]:
    """Leave overlapping [from, to], by start date: one Query (of one person's leave, or the hospital's).
    Without ``staff_id``: the hospital's for those who roster others, the caller's own for everyone else."""
    staff_id = query.staff_id
    if staff_id is None and not principal.has_any_role(rules.LEAVE_READERS):
        staff_id = principal.staff
    window = rules.window(principal, staff_id, query.from_, query.to)
    return Page[Leave].of(
        (store or wiring.store(principal.tenant)).leave.overlapping(
            staff_id, window, query.limit, query.cursor
        ),
        lambda row: Leave.model_validate(row, from_attributes=True).model_copy(
            update={"staff_name": row.staff_name or None}
        ),
    )
