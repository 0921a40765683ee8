"""Scheduling's service layer: the staff projection fed by directory events, and its queries."""

from __future__ import annotations

from chalicelib.scheduling.adapters import RosterStaffItem
from chalicelib.scheduling.contracts import RosterStaff

from shared import directory
from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.http import Page, decode_cursor, encode_cursor
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
    result = RosterStaffItem.query(
        partition, limit=limit, last_evaluated_key=decode_cursor(cursor, partition)
    )
    items = [
        RosterStaff(
            id=i.sk,
            name=i.name,
            employee_no=i.employee_no,
            department_id=i.department_id,
            title=i.title,
            projected_at=i.projected_at,
        )
        for i in result
    ]
    return Page[RosterStaff](items=items, next_cursor=encode_cursor(result.last_evaluated_key))
