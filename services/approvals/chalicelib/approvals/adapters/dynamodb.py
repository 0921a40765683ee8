"""Approvals' DynamoDB items (PynamoDB) and the ports' implementations on them: the only module of the
service that touches its table.

``DynamoStore`` is ``domain.ports.Store`` for one hospital: its reads are one GetItem, BatchGetItem or
Query each (the routes' budgets count on it); its writes go into a ``shared.persistence.uow.UnitOfWork``
opened by ``with store:``, so a change, its outbox events and its audit record are one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib.approvals.domain.deputies import Delegation
from chalicelib.approvals.domain.engine import Command, Instance, SlaTimer
from chalicelib.approvals.domain.records import (
    AttachmentRecord,
    BoxLine,
    DueTimer,
    LeaveBook,
    LeaveEntry,
    RecordEntry,
    StoredApproval,
    TemplateRecord,
    TemplateVersion,
)
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from shared.auth import Principal
from shared.errors import Conflict, DomainError
from shared.persistence.models import Aggregate, AuditRecord, Gsi1, TenantItem, table_meta, tenant_key
from shared.persistence.paging import query_page
from shared.persistence.uow import UnitOfWork

SERVICE = "approvals"


class TemplateItem(Aggregate):
    """A form template; its ``version`` is the template version (publishing a new one bumps it)."""

    ENTITY = "template"
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

    ENTITY = "template-version"
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

    ENTITY = "template-code"
    Meta = table_meta("approvals")
    template_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "template-code")


class InstanceItem(Aggregate):
    """An approval instance: its engine state as JSON, versioned for optimistic locking."""

    ENTITY = "approval"
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

    ENTITY = "approval-record"
    Meta = table_meta("approvals")
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    command = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, instance_id: str) -> str:
        return tenant_key(tenant, "approval", instance_id, "record")


class BoxItem(TenantItem):
    """One line of someone's list (pending / submitted / cc / handled): a page is one Query."""

    ENTITY = "box"
    Meta = table_meta("approvals")
    instance_id = UnicodeAttribute()
    template_id = UnicodeAttribute()
    template_code = UnicodeAttribute()
    title = UnicodeAttribute()
    submitter = UnicodeAttribute()
    submitter_name = UnicodeAttribute(null=True)
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

    ENTITY = "sla-timer"
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


class DelegationItem(TenantItem):
    """An approver's deputy (代理人) for a period: one per approver, replaced when they set another."""

    ENTITY = "deputy"
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


class LeaveBookItem(TenantItem):
    """A person's leave book: one item per leave request holding an interval (pending or approved), sorted
    by its end date, and the book's head (its version, sorted after every date), so one Query from a
    day on reads both what could overlap a new request and the version its submit is conditioned on."""

    ENTITY = "leave-book"
    Meta = table_meta("approvals")
    HEAD = "until#~"  # '~' sorts after every ISO date
    seq = NumberAttribute(null=True)  # the head's version
    instance_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    start = UnicodeAttribute(null=True)
    end = UnicodeAttribute(null=True)
    start_half = UnicodeAttribute(null=True)
    end_half = UnicodeAttribute(null=True)

    @staticmethod
    def partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "leave-book", staff_id)

    @staticmethod
    def entry_key(entry: LeaveEntry) -> str:
        return f"until#{entry.end.isoformat()}#{entry.instance_id}"

    def entry(self) -> LeaveEntry:
        return LeaveEntry(
            instance_id=str(self.instance_id),
            title=self.title or "",
            status=self.status or "",
            start=date.fromisoformat(str(self.start)),
            end=date.fromisoformat(str(self.end)),
            start_half=self.start_half or "am",
            end_half=self.end_half or "pm",
        )


class AttachmentItem(TenantItem):
    """A file uploaded for a form (the object itself is in S3): create-only; bound once to the approval
    whose submitted form names it."""

    ENTITY = "attachment"
    Meta = table_meta("approvals")
    owner = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    instance_id = UnicodeAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "attachment")

    def record(self) -> AttachmentRecord:
        return AttachmentRecord(
            id=self.sk,
            owner=self.owner,
            filename=self.filename,
            content_type=self.content_type,
            size=int(self.size),
            created_at=self.created_at,
            instance_id=self.instance_id,
        )


def _timer_item(tenant: str, instance_id: str, timer: SlaTimer) -> SlaTimerItem:
    sk = f"{instance_id}#{timer.key}"
    return SlaTimerItem.new(
        tenant,
        sk,
        instance_id=instance_id,
        approver=timer.approver,
        stage=timer.stage,
        due_at=timer.due,
        gsi1pk=SLA_DUE_INDEX,
        gsi1sk=f"{timer.due.isoformat()}#{tenant}#{sk}",
    )


# ---- the ports on these items ----------------------------------------------------------------------------

Writes = Callable[[], UnitOfWork]  # the store's open unit of work (raises outside ``with store:``)


def _template(item: TemplateItem) -> TemplateRecord:
    return TemplateRecord(
        id=item.sk,
        code=item.code,
        name=item.name,
        category=item.category,
        description=item.description,
        builtin=item.builtin,
        definition=item.definition,
        version=item.version,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


@dataclass
class DynamoTemplates:
    """``TemplateRepository``: the template (versioned), its published versions, its code's claim."""

    tenant: str
    writes: Writes

    def get(self, template_id: str) -> TemplateRecord | None:
        try:
            return _template(TemplateItem.get(TemplateItem.partition(self.tenant), template_id))
        except TemplateItem.DoesNotExist:
            return None

    def version(self, template_id: str, version: int) -> TemplateVersion | None:
        try:
            item = TemplateVersionItem.get(
                TemplateVersionItem.partition(self.tenant, template_id), TemplateVersionItem.sort_key(version)
            )
        except TemplateVersionItem.DoesNotExist:
            return None
        return TemplateVersion(name=item.name, definition=item.definition)

    def by_code(self, code: str) -> TemplateRecord | None:
        """Two GetItems: the code's claim, then the template it names."""
        try:
            claim = TemplateCodeClaim.get(TemplateCodeClaim.partition(self.tenant), code)
        except TemplateCodeClaim.DoesNotExist:
            return None
        return self.get(claim.template_id)

    def page(self, limit: int, cursor: str | None) -> tuple[list[TemplateRecord], str | None]:
        rows, next_cursor = query_page(TemplateItem, TemplateItem.partition(self.tenant), limit, cursor)
        return [_template(row) for row in rows], next_cursor

    def _item(self, template: TemplateRecord, version: int | None) -> TemplateItem:
        item = TemplateItem.new(
            self.tenant,
            template.id,
            code=template.code,
            name=template.name,
            category=template.category,
            description=template.description,
            builtin=template.builtin,
            definition=template.definition,
            created_at=template.created_at,
            updated_at=template.updated_at,
        )
        if version is not None:  # left out, the transaction creates it at version 1
            item.version = version
        return item

    def _version_item(self, template: TemplateRecord) -> TemplateVersionItem:
        return TemplateVersionItem.new(
            self.tenant,
            TemplateVersionItem.sort_key(template.version),
            pk=TemplateVersionItem.partition(self.tenant, template.id),
            name=template.name,
            definition=template.definition,
        )

    def add(self, template: TemplateRecord, code_taken: DomainError) -> None:
        uow = self.writes()
        uow.create(self._item(template, None))  # the transaction sets its version (1)
        uow.create(self._version_item(template))
        uow.create(
            TemplateCodeClaim.new(
                self.tenant,
                template.code,
                template_id=template.id,
            ),
            on_conflict=code_taken,
        )

    def publish(self, template: TemplateRecord, changed: DomainError) -> None:
        uow = self.writes()
        # Saved at the version it was read at: the version attribute makes the put conditional on it,
        # and the transaction moves it to ``template.version``.
        uow.save(self._item(template, template.version - 1), on_conflict=changed)
        uow.create(self._version_item(template), on_conflict=changed)


@dataclass
class DynamoApprovals:
    """``ApprovalRepository``: the instance's engine state as JSON, versioned for optimistic locking."""

    tenant: str
    writes: Writes

    def get(self, instance_id: str) -> StoredApproval | None:
        try:
            item = InstanceItem.get(InstanceItem.partition(self.tenant), instance_id)
        except InstanceItem.DoesNotExist:
            return None
        return StoredApproval(Instance.model_validate_json(item.state), item.version, item.created_at)

    def _item(self, instance: Instance, **attributes: Any) -> InstanceItem:
        return InstanceItem.new(
            self.tenant,
            instance.id,
            template_id=instance.submission.template_id,
            submitter=instance.submitter,
            status=instance.status,
            state=instance.model_dump_json(),
            **attributes,
        )

    def add(self, instance: Instance) -> None:
        self.writes().create(self._item(instance))

    def save(self, stored: StoredApproval, after: Instance, stale: DomainError) -> None:
        item = self._item(
            after, version=stored.version, created_at=stored.created_at, updated_at=after.updated_at
        )
        self.writes().save(item, on_conflict=stale)  # the version attribute makes this conditional


@dataclass
class DynamoRecords:
    """``RecordRepository``: the append-only operation record, one create-only item per command."""

    tenant: str
    writes: Writes

    def add(self, instance_id: str, seq: int, command: Command, stale: DomainError) -> None:
        item = RecordItem.new(
            self.tenant,
            f"{seq:06d}",
            pk=RecordItem.partition(self.tenant, instance_id),
            action=command.action,
            actor=command.actor,
            command=command.model_dump_json(),
        )
        self.writes().create(item, on_conflict=stale)

    def page(self, instance_id: str, limit: int, cursor: str | None) -> tuple[list[RecordEntry], str | None]:
        rows, next_cursor = query_page(
            RecordItem, RecordItem.partition(self.tenant, instance_id), limit, cursor
        )
        return [RecordEntry(int(r.sk), Command.model_validate_json(r.command)) for r in rows], next_cursor


@dataclass
class DynamoInbox:
    """``InboxRepository``: one partition per person and list, so a page is one Query."""

    tenant: str
    writes: Writes

    def _key(self, line: BoxLine) -> tuple[str, str]:
        return BoxItem.partition(self.tenant, line.box, line.staff_id), f"{line.at}#{line.instance_id}"

    def put(self, line: BoxLine) -> None:
        partition, sort = self._key(line)
        item = BoxItem.new(
            self.tenant,
            sort,
            pk=partition,
            instance_id=line.instance_id,
            template_id=line.template_id,
            template_code=line.template_code,
            title=line.title,
            submitter=line.submitter,
            submitter_name=line.submitter_name or None,
            status=line.status,
            at=line.at,
        )
        self.writes().save(item)

    def remove(self, line: BoxLine) -> None:
        self.writes().delete(BoxItem(*self._key(line)))

    def page(
        self,
        box: str,
        staff_id: str,
        limit: int,
        cursor: str | None,
        template_id: str | None = None,
        status: str | None = None,
    ) -> tuple[list[BoxLine], str | None]:
        """One Query on one partition, newest first (filters apply within it)."""
        condition: Condition | None = None
        if template_id:
            condition = BoxItem.template_id == template_id
        if status:
            by_status = BoxItem.status == status
            condition = by_status if condition is None else condition & by_status
        rows, next_cursor = query_page(
            BoxItem,
            BoxItem.partition(self.tenant, box, staff_id),
            limit,
            cursor,
            condition,
            newest_first=True,
        )
        lines = [
            BoxLine(
                box=box,
                staff_id=staff_id,
                at=i.at,
                instance_id=i.instance_id,
                template_id=i.template_id,
                template_code=i.template_code,
                title=i.title,
                submitter=i.submitter,
                status=i.status,
                submitter_name=i.submitter_name or "",
            )
            for i in rows
        ]
        return lines, next_cursor


@dataclass
class DynamoTimers:
    """``TimerRepository``: one item per pending task with an SLA, on the sparse due index."""

    tenant: str
    writes: Writes

    def put(self, instance_id: str, timer: SlaTimer) -> None:
        self.writes().save(_timer_item(self.tenant, instance_id, timer))

    def remove(self, instance_id: str, timer: SlaTimer) -> None:
        self.writes().delete(_timer_item(self.tenant, instance_id, timer))

    def discard(self, timer: DueTimer) -> None:
        item = SlaTimerItem(SlaTimerItem.partition(self.tenant), f"{timer.instance_id}#{timer.key}")
        self.writes().delete(item, condition=SlaTimerItem.stage == timer.stage)


@dataclass
class DynamoDeputies:
    """``DeputyRepository``: one delegation per approver."""

    tenant: str
    writes: Writes

    def get(self, approver: str) -> Delegation | None:
        try:
            return DelegationItem.get(DelegationItem.partition(self.tenant), approver).delegation()
        except DelegationItem.DoesNotExist:
            return None

    def of(self, approvers: set[str]) -> list[Delegation]:
        """One BatchGetItem."""
        keys = [(DelegationItem.partition(self.tenant), a) for a in sorted(approvers)][:100]
        return [item.delegation() for item in DelegationItem.batch_get(keys)] if keys else []

    def put(self, delegation: Delegation, set_at: datetime) -> None:
        item = DelegationItem.new(
            self.tenant,
            delegation.approver,
            deputy_id=delegation.deputy,
            start=delegation.start,
            end=delegation.end,
            reason=delegation.reason,
            set_at=set_at,
        )
        self.writes().save(item)

    def remove(self, approver: str) -> None:
        self.writes().delete(DelegationItem(DelegationItem.partition(self.tenant), approver))


@dataclass
class DynamoLeaveBook:
    """``LeaveBookRepository``: one partition per person; a read is one Query from a day on."""

    tenant: str
    writes: Writes

    def of(self, staff_id: str, since: date) -> LeaveBook:
        partition = LeaveBookItem.partition(self.tenant, staff_id)
        rows = LeaveBookItem.query(partition, LeaveBookItem.sk >= f"until#{since.isoformat()}")
        entries, version = [], 0
        for row in rows:
            if row.sk == LeaveBookItem.HEAD:
                version = int(row.seq or 0)
            else:
                entries.append(row.entry())
        return LeaveBook(staff_id, entries, version)

    def put(self, staff_id: str, entry: LeaveEntry) -> None:
        item = LeaveBookItem.new(
            self.tenant,
            LeaveBookItem.entry_key(entry),
            pk=LeaveBookItem.partition(self.tenant, staff_id),
            instance_id=entry.instance_id,
            title=entry.title,
            status=entry.status,
            start=entry.start.isoformat(),
            end=entry.end.isoformat(),
            start_half=entry.start_half,
            end_half=entry.end_half,
        )
        self.writes().save(item)

    def remove(self, staff_id: str, entry: LeaveEntry) -> None:
        partition = LeaveBookItem.partition(self.tenant, staff_id)
        self.writes().delete(LeaveBookItem(partition, LeaveBookItem.entry_key(entry)))

    def guard(self, book: LeaveBook, changed: DomainError) -> None:
        partition = LeaveBookItem.partition(self.tenant, book.staff_id)
        head = LeaveBookItem.new(self.tenant, LeaveBookItem.HEAD, pk=partition, seq=book.version + 1)
        condition = LeaveBookItem.seq == book.version if book.version else LeaveBookItem.pk.does_not_exist()
        self.writes().save(head, condition=condition, on_conflict=changed)


@dataclass
class DynamoAttachments:
    """``AttachmentRepository``: one partition of the hospital's uploaded files."""

    tenant: str
    writes: Writes

    def get(self, attachment_id: str) -> AttachmentRecord | None:
        try:
            return AttachmentItem.get(AttachmentItem.partition(self.tenant), attachment_id).record()
        except AttachmentItem.DoesNotExist:
            return None

    def of(self, attachment_ids: set[str]) -> dict[str, AttachmentRecord]:
        """One BatchGetItem."""
        keys = [(AttachmentItem.partition(self.tenant), a) for a in sorted(attachment_ids)][:100]
        return {item.sk: item.record() for item in AttachmentItem.batch_get(keys)} if keys else {}

    def add(self, record: AttachmentRecord) -> None:
        item = AttachmentItem.new(
            self.tenant,
            record.id,
            owner=record.owner,
            filename=record.filename,
            content_type=record.content_type,
            size=record.size,
            created_at=record.created_at,
        )
        try:
            item.save(AttachmentItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("already exists") from exc
            raise

    def bind(self, record: AttachmentRecord, instance_id: str, taken: DomainError) -> None:
        item = AttachmentItem(AttachmentItem.partition(self.tenant), record.id)
        free = AttachmentItem.instance_id.does_not_exist() | (AttachmentItem.instance_id == instance_id)
        self.writes().update(
            item,
            actions=[AttachmentItem.instance_id.set(instance_id)],
            condition=(AttachmentItem.owner == record.owner) & free,
            on_conflict=taken,
        )


@dataclass
class DynamoStore:
    """``Store`` on the approvals table for the principal's hospital; ``with store:`` opens its unit of
    work — or, for a consumer, joins ``consumer``'s (the one holding the event's inbox marker): then the
    writes land with the marker when the consumer commits, and ``commit()`` leaves that to it."""

    principal: Principal
    request_id: str | None = None
    consumer: UnitOfWork | None = None
    _uow: UnitOfWork | None = field(default=None, init=False, repr=False)

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def _writes(self) -> UnitOfWork:
        if self._uow is None:
            raise RuntimeError("write inside `with store:` (it opens the unit of work)")
        return self._uow

    def __enter__(self) -> DynamoStore:
        self._uow = self.consumer or UnitOfWork(SERVICE, self.principal, self.request_id)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._uow is not None and self.consumer is None:
            self._uow.__exit__(*exc)
        self._uow = None

    @property
    def templates(self) -> DynamoTemplates:
        return DynamoTemplates(self.tenant, self._writes)

    @property
    def approvals(self) -> DynamoApprovals:
        return DynamoApprovals(self.tenant, self._writes)

    @property
    def records(self) -> DynamoRecords:
        return DynamoRecords(self.tenant, self._writes)

    @property
    def inbox(self) -> DynamoInbox:
        return DynamoInbox(self.tenant, self._writes)

    @property
    def timers(self) -> DynamoTimers:
        return DynamoTimers(self.tenant, self._writes)

    @property
    def deputies(self) -> DynamoDeputies:
        return DynamoDeputies(self.tenant, self._writes)

    @property
    def leave(self) -> DynamoLeaveBook:
        return DynamoLeaveBook(self.tenant, self._writes)

    @property
    def attachments(self) -> DynamoAttachments:
        return DynamoAttachments(self.tenant, self._writes)

    def emit(self, event: Any) -> None:
        self._writes().emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        # by the store's principal (on a consumer's unit of work too: the submitter, not the service)
        record = AuditRecord.of(
            self.principal, action, resource_type, resource_id, self.request_id, before, after
        )
        self._writes().create(record)

    def audit_now(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        """One create-only PutItem on the audit table."""
        principal, request_id = self.principal, self.request_id
        record = AuditRecord.of(principal, action, resource_type, resource_id, request_id, after=after)
        record.save(AuditRecord.pk.does_not_exist())

    def commit(self) -> None:
        if self.consumer is None:
            self._writes().commit()


class DynamoDueTimers:
    """``DueTimers`` on the system-wide due index: every item it returns names its hospital."""

    def due(self, now: datetime, limit: int) -> list[DueTimer]:
        """One Query on the due index (never a scan), oldest first."""
        items = SlaTimerItem.due.query(
            SLA_DUE_INDEX, SlaTimerItem.gsi1sk <= f"{now.isoformat()}~", limit=limit
        )
        return [
            DueTimer(
                tenant=t.tenant,
                instance_id=t.instance_id,
                key=t.sk[len(t.instance_id) + 1 :],
                approver=t.approver,
                stage=t.stage,
                due=t.due_at,
            )
            for t in items
        ]
