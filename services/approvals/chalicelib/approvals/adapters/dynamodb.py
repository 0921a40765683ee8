"""Approvals' DynamoDB items (PynamoDB) and every read of them: the only module that touches the table.

The service layer builds items and hands them to the unit of work; it reads through the functions here,
which return ``None`` for a missing item and leave it to the service to say what is not found."""

from __future__ import annotations

from datetime import datetime

from chalicelib.approvals.domain.deputies import Delegation
from chalicelib.approvals.domain.engine import SlaTimer
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition

from shared.persistence.models import Aggregate, Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.paging import query_page
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


# ---- reads: each is one GetItem or one Query (the routes' budgets count on it) --------------------------


def template(tenant: str, template_id: str) -> TemplateItem | None:
    try:
        return TemplateItem.get(TemplateItem.partition(tenant), template_id)
    except TemplateItem.DoesNotExist:
        return None


def template_version(tenant: str, template_id: str, version: int) -> TemplateVersionItem | None:
    try:
        return TemplateVersionItem.get(
            TemplateVersionItem.partition(tenant, template_id), TemplateVersionItem.sort_key(version)
        )
    except TemplateVersionItem.DoesNotExist:
        return None


def templates_page(tenant: str, limit: int, cursor: str | None) -> tuple[list[TemplateItem], str | None]:
    return query_page(TemplateItem, TemplateItem.partition(tenant), limit, cursor)


def instance(tenant: str, instance_id: str) -> InstanceItem | None:
    try:
        return InstanceItem.get(InstanceItem.partition(tenant), instance_id)
    except InstanceItem.DoesNotExist:
        return None


def records_page(
    tenant: str, instance_id: str, limit: int, cursor: str | None
) -> tuple[list[RecordItem], str | None]:
    """The operation record in the order it was written."""
    return query_page(RecordItem, RecordItem.partition(tenant, instance_id), limit, cursor)


def box_page(
    tenant: str,
    box: str,
    staff_id: str,
    limit: int,
    cursor: str | None,
    template_id: str | None = None,
    status: str | None = None,
) -> tuple[list[BoxItem], str | None]:
    """One page of someone's list = one Query on one partition, newest first (filters apply within it)."""
    condition: Condition | None = None
    if template_id:
        condition = BoxItem.template_id == template_id
    if status:
        by_status = BoxItem.status == status
        condition = by_status if condition is None else condition & by_status
    return query_page(
        BoxItem, BoxItem.partition(tenant, box, staff_id), limit, cursor, condition, newest_first=True
    )
