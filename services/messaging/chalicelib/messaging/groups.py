"""Department groups: every department, ward and team has a group chat kept in step with the directory.

Driven by directory events (order-independent: each handler reads the directory's current state), a
unit's group is created when first needed and renamed with it; a person joins their unit's group, moves
with their department and leaves it when they leave the hospital. A marker per person remembers which
group they are in, so a move can take them out of the old one.
"""

from __future__ import annotations

from chalicelib.messaging.conversations import ConversationItem
from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from shared import directory
from shared.events.envelope import EventEnvelope
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork


class GroupMembership(TenantItem):
    Meta = table_meta("messaging")
    department_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "deptgroup")


def group_id(department_id: str) -> str:
    return f"dept-{department_id}"


def _ensure_group(tenant: str, department: directory.DepartmentItem) -> None:
    group = ConversationItem(
        ConversationItem.partition(tenant),
        group_id(department.sk),
        entity="conversation",
        tenant=tenant,
        kind="department",
        name=department.name,
        department_id=department.sk,
    )
    try:
        group.save(ConversationItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        group.update(actions=[ConversationItem.name.set(department.name)])


def sync(envelope: EventEnvelope, uow: UnitOfWork) -> None:
    tenant = envelope.tenant
    if envelope.type.startswith("department."):
        department = directory.get_department(tenant, str(envelope.data["department_id"]))
        if department is not None and department.kind != "campus":
            _ensure_group(tenant, department)
        return
    staff_id = str(envelope.data["staff_id"])
    staff = directory.get_staff(tenant, staff_id)
    try:
        marker: GroupMembership | None = GroupMembership.get(GroupMembership.partition(tenant), staff_id)
    except GroupMembership.DoesNotExist:
        marker = None
    old = marker.department_id if marker else None
    new = staff.department_id if staff is not None and staff.status == "active" else None
    department = directory.get_department(tenant, new) if new else None
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
            GroupMembership(
                GroupMembership.partition(tenant),
                staff_id,
                entity="deptgroup",
                tenant=tenant,
                department_id=new,
            )
        )
    elif marker is not None:
        uow.delete(marker)
