"""Approvals' DynamoDB items (PynamoDB) and the directory adapter route resolution reads through."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from chalicelib.approvals.domain.deputies import Delegation
from chalicelib.approvals.domain.engine import SlaTimer
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition

from shared import directory, onduty
from shared.http import query_page
from shared.persistence.models import Aggregate, Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork


class TemplateItem(Aggregate):
    """A form template; its ``version`` is the template version (publishing a new one bumps it)."""

    Meta = table_meta("approvals")
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    builtin = BooleanAttribute(default=False)
    definition = UnicodeAttribute()  # JSON: fields + flow of the current version

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "template")


class TemplateVersionItem(TenantItem):
    """One published version, kept for the instances started with it. Create-only."""

    Meta = table_meta("approvals")
    name = UnicodeAttribute()
    definition = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, template_id: str) -> str:
        return tenant_key(tenant, "template", template_id)

    @staticmethod
    def sort_key(version: int) -> str:
        return f"v{version:06d}"


class TemplateCodeClaim(TenantItem):
    """Makes a template code unique within a hospital (and installing the built-ins repeatable)."""

    Meta = table_meta("approvals")
    template_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "template-code")


class InstanceItem(Aggregate):
    """An approval instance: its engine state as JSON, versioned for optimistic locking."""

    Meta = table_meta("approvals")
    template_id = UnicodeAttribute()
    submitter = UnicodeAttribute()
    status = UnicodeAttribute()
    state = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "approval")


class RecordItem(TenantItem):
    """One accepted command of one instance: the append-only operation record. Create-only."""

    Meta = table_meta("approvals")
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    command = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, instance_id: str) -> str:
        return tenant_key(tenant, "approval", instance_id, "record")


class BoxItem(TenantItem):
    """One line of someone's list (pending / submitted / cc / handled): a page is one Query."""

    Meta = table_meta("approvals")
    instance_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    template_code = UnicodeAttribute()
    title = UnicodeAttribute()
    submitter = UnicodeAttribute()
    status = UnicodeAttribute()
    at = UnicodeAttribute()
    seq = NumberAttribute(default=0)

    @staticmethod
    def partition(tenant: str, box: str, staff_id: str) -> str:
        return tenant_key(tenant, "box", box, staff_id)


SLA_DUE_INDEX = "approvalsla"  # a system index for the SLA sweep; every item it returns names its tenant


class SlaTimerItem(TenantItem):
    """The next SLA step of one pending task, found by the sweep through a sparse due-time index.

    Kept in step with the instance in the same transaction, so a restart or a crashed sweep loses none."""

    Meta = table_meta("approvals")
    instance_id = UnicodeAttribute()
    approver = UnicodeAttribute()
    stage = UnicodeAttribute()  # remind | escalate
    due_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "sla")


def timer_item(tenant: str, instance_id: str, timer: SlaTimer) -> SlaTimerItem:
    sk = f"{instance_id}#{timer.key}"
    return SlaTimerItem(
        SlaTimerItem.partition(tenant),
        sk,
        entity="sla-timer",
        tenant=tenant,
        instance_id=instance_id,
        approver=timer.approver,
        stage=timer.stage,
        due_at=timer.due,
        gsi1pk=SLA_DUE_INDEX,
        gsi1sk=f"{timer.due.isoformat()}#{tenant}#{sk}",
    )


def due_timers(now: datetime, limit: int) -> list[SlaTimerItem]:
    """Timers due by ``now``, oldest first: one Query on the due index (never a scan)."""
    return list(
        SlaTimerItem.due.query(SLA_DUE_INDEX, SlaTimerItem.gsi1sk <= f"{now.isoformat()}~", limit=limit)
    )


class DelegationItem(TenantItem):
    """An approver's deputy (代理人) for a period: one per approver, replaced when they set another."""

    Meta = table_meta("approvals")
    deputy_id = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    end = UTCDateTimeAttribute()
    reason = UnicodeAttribute(default="")
    set_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "deputy")

    def delegation(self) -> Delegation:
        return Delegation(
            approver=self.sk, deputy=self.deputy_id, start=self.start, end=self.end, reason=self.reason
        )


def delegation_of(tenant: str, approver: str) -> DelegationItem | None:
    try:
        return DelegationItem.get(DelegationItem.partition(tenant), approver)
    except DelegationItem.DoesNotExist:
        return None


def delegations_of(tenant: str, approvers: set[str]) -> list[Delegation]:
    """The delegations of several approvers in one BatchGetItem."""
    keys = [(DelegationItem.partition(tenant), a) for a in sorted(approvers)][:100]
    return [item.delegation() for item in DelegationItem.batch_get(keys)] if keys else []


def delete(uow: UnitOfWork, item: TenantItem) -> None:
    uow.delete(item)


def page(
    model: Any, partition: str, limit: int, cursor: str | None, condition: Condition | None = None
) -> tuple[list[Any], str | None]:
    """One page = one Query on one partition, newest first."""
    return query_page(model, partition, limit, cursor, condition, newest_first=True)


class DirectoryAdapter:
    """``flow.Directory`` over the shared directory and on-duty read models (one tenant, one request)."""

    def __init__(self, tenant: str, now: datetime | None = None):
        self.tenant = tenant
        self.now = now or datetime.now(UTC)
        self._staff = cache(lambda staff_id: directory.get_staff(tenant, staff_id))

    def department_of(self, staff_id: str) -> str | None:
        staff = self._staff(staff_id)
        return str(staff.department_id) if staff is not None else None

    def supervisors(self, staff_id: str, levels: int) -> list[str]:
        return [s.id for s in directory.supervisor_chain(self.tenant, staff_id, levels)]

    def department_head(self, department_id: str) -> str | None:
        head = directory.department_head(self.tenant, department_id)
        return head.id if head is not None else None

    def with_role(self, department_id: str | None, role: str) -> list[str]:
        return [s.id for s in directory.staff_with_role(self.tenant, role, department_id)]

    def on_duty(self, ward_id: str) -> tuple[list[str], str]:
        found = onduty.on_duty(self.tenant, ward_id, self.now)
        return list(found.staff_ids), found.reason
