"""Department groups: every department, ward and team has a group chat kept in step with the directory.

Driven by directory events (order-independent: each handler reads the directory's current state), a
unit's group is created when first needed and renamed with it; a person joins their unit's group, moves
with their department and leaves it when they leave the hospital. A marker per person remembers which
group they are in, so a move can take them out of the old one.
"""

from __future__ import annotations

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import ConversationItem, DepartmentItem, GroupMembership

from shared.events.envelope import EventEnvelope
from shared.events.published.messaging import DEPARTMENT_CHANGES, STAFF_CHANGES
from shared.persistence.uow import UnitOfWork


def group_id(department_id: str) -> str:
    return f"dept-{department_id}"


def _ensure_group(tenant: str, department: DepartmentItem) -> None:
    group = ConversationItem.new(
        tenant,
        group_id(department.sk),
        kind="department",
        name=department.name,
        department_id=department.sk,
    )
    dynamodb.ensure_group(group)


def sync(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    tenant = envelope.tenant
    if envelope.type.startswith("department."):
        changed = DEPARTMENT_CHANGES[envelope.type].parse(envelope)
        department = dynamodb.get_department(tenant, changed.department_id)
        if department is not None and department.kind != "campus":
            _ensure_group(tenant, department)
        return
    staff_id = STAFF_CHANGES[envelope.type].parse(envelope).staff_id
    staff = dynamodb.get_staff(tenant, staff_id)
    marker = dynamodb.find_group_membership(tenant, staff_id)
    old = marker.department_id if marker else None
    new = staff.department_id if staff is not None and staff.status == "active" else None
    department = dynamodb.get_department(tenant, new) if new else None
    if department is None or department.kind == "campus":
        new = None
    if old == new:
        return
    if old:
        uow.update(
            ConversationItem(ConversationItem.partition(tenant), group_id(old)),
            [ConversationItem.member_ids.delete({staff_id})],
            condition=ConversationItem.pk.exists(),
        )
    if new and department is not None:
        _ensure_group(tenant, department)
        uow.update(
            ConversationItem(ConversationItem.partition(tenant), group_id(new)),
            [ConversationItem.member_ids.add({staff_id})],
            condition=ConversationItem.pk.exists(),
        )
        uow.save(
            GroupMembership.new(
                tenant,
                staff_id,
                department_id=new,
            )
        )
    elif marker is not None:
        uow.delete(marker)
