"""The directory as the use cases see it: plain records, whatever stores them.

``adapters/dynamodb.py`` maps them to and from the shared directory items; the service-layer tests keep
them in memory (``tests/unit/messaging/fakes.py``). A record read from a store carries the version it
was read at; the store's commit gives a saved record its new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class DepartmentRecord:
    """A unit of the hospital: campus, department, ward or team."""

    id: str
    name: str
    kind: str
    parent_id: str | None
    created_at: datetime
    updated_at: datetime
    head_id: str | None = None
    version: int | None = None  # None until the store has created it


@dataclass
class StaffRecord:
    """A member of staff. Their mobile is held only encrypted, masked and as a blind index."""

    id: str
    name: str
    employee_no: str
    department_id: str
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    nurse_grade: str | None = None
    roles: list[str] = field(default_factory=list)
    supervisor_id: str | None = None
    status: str = "active"
    left_at: datetime | None = None
    mobile_encrypted: str | None = None
    mobile_masked: str | None = None
    mobile_index: str | None = None
    search_tokens: list[str] = field(default_factory=list)  # what search finds them by (domain.staff_search)
    certificates: list[dict[str, Any]] = field(default_factory=list)  # JSON-ready: type, number, valid_until
    user_id: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Reminder:
    """A certificate's reminder, due ``remind_on``; keyed by the certificate, so a renewal is a new one."""

    key: str
    staff_id: str
    certificate_type: str
    valid_until: str
    remind_on: date


@dataclass(frozen=True)
class TrailEntry:
    """One line of a resource's audit trail (a change with before/after, or a reveal of personal data)."""

    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    actor_name: str | None = None


# --- work notifications ---------------------------------------------------------------------------


@dataclass
class NotificationRecord:
    """A work notification as its sender sees it: whom it goes to and how far it has got.

    Not versioned: its counters move by atomic increments from many recipients at once."""

    id: str
    sender: str
    title: str
    body: str
    created_at: datetime
    recipient_ids: list[str]
    ack_required: bool = False
    ding: bool = False
    sender_name: str = ""  # as the directory named the sender when they sent it
    status: str = "fanning_out"  # fanning_out | delivered
    delivered_count: int = 0
    read_count: int = 0
    ack_count: int = 0
    # A recipient's own body instead of ``body`` (a roster change: her shifts that moved), by staff id;
    # the fan-out keeps each on her entry.
    bodies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SentRecord:
    """A notification as its sender's list of sent ones shows it: no body, no recipient ids."""

    id: str
    title: str
    created_at: datetime
    recipient_count: int
    ack_required: bool = False
    ding: bool = False
    status: str = "fanning_out"
    delivered_count: int = 0
    read_count: int = 0
    ack_count: int = 0


@dataclass
class RecipientRecord:
    """One recipient of one notification, and their inbox entry: delivered → read → acknowledged."""

    notification_id: str
    staff_id: str
    title: str
    sender: str
    created_at: datetime
    ack_required: bool = False
    status: str = "delivered"
    read_at: datetime | None = None
    acked_at: datetime | None = None
    feed_key: str | None = None  # its place in the person's feed (chat and notifications), set on delivery
    # Display names as the directory had them at delivery (a renamed person keeps the name of then).
    name: str = ""  # the recipient's
    sender_name: str = ""
    body: str = ""  # her own body, when the notification has one for her ("": the notification's)


@dataclass(frozen=True)
class UnitRecord:
    """A unit of the hospital as recipient resolution sees it: its place in the tree."""

    id: str
    parent_id: str | None
    kind: str = "department"


@dataclass(frozen=True)
class Colleague:
    """An active member of staff as recipient resolution sees them."""

    id: str
    department_id: str
    roles: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Duty:
    """Who is on duty on a ward now, by the published roster; ``known`` False (and why) if there is none."""

    staff_ids: tuple[str, ...]
    known: bool
    reason: str = ""


# --- DING escalation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DingTimerRecord:
    """A DING's escalation timer: its next step (sms | call), when that is due, and the policy's call."""

    tenant: str
    notification_id: str
    step: str
    due_at: datetime
    sent_at: datetime
    call_after_minutes: int | None = None


@dataclass(frozen=True)
class AlertEntry:
    """One line of the alert log: an SMS or call to one person (number masked), and how it went."""

    notification_id: str
    staff_id: str
    channel: str  # sms | call
    to_masked: str | None
    status: str  # sent | failed | skipped
    detail: str | None
    at: datetime
    name: str = ""  # the person's display name when alerted


# --- conversations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LastMessage:
    """The newest message of a conversation, as its list line previews it (no text once recalled)."""

    id: str
    sender_id: str
    text: str | None
    sent_at: datetime
    recalled: bool = False


@dataclass
class ConversationRecord:
    """A 1:1 conversation or a group. It lives in one hospital (``hospital_id``; a cross-hospital
    group's home), and every key of its messages starts with that hospital; members from other
    hospitals are named ``hospital:staff`` (``domain.consortia.member_key``)."""

    id: str
    hospital_id: str
    kind: str  # direct | group | department
    name: str | None
    member_ids: frozenset[str]
    created_at: datetime
    consortium_id: str | None = None  # set on a cross-hospital group
    department_id: str | None = None  # set on a department's own group
    # Display names, kept when people join (another hospital's directory cannot be read later):
    # member key → the person's name, hospital id → the hospital's name (a cross-hospital group).
    member_names: dict[str, str] = field(default_factory=dict)
    hospital_names: dict[str, str] = field(default_factory=dict)
    last: LastMessage | None = None  # its newest message (None: no message yet)
    closed: bool = False  # a closed group (a finished referral's 转诊群): readable, no new message


@dataclass(frozen=True)
class ListingRecord:
    """A person's line in their conversation list, under their own hospital: which conversation and
    where it lives. Only a hint: the list keeps a line only while the conversation has them as a
    member, so a line left behind (a failed start, a race with leaving) shows nothing."""

    hospital_id: str
    staff_id: str
    conversation_id: str
    home_hospital_id: str


@dataclass(frozen=True)
class PointerRecord:
    """A participant's entry for a cross-hospital group, under their own hospital: where it lives."""

    hospital_id: str
    staff_id: str
    conversation_id: str
    home_hospital_id: str
    consortium_id: str
    name: str | None
    joined_at: datetime


@dataclass
class MessageRecord:
    """A message of one conversation; a recalled one keeps its place but loses its text."""

    id: str
    conversation_id: str
    sender_id: str
    text: str | None
    sent_at: datetime
    attachments: list[str] = field(default_factory=list)
    recalled: bool = False
    sender_name: str = ""  # as the sender was named when they sent it


@dataclass(frozen=True)
class FeedRecord:
    """One entry of a person's feed, as sync hands it out: a message, a recall or a notification
    delivery, at its ``position`` (the feed's order, and the cursor after it)."""

    position: str
    kind: str  # message | recall | notification
    id: str  # the message or notification id
    sender: str
    at: datetime | None
    conversation_id: str | None = None
    title: str | None = None
    text: str | None = None
    sender_name: str = ""  # as it was when the entry was written


@dataclass(frozen=True)
class AttachmentRecord:
    """A file of one conversation: what was announced before its presigned upload."""

    id: str
    conversation_id: str
    filename: str
    content_type: str
    size: int
    uploader: str


# --- consortia (医共体/医联体) -----------------------------------------------------------------------


@dataclass
class ConsortiumLink:
    """One hospital's own record of one consortium (kept under that hospital): its role and whether it
    has joined. A hospital reaches a consortium only through its own link."""

    hospital_id: str
    consortium_id: str
    name: str
    kind: str
    lead_hospital_id: str
    role: str  # lead | member
    status: str  # invited | active
    since: datetime


@dataclass
class RosterMember:
    """A hospital in the lead's roster of a consortium (kept under the lead)."""

    lead_hospital_id: str
    consortium_id: str
    hospital_id: str
    hospital_name: str | None
    role: str  # lead | member
    status: str  # invited | active


@dataclass(frozen=True)
class ConsortiumGroupPointer:
    """A participant's entry for a cross-hospital group, under their own hospital: where it lives."""

    conversation_id: str
    name: str | None
    consortium_id: str
    home_hospital_id: str
    joined_at: datetime


# --- department groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentGroupRecord:
    """A unit's group chat as the directory keeps it in step: its name and members."""

    id: str
    department_id: str
    name: str | None
    member_ids: frozenset[str] = frozenset()
    member_names: dict[str, str] = field(default_factory=dict)  # staff id → display name


# --- staff imports --------------------------------------------------------------------------------


@dataclass
class ImportJobRecord:
    """A checked staff file: previewed in slices (``previewing`` → ``preview``), then, once an admin
    confirms it, applied in slices (``queued`` → ``running`` → ``done``). Its rows are kept packed in
    chunks beside it (see ``domain.staff_import``); each slice's preview and outcome is a page
    (``ImportPageRecord``)."""

    id: str
    requested_by: str
    file_sha256: str
    units_blob: str  # the hospital's units when the file was checked (packed), for showing them by path
    total: int
    created_at: datetime
    filename: str | None = None
    status: str = "previewing"  # previewing | preview | queued | running | done
    page_size: int = 50
    chunk_rows: int = 1_000  # the rows are kept in chunks of this many (``ImportJobs.chunk``)
    preview_until: datetime | None = None  # a confirmation after this is refused: preview again
    previewed: int = 0
    to_create: int = 0
    to_update: int = 0
    to_keep: int = 0
    errors: int = 0
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    skip_errors: bool = False
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped: int = 0
    finished_at: datetime | None = None


@dataclass(frozen=True)
class PreviewTally:
    """What a preview slice found: rows to create, to update, unchanged, in error."""

    create: int = 0
    update: int = 0
    unchanged: int = 0
    error: int = 0


@dataclass(frozen=True)
class ApplyTally:
    """What an apply slice did: created, updated, left unchanged, not applied (the directory changed
    since the preview), skipped (rows in error)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    skipped: int = 0


@dataclass
class ImportPageRecord:
    """One slice of a job's rows as previewed (and, once applied, with each row's outcome)."""

    job_id: str
    number: int  # 0-based: rows [number * page_size, (number + 1) * page_size)
    rows: list[dict[str, Any]] = field(default_factory=list)


# --- the certificate sweep ------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    """A certificate reminder that is due, with the hospital it belongs to (the sweep crosses them)."""

    tenant: str
    reminder: Reminder
