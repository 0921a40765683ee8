"""What the directory's and the work notifications' use cases need from the outside world, as Protocols.

``adapters/dynamodb.py`` implements them on DynamoDB (the shared directory items, one transaction per
change); the service-layer tests use in-memory fakes (``tests/unit/messaging/fakes.py``), and
``tests/service/test_messaging_store.py`` runs the same checks on both. A store is opened per use case,
bound to one hospital and (for writes) to one unit of work: its reads are immediate, its writes, events
and audit records are staged and land together when ``commit()`` succeeds, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.messaging.domain.notify_policy import NotifyPolicy
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

from shared.errors import DomainError

if TYPE_CHECKING:
    from shared.events.envelope import EventEnvelope


class Departments(Protocol):
    def get(self, department_id: str) -> DepartmentRecord | None: ...

    def page(self, limit: int, cursor: str | None) -> tuple[list[DepartmentRecord], str | None]:
        """One page of the hospital's units, by id; RuleViolation on a cursor not of this list."""

    def all(self) -> list[DepartmentRecord]:
        """Every unit of the hospital, by id (one Query of its units)."""

    def remove(self, record: DepartmentRecord) -> None:
        """Stage the unit's removal; the commit fails with ``domain.directory.STALE`` if it was saved
        since ``record.version`` was read (or is gone)."""

    def create(self, record: DepartmentRecord) -> None:
        """Stage a new unit; the commit gives it version 1."""

    def save(self, record: DepartmentRecord) -> None:
        """Stage the changed unit; the commit fails with ``domain.directory.STALE`` if it was saved
        since ``record.version`` was read."""

    def require(self, department_id: str, error: DomainError) -> None:
        """The unit must still exist when the change commits (it may be removed meanwhile), else ``error``."""


class StaffRegister(Protocol):
    def get(self, staff_id: str) -> StaffRecord | None: ...

    def for_user(self, user_id: str) -> StaffRecord | None:
        """The record of an identity-provider subject."""

    def count_in(self, department_id: str) -> int:
        """How many members of staff who have not left are in this unit (a counting Query over the
        hospital's staff)."""

    def supervisors(self, staff_id: str, levels: int) -> list[StaffRecord]:
        """The direct supervisor of ``staff_id``, theirs, … up to ``levels`` (stops at the top or a cycle)."""

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        """Display names of at most 100 members of staff (left or not), in one BatchGetItem; an id the
        directory does not have is left out."""

    def page(
        self, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        """One page of the hospital's staff, by id (one Query; the filters apply within it)."""

    def search(
        self, key: str, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        """One page of the staff one of whose ``search_tokens`` begins with ``key`` (a
        ``staff_search.search_key``), each once, in the order of the token they matched by, then id:
        one Query on the search index. Without ``status`` (or with ``active``/``on_leave``) the staff
        who have not left; with ``left``, those who have. RuleViolation on a cursor of another search."""

    def create(self, record: StaffRecord) -> None:
        """Stage a new member of staff, the claim on their 工号, their sign-in and their search entries
        (one per ``search_tokens``); the commit fails with ``domain.directory.number_taken`` if the
        hospital already has that number, and with ``domain.directory.SIGN_IN_TAKEN`` if their
        ``user_id`` is bound to someone else."""

    def save(
        self, record: StaffRecord, previous_sign_in: str | None = None, before: StaffRecord | None = None
    ) -> None:
        """Stage the changed record (and its sign-in's status and roles); the commit fails with
        ``domain.directory.STALE`` if it was saved since ``record.version`` was read. With
        ``previous_sign_in`` (the record's subject changed) that sign-in is removed and the new one
        claimed: ``SIGN_IN_TAKEN`` if someone else holds it. Its search entries are rewritten (they
        carry the record) under its ``search_tokens``; those of ``before`` (the record as read, if its
        tokens or status changed) that it no longer has are removed, in the same transaction."""


class CertificateReminders(Protocol):
    def add(self, reminder: Reminder) -> None:
        """Stage a reminder (its certificate's key: the same one again overwrites itself)."""

    def remove(self, key: str) -> None:
        """Stage the removal of a reminder (nothing happens if it is not there)."""


class AuditTrail(Protocol):
    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]:
        """One page of a resource's trail, oldest first."""

    def record_access(self, resource_type: str, resource_id: str, fields: list[str]) -> None:
        """Record, now and not in the unit of work, that the caller read these personal-data fields:
        reading personal data and auditing it are not separable."""


class DirectoryStore(Protocol):
    """The directory of one hospital, for one use case: repositories plus the unit of work."""

    @property
    def departments(self) -> Departments: ...

    @property
    def staff(self) -> StaffRegister: ...

    @property
    def reminders(self) -> CertificateReminders: ...

    @property
    def trail(self) -> AuditTrail: ...

    def emit(self, event: EventEnvelope) -> None:
        """Stage an event: published (through the outbox) if and only if the change commits."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: DepartmentRecord | StaffRecord | None = None,
        after: DepartmentRecord | StaffRecord | None = None,
    ) -> None:
        """Stage the change's audit record: the records' fields, personal data only as masked."""

    def commit(self) -> None:
        """Apply every staged write, event and audit record at once, or raise and apply none."""

    def __enter__(self) -> DirectoryStore: ...

    def __exit__(self, *exc: object) -> None:
        """Leaving without a commit discards what was staged."""


class PersonalData(Protocol):
    """Field encryption and blind indexes for personal data, bound to the hospital (tenant)."""

    def encrypt(self, tenant: str, plaintext: str) -> str: ...

    def decrypt(self, tenant: str, token: str) -> str: ...

    def digest(self, tenant: str, kind: str, value: str) -> str: ...


# --- work notifications ---------------------------------------------------------------------------


class Notifications(Protocol):
    """The hospital's work notifications and their recipients (who are also inbox entries)."""

    def get(self, notification_id: str) -> NotificationRecord | None: ...

    def policy(self) -> NotifyPolicy:
        """The hospital's notification policy (``notify_policy.DEFAULT`` until an admin sets one)."""

    def set_policy(self, policy: NotifyPolicy) -> None:
        """Stage the hospital's new policy."""

    def used(self, scope: str, window: str) -> int:
        """What the counter of ``scope`` holds for ``window`` (0 if nothing was counted)."""

    def count(self, scope: str, window: str, limit: int, error: DomainError) -> None:
        """Stage one more in the counter of ``scope`` for ``window``; the commit fails with ``error`` if it
        already holds ``limit`` (counters expire two days after their window)."""

    def create(self, record: NotificationRecord) -> None:
        """Stage a new notification (create-only: Conflict if the id is taken)."""

    def start_ding(
        self, notification_id: str, sms_after_minutes: int, call_after_minutes: int | None, sent_at: datetime
    ) -> None:
        """Stage the DING's escalation timer: its SMS step due ``sms_after_minutes`` after ``sent_at``."""

    def deliver(
        self, record: NotificationRecord, staff_ids: list[str], names: dict[str, str] | None = None
    ) -> None:
        """Write these recipients' entries now, outside the unit of work (batch writes; a redelivery
        writes the same entries again, as new inbox positions), each with its recipient's display name
        from ``names`` and the sender's name (denormalised: the names of the day it was sent)."""

    def checkpoint(self, record: NotificationRecord, delivered: int) -> None:
        """Record fan-out progress now, outside the unit of work, so a redelivery resumes there."""

    def finish(self, record: NotificationRecord, delivered: int) -> None:
        """Stage the end of the fan-out: ``delivered`` recipients, status ``delivered``."""

    def recipient(self, notification_id: str, staff_id: str) -> RecipientRecord | None: ...

    def recipients(
        self, notification_id: str, pending: str | None, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        """One page of recipients by staff id: all, or those who have not read (``read``) or
        acknowledged (``ack``)."""

    def inbox(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        """One page of the person's deliveries, newest first."""

    def sent(self, sender: str, limit: int, cursor: str | None) -> tuple[list[SentRecord], str | None]:
        """One page of the notifications ``sender`` sent, newest first, with their counts: one Query."""

    def mark(self, recipient: RecipientRecord, before: str, read: bool, ack: bool) -> None:
        """Stage the recipient's new state (the commit fails with Conflict if their status is no longer
        ``before``) and one more read and/or ack on the notification's counts (it must still exist)."""


class Audience(Protocol):
    """What recipient resolution reads of the directory and the roster."""

    def units(self) -> list[UnitRecord]:
        """Every unit of the hospital."""

    def active_staff(self) -> list[Colleague]: ...

    def on_duty(self, ward_id: str, at: datetime) -> Duty: ...

    def name_of(self, staff_id: str) -> str | None:
        """A member of staff's name, as the directory has it (one GetItem); None if there is none."""

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        """Display names of these members of staff, as the directory has them (left or not): one
        BatchGetItem per 100; an id the directory does not have is left out."""

    def active(self, staff_ids: Sequence[str]) -> set[str]:
        """Those of these staff ids who are active members of the hospital's staff (one BatchGetItem
        per 100): someone who left, or an id the directory does not have, is not among them."""


class NotificationStore(Protocol):
    """Work notifications of one hospital, for one use case: repositories plus the unit of work (the
    request's own, or the consumer's, which the consumer commits)."""

    @property
    def notifications(self) -> Notifications: ...

    @property
    def audience(self) -> Audience: ...

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        """Stage the audit record of this change (the same transaction)."""

    def emit(self, event: EventEnvelope) -> None:
        """Stage an event: published (through the outbox) if and only if the change commits."""

    def commit(self) -> None:
        """Apply every staged write and event at once, or raise and apply none."""

    def __enter__(self) -> NotificationStore: ...

    def __exit__(self, *exc: object) -> None:
        """Leaving without a commit discards what was staged."""


class Push(Protocol):
    """Mobile push to people's registered devices (a nudge: a failed push is logged, never raised)."""

    def notify(self, tenant: str, staff_ids: list[str], title: str, kind: str) -> int: ...


# --- DING escalation ------------------------------------------------------------------------------


class DingStore(Protocol):
    """What the DING sweep reads and writes, across hospitals (the timers' due index is system-wide)."""

    def due(self, now: datetime, limit: int) -> list[DingTimerRecord]:
        """Up to ``limit`` timers due by ``now``, of every hospital, soonest first."""

    def sender_name(self, tenant: str, notification_id: str) -> str | None:
        """The name of the notification's sender ("" if it was not recorded; None: no such notification)."""

    def policy(self, tenant: str) -> NotifyPolicy:
        """The hospital's notification policy (its daily SMS and call budget)."""

    def reserve_alerts(self, tenant: str, day: str, wanted: int, limit: int) -> int:
        """Take up to ``wanted`` of the hospital's ``limit`` SMS and calls for ``day``; how many it got."""

    def unacknowledged(self, tenant: str, notification_id: str) -> list[str]:
        """Staff ids of the recipients who have not acknowledged yet."""

    def contact(self, tenant: str, staff_id: str) -> tuple[str, str | None]:
        """The person's display name ("" if the directory has none) and encrypted mobile, if they have
        one on record (one GetItem)."""

    def escalated(
        self, timer: DingTimerRecord, alerts: list[AlertEntry], then: DingTimerRecord | None
    ) -> None:
        """Log the alerts and move the timer to ``then`` (or remove it) at once; Conflict if another
        sweep moved the timer on meanwhile (then nothing is logged). A log too large for one
        transaction has its remainder written right after."""

    def stop(self, tenant: str, notification_id: str) -> None:
        """Remove the timer now, if there is one."""

    def alerts(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[AlertEntry], str | None]:
        """One page of the hospital's alert log, oldest first."""


# --- conversations --------------------------------------------------------------------------------
#
# A conversation lives in one hospital, but a cross-hospital group's participants reach it from theirs:
# the store is opened for the caller's hospital, and the conversation repositories name the hospital
# they read or write on every call.


class Conversations(Protocol):
    def get(self, hospital_id: str, conversation_id: str) -> ConversationRecord | None: ...

    def create(self, record: ConversationRecord, on_conflict: DomainError | None = None) -> None:
        """Stage a new conversation under ``record.hospital_id`` (create-only: ``on_conflict``, by
        default Conflict, if the id is taken)."""

    def pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> PointerRecord | None:
        """The person's pointer to a cross-hospital group, under their own hospital."""

    def add_pointer(self, record: PointerRecord) -> None:
        """Stage a participant's pointer (create-only)."""

    def register(
        self, lead_hospital_id: str, consortium_id: str, home_hospital_id: str, conversation_id: str
    ) -> None:
        """Stage the group's line in its consortium's list of groups (kept under the lead)."""

    def registered(self, lead_hospital_id: str, consortium_id: str) -> list[tuple[str, str]]:
        """(home hospital, conversation id) of every cross-hospital group of the consortium (one Query)."""

    def remove_members(self, record: ConversationRecord, keys: set[str]) -> None:
        """Take these members out of the group, at once (removing one already gone changes nothing)."""

    def drop_pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> None:
        """Delete the person's pointer to the group, at once (if it is there)."""

    def add_members(self, record: ConversationRecord, names: dict[str, str]) -> None:
        """Stage these members (member key → display name) joining the group (one already in it
        changes nothing)."""

    def close(self, record: ConversationRecord) -> None:
        """Stage the group's closing: its members still read it, nobody posts in it again."""

    # Each person's conversation list: a line per conversation under their own hospital, ordered by
    # when it last moved up; the conversation itself holds its newest message.

    def list_in(self, lines: Sequence[ListingRecord]) -> None:
        """Stage these people's lines in the unit of work (they land with the conversation)."""

    def list_now(self, lines: Sequence[ListingRecord]) -> None:
        """Write these lines at once (batch writes), each moved to the top of its person's list; the
        same line again only moves it."""

    def unlist(self, line: ListingRecord) -> None:
        """Delete the person's line at once (if it is there)."""

    def listed(
        self, hospital_id: str, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ListingRecord], str | None]:
        """One page of the person's lines, the most recently moved first: one Query."""

    def overview(
        self, wanted: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str], tuple[ConversationRecord, str | None]]:
        """For each (home hospital, conversation id, member key): the conversation, with its newest
        message, and how far that member has read it (a message id; None: nothing read), keyed by
        (home hospital, conversation id); absent conversations are left out. One BatchGetItem (at most
        50 wanted)."""

    def touch(self, record: ConversationRecord, message: MessageRecord, window: str) -> bool:
        """Record ``message`` as the conversation's newest (at once), unless a newer one is recorded.
        True if it became the newest and the conversation's recorded ``window`` was another one (the
        window is then recorded): its members' lines are due to move up."""

    def recalled(self, hospital_id: str, conversation_id: str, message_id: str) -> None:
        """If this message is the conversation's newest, its preview loses its text (at once)."""


class Messages(Protocol):
    def get(self, hospital_id: str, conversation_id: str, message_id: str) -> MessageRecord | None: ...

    def page(
        self, hospital_id: str, conversation_id: str, limit: int, cursor: str | None
    ) -> tuple[list[MessageRecord], str | None]:
        """One page of the conversation's messages, newest first."""

    def add(self, hospital_id: str, record: MessageRecord) -> None:
        """Write the message now, outside any unit of work (create-only)."""

    def recall(self, hospital_id: str, record: MessageRecord) -> bool:
        """Mark it recalled and drop its text, now; False (and nothing changed) if it was recalled
        meanwhile or is gone."""


class Feeds(Protocol):
    """Every person's feed: messages, recalls and notification deliveries, in the order they landed."""

    def add(
        self,
        people: list[tuple[str, str]],
        kind: str,
        conversation_id: str,
        message: MessageRecord,
        at: datetime,
    ) -> None:
        """Write one ``kind`` (message | recall) entry for ``message`` into the feed of each (hospital,
        staff id), now, in batch writes; each entry's position is made when it is written."""

    def read(self, hospital_id: str, staff_id: str, after: str, before: str, limit: int) -> list[FeedRecord]:
        """Up to ``limit`` entries of the person's feed, oldest first, positioned after ``after`` (none:
        from the start) and before ``before``: one Query."""

    def strip(self, hospital_ids: set[str], message_id: str) -> None:
        """Take the message's text out of every feed entry that carries it, in these hospitals (a recall:
        a phone syncing from the start must not get it back), now; each entry keeps its place."""


class ReadMarks(Protocol):
    def advance(self, hospital_id: str, conversation_id: str, member: str, up_to: str) -> None:
        """The member has read up to ``up_to``, now; only ever forward (an older mark arriving late is
        ignored)."""

    def of(self, hospital_id: str, conversation_id: str) -> dict[str, str]:
        """How far each member has read: member → message id."""


class AttachmentRecords(Protocol):
    def get(self, hospital_id: str, conversation_id: str, attachment_id: str) -> AttachmentRecord | None: ...

    def add(self, hospital_id: str, record: AttachmentRecord) -> None:
        """Write the attachment's record now, outside any unit of work (create-only)."""


class People(Protocol):
    """What conversations read of the directories."""

    def active_name(self, hospital_id: str, staff_id: str) -> str | None:
        """The display name of the hospital's member of staff ("" if it has none), if they have not left;
        None if the hospital has no such active member of staff (one GetItem)."""

    def names(self, people: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The directory's name of each (hospital, staff id) that has a record: one BatchGetItem (at
        most 100 people)."""


class CrossHospitalAccess(Protocol):
    """What a cross-hospital group reads of its consortium: each hospital's own link to it."""

    def active_lead(self, hospital_id: str, consortium_id: str) -> str | None:
        """The consortium's lead hospital, if this hospital is an active member of it (else None)."""

    def active_hospitals(self, lead_hospital_id: str, consortium_id: str) -> list[str]:
        """The hospitals that have joined, by the lead's roster."""

    def active_members(self, lead_hospital_id: str, consortium_id: str) -> dict[str, str]:
        """The hospitals that have joined, by the lead's roster, with the names they gave (one Query)."""

    def shared_lead(self, hospital_a: str, hospital_b: str, consortium_id: str) -> str | None:
        """The consortium's lead, if both hospitals are active members of it now (each one's own link:
        two GetItems), else None."""

    def hospital_name(self, hospital_id: str) -> str:
        """The province's name of the hospital ("" if it was never onboarded): one GetItem."""

    def department_name(self, hospital_id: str, department_id: str) -> str:
        """The name of one of the hospital's departments ("" if none): one GetItem."""


class ConversationStore(Protocol):
    """Conversations as one caller sees them: repositories plus the unit of work of a change (starting
    a conversation); messages, feeds, read marks and attachments are written at once."""

    @property
    def conversations(self) -> Conversations: ...

    @property
    def messages(self) -> Messages: ...

    @property
    def feeds(self) -> Feeds: ...

    @property
    def read_marks(self) -> ReadMarks: ...

    @property
    def attachments(self) -> AttachmentRecords: ...

    @property
    def people(self) -> People: ...

    @property
    def access(self) -> CrossHospitalAccess: ...

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        """Stage the change's audit record."""

    def commit(self) -> None:
        """Apply every staged write and audit record at once, or raise and apply none."""

    def __enter__(self) -> ConversationStore: ...

    def __exit__(self, *exc: object) -> None:
        """Leaving without a commit discards what was staged."""


class Files(Protocol):
    """Where attachments are kept: presigned URLs, so the files never pass through a function."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        """A presigned PUT of exactly this type and size."""

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        """A presigned GET that saves the file under ``filename``."""


# --- push devices ---------------------------------------------------------------------------------


class DeviceStore(Protocol):
    """The registered phones of one hospital's staff: per person, device id → push endpoint."""

    def endpoints(self, staff_id: str) -> dict[str, str]:
        """The person's devices (device id → endpoint), oldest registration first; empty if none."""

    def save(self, staff_id: str, endpoints: dict[str, str]) -> None:
        """Replace the person's devices, now (in this order)."""

    def endpoints_of(self, staff_ids: Sequence[str]) -> Iterator[str]:
        """Every endpoint of these people (read in batches as it is consumed)."""


class PushEndpoints(Protocol):
    """The push service: a phone's token becomes an endpoint; a push goes to one endpoint."""

    def endpoint(self, platform_application_arn: str, token: str, user_data: str) -> str:
        """The token's endpoint (the same token again: the same endpoint), pointed at ``user_data`` and
        enabled."""

    def push(self, endpoint_arn: str, payload: str) -> None:
        """One push (a JSON message per platform) to one device; raises if it fails."""


# --- consortia (医共体/医联体) -----------------------------------------------------------------------


class ConsortiumLinks(Protocol):
    """Each hospital's own links to consortia, kept under that hospital (``hospital_id`` says whose)."""

    def get(self, hospital_id: str, consortium_id: str) -> ConsortiumLink | None: ...

    def page(
        self, hospital_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumLink], str | None]:
        """One page of a hospital's consortia and pending invitations, by consortium id."""

    def create(self, link: ConsortiumLink, conflict: DomainError | None = None) -> None:
        """Stage a new link; the commit fails with ``conflict`` (else Conflict) if the hospital has one."""

    def save(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        """Stage the changed link; the commit fails with ``conflict`` unless its status is ``status``."""

    def delete(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        """Stage its removal; the commit fails with ``conflict`` unless its status is still ``status``."""


class ConsortiumRosters(Protocol):
    """The hospitals of each consortium, kept under its lead."""

    def get(self, lead: str, consortium_id: str, hospital_id: str) -> RosterMember | None: ...

    def page(
        self, lead: str, consortium_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RosterMember], str | None]:
        """One page of the roster, by hospital id."""

    def first(self, lead: str, consortium_id: str, limit: int) -> list[str]:
        """The first ``limit`` hospital ids of the roster (one read)."""

    def create(self, member: RosterMember, conflict: DomainError | None = None) -> None:
        """Stage a new entry; the commit fails with ``conflict`` (else Conflict) if the hospital has one."""

    def join(
        self, lead: str, consortium_id: str, hospital_id: str, hospital_name: str, conflict: DomainError
    ) -> None:
        """Stage: the invited hospital is active, under this name; the commit fails with ``conflict``
        unless it is still invited."""

    def delete(
        self, lead: str, consortium_id: str, hospital_id: str, status: str, conflict: DomainError
    ) -> None:
        """Stage the entry's removal; the commit fails with ``conflict`` unless its status is ``status``."""


class ConsortiumGroupPointers(Protocol):
    """The caller's hospital's pointers to the cross-hospital groups its staff are in (the groups
    themselves are conversations)."""

    def page(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumGroupPointer], str | None]:
        """One page of the person's cross-hospital groups, newest first."""


class Hospitals(Protocol):
    """The province's hospitals (tenants), as one hospital may name another."""

    def name(self, hospital_id: str) -> str | None:
        """The registered name of ``hospital_id`` if the province onboarded it and it is active."""


class ConsortiumStore(Protocol):
    """Consortium links and rosters across hospitals, for one use case of one hospital: repositories
    plus the unit of work (a change to both sides of a link lands in one transaction)."""

    @property
    def links(self) -> ConsortiumLinks: ...

    @property
    def rosters(self) -> ConsortiumRosters: ...

    @property
    def groups(self) -> ConsortiumGroupPointers: ...

    @property
    def hospitals(self) -> Hospitals: ...

    def emit(self, event: EventEnvelope) -> None:
        """Stage an event: published (through the outbox) if and only if the change commits."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Stage the change's audit record."""

    def commit(self) -> None:
        """Apply every staged write, event and audit record at once, or raise and apply none."""

    def __enter__(self) -> ConsortiumStore: ...

    def __exit__(self, *exc: object) -> None:
        """Leaving without a commit discards what was staged."""


# --- department groups ----------------------------------------------------------------------------


class DepartmentGroupStore(Protocol):
    """What keeping a hospital's department groups in step with its directory reads and writes, on the
    consumer's unit of work (the consumer commits the staged changes with its inbox marker)."""

    def department(self, department_id: str) -> DepartmentRecord | None: ...

    def staff(self, staff_id: str) -> StaffRecord | None: ...

    def membership(self, staff_id: str) -> str | None:
        """The unit whose group the person is in (by their membership marker), if any."""

    def ensure_group(self, group_id: str, department: DepartmentRecord) -> None:
        """Now, outside the unit of work: create the unit's group, or (it exists) give it the unit's name."""

    def leave(self, group_id: str, staff_id: str) -> None:
        """Stage the person's removal from the group's members, name and all (the group must still exist),
        and from their conversation list."""

    def join(self, group_id: str, staff_id: str, department_id: str, name: str) -> None:
        """Stage the person's addition to the group's members with their display name (it must exist),
        their marker and the group's line in their conversation list."""

    def forget(self, staff_id: str) -> None:
        """Stage the removal of the person's membership marker."""


# --- staff imports --------------------------------------------------------------------------------


class ImportJobs(Protocol):
    def get(self, job_id: str) -> ImportJobRecord | None: ...

    def create(self, job: ImportJobRecord, chunks: Sequence[str]) -> None:
        """Stage a new job (create-only) and its packed rows, chunk by chunk."""

    def chunk(self, job_id: str, number: int) -> str | None:
        """The job's packed rows [number * chunk_rows, (number + 1) * chunk_rows)."""

    def previewed(self, job: ImportJobRecord, offset: int, end: int, tally: PreviewTally, done: bool) -> None:
        """Stage the preview's progress after rows [offset, end): the counts added, ``preview`` when
        ``done``. The commit fails with Conflict unless the job is ``previewing`` at ``offset``."""

    def confirm(self, job: ImportJobRecord, by: str, at: datetime, skip_errors: bool) -> None:
        """Stage the admin's go-ahead: ``queued``, by whom and when. The commit fails with Conflict
        unless the job is still a ``preview`` (a second confirmation applies nothing)."""

    def advance(
        self,
        job: ImportJobRecord,
        offset: int,
        end: int,
        tally: ApplyTally,
        finished_at: datetime | None,
    ) -> None:
        """Stage the progress after rows [offset, end): the counts added, ``done`` with ``finished_at``
        (else ``running``). The commit fails with Conflict unless the job is confirmed and still
        stands at ``offset`` (a redelivered slice adds nothing)."""


class ImportPages(Protocol):
    def get(self, job_id: str, number: int) -> ImportPageRecord | None: ...

    def put(self, page: ImportPageRecord) -> None:
        """Stage the page, replacing what it held (its preview, then its outcome)."""


class ImportStore(Protocol):
    """A hospital's import jobs and what an import reads of its directory, for one use case: on a
    request's unit of work or a consumer's (which the consumer commits)."""

    @property
    def jobs(self) -> ImportJobs: ...

    @property
    def pages(self) -> ImportPages: ...

    def departments(self) -> list[DepartmentRecord]:
        """Every unit of the hospital (one read)."""

    def staff_by_numbers(self, employee_nos: Sequence[str]) -> dict[str, StaffRecord]:
        """The members of staff holding these 工号, by 工号 (batch reads, not one per number)."""

    def emit(self, event: EventEnvelope) -> None:
        """Stage an event: published (through the outbox) if and only if the change commits."""

    def commit(self) -> None:
        """Apply every staged write and event at once, or raise and apply none."""

    def __enter__(self) -> ImportStore: ...

    def __exit__(self, *exc: object) -> None:
        """Leaving without a commit discards what was staged."""


# --- the certificate sweep ------------------------------------------------------------------------


class CertificateSweep(Protocol):
    """The certificate reminders due, across hospitals (the due index is system-wide)."""

    def due(self, today: date) -> Iterable[DueReminder]:
        """The reminders due by ``today``, of every hospital, soonest first."""

    def announce(self, due: DueReminder, event: EventEnvelope) -> None:
        """Publish the event and remove the reminder in one transaction, on behalf of its hospital;
        Conflict (and nothing published) if the reminder was removed meanwhile."""
