"""Department groups: every department, ward and team has a group chat kept in step with the directory.

Driven by directory events (order-independent: each handler reads the directory's current state), a
unit's group is created when first needed and renamed with it; a person joins their unit's group (with
their display name as it is then), moves with their department and leaves it when they leave the
hospital. A marker per person remembers which group they are in, so a move can take them out of the
old one.

``sync`` takes the store it works on (``store=``); left out, ``service/wiring.py`` gives the DynamoDB one
on the consumer's unit of work.
"""

from __future__ import annotations

from chalicelib.messaging.domain.ports import DepartmentGroupStore
from chalicelib.messaging.service import wiring

from shared.events.envelope import EventEnvelope
from shared.events.published.messaging import DEPARTMENT_CHANGES, STAFF_CHANGES
from shared.persistence.uow import UnitOfWork


def group_id(department_id: str) -> str:
    return f"dept-{department_id}"


def sync(envelope: EventEnvelope, uow: UnitOfWork, store: DepartmentGroupStore | None = None) -> None:
    tenant = envelope.tenant
    store = store or wiring.consumer_department_groups(tenant, uow)
    if envelope.type.startswith("department."):
        changed = DEPARTMENT_CHANGES[envelope.type].parse(envelope)
        department = store.department(changed.department_id)
        if department is not None and department.kind != "campus":
            store.ensure_group(group_id(department.id), department)
        return
    staff_id = STAFF_CHANGES[envelope.type].parse(envelope).staff_id
    staff = store.staff(staff_id)
    old = store.membership(staff_id)
    new = staff.department_id if staff is not None and staff.status == "active" else None
    department = store.department(new) if new else None
    if department is None or department.kind == "campus":
        new = None
    if old == new:
        return
    if old:
        store.leave(group_id(old), staff_id)
    if new and department is not None and staff is not None:
        store.ensure_group(group_id(new), department)
        store.join(group_id(new), staff_id, new, staff.name)
    elif old is not None:
        store.forget(staff_id)
