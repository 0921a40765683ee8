"""Messaging's DynamoDB access: every PynamoDB item it stores, and every read (and lone write) on them.

The directory's, the work notifications', the conversations' and the push devices' use cases see none
of this: they work on records through ``DynamoDirectoryStore``, ``DynamoNotificationStore``,
``DynamoConversationStore`` and ``DynamoDeviceStore`` (the ports of ``domain/ports.py``, at the
bottom). The other use cases still build items and hand them to
their unit of work; everything else that touches the tables — each GetItem, Query, BatchGetItem, batch
write and the few single writes made outside a transaction — is a function here. The directory items
themselves are the shared read model (``shared.directory``), re-exported here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Self

from chalicelib.messaging.domain.directory import SIGN_IN_TAKEN, STALE, number_taken, sign_in_subject
from chalicelib.messaging.domain.notify_policy import DEFAULT as DEFAULT_POLICY
from chalicelib.messaging.domain.notify_policy import NotifyPolicy, policy_from_json, policy_to_json
from chalicelib.messaging.domain.records import (
    AlertEntry,
    ApplyTally,
    AttachmentRecord,
    Colleague,
    ConsortiumGroupPointer,
    ConsortiumLink,
    ConversationRecord,
    DepartmentRecord,
    DingTimerRecord,
    DueReminder,
    Duty,
    FeedRecord,
    ImportJobRecord,
    ImportPageRecord,
    LastMessage,
    ListingRecord,
    MessageRecord,
    NotificationRecord,
    PointerRecord,
    PreviewTally,
    RecipientRecord,
    Reminder,
    RosterMember,
    SentRecord,
    StaffRecord,
    TrailEntry,
    UnitRecord,
)
from chalicelib.messaging.domain.staff_search import matched_token
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from shared.audit import record_access
from shared.auth import Principal
from shared.consortia import (
    HospitalLink,
    RosterEntry,
    active_hospital_names,
    hospital_link,
    shared_consortium,
)
from shared.directory import (
    UNBOUND,
    DepartmentItem,
    EmployeeNumberClaim,
    SignInItem,
    StaffItem,
    get_department,
    get_staff,
    staff_for_user,
    staff_names,
    supervisor_chain,
)
from shared.directory import (
    hospital as registered_hospital,
)
from shared.errors import Conflict, DomainError, RuleViolation
from shared.ids import new_id
from shared.persistence.batch import put_all
from shared.persistence.models import AuditRecord, Gsi1, TenantItem, now_utc, table_meta, tenant_key
from shared.persistence.paging import decode_cursor, encode_cursor, one_page, query_page
from shared.persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from shared.events.envelope import EventEnvelope
    from shared.onduty import OnDuty

ItemPage = tuple[list[Any], str | None]  # one page of items and the cursor after it

__all__ = [
    "DepartmentItem",
    "EmployeeNumberClaim",
    "StaffItem",
    "get_department",
    "get_staff",
    "put_all",
    "staff_for_user",
    "supervisor_chain",
]


def save(item: Model) -> None:
    """A single unconditional put, outside any transaction."""
    item.save()


def save_new(item: TenantItem) -> None:
    """A single put that only creates (its key must be new)."""
    item.save(type(item).pk.does_not_exist())


# --- the directory (shared read model) ------------------------------------------------------------


def departments_of(tenant: str) -> list[DepartmentItem]:
    """Every unit of the hospital (its whole department partition)."""
    return list(DepartmentItem.query(DepartmentItem.partition(tenant)))


def department_page(tenant: str, limit: int, cursor: str | None) -> ItemPage:
    return query_page(DepartmentItem, DepartmentItem.partition(tenant), limit, cursor)


def staff_filter(department_id: str | None, status: str | None) -> Condition | None:
    condition: Condition | None = None
    parts: list[Condition] = []
    if department_id:
        parts.append(StaffItem.department_id == department_id)
    if status:
        parts.append(StaffItem.status == status)
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def staff_page(
    tenant: str,
    limit: int,
    cursor: str | None,
    department_id: str | None = None,
    status: str | None = None,
) -> ItemPage:
    condition = staff_filter(department_id, status)
    return query_page(StaffItem, StaffItem.partition(tenant), limit, cursor, condition)


# --- staff search ---------------------------------------------------------------------------------


class StaffSearchEntry(TenantItem):
    """One search token of a member of staff: ``pk = <tenant>#staffsearch`` (``<tenant>#staffsearch#left``
    once they have left), ``sk = <token>#<staff id>``. It carries the record as a list shows it (and all
    of the person's tokens), so a search page is one Query with no read per hit. Written in the staff
    change's own transaction: a rename or a departure removes the entries it no longer has."""

    ENTITY = "staffsearch"
    Meta = table_meta("directory")
    staff_id = UnicodeAttribute()
    tokens = ListAttribute(of=UnicodeAttribute, default=list)
    department_id = UnicodeAttribute()
    status = UnicodeAttribute()
    staff = UnicodeAttribute()  # JSON: the record's fields, without the sealed mobile and its index

    @staticmethod
    def partition(tenant: str, left: bool = False) -> str:
        return tenant_key(tenant, "staffsearch", "left") if left else tenant_key(tenant, "staffsearch")

    @property
    def token(self) -> str:
        return str(self.sk).rsplit("#", 1)[0]


SEARCH_READ_FACTOR = 2  # a search reads up to twice the page (a person can match by two tokens) to fill it


def staff_search_page(
    tenant: str, key: str, limit: int, cursor: str | None, department_id: str | None, status: str | None
) -> ItemPage:
    """One Query (``begins_with`` on the token) of the search entries ``key`` begins, each person once:
    an entry is kept only when its token is the first of the person's that ``key`` begins, so a person
    found by two tokens shows once, on whichever page holds the first. The cursor is the last entry
    used, so a page stopped short at ``limit`` goes on from there."""
    partition = StaffSearchEntry.partition(tenant, left=status == "left")
    start = decode_cursor(cursor, partition)
    if start is not None and not str(start.get("sk", {}).get("S", "")).startswith(key):
        raise RuleViolation("invalid cursor", field="cursor")  # a cursor of another query
    parts: list[Condition] = []
    if department_id:
        parts.append(StaffSearchEntry.department_id == department_id)
    if status and status != "left":
        parts.append(StaffSearchEntry.status == status)
    condition: Condition | None = None
    for part in parts:
        condition = part if condition is None else condition & part
    result = StaffSearchEntry.query(
        partition,
        StaffSearchEntry.sk.startswith(key),
        filter_condition=condition,
        limit=limit * SEARCH_READ_FACTOR,
        page_size=limit * SEARCH_READ_FACTOR,
        last_evaluated_key=start,
    )
    raw = next(result.page_iter).get("Items", [])
    kept: list[StaffSearchEntry] = []
    for used, data in enumerate(raw, start=1):
        entry = StaffSearchEntry.from_raw_data(data)
        if matched_token([str(t) for t in entry.tokens or []], key) == entry.token:
            kept.append(entry)
        if len(kept) == limit:
            if used < len(raw) or result.page_iter.last_evaluated_key:
                return kept, encode_cursor({"pk": {"S": partition}, "sk": {"S": entry.sk}})
            return kept, None
    return kept, encode_cursor(result.page_iter.last_evaluated_key)


def active_staff(tenant: str) -> Iterator[StaffItem]:
    """Every active member of staff of the hospital (a filtered Query over its staff partition)."""
    return StaffItem.query(StaffItem.partition(tenant), filter_condition=StaffItem.status == "active")


def staff_in(tenant: str, department_id: str) -> int:
    """How many staff who have not left are in a unit: a counting Query over the hospital's staff (a
    call per MB of staff records; no unit-to-staff index exists)."""
    condition = (StaffItem.department_id == department_id) & (StaffItem.status != "left")
    return int(StaffItem.count(StaffItem.partition(tenant), filter_condition=condition))


def find_employee_number(tenant: str, employee_no: str) -> EmployeeNumberClaim | None:
    try:
        return EmployeeNumberClaim.get(EmployeeNumberClaim.partition(tenant), employee_no)
    except EmployeeNumberClaim.DoesNotExist:
        return None


def user_index_key(tenant: str) -> str:
    """The gsi1 partition through which a staff record is found by its identity-provider subject."""
    return tenant_key(tenant, "user")


def audit_page(tenant: str, resource_type: str, resource_id: str, limit: int, cursor: str | None) -> ItemPage:
    partition = tenant_key(tenant, resource_type, resource_id)
    return query_page(AuditRecord, partition, limit, cursor)


def on_duty(tenant: str, ward_id: str, at: datetime) -> OnDuty:
    """Who is on duty on a ward now (scheduling's roster read model)."""
    from shared import onduty  # only a notification to "whoever is on duty" reads it

    return onduty.on_duty(tenant, ward_id, at)


# --- certificate reminders ------------------------------------------------------------------------

CERTIFICATE_DUE_INDEX = "certdue"  # a system index for the sweep; every item it returns names its tenant


class CertificateReminder(TenantItem):
    ENTITY = "certremind"
    Meta = table_meta("messaging")
    staff_id = UnicodeAttribute()
    certificate_type = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "certremind")


def due_certificate_reminders(today: date) -> Iterator[CertificateReminder]:
    """The reminders due by ``today``, of every hospital."""
    return CertificateReminder.due.query(
        CERTIFICATE_DUE_INDEX, CertificateReminder.gsi1sk <= f"{today.isoformat()}~"
    )


# --- staff imports --------------------------------------------------------------------------------


class ImportJobItem(TenantItem):
    ENTITY = "import"
    Meta = table_meta("messaging")
    requested_by = UnicodeAttribute()
    filename = UnicodeAttribute(null=True)
    file_sha256 = UnicodeAttribute()
    status = UnicodeAttribute(default="previewing")
    units_blob = UnicodeAttribute()
    total = NumberAttribute()
    page_size = NumberAttribute(default=50)
    chunk_rows = NumberAttribute(default=1000)
    preview_until = UTCDateTimeAttribute(null=True)
    previewed = NumberAttribute(default=0)
    to_create = NumberAttribute(default=0)
    to_update = NumberAttribute(default=0)
    to_keep = NumberAttribute(default=0)
    errors = NumberAttribute(default=0)
    confirmed_by = UnicodeAttribute(null=True)
    confirmed_at = UTCDateTimeAttribute(null=True)
    skip_errors = BooleanAttribute(default=False)
    processed = NumberAttribute(default=0)
    created = NumberAttribute(default=0)
    updated = NumberAttribute(default=0)
    unchanged = NumberAttribute(default=0)
    conflicts = NumberAttribute(default=0)
    skipped = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default=now_utc)
    finished_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "import")


class ImportChunkItem(TenantItem):
    """A job's rows, a chunk at a time (packed; a slice reads only its own)."""

    ENTITY = "importrows"
    Meta = table_meta("messaging")
    rows_blob = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # the table's TTL: the rows go a month after their job

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "importrows")

    @staticmethod
    def key(job_id: str, number: int) -> str:
        return f"{job_id}#{number:04d}"


class ImportPageItem(TenantItem):
    """One slice of a job's rows: their preview, then their outcome (JSON; 50 rows are a few KB)."""

    ENTITY = "importpage"
    Meta = table_meta("messaging")
    rows = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # the table's TTL: pages go a month after their job

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "importpage")

    @staticmethod
    def key(job_id: str, number: int) -> str:
        return f"{job_id}#{number:05d}"


IMPORT_PAGE_DAYS = 31


def import_job(tenant: str, job_id: str) -> ImportJobItem:
    """The job (``ImportJobItem.DoesNotExist`` if there is none)."""
    return ImportJobItem.get(ImportJobItem.partition(tenant), job_id)


def find_import_job(tenant: str, job_id: str) -> ImportJobItem | None:
    try:
        return import_job(tenant, job_id)
    except ImportJobItem.DoesNotExist:
        return None


# --- work notifications ---------------------------------------------------------------------------


class NotificationItem(TenantItem):
    """Not versioned on purpose: its counters move by atomic ADDs from many recipients at once."""

    ENTITY = "notification"
    Meta = table_meta("messaging")
    created_at = UTCDateTimeAttribute(default=now_utc)
    sender = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    ack_required = BooleanAttribute(default=False)
    ding = BooleanAttribute(default=False)
    sender_name = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="fanning_out")
    recipient_ids = ListAttribute(of=UnicodeAttribute, default=list)
    delivered_count = NumberAttribute(default=0)
    read_count = NumberAttribute(default=0)
    ack_count = NumberAttribute(default=0)
    recipient_count = NumberAttribute(null=True)
    # JSON {staff id: body}: recipients' own bodies (a roster change's lines), bounded by the event that
    # carried them; the fan-out copies each onto its recipient's entry
    bodies = UnicodeAttribute(null=True)
    # The sender's list of sent notifications (``<tenant>#sent#<sender>``, by id: newest last).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_sender = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "notif")

    @staticmethod
    def sent_partition(tenant: str, sender: str) -> str:
        return tenant_key(tenant, "sent", sender)


class NotifyPolicyItem(TenantItem):
    """The hospital's notification policy (one item; absent: the defaults)."""

    ENTITY = "notifypolicy"
    Meta = table_meta("messaging")
    policy = UnicodeAttribute()  # JSON of domain.notify_policy.NotifyPolicy

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "notifypolicy")


class SendCounter(TenantItem):
    """How many of something (a sender's notifications this hour, the hospital's SMS today) in a window;
    moved by conditional ADDs, gone two days after the window by TTL."""

    ENTITY = "counter"
    Meta = table_meta("messaging")
    tally = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "counter")


def _policy_of(tenant: str) -> NotifyPolicy:
    try:
        item = NotifyPolicyItem.get(NotifyPolicyItem.partition(tenant), "policy")
    except NotifyPolicyItem.DoesNotExist:
        return DEFAULT_POLICY
    return policy_from_json(item.policy)


def _condition_failed(exc: UpdateError) -> bool:
    return bool(exc.cause_response_code == "ConditionalCheckFailedException")


def _counter(tenant: str, scope: str, window: str) -> SendCounter:
    return SendCounter(SendCounter.partition(tenant), f"{scope}#{window}")


def _counter_expiry() -> int:
    return int((now_utc() + timedelta(days=2)).timestamp())


class RecipientItem(TenantItem):
    """One recipient of one notification; also the recipient's inbox entry (through gsi1)."""

    ENTITY = "recipient"
    Meta = table_meta("messaging")
    title = UnicodeAttribute()
    sender = UnicodeAttribute()
    sender_name = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)  # the recipient's display name at delivery
    body = UnicodeAttribute(null=True)  # the recipient's own body, when the notification has one for her
    ack_required = BooleanAttribute(default=False)
    status = UnicodeAttribute(default="delivered")
    created_at = UTCDateTimeAttribute()
    read_at = UTCDateTimeAttribute(null=True)
    acked_at = UTCDateTimeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    inbox = Gsi1()

    @staticmethod
    def partition(tenant: str, notification_id: str) -> str:
        return tenant_key(tenant, "notif", notification_id)

    @staticmethod
    def inbox_partition(tenant: str, staff_id: str) -> str:
        """The person's feed (shared with chat messages, read by sync); the inbox filters it."""
        return tenant_key(tenant, "feed", staff_id)


def notification(tenant: str, notification_id: str) -> NotificationItem:
    """The notification (``NotificationItem.DoesNotExist`` if there is none)."""
    return NotificationItem.get(NotificationItem.partition(tenant), notification_id)


def find_notification(tenant: str, notification_id: str) -> NotificationItem | None:
    try:
        return notification(tenant, notification_id)
    except NotificationItem.DoesNotExist:
        return None


def checkpoint_delivered(item: NotificationItem, delivered: int) -> None:
    """Fan-out progress, outside the consumer's transaction, so a redelivery resumes from here."""
    item.update(actions=[NotificationItem.delivered_count.set(delivered)])


def recipient_page(
    tenant: str, notification_id: str, pending: str | None, limit: int, cursor: str | None
) -> ItemPage:
    """A notification's recipients: all, or those who have not read (``read``) / acknowledged (``ack``)."""
    condition: Condition | None = None
    if pending == "read":
        condition = RecipientItem.status == "delivered"
    elif pending == "ack":
        condition = RecipientItem.status != "acknowledged"
    partition = RecipientItem.partition(tenant, notification_id)
    return query_page(RecipientItem, partition, limit, cursor, condition)


def find_recipient(tenant: str, notification_id: str, staff_id: str) -> RecipientItem | None:
    try:
        return RecipientItem.get(RecipientItem.partition(tenant, notification_id), staff_id)
    except RecipientItem.DoesNotExist:
        return None


def unacknowledged(tenant: str, notification_id: str) -> list[str]:
    """Staff ids of the recipients who have not acknowledged yet."""
    return [
        r.sk
        for r in RecipientItem.query(
            RecipientItem.partition(tenant, notification_id),
            filter_condition=RecipientItem.status != "acknowledged",
        )
    ]


# What the list of sent notifications reads of each: not the body nor the (up to 10,000) recipient ids.
SENT_FIELDS = [
    "pk",
    "sk",
    "gsi1pk",
    "gsi1sk",
    "entity",
    "tenant",
    "title",
    "created_at",
    "sender",
    "ack_required",
    "ding",
    "status",
    "recipient_count",
    "delivered_count",
    "read_count",
    "ack_count",
]


def sent_page(tenant: str, sender: str, limit: int, cursor: str | None) -> ItemPage:
    """The notifications a sender sent, newest first: one Query on gsi1, without bodies or recipients."""
    partition = NotificationItem.sent_partition(tenant, sender)
    result = NotificationItem.by_sender.query(
        partition,
        limit=limit,
        page_size=limit,
        scan_index_forward=False,
        attributes_to_get=SENT_FIELDS,
        last_evaluated_key=decode_cursor(cursor, partition, "gsi1pk"),
    )
    return one_page(NotificationItem, result)


def inbox_page(tenant: str, staff_id: str, limit: int, cursor: str | None) -> ItemPage:
    """The person's notification deliveries, newest first: one Query on their feed."""
    partition = RecipientItem.inbox_partition(tenant, staff_id)
    result = RecipientItem.inbox.query(
        partition,
        filter_condition=RecipientItem.entity == "recipient",
        limit=limit,
        scan_index_forward=False,
        last_evaluated_key=decode_cursor(cursor, partition, "gsi1pk"),
    )
    return one_page(RecipientItem, result)


# --- DING escalation ------------------------------------------------------------------------------

DING_DUE_INDEX = "dingdue"  # a system index for the sweep; every item it returns names its tenant


class DingTimer(TenantItem):
    ENTITY = "ding"
    Meta = table_meta("messaging")
    notification_id = UnicodeAttribute()
    step = UnicodeAttribute()  # sms | call
    due_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute()
    call_after_minutes = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "ding")


class AlertLogItem(TenantItem):
    """The delivery log of SMS and calls: what went to whom (masked), when, and how it went."""

    ENTITY = "alert"
    Meta = table_meta("messaging")
    notification_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    to_masked = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    name = UnicodeAttribute(null=True)  # the person's display name when alerted

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "alerts")


def ding_timer(
    tenant: str, notification_id: str, step: str, due: datetime, sent_at: datetime, call_after: int | None
) -> DingTimer:
    """A DING's escalation timer at ``step`` (sms | call), due ``due``, in the sweep's due index."""
    return DingTimer.new(
        tenant,
        notification_id,
        notification_id=notification_id,
        step=step,
        due_at=due,
        sent_at=sent_at,
        call_after_minutes=call_after,
        gsi1pk=DING_DUE_INDEX,
        gsi1sk=f"{due.isoformat()}#{tenant}#{notification_id}",
    )


def due_ding_timers(now: datetime, limit: int) -> Iterator[DingTimer]:
    """Up to ``limit`` escalation timers due by ``now``, of every hospital."""
    return DingTimer.due.query(DING_DUE_INDEX, DingTimer.gsi1sk <= f"{now.isoformat()}~", limit=limit)


def delete_ding_timer(tenant: str, notification_id: str) -> None:
    try:
        DingTimer.get(DingTimer.partition(tenant), notification_id).delete()
    except DingTimer.DoesNotExist:
        return


def alert_page(tenant: str, limit: int, cursor: str | None) -> ItemPage:
    return query_page(AlertLogItem, AlertLogItem.partition(tenant), limit, cursor)


# --- push devices ---------------------------------------------------------------------------------

DEVICE_BATCH_GET = 100  # keys per BatchGetItem
PREVIEW_CHARS = 60  # of a conversation's newest message, kept on the conversation for the lists


class DeviceRegistry(TenantItem):
    """One item per person: their devices as JSON {token hash: SNS endpoint arn}, the latest five."""

    ENTITY = "devices"
    Meta = table_meta("messaging")
    endpoints = UnicodeAttribute(default="{}")

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "devices")


def find_devices(tenant: str, staff_id: str) -> DeviceRegistry | None:
    try:
        return DeviceRegistry.get(DeviceRegistry.partition(tenant), staff_id)
    except DeviceRegistry.DoesNotExist:
        return None


def device_registries(tenant: str, staff_ids: Sequence[str]) -> Iterator[DeviceRegistry]:
    """The registries of these people that exist (one BatchGetItem per 100 people)."""
    for start in range(0, len(staff_ids), DEVICE_BATCH_GET):
        keys = [
            (DeviceRegistry.partition(tenant), staff_id)
            for staff_id in staff_ids[start : start + DEVICE_BATCH_GET]
        ]
        yield from DeviceRegistry.batch_get(keys)


# --- conversations --------------------------------------------------------------------------------


class ConversationItem(TenantItem):
    ENTITY = "conversation"
    Meta = table_meta("messaging")
    kind = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    member_ids = UnicodeSetAttribute(null=True)  # a set: joins and leaves are atomic ADD / DELETE
    department_id = UnicodeAttribute(null=True)  # set on a department's own group
    consortium_id = UnicodeAttribute(null=True)  # set on a cross-hospital group
    created_at = UTCDateTimeAttribute(default=now_utc)
    # member key → display name, hospital id → name: kept as people join (a map: one person's name is
    # set or removed on its own, atomically, like their place in member_ids)
    member_names = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    hospital_names = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    # Its newest message, for the members' conversation lists (set by each post, newer only).
    last_message_id = UnicodeAttribute(null=True)
    last_sender_id = UnicodeAttribute(null=True)
    last_text = UnicodeAttribute(null=True)
    last_at = UTCDateTimeAttribute(null=True)
    last_recalled = BooleanAttribute(null=True)
    listed_window = UnicodeAttribute(null=True)  # when its members' lines last moved up
    closed = BooleanAttribute(null=True)  # a closed group (a finished referral's): no new message

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "conv")


class ConversationLine(TenantItem):
    """A person's line in their conversation list (``<tenant>#convlist#<staff>``, sort key
    ``<home>#<conversation>``); gsi1 orders the person's lines by when each last moved up."""

    ENTITY = "convline"
    Meta = table_meta("messaging")
    conversation_id = UnicodeAttribute()
    home_hospital_id = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_activity = Gsi1()

    @staticmethod
    def partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "convlist", staff_id)


class ConversationOverview(TenantItem):
    """Read-only: a conversation or a read mark (same table), so one BatchGetItem fetches both."""

    kind = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    member_ids = UnicodeSetAttribute(null=True)
    department_id = UnicodeAttribute(null=True)
    consortium_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    last_message_id = UnicodeAttribute(null=True)
    last_sender_id = UnicodeAttribute(null=True)
    last_text = UnicodeAttribute(null=True)
    last_at = UTCDateTimeAttribute(null=True)
    last_recalled = BooleanAttribute(null=True)
    member_names = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    hospital_names = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]
    closed = BooleanAttribute(null=True)
    up_to = UnicodeAttribute(null=True)  # a read mark's
    Meta = table_meta("messaging")


class ConsortiumGroupEntry(TenantItem):
    """One cross-hospital group in its consortium's list, under the lead (``<lead>#cgroups#<consortium>``,
    sort key ``<home>#<conversation>``): what a hospital's leaving is applied to."""

    ENTITY = "cgroup"
    Meta = table_meta("messaging")

    @staticmethod
    def partition(lead: str, consortium_id: str) -> str:
        return tenant_key(lead, "cgroups", consortium_id)


class ConversationPointer(TenantItem):
    """A participant's entry for a cross-hospital group, under their own hospital: where it lives."""

    ENTITY = "convptr"
    Meta = table_meta("messaging")
    home_hospital_id = UnicodeAttribute()
    consortium_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    joined_at = UTCDateTimeAttribute(default=now_utc)

    @staticmethod
    def partition(tenant: str, staff_id: str) -> str:
        return tenant_key(tenant, "convptr", staff_id)


class MessageItem(TenantItem):
    ENTITY = "message"
    Meta = table_meta("messaging")
    sender_id = UnicodeAttribute()
    sender_name = UnicodeAttribute(null=True)  # as the sender was named when they sent it
    text = UnicodeAttribute(null=True)
    attachments = ListAttribute(of=UnicodeAttribute, default=list)
    recalled = BooleanAttribute(default=False)
    sent_at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str, conversation_id: str) -> str:
        return tenant_key(tenant, "conv", conversation_id)


class FeedEntry(TenantItem):
    """A message (or its recall) as it appears in one member's feed.

    The feed index also holds notification deliveries (``RecipientItem``), read through this class
    too, hence every field optional and ``title``/``created_at`` here.
    """

    ENTITY = "feed"
    Meta = table_meta("messaging")
    kind = UnicodeAttribute(null=True)
    ref_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    sender = UnicodeAttribute(null=True)
    sender_name = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    feed = Gsi1()

    @staticmethod
    def partition(tenant: str, message_id: str) -> str:
        return tenant_key(tenant, "feedmsg", message_id)


class AttachmentItem(TenantItem):
    ENTITY = "attachment"
    Meta = table_meta("messaging")
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    uploader = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, conversation_id: str) -> str:
        return tenant_key(tenant, "conv", conversation_id, "att")


class ReadMark(TenantItem):
    """How far one member has read one conversation (messages up to and including ``up_to``)."""

    ENTITY = "readmark"
    Meta = table_meta("messaging")
    up_to = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str, conversation_id: str) -> str:
        return tenant_key(tenant, "reads", conversation_id)


class GroupMembership(TenantItem):
    """Which department group a person is in (so a move can take them out of the old one)."""

    ENTITY = "deptgroup"
    Meta = table_meta("messaging")
    department_id = UnicodeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "deptgroup")


def find_conversation(tenant: str, conversation_id: str) -> ConversationItem | None:
    try:
        return ConversationItem.get(ConversationItem.partition(tenant), conversation_id)
    except ConversationItem.DoesNotExist:
        return None


def find_pointer(tenant: str, staff_id: str, conversation_id: str) -> ConversationPointer | None:
    try:
        return ConversationPointer.get(ConversationPointer.partition(tenant, staff_id), conversation_id)
    except ConversationPointer.DoesNotExist:
        return None


def pointer_page(tenant: str, staff_id: str, limit: int, cursor: str | None) -> ItemPage:
    """A person's cross-hospital groups, newest first: one Query on their own pointers."""
    partition = ConversationPointer.partition(tenant, staff_id)
    return query_page(ConversationPointer, partition, limit, cursor, newest_first=True)


def message_page(tenant: str, conversation_id: str, limit: int, cursor: str | None) -> ItemPage:
    partition = MessageItem.partition(tenant, conversation_id)
    return query_page(MessageItem, partition, limit, cursor, newest_first=True)


def find_message(tenant: str, conversation_id: str, message_id: str) -> MessageItem | None:
    try:
        return MessageItem.get(MessageItem.partition(tenant, conversation_id), message_id)
    except MessageItem.DoesNotExist:
        return None


def recall_message(item: MessageItem) -> bool:
    """Mark it recalled and drop its text, unless it was recalled meanwhile (then False)."""
    try:
        item.update(
            actions=[MessageItem.recalled.set(True), MessageItem.text.remove()],
            condition=MessageItem.recalled == False,  # noqa: E712 - a DynamoDB condition, not a Python test
        )
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise
        return False
    return True


def advance_read_mark(mark: ReadMark) -> None:
    """Only ever forward: an older "read up to" arriving late does not undo a newer one."""
    try:
        mark.save(ReadMark.up_to.does_not_exist() | (ReadMark.up_to < mark.up_to))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def read_marks(tenant: str, conversation_id: str) -> dict[str, str]:
    """How far each member has read: member → message id."""
    return {m.sk: m.up_to for m in ReadMark.query(ReadMark.partition(tenant, conversation_id))}


def feed_entries(tenant: str, staff_id: str, after: str, before: str, limit: int) -> list[FeedEntry]:
    """Up to ``limit`` entries of a person's feed, oldest first, after the cursor ``after`` (none: from
    the start) and before ``before``: one Query."""
    partition = RecipientItem.inbox_partition(tenant, staff_id)
    condition = FeedEntry.gsi1sk.between(after + "\x00", before) if after else FeedEntry.gsi1sk < before
    return list(FeedEntry.feed.query(partition, condition, limit=limit))


def find_attachment(tenant: str, conversation_id: str, attachment_id: str) -> AttachmentItem | None:
    try:
        return AttachmentItem.get(AttachmentItem.partition(tenant, conversation_id), attachment_id)
    except AttachmentItem.DoesNotExist:
        return None


def find_group_membership(tenant: str, staff_id: str) -> GroupMembership | None:
    try:
        return GroupMembership.get(GroupMembership.partition(tenant), staff_id)
    except GroupMembership.DoesNotExist:
        return None


def ensure_group(group: ConversationItem) -> None:
    """Create a department's group, or (it exists) give it the department's current name."""
    try:
        group.save(ConversationItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # a group made before names were kept gets its (empty) map here, before anyone joins it
        group.update(
            actions=[
                ConversationItem.name.set(group.name),
                ConversationItem.member_names.set(ConversationItem.member_names | _name_map({})),
            ]
        )


# --- consortium links (医共体/医联体) ----------------------------------------------------------------


def link_page(hospital_id: str, limit: int, cursor: str | None) -> ItemPage:
    """A hospital's consortia and pending invitations: one Query on its own partition."""
    return query_page(HospitalLink, HospitalLink.partition(hospital_id), limit, cursor)


def roster_page(lead: str, consortium_id: str, limit: int, cursor: str | None) -> ItemPage:
    return query_page(RosterEntry, RosterEntry.partition(lead, consortium_id), limit, cursor)


def find_roster_entry(lead: str, consortium_id: str, hospital_id: str) -> RosterEntry | None:
    try:
        return RosterEntry.get(RosterEntry.partition(lead, consortium_id), hospital_id)
    except RosterEntry.DoesNotExist:
        return None


def roster_ids(lead: str, consortium_id: str, limit: int) -> list[str]:
    """The first ``limit`` hospital ids of a roster (one Query)."""
    return [e.sk for e in RosterEntry.query(RosterEntry.partition(lead, consortium_id), limit=limit)]


def active_hospitals(lead: str, consortium_id: str) -> list[str]:
    """Ids of the hospitals that have joined (one Query on the lead's roster; a consortium is small)."""
    return list(active_hospital_names(lead, consortium_id))


# --- the directory's store (the ports of domain/ports.py) -----------------------------------------


def _department_record(item: DepartmentItem) -> DepartmentRecord:
    return DepartmentRecord(
        id=item.sk,
        name=item.name,
        kind=item.kind,
        parent_id=item.parent_id,
        head_id=item.head_id,
        version=item.version,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _department_item(tenant: str, record: DepartmentRecord) -> DepartmentItem:
    item = DepartmentItem.new(
        tenant,
        record.id,
        name=record.name,
        kind=record.kind,
        parent_id=record.parent_id,
        head_id=record.head_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
    if record.version is not None:
        item.version = record.version
    return item


def _staff_record(item: StaffItem) -> StaffRecord:
    return StaffRecord(
        id=item.sk,
        name=item.name,
        employee_no=item.employee_no,
        department_id=item.department_id,
        title=item.title,
        nurse_grade=item.nurse_grade,
        roles=[str(role) for role in item.roles or []],
        supervisor_id=item.supervisor_id,
        status=item.status,
        left_at=item.left_at,
        mobile_encrypted=item.mobile_encrypted,
        mobile_masked=item.mobile_masked,
        mobile_index=item.mobile_index,
        search_tokens=[str(token) for token in item.search_tokens or []],
        certificates=json.loads(item.certificates or "[]"),
        user_id=item.user_id,
        version=item.version,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _staff_item(tenant: str, record: StaffRecord) -> StaffItem:
    item = StaffItem.new(
        tenant,
        record.id,
        name=record.name,
        employee_no=record.employee_no,
        department_id=record.department_id,
        title=record.title,
        nurse_grade=record.nurse_grade,
        roles=list(record.roles),
        supervisor_id=record.supervisor_id,
        status=record.status,
        left_at=record.left_at,
        mobile_encrypted=record.mobile_encrypted,
        mobile_masked=record.mobile_masked,
        mobile_index=record.mobile_index,
        search_tokens=list(record.search_tokens),
        certificates=json.dumps(record.certificates, ensure_ascii=False),
        user_id=record.user_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
    if record.user_id:
        item.gsi1pk, item.gsi1sk = user_index_key(tenant), record.user_id
    if record.version is not None:
        item.version = record.version
    return item


_UNAUDITED = ("mobile_encrypted", "mobile_index", "search_tokens")  # sealed, or derived from the name


def _snapshot(item: StaffItem | DepartmentItem) -> dict[str, Any]:
    """What the audit trail keeps of a record: its stored fields, with personal data only as masked."""
    data = {k: v for k, v in item.attribute_values.items() if k not in _UNAUDITED}
    snapshot: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return snapshot


_VIEW_DATES = ("created_at", "updated_at", "left_at")


def _search_view(record: StaffRecord, version: int) -> str:
    """The record as a search entry carries it: what a list shows, never the sealed mobile."""
    view = {
        k: v
        for k, v in dataclasses.asdict(record).items()
        if k not in ("mobile_encrypted", "mobile_index", "search_tokens")
    }
    view["version"] = version
    return json.dumps(view, ensure_ascii=False, default=lambda d: d.isoformat())


def _found_record(entry: StaffSearchEntry) -> StaffRecord:
    view: dict[str, Any] = json.loads(entry.staff)
    for name in _VIEW_DATES:
        if view.get(name):
            view[name] = datetime.fromisoformat(view[name])
    return StaffRecord(**view)


Record = DepartmentRecord | StaffRecord


@dataclass
class _Saved:
    """Records staged for saving and their items: the commit gives each record its item's new version."""

    pairs: list[tuple[Record, DepartmentItem | StaffItem]] = field(default_factory=list)

    def add(self, record: Record, item: DepartmentItem | StaffItem) -> None:
        self.pairs.append((record, item))

    def settle(self) -> None:
        for record, item in self.pairs:
            record.version = item.version
        self.pairs.clear()


@dataclass
class DynamoDepartments:
    """``Departments`` on the directory table (GetItem / Query; writes staged in the unit of work)."""

    tenant: str
    uow: UnitOfWork
    saved: _Saved

    def get(self, department_id: str) -> DepartmentRecord | None:
        item = get_department(self.tenant, department_id)
        return _department_record(item) if item else None

    def page(self, limit: int, cursor: str | None) -> tuple[list[DepartmentRecord], str | None]:
        items, next_cursor = department_page(self.tenant, limit, cursor)
        return [_department_record(i) for i in items], next_cursor

    def create(self, record: DepartmentRecord) -> None:
        item = _department_item(self.tenant, record)
        self.uow.create(item)
        self.saved.add(record, item)

    def save(self, record: DepartmentRecord) -> None:
        item = _department_item(self.tenant, record)
        self.uow.save(item, on_conflict=STALE)
        self.saved.add(record, item)

    def all(self) -> list[DepartmentRecord]:
        return [_department_record(i) for i in departments_of(self.tenant)]

    def remove(self, record: DepartmentRecord) -> None:
        self.uow.delete(
            DepartmentItem(DepartmentItem.partition(self.tenant), record.id),
            condition=DepartmentItem.version == record.version,
            on_conflict=STALE,
        )

    def require(self, department_id: str, error: DomainError) -> None:
        self.uow.check(
            DepartmentItem,
            DepartmentItem.partition(self.tenant),
            department_id,
            DepartmentItem.pk.exists(),
            on_conflict=error,
        )


@dataclass
class DynamoStaff:
    """``StaffRegister`` on the directory table; a new member of staff also claims their 工号 there."""

    tenant: str
    uow: UnitOfWork
    saved: _Saved

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        return staff_names(self.tenant, list(dict.fromkeys(staff_ids))[:100])

    def get(self, staff_id: str) -> StaffRecord | None:
        item = get_staff(self.tenant, staff_id)
        return _staff_record(item) if item else None

    def for_user(self, user_id: str) -> StaffRecord | None:
        item = staff_for_user(self.tenant, user_id)
        return _staff_record(item) if item else None

    def count_in(self, department_id: str) -> int:
        return staff_in(self.tenant, department_id)

    def supervisors(self, staff_id: str, levels: int) -> list[StaffRecord]:
        return [_staff_record(i) for i in supervisor_chain(self.tenant, staff_id, levels=levels)]

    def page(
        self, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        items, next_cursor = staff_page(self.tenant, limit, cursor, department_id, status)
        return [_staff_record(i) for i in items], next_cursor

    def search(
        self, key: str, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        entries, next_cursor = staff_search_page(self.tenant, key, limit, cursor, department_id, status)
        return [_found_record(e) for e in entries], next_cursor

    def create(self, record: StaffRecord) -> None:
        item = _staff_item(self.tenant, record)
        claim = EmployeeNumberClaim.new(
            self.tenant,
            record.employee_no,
            staff_id=record.id,
        )
        self.uow.create(item)
        self.uow.create(claim, on_conflict=number_taken(record.employee_no))
        self._claim(self._sign_in(record))
        self._index(record, None)
        self.saved.add(record, item)

    def save(
        self, record: StaffRecord, previous_sign_in: str | None = None, before: StaffRecord | None = None
    ) -> None:
        item = _staff_item(self.tenant, record)
        self._index(record, before)
        self.uow.save(item, on_conflict=STALE)
        sign_in = self._sign_in(record)
        if previous_sign_in is not None and previous_sign_in != sign_in.sk:
            # The old sign-in is kept as "unbound" (refused, not forgotten: a forgotten subject would act
            # with whatever roles its token carries) until someone is bound to it again.
            self.uow.save(
                SignInItem.new(self.tenant, previous_sign_in, staff_id=record.id, status=UNBOUND, roles=[])
            )
            self._claim(sign_in)
        else:
            self.uow.save(sign_in)
        self.saved.add(record, item)

    def _index(self, record: StaffRecord, before: StaffRecord | None) -> None:
        """Stage the record's search entries (rewritten: they carry the record at its next version) and
        the removal of those ``before`` had that it no longer has; never two writes to one entry."""
        for entry in search_entries(self.tenant, record, (record.version or 0) + 1):
            self.uow.save(entry)
        if before is None:
            return
        left = before.status == "left"
        kept = set(record.search_tokens) if left == (record.status == "left") else set()
        for token in before.search_tokens:
            if token not in kept:
                self.uow.delete(
                    StaffSearchEntry(StaffSearchEntry.partition(self.tenant, left), f"{token}#{record.id}")
                )

    def _claim(self, sign_in: SignInItem) -> None:
        """Create-only, or over an unbound one: a sign-in is never bound to two people."""
        free = SignInItem.sk.does_not_exist() | (SignInItem.status == UNBOUND)
        self.uow.save(sign_in, condition=free, on_conflict=SIGN_IN_TAKEN)

    def _sign_in(self, record: StaffRecord) -> SignInItem:
        return SignInItem.new(
            self.tenant,
            sign_in_subject(record.user_id, record.id),
            staff_id=record.id,
            status=record.status,
            roles=list(record.roles),
            name=record.name,
        )


def search_entries(tenant: str, record: StaffRecord, version: int) -> list[StaffSearchEntry]:
    """The search entries of a member of staff as of ``version`` (one per search token)."""
    partition = StaffSearchEntry.partition(tenant, left=record.status == "left")
    view = _search_view(record, version)
    return [
        StaffSearchEntry.new(
            tenant,
            f"{token}#{record.id}",
            pk=partition,
            staff_id=record.id,
            tokens=list(record.search_tokens),
            department_id=record.department_id,
            status=record.status,
            staff=view,
        )
        for token in record.search_tokens
    ]


@dataclass
class DynamoReminders:
    """``CertificateReminders``: one item per certificate in the sweep's due index."""

    tenant: str
    uow: UnitOfWork

    def add(self, reminder: Reminder) -> None:
        self.uow.save(
            CertificateReminder.new(
                self.tenant,
                reminder.key,
                staff_id=reminder.staff_id,
                certificate_type=reminder.certificate_type,
                valid_until=reminder.valid_until,
                gsi1pk=CERTIFICATE_DUE_INDEX,
                gsi1sk=f"{reminder.remind_on.isoformat()}#{self.tenant}#{reminder.key}",
            )
        )

    def remove(self, key: str) -> None:
        self.uow.delete(CertificateReminder(CertificateReminder.partition(self.tenant), key))


@dataclass
class DynamoAuditTrail:
    """``AuditTrail`` on the audit table: a resource's records in one partition."""

    tenant: str
    principal: Principal | None
    request_id: str | None

    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]:
        records, next_cursor = audit_page(self.tenant, resource_type, resource_id, limit, cursor)
        return [
            TrailEntry(
                at=r.at,
                actor=r.actor,
                action=r.action,
                resource_type=r.resource_type,
                resource_id=r.resource_id,
                before=json.loads(r.before) if r.before else None,
                after=json.loads(r.after) if r.after else None,
                request_id=r.request_id,
                actor_name=r.actor_name,
            )
            for r in records
        ], next_cursor

    def record_access(self, resource_type: str, resource_id: str, fields: list[str]) -> None:
        if self.principal is None:
            raise RuntimeError("this store has no principal to audit")
        record_access(self.principal, resource_type, resource_id, fields, self.request_id)


class _OnUnitOfWork:
    """A store of one hospital whose writes, events and audit records go into one unit of work: staged
    inside ``with store:``, applied together by ``commit()``, discarded if the block is left without it
    (a request's own unit of work, or a consumer's, which the consumer commits)."""

    def __init__(self, tenant: str, uow: UnitOfWork) -> None:
        self.tenant, self.uow = tenant, uow

    def emit(self, event: EventEnvelope) -> None:
        self.uow.emit(event)

    def commit(self) -> None:
        self.uow.commit()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


class DynamoDirectoryStore:
    """``DirectoryStore`` of one hospital on DynamoDB: the change goes out as the unit of work's one
    TransactWriteItems (state, outbox events and audit record); reads are GetItems and Queries."""

    def __init__(self, tenant: str, uow: UnitOfWork) -> None:
        self.tenant, self.uow, self._saved = tenant, uow, _Saved()

    @property
    def departments(self) -> DynamoDepartments:
        return DynamoDepartments(self.tenant, self.uow, self._saved)

    @property
    def staff(self) -> DynamoStaff:
        return DynamoStaff(self.tenant, self.uow, self._saved)

    @property
    def reminders(self) -> DynamoReminders:
        return DynamoReminders(self.tenant, self.uow)

    @property
    def trail(self) -> DynamoAuditTrail:
        return DynamoAuditTrail(self.tenant, self.uow.principal, self.uow.request_id)

    def emit(self, event: EventEnvelope) -> None:
        self.uow.emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: DepartmentRecord | StaffRecord | None = None,
        after: DepartmentRecord | StaffRecord | None = None,
    ) -> None:
        self.uow.audit(
            action,
            resource_type,
            resource_id,
            before=self._snapshot(before) if before is not None else None,
            after=self._snapshot(after) if after is not None else None,
        )

    def _snapshot(self, record: DepartmentRecord | StaffRecord) -> dict[str, Any]:
        if isinstance(record, StaffRecord):
            return _snapshot(_staff_item(self.tenant, record))
        return _snapshot(_department_item(self.tenant, record))

    def commit(self) -> None:
        self.uow.commit()  # the transaction bumps each saved item's version
        self._saved.settle()

    def __enter__(self) -> DynamoDirectoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)
        self._saved.pairs.clear()


# --- work notifications, as the ports of domain/ports.py ------------------------------------------


def _notification_record(item: NotificationItem) -> NotificationRecord:
    return NotificationRecord(
        id=item.sk,
        sender=item.sender,
        title=item.title,
        body=item.body,
        created_at=item.created_at,
        recipient_ids=[str(r) for r in item.recipient_ids],
        ack_required=bool(item.ack_required),
        ding=bool(item.ding),
        sender_name=item.sender_name or "",
        status=item.status,
        delivered_count=int(item.delivered_count),
        read_count=int(item.read_count),
        ack_count=int(item.ack_count),
        bodies=json.loads(item.bodies) if item.bodies else {},
    )


def _notification_item(tenant: str, record: NotificationRecord) -> NotificationItem:
    return NotificationItem.new(
        tenant,
        record.id,
        created_at=record.created_at,
        sender=record.sender,
        title=record.title,
        body=record.body,
        ack_required=record.ack_required,
        ding=record.ding,
        sender_name=record.sender_name or None,
        status=record.status,
        recipient_ids=list(record.recipient_ids),
        delivered_count=record.delivered_count,
        read_count=record.read_count,
        ack_count=record.ack_count,
        recipient_count=len(record.recipient_ids),
        bodies=json.dumps(record.bodies, ensure_ascii=False) if record.bodies else None,
        gsi1pk=NotificationItem.sent_partition(tenant, record.sender),
        gsi1sk=record.id,
    )


def _sent_record(item: NotificationItem) -> SentRecord:
    return SentRecord(
        id=item.sk,
        title=item.title,
        created_at=item.created_at,
        recipient_count=int(item.recipient_count or 0),
        ack_required=bool(item.ack_required),
        ding=bool(item.ding),
        status=item.status,
        delivered_count=int(item.delivered_count or 0),
        read_count=int(item.read_count or 0),
        ack_count=int(item.ack_count or 0),
    )


def _recipient_record(item: RecipientItem) -> RecipientRecord:
    return RecipientRecord(
        notification_id=item.pk.rsplit("#", 1)[1],
        staff_id=item.sk,
        title=item.title,
        sender=item.sender,
        created_at=item.created_at,
        ack_required=bool(item.ack_required),
        status=item.status,
        read_at=item.read_at,
        acked_at=item.acked_at,
        feed_key=item.gsi1sk,
        name=item.name or "",
        sender_name=item.sender_name or "",
        body=item.body or "",
    )


def _recipient_item(tenant: str, record: RecipientRecord) -> RecipientItem:
    return RecipientItem.new(
        tenant,
        record.staff_id,
        pk=RecipientItem.partition(tenant, record.notification_id),
        title=record.title,
        sender=record.sender,
        sender_name=record.sender_name or None,
        name=record.name or None,
        body=record.body or None,
        ack_required=record.ack_required,
        status=record.status,
        created_at=record.created_at,
        read_at=record.read_at,
        acked_at=record.acked_at,
        gsi1pk=RecipientItem.inbox_partition(tenant, record.staff_id),
        gsi1sk=record.feed_key or new_id(),
    )


@dataclass
class DynamoNotifications:
    """``Notifications`` on the messaging table: GetItem / Query reads; the fan-out's batch writes and
    checkpoints go out at once, everything else is staged in the unit of work."""

    tenant: str
    uow: UnitOfWork

    def get(self, notification_id: str) -> NotificationRecord | None:
        item = find_notification(self.tenant, notification_id)
        return _notification_record(item) if item else None

    def policy(self) -> NotifyPolicy:
        return _policy_of(self.tenant)

    def set_policy(self, policy: NotifyPolicy) -> None:
        self.uow.save(NotifyPolicyItem.new(self.tenant, "policy", policy=policy_to_json(policy)))

    def used(self, scope: str, window: str) -> int:
        counter = _counter(self.tenant, scope, window)
        try:
            return int(SendCounter.get(counter.pk, counter.sk).tally)
        except SendCounter.DoesNotExist:
            return 0

    def count(self, scope: str, window: str, limit: int, error: DomainError) -> None:
        counter = _counter(self.tenant, scope, window)
        self.uow.update(
            counter,
            [
                SendCounter.tally.add(1),
                SendCounter.entity.set(SendCounter.ENTITY),
                SendCounter.tenant.set(self.tenant),
                SendCounter.expires_at.set(_counter_expiry()),
            ],
            condition=SendCounter.tally.does_not_exist() | (SendCounter.tally < limit),
            on_conflict=error,
        )

    def create(self, record: NotificationRecord) -> None:
        self.uow.create(_notification_item(self.tenant, record))

    def start_ding(
        self, notification_id: str, sms_after_minutes: int, call_after_minutes: int | None, sent_at: datetime
    ) -> None:
        due = sent_at + timedelta(minutes=sms_after_minutes)
        self.uow.create(ding_timer(self.tenant, notification_id, "sms", due, sent_at, call_after_minutes))

    def deliver(
        self, record: NotificationRecord, staff_ids: list[str], names: dict[str, str] | None = None
    ) -> None:
        names = names or {}
        put_all(
            [
                RecipientItem.new(
                    self.tenant,
                    staff_id,
                    pk=RecipientItem.partition(self.tenant, record.id),
                    title=record.title,
                    sender=record.sender,
                    sender_name=record.sender_name or None,
                    name=names.get(staff_id) or None,
                    body=record.bodies.get(staff_id) or None,
                    ack_required=record.ack_required,
                    created_at=record.created_at,
                    gsi1pk=RecipientItem.inbox_partition(self.tenant, staff_id),
                    gsi1sk=new_id(),  # made when written, so sync never skips it (see feed.sync)
                )
                for staff_id in staff_ids
            ]
        )

    def checkpoint(self, record: NotificationRecord, delivered: int) -> None:
        item = NotificationItem(NotificationItem.partition(self.tenant), record.id)
        checkpoint_delivered(item, delivered)

    def finish(self, record: NotificationRecord, delivered: int) -> None:
        item = NotificationItem(NotificationItem.partition(self.tenant), record.id)
        self.uow.update(
            item, [NotificationItem.delivered_count.set(delivered), NotificationItem.status.set("delivered")]
        )

    def recipient(self, notification_id: str, staff_id: str) -> RecipientRecord | None:
        item = find_recipient(self.tenant, notification_id, staff_id)
        return _recipient_record(item) if item else None

    def recipients(
        self, notification_id: str, pending: str | None, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        items, next_cursor = recipient_page(self.tenant, notification_id, pending, limit, cursor)
        return [_recipient_record(i) for i in items], next_cursor

    def inbox(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        items, next_cursor = inbox_page(self.tenant, staff_id, limit, cursor)
        return [_recipient_record(i) for i in items], next_cursor

    def sent(self, sender: str, limit: int, cursor: str | None) -> tuple[list[SentRecord], str | None]:
        items, next_cursor = sent_page(self.tenant, sender, limit, cursor)
        return [_sent_record(i) for i in items], next_cursor

    def mark(self, recipient: RecipientRecord, before: str, read: bool, ack: bool) -> None:
        self.uow.save(
            _recipient_item(self.tenant, recipient),
            condition=RecipientItem.status == before,
            on_conflict=Conflict("changed meanwhile; reload"),
        )
        counters = []
        if read:
            counters.append(NotificationItem.read_count.add(1))
        if ack:
            counters.append(NotificationItem.ack_count.add(1))
        notification = NotificationItem(NotificationItem.partition(self.tenant), recipient.notification_id)
        self.uow.update(notification, counters, condition=NotificationItem.pk.exists())


@dataclass
class DynamoAudience:
    """``Audience``: the directory's units and active staff (one Query each), the roster's duty."""

    tenant: str

    def units(self) -> list[UnitRecord]:
        return [UnitRecord(u.sk, u.parent_id, u.kind or "department") for u in departments_of(self.tenant)]

    def active_staff(self) -> list[Colleague]:
        return [
            Colleague(s.sk, s.department_id, tuple(str(r) for r in s.roles or []), s.name)
            for s in active_staff(self.tenant)
        ]

    def on_duty(self, ward_id: str, at: datetime) -> Duty:
        duty = on_duty(self.tenant, ward_id, at)
        return Duty(tuple(duty.staff_ids), duty.known, duty.reason)

    def name_of(self, staff_id: str) -> str | None:
        staff = get_staff(self.tenant, staff_id)
        return str(staff.name) if staff is not None else None

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        return staff_names(self.tenant, staff_ids)

    def active(self, staff_ids: Sequence[str]) -> set[str]:
        """One BatchGetItem per 100 distinct ids, of the status alone."""
        wanted = sorted(set(staff_ids))
        partition = StaffItem.partition(self.tenant)
        found: set[str] = set()
        for start in range(0, len(wanted), 100):
            keys = [(partition, staff_id) for staff_id in wanted[start : start + 100]]
            found |= {
                str(item.sk)
                for item in StaffItem.batch_get(keys, attributes_to_get=["pk", "sk", "status"])
                if item.status == "active"
            }
        return found


class DynamoNotificationStore(_OnUnitOfWork):
    """``NotificationStore`` of one hospital on DynamoDB, on a request's unit of work (one
    TransactWriteItems with the outbox) or on a consumer's (which the consumer commits)."""

    @property
    def notifications(self) -> DynamoNotifications:
        return DynamoNotifications(self.tenant, self.uow)

    @property
    def audience(self) -> DynamoAudience:
        return DynamoAudience(self.tenant)

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        self.uow.audit(action, resource_type, resource_id, after=after)

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- DING escalation, as the port of domain/ports.py ----------------------------------------------

ALERTS_PER_TRANSACTION = 90  # a transaction holds 100 items; larger groups log the rest right after


def _ding_escalated(tenant: str, alert: AlertEntry) -> EventEnvelope:
    from shared.events.published.messaging import DING_ESCALATED, DingEscalated

    channel: Literal["sms", "phone"] = "sms" if alert.channel == "sms" else "phone"
    return DING_ESCALATED.envelope(
        tenant, DingEscalated(notification_id=alert.notification_id, staff_id=alert.staff_id, channel=channel)
    )


def _timer_record(item: DingTimer) -> DingTimerRecord:
    return DingTimerRecord(
        tenant=item.tenant,
        notification_id=item.notification_id,
        step=item.step,
        due_at=item.due_at,
        sent_at=item.sent_at,
        call_after_minutes=int(item.call_after_minutes) if item.call_after_minutes is not None else None,
    )


def _alert_item(tenant: str, entry: AlertEntry) -> AlertLogItem:
    return AlertLogItem.new(
        tenant,
        f"{entry.at.isoformat()}#{new_id()}",
        notification_id=entry.notification_id,
        staff_id=entry.staff_id,
        channel=entry.channel,
        to_masked=entry.to_masked,
        status=entry.status,
        detail=entry.detail,
        at=entry.at,
        name=entry.name or None,
    )


class DynamoDingStore:
    """``DingStore`` on the messaging table: the sparse due index, GetItems and Queries; an escalation's
    log and timer step in one TransactWriteItems (the timer's step as its condition)."""

    def due(self, now: datetime, limit: int) -> list[DingTimerRecord]:
        return [_timer_record(t) for t in due_ding_timers(now, limit)]

    def sender_name(self, tenant: str, notification_id: str) -> str | None:
        item = find_notification(tenant, notification_id)
        return (item.sender_name or "") if item else None

    def policy(self, tenant: str) -> NotifyPolicy:
        return _policy_of(tenant)

    def reserve_alerts(self, tenant: str, day: str, wanted: int, limit: int) -> int:
        """One conditional ADD of all ``wanted``; if that would pass the limit, what is left (read, then
        taken on the condition that nobody took any meanwhile; else none this time)."""
        if wanted <= 0:
            return 0
        counter = _counter(tenant, "alerts", day)
        actions = [
            SendCounter.entity.set(SendCounter.ENTITY),
            SendCounter.tenant.set(tenant),
            SendCounter.expires_at.set(_counter_expiry()),
        ]
        try:
            counter.update(
                actions=[SendCounter.tally.add(wanted), *actions],
                condition=SendCounter.tally.does_not_exist() | (SendCounter.tally <= limit - wanted),
            )
            return wanted
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
        try:
            used = int(SendCounter.get(counter.pk, counter.sk).tally)
        except SendCounter.DoesNotExist:
            used = 0
        left = min(wanted, limit - used)
        if left <= 0:
            return 0
        try:
            counter.update(
                actions=[SendCounter.tally.add(left), *actions], condition=SendCounter.tally == used
            )
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
            return 0
        return left

    def unacknowledged(self, tenant: str, notification_id: str) -> list[str]:
        return unacknowledged(tenant, notification_id)

    def contact(self, tenant: str, staff_id: str) -> tuple[str, str | None]:
        staff = get_staff(tenant, staff_id)
        if staff is None:
            return "", None
        return str(staff.name or ""), staff.mobile_encrypted or None

    def escalated(
        self, timer: DingTimerRecord, alerts: list[AlertEntry], then: DingTimerRecord | None
    ) -> None:
        tenant, nid = timer.tenant, timer.notification_id
        logs = [_alert_item(tenant, a) for a in alerts]
        # Each alert that went out is a ding.escalated (the daily report's count), in the transaction that
        # logs it: a log and its event are two items, so the first transaction holds half as many.
        first = ALERTS_PER_TRANSACTION // 2
        with UnitOfWork("messaging") as uow:
            for alert, log in zip(alerts[:first], logs[:first], strict=True):
                uow.create(log)
                if alert.status == "sent":
                    uow.emit(_ding_escalated(tenant, alert))
            if then is not None:
                uow.save(
                    ding_timer(tenant, nid, then.step, then.due_at, then.sent_at, then.call_after_minutes),
                    condition=DingTimer.step == timer.step,
                    on_conflict=Conflict("escalated meanwhile"),
                )
            else:
                uow.delete(
                    DingTimer(DingTimer.partition(tenant), nid), condition=DingTimer.step == timer.step
                )
            uow.commit()
        rest = list(zip(alerts[first:], logs[first:], strict=True))
        for start in range(0, len(rest), first):
            with UnitOfWork("messaging") as more:
                for alert, log in rest[start : start + first]:
                    more.create(log)
                    if alert.status == "sent":
                        more.emit(_ding_escalated(tenant, alert))
                more.commit()

    def stop(self, tenant: str, notification_id: str) -> None:
        delete_ding_timer(tenant, notification_id)

    def alerts(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[AlertEntry], str | None]:
        items, next_cursor = alert_page(tenant, limit, cursor)
        return [
            AlertEntry(
                notification_id=i.notification_id,
                staff_id=i.staff_id,
                channel=i.channel,
                to_masked=i.to_masked,
                status=i.status,
                detail=i.detail,
                at=i.at,
                name=i.name or "",
            )
            for i in items
        ], next_cursor


# --- conversations, as the ports of domain/ports.py -----------------------------------------------


def _conversation_record(item: ConversationItem | ConversationOverview) -> ConversationRecord:
    last = None
    if item.last_message_id and item.last_sender_id and item.last_at:
        last = LastMessage(
            id=item.last_message_id,
            sender_id=item.last_sender_id,
            text=item.last_text,
            sent_at=item.last_at,
            recalled=bool(item.last_recalled),
        )
    return ConversationRecord(
        id=item.sk,
        hospital_id=item.tenant,
        kind=item.kind or "group",
        name=item.name,
        member_ids=frozenset(str(m) for m in item.member_ids or ()),
        created_at=item.created_at or now_utc(),
        consortium_id=item.consortium_id,
        department_id=item.department_id,
        member_names=_names(item.member_names),
        hospital_names=_names(item.hospital_names),
        last=last,
        closed=bool(item.closed),
    )


def _names(names: MapAttribute[str, Any] | None) -> dict[str, str]:
    raw = names.as_dict() if names is not None else {}  # type: ignore[no-untyped-call]
    return {str(k): str(v) for k, v in raw.items()}


def _name_map(names: dict[str, str]) -> MapAttribute[str, Any]:
    """A raw map (any key: ids, ``hospital:staff``) of display names."""
    return MapAttribute(**names)  # type: ignore[no-untyped-call]


def _line_item(line: ListingRecord) -> ConversationLine:
    partition = ConversationLine.partition(line.hospital_id, line.staff_id)
    return ConversationLine.new(
        line.hospital_id,
        f"{line.home_hospital_id}#{line.conversation_id}",
        pk=partition,
        conversation_id=line.conversation_id,
        home_hospital_id=line.home_hospital_id,
        gsi1pk=partition,
        gsi1sk=new_id(),  # time-ordered: the line moves to the top of the person's list
    )


def _line_record(item: ConversationLine) -> ListingRecord:
    return ListingRecord(
        hospital_id=item.tenant,
        staff_id=item.pk.rsplit("#", 1)[1],
        conversation_id=item.conversation_id,
        home_hospital_id=item.home_hospital_id,
    )


def line_page(tenant: str, staff_id: str, limit: int, cursor: str | None) -> ItemPage:
    """A person's conversation lines, the most recently moved first: one Query on gsi1."""
    partition = ConversationLine.partition(tenant, staff_id)
    result = ConversationLine.by_activity.query(
        partition,
        limit=limit,
        page_size=limit,
        scan_index_forward=False,
        last_evaluated_key=decode_cursor(cursor, partition, "gsi1pk"),
    )
    return one_page(ConversationLine, result)


def touch_conversation(tenant: str, conversation_id: str, message: MessageRecord, window: str) -> bool:
    """Record the newest message (unless a newer one is recorded) and the listing window, in one
    UpdateItem; True if the message is now the newest and the window recorded before was another."""
    item = ConversationItem(ConversationItem.partition(tenant), conversation_id)
    actions = [
        ConversationItem.last_message_id.set(message.id),
        ConversationItem.last_sender_id.set(message.sender_id),
        ConversationItem.last_at.set(message.sent_at),
        ConversationItem.last_recalled.set(False),
        ConversationItem.listed_window.set(window),
    ]
    if message.text is not None:
        actions.append(ConversationItem.last_text.set(message.text[:PREVIEW_CHARS]))
    condition = ConversationItem.pk.exists() & (
        ConversationItem.last_message_id.does_not_exist() | (ConversationItem.last_message_id < message.id)
    )
    try:
        old = ConversationItem._get_connection().update_item(
            item.pk, item.sk, actions=actions, condition=condition, return_values="ALL_OLD"
        )
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise
        return False  # a newer message is recorded (or the conversation is gone)
    before = (old or {}).get("Attributes", {}).get("listed_window", {}).get("S")
    return bool(before != window)


def recall_preview(tenant: str, conversation_id: str, message_id: str) -> None:
    """The preview loses its text if this message is the conversation's newest."""
    item = ConversationItem(ConversationItem.partition(tenant), conversation_id)
    try:
        item.update(
            actions=[ConversationItem.last_text.remove(), ConversationItem.last_recalled.set(True)],
            condition=ConversationItem.last_message_id == message_id,
        )
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise


def conversation_overview(
    wanted: Sequence[tuple[str, str, str]],
) -> dict[tuple[str, str], tuple[ConversationRecord, str | None]]:
    """The conversations and the members' read marks of ``wanted`` in one BatchGetItem."""
    keys: list[tuple[str, str]] = []
    for home, conversation_id, member in wanted:
        keys.append((ConversationItem.partition(home), conversation_id))
        keys.append((ReadMark.partition(home, conversation_id), member))
    conversations: dict[tuple[str, str], ConversationRecord] = {}
    marks: dict[tuple[str, str], str] = {}
    for item in ConversationOverview.batch_get(list(dict.fromkeys(keys))):
        if item.entity == ConversationItem.ENTITY:
            conversations[(item.tenant, item.sk)] = _conversation_record(item)
        elif item.entity == ReadMark.ENTITY and item.up_to:
            marks[(str(item.pk), str(item.sk))] = item.up_to
    return {
        (home, conversation_id): (
            conversations[(home, conversation_id)],
            marks.get((ReadMark.partition(home, conversation_id), member)),
        )
        for home, conversation_id, member in wanted
        if (home, conversation_id) in conversations
    }


def _conversation_item(record: ConversationRecord) -> ConversationItem:
    return ConversationItem.new(
        record.hospital_id,
        record.id,
        kind=record.kind,
        name=record.name,
        member_ids=set(record.member_ids) or None,
        consortium_id=record.consortium_id,
        department_id=record.department_id,
        created_at=record.created_at,
        member_names=_name_map(record.member_names),
        hospital_names=_name_map(record.hospital_names) if record.hospital_names else None,
        closed=record.closed or None,
    )


def _pointer_record(item: ConversationPointer) -> PointerRecord:
    return PointerRecord(
        hospital_id=item.tenant,
        staff_id=item.pk.rsplit("#", 1)[1],
        conversation_id=item.sk,
        home_hospital_id=item.home_hospital_id,
        consortium_id=item.consortium_id,
        name=item.name,
        joined_at=item.joined_at,
    )


def _message_record(conversation_id: str, item: MessageItem) -> MessageRecord:
    return MessageRecord(
        id=item.sk,
        conversation_id=conversation_id,
        sender_id=item.sender_id,
        text=item.text,
        sent_at=item.sent_at,
        attachments=[str(a) for a in item.attachments or []],
        recalled=bool(item.recalled),
        sender_name=item.sender_name or "",
    )


def _feed_record(entry: FeedEntry) -> FeedRecord:
    if entry.entity == "recipient":  # a notification delivery (``RecipientItem``) in the same feed
        return FeedRecord(
            position=entry.gsi1sk,
            kind="notification",
            id=entry.pk.rsplit("#", 1)[1],
            sender=entry.sender or "",
            at=entry.created_at,
            title=entry.title,
            sender_name=entry.sender_name or "",
        )
    return FeedRecord(
        position=entry.gsi1sk,
        kind=entry.kind or "",
        id=entry.ref_id or "",
        sender=entry.sender or "",
        at=entry.at,
        conversation_id=entry.conversation_id,
        text=entry.text,
        sender_name=entry.sender_name or "",
    )


def _attachment_record(conversation_id: str, item: AttachmentItem) -> AttachmentRecord:
    return AttachmentRecord(
        id=item.sk,
        conversation_id=conversation_id,
        filename=item.filename,
        content_type=item.content_type,
        size=int(item.size),
        uploader=item.uploader,
    )


@dataclass
class DynamoConversations:
    """``Conversations``: GetItems; a new conversation and its pointers are staged in the unit of work."""

    uow: UnitOfWork

    def get(self, hospital_id: str, conversation_id: str) -> ConversationRecord | None:
        item = find_conversation(hospital_id, conversation_id)
        return _conversation_record(item) if item else None

    def create(self, record: ConversationRecord, on_conflict: DomainError | None = None) -> None:
        self.uow.create(_conversation_item(record), on_conflict=on_conflict)

    def pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> PointerRecord | None:
        item = find_pointer(hospital_id, staff_id, conversation_id)
        return _pointer_record(item) if item else None

    def register(
        self, lead_hospital_id: str, consortium_id: str, home_hospital_id: str, conversation_id: str
    ) -> None:
        self.uow.save(
            ConsortiumGroupEntry.new(
                lead_hospital_id,
                f"{home_hospital_id}#{conversation_id}",
                pk=ConsortiumGroupEntry.partition(lead_hospital_id, consortium_id),
            )
        )

    def registered(self, lead_hospital_id: str, consortium_id: str) -> list[tuple[str, str]]:
        entries = ConsortiumGroupEntry.query(ConsortiumGroupEntry.partition(lead_hospital_id, consortium_id))
        return [tuple(str(e.sk).split("#", 1)) for e in entries]  # type: ignore[misc]

    def remove_members(self, record: ConversationRecord, keys: set[str]) -> None:
        if keys:
            item = ConversationItem(ConversationItem.partition(record.hospital_id), record.id)
            names = [
                ConversationItem.member_names[k].remove() for k in sorted(keys) if k in record.member_names
            ]
            item.update(actions=[ConversationItem.member_ids.delete(keys), *names])

    def add_members(self, record: ConversationRecord, names: dict[str, str]) -> None:
        if names:
            item = ConversationItem(ConversationItem.partition(record.hospital_id), record.id)
            named = [ConversationItem.member_names[k].set(n) for k, n in sorted(names.items()) if n]
            self.uow.update(item, [ConversationItem.member_ids.add(set(names)), *named])

    def close(self, record: ConversationRecord) -> None:
        item = ConversationItem(ConversationItem.partition(record.hospital_id), record.id)
        self.uow.update(item, [ConversationItem.closed.set(True)], condition=ConversationItem.pk.exists())

    def drop_pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> None:
        ConversationPointer(ConversationPointer.partition(hospital_id, staff_id), conversation_id).delete()

    def list_in(self, lines: Sequence[ListingRecord]) -> None:
        for line in lines:
            self.uow.save(_line_item(line))

    def list_now(self, lines: Sequence[ListingRecord]) -> None:
        put_all([_line_item(line) for line in lines])

    def unlist(self, line: ListingRecord) -> None:
        _line_item(line).delete()

    def listed(
        self, hospital_id: str, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ListingRecord], str | None]:
        items, next_cursor = line_page(hospital_id, staff_id, limit, cursor)
        return [_line_record(i) for i in items], next_cursor

    def overview(
        self, wanted: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str], tuple[ConversationRecord, str | None]]:
        return conversation_overview(wanted) if wanted else {}

    def touch(self, record: ConversationRecord, message: MessageRecord, window: str) -> bool:
        return touch_conversation(record.hospital_id, record.id, message, window)

    def recalled(self, hospital_id: str, conversation_id: str, message_id: str) -> None:
        recall_preview(hospital_id, conversation_id, message_id)

    def add_pointer(self, record: PointerRecord) -> None:
        self.uow.create(
            ConversationPointer.new(
                record.hospital_id,
                record.conversation_id,
                pk=ConversationPointer.partition(record.hospital_id, record.staff_id),
                home_hospital_id=record.home_hospital_id,
                consortium_id=record.consortium_id,
                name=record.name,
                joined_at=record.joined_at,
            )
        )


class DynamoMessages:
    """``Messages``: one partition per conversation, newest first by id; written at once."""

    def get(self, hospital_id: str, conversation_id: str, message_id: str) -> MessageRecord | None:
        item = find_message(hospital_id, conversation_id, message_id)
        return _message_record(conversation_id, item) if item else None

    def page(
        self, hospital_id: str, conversation_id: str, limit: int, cursor: str | None
    ) -> tuple[list[MessageRecord], str | None]:
        items, next_cursor = message_page(hospital_id, conversation_id, limit, cursor)
        return [_message_record(conversation_id, i) for i in items], next_cursor

    def add(self, hospital_id: str, record: MessageRecord) -> None:
        save_new(
            MessageItem.new(
                hospital_id,
                record.id,
                pk=MessageItem.partition(hospital_id, record.conversation_id),
                sender_id=record.sender_id,
                sender_name=record.sender_name or None,
                text=record.text,
                attachments=list(record.attachments),
                recalled=record.recalled,
                sent_at=record.sent_at,
            )
        )

    def recall(self, hospital_id: str, record: MessageRecord) -> bool:
        return recall_message(
            MessageItem(MessageItem.partition(hospital_id, record.conversation_id), record.id)
        )


class DynamoFeeds:
    """``Feeds`` on the feed index (``gsi1``), shared with notification deliveries."""

    def add(
        self,
        people: list[tuple[str, str]],
        kind: str,
        conversation_id: str,
        message: MessageRecord,
        at: datetime,
    ) -> None:
        put_all(
            [
                FeedEntry.new(
                    hospital_id,
                    f"{kind}#{staff_id}",
                    pk=FeedEntry.partition(hospital_id, message.id),
                    kind=kind,
                    ref_id=message.id,
                    conversation_id=conversation_id,
                    sender=message.sender_id,
                    sender_name=message.sender_name or None,
                    text=message.text,
                    at=at,
                    gsi1pk=RecipientItem.inbox_partition(hospital_id, staff_id),
                    gsi1sk=new_id(),
                )
                for hospital_id, staff_id in people
            ]
        )

    def read(self, hospital_id: str, staff_id: str, after: str, before: str, limit: int) -> list[FeedRecord]:
        return [_feed_record(e) for e in feed_entries(hospital_id, staff_id, after, before, limit)]

    def strip(self, hospital_ids: set[str], message_id: str) -> None:
        """One Query per hospital (the message's entries share a partition there), then the entries
        written back without their text in batch writes (same keys, same feed positions)."""
        stripped = []
        for hospital_id in sorted(hospital_ids):
            for entry in FeedEntry.query(
                FeedEntry.partition(hospital_id, message_id), FeedEntry.sk.startswith("message#")
            ):
                entry.text = None
                stripped.append(entry)
        if stripped:
            put_all(stripped)


class DynamoReadMarks:
    """``ReadMarks``: one item per member in the conversation's marks partition."""

    def advance(self, hospital_id: str, conversation_id: str, member: str, up_to: str) -> None:
        advance_read_mark(
            ReadMark.new(
                hospital_id, member, pk=ReadMark.partition(hospital_id, conversation_id), up_to=up_to
            )
        )

    def of(self, hospital_id: str, conversation_id: str) -> dict[str, str]:
        return read_marks(hospital_id, conversation_id)


class DynamoAttachments:
    """``AttachmentRecords``: one item per file under its conversation."""

    def get(self, hospital_id: str, conversation_id: str, attachment_id: str) -> AttachmentRecord | None:
        item = find_attachment(hospital_id, conversation_id, attachment_id)
        return _attachment_record(conversation_id, item) if item else None

    def add(self, hospital_id: str, record: AttachmentRecord) -> None:
        save_new(
            AttachmentItem.new(
                hospital_id,
                record.id,
                pk=AttachmentItem.partition(hospital_id, record.conversation_id),
                filename=record.filename,
                content_type=record.content_type,
                size=record.size,
                uploader=record.uploader,
            )
        )


@dataclass
class DynamoPeople:
    """``People``: a GetItem on a hospital's staff, the user index of the store's own hospital."""

    tenant: str

    def active_name(self, hospital_id: str, staff_id: str) -> str | None:
        staff = get_staff(hospital_id, staff_id)
        return str(staff.name or "") if staff is not None and staff.status != "left" else None

    def names(self, people: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        keys = list(dict.fromkeys((StaffItem.partition(h), s) for h, s in people))
        return {(item.tenant, item.id): item.name for item in StaffItem.batch_get(keys)} if keys else {}


class DynamoCrossHospitalAccess:
    """``CrossHospitalAccess``: a hospital's own link (GetItem), the lead's roster (Query)."""

    def active_lead(self, hospital_id: str, consortium_id: str) -> str | None:
        link = hospital_link(hospital_id, consortium_id)
        return link.lead_hospital_id if link is not None and link.status == "active" else None

    def active_hospitals(self, lead_hospital_id: str, consortium_id: str) -> list[str]:
        return active_hospitals(lead_hospital_id, consortium_id)

    def active_members(self, lead_hospital_id: str, consortium_id: str) -> dict[str, str]:
        return active_hospital_names(lead_hospital_id, consortium_id)

    def shared_lead(self, hospital_a: str, hospital_b: str, consortium_id: str) -> str | None:
        shared = shared_consortium(hospital_a, hospital_b, consortium_id)
        return shared.lead_hospital_id if shared is not None else None

    def hospital_name(self, hospital_id: str) -> str:
        found = registered_hospital(hospital_id)
        return str(found.name) if found is not None else ""

    def department_name(self, hospital_id: str, department_id: str) -> str:
        found = get_department(hospital_id, department_id) if department_id else None
        return str(found.name or "") if found is not None else ""


class DynamoConversationStore(_OnUnitOfWork):
    """``ConversationStore`` for a caller of one hospital on DynamoDB: a new conversation, its pointers
    and its audit record go out as the unit of work's one TransactWriteItems; messages, feeds, read
    marks and attachments are single writes and batch writes made at once."""

    @property
    def conversations(self) -> DynamoConversations:
        return DynamoConversations(self.uow)

    @property
    def messages(self) -> DynamoMessages:
        return DynamoMessages()

    @property
    def feeds(self) -> DynamoFeeds:
        return DynamoFeeds()

    @property
    def read_marks(self) -> DynamoReadMarks:
        return DynamoReadMarks()

    @property
    def attachments(self) -> DynamoAttachments:
        return DynamoAttachments()

    @property
    def people(self) -> DynamoPeople:
        return DynamoPeople(self.tenant)

    @property
    def access(self) -> DynamoCrossHospitalAccess:
        return DynamoCrossHospitalAccess()

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        self.uow.audit(action, resource_type, resource_id, after=after)

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- push devices, as the port of domain/ports.py -------------------------------------------------


@dataclass
class DynamoDeviceStore:
    """``DeviceStore``: one item per person (GetItem, a single put, BatchGetItems of 100)."""

    tenant: str

    def endpoints(self, staff_id: str) -> dict[str, str]:
        item = find_devices(self.tenant, staff_id)
        endpoints: dict[str, str] = json.loads(item.endpoints) if item else {}
        return endpoints

    def save(self, staff_id: str, endpoints: dict[str, str]) -> None:
        save(DeviceRegistry.new(self.tenant, staff_id, endpoints=json.dumps(endpoints)))

    def endpoints_of(self, staff_ids: Sequence[str]) -> Iterator[str]:
        for registry in device_registries(self.tenant, staff_ids):
            yield from json.loads(registry.endpoints).values()


# --- consortia, as the ports of domain/ports.py ---------------------------------------------------


def _link_record(item: HospitalLink) -> ConsortiumLink:
    return ConsortiumLink(
        hospital_id=item.tenant,
        consortium_id=item.sk,
        name=item.consortium_name,
        kind=item.kind,
        lead_hospital_id=item.lead_hospital_id,
        role=item.role,
        status=item.status,
        since=item.since,
    )


def _link_item(link: ConsortiumLink) -> HospitalLink:
    return HospitalLink.new(
        link.hospital_id,
        link.consortium_id,
        consortium_name=link.name,
        kind=link.kind,
        lead_hospital_id=link.lead_hospital_id,
        role=link.role,
        status=link.status,
        since=link.since,
    )


def _roster_record(item: RosterEntry) -> RosterMember:
    return RosterMember(
        lead_hospital_id=item.tenant,
        consortium_id=item.pk.split("#")[-2],  # <lead>#consortium#<id>#members
        hospital_id=item.sk,
        hospital_name=item.hospital_name,
        role=item.role,
        status=item.status,
    )


def _roster_key(lead: str, consortium_id: str, hospital_id: str) -> RosterEntry:
    return RosterEntry(RosterEntry.partition(lead, consortium_id), hospital_id)


@dataclass
class DynamoConsortiumLinks:
    """``ConsortiumLinks``: one item per hospital and consortium, under that hospital's tenant."""

    uow: UnitOfWork

    def get(self, hospital_id: str, consortium_id: str) -> ConsortiumLink | None:
        item = hospital_link(hospital_id, consortium_id)
        return _link_record(item) if item else None

    def page(
        self, hospital_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumLink], str | None]:
        items, next_cursor = link_page(hospital_id, limit, cursor)
        return [_link_record(i) for i in items], next_cursor

    def create(self, link: ConsortiumLink, conflict: DomainError | None = None) -> None:
        self.uow.create(_link_item(link), on_conflict=conflict)

    def save(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        self.uow.save(_link_item(link), condition=HospitalLink.status == status, on_conflict=conflict)

    def delete(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        item = HospitalLink(HospitalLink.partition(link.hospital_id), link.consortium_id)
        self.uow.delete(item, condition=HospitalLink.status == status, on_conflict=conflict)


@dataclass
class DynamoConsortiumRosters:
    """``ConsortiumRosters``: one item per hospital of a consortium, under the lead's tenant."""

    uow: UnitOfWork

    def get(self, lead: str, consortium_id: str, hospital_id: str) -> RosterMember | None:
        item = find_roster_entry(lead, consortium_id, hospital_id)
        return _roster_record(item) if item else None

    def page(
        self, lead: str, consortium_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RosterMember], str | None]:
        items, next_cursor = roster_page(lead, consortium_id, limit, cursor)
        return [_roster_record(i) for i in items], next_cursor

    def first(self, lead: str, consortium_id: str, limit: int) -> list[str]:
        return roster_ids(lead, consortium_id, limit)

    def create(self, member: RosterMember, conflict: DomainError | None = None) -> None:
        lead, consortium_id = member.lead_hospital_id, member.consortium_id
        item = RosterEntry.new(
            lead,
            member.hospital_id,
            pk=RosterEntry.partition(lead, consortium_id),
            hospital_name=member.hospital_name,
            role=member.role,
            status=member.status,
        )
        self.uow.create(item, on_conflict=conflict)

    def join(
        self, lead: str, consortium_id: str, hospital_id: str, hospital_name: str, conflict: DomainError
    ) -> None:
        self.uow.update(
            _roster_key(lead, consortium_id, hospital_id),
            [RosterEntry.status.set("active"), RosterEntry.hospital_name.set(hospital_name)],
            condition=RosterEntry.status == "invited",
            on_conflict=conflict,
        )

    def delete(
        self, lead: str, consortium_id: str, hospital_id: str, status: str, conflict: DomainError
    ) -> None:
        self.uow.delete(
            _roster_key(lead, consortium_id, hospital_id),
            condition=RosterEntry.status == status,
            on_conflict=conflict,
        )


@dataclass
class DynamoConsortiumGroupPointers:
    """``ConsortiumGroupPointers``: a person's pointers, one Query under their own hospital."""

    tenant: str

    def page(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumGroupPointer], str | None]:
        items, next_cursor = pointer_page(self.tenant, staff_id, limit, cursor)
        return [
            ConsortiumGroupPointer(
                conversation_id=p.sk,
                name=p.name,
                consortium_id=p.consortium_id,
                home_hospital_id=p.home_hospital_id,
                joined_at=p.joined_at,
            )
            for p in items
        ], next_cursor


class DynamoHospitals:
    """``Hospitals``: the shared directory's tenant record (one GetItem)."""

    def name(self, hospital_id: str) -> str | None:
        item = registered_hospital(hospital_id)
        return str(item.name) if item is not None and item.status == "active" else None


class DynamoConsortiumStore(_OnUnitOfWork):
    """``ConsortiumStore`` on DynamoDB: a change to both sides of a link (each under its own hospital)
    goes out as the unit of work's one TransactWriteItems, with its outbox event and audit record."""

    @property
    def links(self) -> DynamoConsortiumLinks:
        return DynamoConsortiumLinks(self.uow)

    @property
    def rosters(self) -> DynamoConsortiumRosters:
        return DynamoConsortiumRosters(self.uow)

    @property
    def groups(self) -> DynamoConsortiumGroupPointers:
        return DynamoConsortiumGroupPointers(self.tenant)

    @property
    def hospitals(self) -> DynamoHospitals:
        return DynamoHospitals()

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.uow.audit(action, resource_type, resource_id, before=before, after=after)

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- department groups, as the port of domain/ports.py --------------------------------------------


class DynamoDepartmentGroupStore:
    """``DepartmentGroupStore`` on the consumer's unit of work: GetItems of the unit, the person and
    their marker; the group made (or renamed) at once; membership changes staged."""

    def __init__(self, tenant: str, uow: UnitOfWork) -> None:
        self.tenant, self.uow = tenant, uow

    def department(self, department_id: str) -> DepartmentRecord | None:
        item = get_department(self.tenant, department_id)
        return _department_record(item) if item else None

    def staff(self, staff_id: str) -> StaffRecord | None:
        item = get_staff(self.tenant, staff_id)
        return _staff_record(item) if item else None

    def membership(self, staff_id: str) -> str | None:
        marker = find_group_membership(self.tenant, staff_id)
        return marker.department_id if marker else None

    def ensure_group(self, group_id: str, department: DepartmentRecord) -> None:
        ensure_group(
            ConversationItem.new(
                self.tenant,
                group_id,
                kind="department",
                name=department.name,
                department_id=department.id,
                member_names=_name_map({}),
            )
        )

    def _members(self, group_id: str, *actions: Any) -> None:
        group = ConversationItem(ConversationItem.partition(self.tenant), group_id)
        self.uow.update(group, list(actions), condition=ConversationItem.pk.exists())

    def _line(self, group_id: str, staff_id: str) -> ConversationLine:
        return _line_item(ListingRecord(self.tenant, staff_id, group_id, self.tenant))

    def leave(self, group_id: str, staff_id: str) -> None:
        self._members(
            group_id,
            ConversationItem.member_ids.delete({staff_id}),
            ConversationItem.member_names[staff_id].remove(),
        )
        self.uow.delete(self._line(group_id, staff_id))

    def join(self, group_id: str, staff_id: str, department_id: str, name: str) -> None:
        self._members(
            group_id,
            ConversationItem.member_ids.add({staff_id}),
            ConversationItem.member_names[staff_id].set(name),
        )
        self.uow.save(GroupMembership.new(self.tenant, staff_id, department_id=department_id))
        self.uow.save(self._line(group_id, staff_id))

    def forget(self, staff_id: str) -> None:
        self.uow.delete(GroupMembership(GroupMembership.partition(self.tenant), staff_id))


# --- staff imports, as the port of domain/ports.py ------------------------------------------------


_JOB_FIELDS = (
    "filename",
    "status",
    "page_size",
    "chunk_rows",
    "preview_until",
    "previewed",
    "to_create",
    "to_update",
    "to_keep",
    "errors",
    "confirmed_by",
    "confirmed_at",
    "skip_errors",
    "processed",
    "created",
    "updated",
    "unchanged",
    "conflicts",
    "skipped",
    "finished_at",
)


def _job_record(item: ImportJobItem) -> ImportJobRecord:
    # PynamoDB gives numbers back as they were stored; the record's counts are ints.
    extra: dict[str, Any] = {}
    for name in _JOB_FIELDS:
        value = getattr(item, name)
        extra[name] = int(value) if isinstance(value, float) else value
    return ImportJobRecord(
        id=item.sk,
        requested_by=item.requested_by,
        file_sha256=item.file_sha256,
        units_blob=item.units_blob,
        total=int(item.total),
        created_at=item.created_at,
        **extra,
    )


@dataclass
class DynamoImportJobs:
    """``ImportJobs``: one item per job (its rows packed on it), progress by conditional update."""

    tenant: str
    uow: UnitOfWork

    def get(self, job_id: str) -> ImportJobRecord | None:
        item = find_import_job(self.tenant, job_id)
        return _job_record(item) if item else None

    def create(self, job: ImportJobRecord, chunks: Sequence[str]) -> None:
        expires = int((now_utc() + timedelta(days=IMPORT_PAGE_DAYS)).timestamp())
        for number, blob in enumerate(chunks):
            key = ImportChunkItem.key(job.id, number)
            self.uow.create(ImportChunkItem.new(self.tenant, key, rows_blob=blob, expires_at=expires))
        item = ImportJobItem.new(
            self.tenant,
            job.id,
            requested_by=job.requested_by,
            file_sha256=job.file_sha256,
            units_blob=job.units_blob,
            total=job.total,
            created_at=job.created_at,
            **{name: getattr(job, name) for name in _JOB_FIELDS},
        )
        self.uow.create(item)

    def chunk(self, job_id: str, number: int) -> str | None:
        try:
            key = ImportChunkItem.key(job_id, number)
            return str(ImportChunkItem.get(ImportChunkItem.partition(self.tenant), key).rows_blob)
        except ImportChunkItem.DoesNotExist:
            return None

    def _item(self, job: ImportJobRecord) -> ImportJobItem:
        return ImportJobItem(ImportJobItem.partition(self.tenant), job.id)

    def previewed(self, job: ImportJobRecord, offset: int, end: int, tally: PreviewTally, done: bool) -> None:
        actions = [
            ImportJobItem.previewed.set(end),
            ImportJobItem.to_create.add(tally.create),
            ImportJobItem.to_update.add(tally.update),
            ImportJobItem.to_keep.add(tally.unchanged),
            ImportJobItem.errors.add(tally.error),
            ImportJobItem.status.set("preview" if done else "previewing"),
        ]
        where = (ImportJobItem.status == "previewing") & (ImportJobItem.previewed == offset)
        self.uow.update(self._item(job), actions, condition=where)

    def confirm(self, job: ImportJobRecord, by: str, at: datetime, skip_errors: bool) -> None:
        actions = [
            ImportJobItem.status.set("queued"),
            ImportJobItem.confirmed_by.set(by),
            ImportJobItem.confirmed_at.set(at),
            ImportJobItem.skip_errors.set(skip_errors),
        ]
        self.uow.update(self._item(job), actions, condition=ImportJobItem.status == "preview")

    def advance(
        self,
        job: ImportJobRecord,
        offset: int,
        end: int,
        tally: ApplyTally,
        finished_at: datetime | None,
    ) -> None:
        actions = [
            ImportJobItem.processed.set(end),
            ImportJobItem.created.add(tally.created),
            ImportJobItem.updated.add(tally.updated),
            ImportJobItem.unchanged.add(tally.unchanged),
            ImportJobItem.conflicts.add(tally.conflicts),
            ImportJobItem.skipped.add(tally.skipped),
            ImportJobItem.status.set("done" if finished_at is not None else "running"),
        ]
        if finished_at is not None:
            actions.append(ImportJobItem.finished_at.set(finished_at))
        where = ImportJobItem.status.is_in("queued", "running") & (ImportJobItem.processed == offset)
        self.uow.update(self._item(job), actions, condition=where)


@dataclass
class DynamoImportPages:
    """``ImportPages``: one item per slice of a job, put whole (in the slice's transaction)."""

    tenant: str
    uow: UnitOfWork

    def get(self, job_id: str, number: int) -> ImportPageRecord | None:
        try:
            item = ImportPageItem.get(
                ImportPageItem.partition(self.tenant), ImportPageItem.key(job_id, number)
            )
        except ImportPageItem.DoesNotExist:
            return None
        return ImportPageRecord(job_id, number, json.loads(item.rows))

    def put(self, page: ImportPageRecord) -> None:
        expires = now_utc() + timedelta(days=IMPORT_PAGE_DAYS)
        item = ImportPageItem.new(
            self.tenant,
            ImportPageItem.key(page.job_id, page.number),
            rows=json.dumps(page.rows, ensure_ascii=False),
            expires_at=int(expires.timestamp()),
        )
        self.uow.save(item)


IMPORT_BATCH_GET = 100  # keys per BatchGetItem


class DynamoImportStore(_OnUnitOfWork):
    """``ImportStore`` of one hospital on DynamoDB, on a request's unit of work (one TransactWriteItems
    with the outbox) or on a consumer's (which the consumer commits)."""

    @property
    def jobs(self) -> DynamoImportJobs:
        return DynamoImportJobs(self.tenant, self.uow)

    @property
    def pages(self) -> DynamoImportPages:
        return DynamoImportPages(self.tenant, self.uow)

    def departments(self) -> list[DepartmentRecord]:
        return [_department_record(d) for d in departments_of(self.tenant)]

    def staff_by_numbers(self, employee_nos: Sequence[str]) -> dict[str, StaffRecord]:
        """Two BatchGetItems per 100 numbers: their claims, then the staff the claims name."""
        numbers = list(dict.fromkeys(employee_nos))
        staff_ids: list[str] = []
        for start in range(0, len(numbers), IMPORT_BATCH_GET):
            keys = [
                (EmployeeNumberClaim.partition(self.tenant), n)
                for n in numbers[start : start + IMPORT_BATCH_GET]
            ]
            staff_ids += [claim.staff_id for claim in EmployeeNumberClaim.batch_get(keys)]
        found: dict[str, StaffRecord] = {}
        for start in range(0, len(staff_ids), IMPORT_BATCH_GET):
            keys = [
                (StaffItem.partition(self.tenant), s) for s in staff_ids[start : start + IMPORT_BATCH_GET]
            ]
            for item in StaffItem.batch_get(keys):
                found[item.employee_no] = _staff_record(item)
        return found

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- the certificate sweep, as the port of domain/ports.py ----------------------------------------


class DynamoCertificateSweep:
    """``CertificateSweep``: the sparse due index across hospitals; each announcement one
    TransactWriteItems (the event's outbox item and the reminder's conditional delete)."""

    def due(self, today: date) -> Iterator[DueReminder]:
        for item in due_certificate_reminders(today):
            yield DueReminder(
                item.tenant,
                Reminder(
                    key=item.sk,
                    staff_id=item.staff_id,
                    certificate_type=item.certificate_type,
                    valid_until=item.valid_until,
                    remind_on=date.fromisoformat((item.gsi1sk or "").split("#", 1)[0]),
                ),
            )

    def announce(self, due: DueReminder, event: EventEnvelope) -> None:
        principal = Principal(tenant=due.tenant, user="service:messaging", kind="service")
        reminder = CertificateReminder(CertificateReminder.partition(due.tenant), due.reminder.key)
        with UnitOfWork("messaging", principal) as uow:
            uow.emit(event)
            uow.delete(reminder, condition=CertificateReminder.pk.exists())
            uow.commit()
