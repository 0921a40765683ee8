"""Scheduling's staff: a projection of the directory, kept by its events, listed for rostering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from chalicelib.scheduling.contracts.staff import RosterStaff
from chalicelib.scheduling.domain.ports import Directory, Store
from chalicelib.scheduling.domain.problem import Certificate
from chalicelib.scheduling.domain.records import StaffRecord
from chalicelib.scheduling.service import wiring

from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.events.published.messaging import STAFF_CHANGES
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork


def project_staff(
    envelope: EventEnvelope, uow: UnitOfWork, store: Store | None = None, directory: Directory | None = None
) -> None:
    """staff.created/updated/left → read the directory record (events are thin) → upsert our projection.

    The projection always takes the directory's current state, so events arriving out of order or twice
    converge on the same result; people who left are removed from rostering.
    """
    staff_id = STAFF_CHANGES[envelope.type].parse(envelope).staff_id
    store = store or wiring.store(envelope.tenant, uow)
    record = (directory or wiring.directory()).staff(envelope.tenant, staff_id)
    if record is None:
        # The directory is written before the event exists, so this is a bug or a deletion; fail loudly
        # so the message is retried and, if it persists, lands in the DLQ for a person to look at.
        raise LookupError(f"staff {staff_id} of {envelope.tenant} is not in the directory")
    if record.status == "left":
        store.staff.remove(staff_id)
        return
    store.staff.put(
        StaffRecord(
            id=staff_id,
            name=record.name,
            employee_no=record.employee_no,
            department_id=record.department_id,
            title=record.title,
            projected_at=now_utc(),
            nurse_grade=record.nurse_grade or None,
            roles=tuple(record.roles),
            certificates=certificates(record.certificates),
            status=record.status,
        )
    )


def certificates(held: Iterable[Mapping[str, Any]]) -> tuple[Certificate, ...]:
    """What rostering keeps of the directory's certificates: the type (the skill it grants) and until
    when. One whose expiry cannot be read grants nothing rather than granting forever."""
    out = []
    for cert in held:
        kind, until = str(cert.get("type") or "").strip(), cert.get("valid_until")
        if not kind:
            continue
        try:
            out.append(Certificate(kind, date.fromisoformat(str(until)[:10]) if until else None))
        except ValueError:
            continue
    return tuple(out)


def list_staff(
    principal: Principal, limit: int, cursor: str | None, store: Store | None = None
) -> Page[RosterStaff]:
    return Page[RosterStaff].of(
        (store or wiring.store(principal.tenant)).staff.page(limit, cursor),
        lambda row: RosterStaff.model_validate(row, from_attributes=True),
    )
