"""Messaging's directory and work notifications in memory (the ports of ``chalicelib.messaging.domain.ports``).

``tests/service/test_messaging_store.py`` runs the same checks on these and on the DynamoDB adapters,
so a fake cannot drift from what it stands in for. What the real store enforces the fake enforces too:
create-only keys, the 工号 claim, optimistic versions (``STALE``), the existence checks made at commit,
and all-or-nothing commits (every check runs before any write lands).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any, TypeAlias

from chalicelib.messaging.domain.directory import SIGN_IN_TAKEN, STALE, number_taken, sign_in_subject
from chalicelib.messaging.domain.notify_policy import DEFAULT as DEFAULT_POLICY
from chalicelib.messaging.domain.notify_policy import NotifyPolicy
from chalicelib.messaging.domain.records import (
    AlertEntry,
    ApplyTally,
    AttachmentRecord,
    Colleague,
    ConsortiumGroupPointer,
    ConsortiumLink,
    ConversationRecord,
    DepartmentGroupRecord,
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

from shared.auth import Principal
from shared.errors import Conflict, DomainError, RuleViolation
from shared.persistence.models import now_utc
from tests.fakes import MemoryUnitOfWork, decode_cursor, encode_cursor, page_after

Record: TypeAlias = DepartmentRecord | StaffRecord


@dataclass
class Tables:
    """What the fakes hold, across hospitals (a test can check one never sees another's)."""

    departments: dict[tuple[str, str], DepartmentRecord] = field(default_factory=dict)
    staff: dict[tuple[str, str], StaffRecord] = field(default_factory=dict)
    numbers: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, 工号) -> staff id
    reminders: dict[tuple[str, str], Reminder] = field(default_factory=dict)
    # the search index: (partition, "<token>#<staff id>") -> the record as of its last change
    search: dict[tuple[str, str], StaffRecord] = field(default_factory=dict)
    trail: dict[tuple[str, str, str], list[tuple[str, TrailEntry]]] = field(default_factory=dict)
    sequence: count[int] = field(default_factory=count)

    def append_trail(self, tenant: str, entry: TrailEntry) -> None:
        key = f"{entry.at.isoformat()}#{next(self.sequence):08d}"
        self.trail.setdefault((tenant, entry.resource_type, entry.resource_id), []).append((key, entry))


@dataclass
class _Transaction:
    """What a fake store stages beyond ``MemoryUnitOfWork``: the conditions checked before any write
    lands, and the records whose version the commit moves on."""

    checks: list[Callable[[], None]] = field(default_factory=list)
    versions: list[tuple[Record, int]] = field(default_factory=list)

    def clear(self) -> None:
        self.checks.clear()
        self.versions.clear()


@dataclass
class FakeDepartments:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork
    tx: _Transaction

    def get(self, department_id: str) -> DepartmentRecord | None:
        found = self.tables.departments.get((self.tenant, department_id))
        return copy.deepcopy(found)

    def page(self, limit: int, cursor: str | None) -> tuple[list[DepartmentRecord], str | None]:
        rows = [(i, copy.deepcopy(r)) for (t, i), r in self.tables.departments.items() if t == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#dept")

    def create(self, record: DepartmentRecord) -> None:
        _create(
            self.tables.departments,
            (self.tenant, record.id),
            record,
            self.uow,
            self.tx,
            Conflict("already exists"),
        )

    def save(self, record: DepartmentRecord) -> None:
        _save(self.tables.departments, (self.tenant, record.id), record, self.uow, self.tx)

    def require(self, department_id: str, error: DomainError) -> None:
        def check() -> None:
            if (self.tenant, department_id) not in self.tables.departments:
                raise error

        self.tx.checks.append(check)

    def all(self) -> list[DepartmentRecord]:
        return [copy.deepcopy(r) for (t, _), r in sorted(self.tables.departments.items()) if t == self.tenant]

    def remove(self, record: DepartmentRecord) -> None:
        key = (self.tenant, record.id)

        def unchanged_since_read() -> None:
            current = self.tables.departments.get(key)
            if current is None or current.version != record.version:
                raise STALE

        self.tx.checks.append(unchanged_since_read)
        self.uow.stage(lambda: _drop(self.tables.departments, key))


@dataclass
class FakeStaff:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork
    tx: _Transaction

    def _mine(self) -> list[StaffRecord]:
        return [r for (t, _), r in self.tables.staff.items() if t == self.tenant]

    def count_in(self, department_id: str) -> int:
        return sum(1 for r in self._mine() if r.department_id == department_id and r.status != "left")

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(staff_ids))[:100]
        return {i: r.name for i in wanted if (r := self.tables.staff.get((self.tenant, i))) and r.name}

    def get(self, staff_id: str) -> StaffRecord | None:
        return copy.deepcopy(self.tables.staff.get((self.tenant, staff_id)))

    def for_user(self, user_id: str) -> StaffRecord | None:
        return next((copy.deepcopy(r) for r in self._mine() if r.user_id == user_id), None)

    def supervisors(self, staff_id: str, levels: int) -> list[StaffRecord]:
        chain: list[StaffRecord] = []
        seen = {staff_id}
        current = self.get(staff_id)
        while current is not None and current.supervisor_id and len(chain) < levels:
            if current.supervisor_id in seen:
                break
            seen.add(current.supervisor_id)
            current = self.get(current.supervisor_id)
            if current is not None:
                chain.append(current)
        return chain

    def page(
        self, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        rows = [
            (r.id, copy.deepcopy(r))
            for r in self._mine()
            if (not department_id or r.department_id == department_id) and (not status or r.status == status)
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#staff")

    def _partition(self, left: bool) -> str:
        return f"{self.tenant}#staffsearch#left" if left else f"{self.tenant}#staffsearch"

    def search(
        self, key: str, limit: int, cursor: str | None, department_id: str | None, status: str | None
    ) -> tuple[list[StaffRecord], str | None]:
        """The index read as the adapter's Query reads it: entries of the partition whose token ``key``
        begins, in key order, each person at the first token it matches."""
        partition = self._partition(status == "left")
        after = decode_cursor(cursor, partition)
        if after is not None and not str(after).startswith(key):
            raise RuleViolation("invalid cursor", field="cursor")
        rows = sorted(
            (sk, copy.deepcopy(r))
            for (p, sk), r in self.tables.search.items()
            if p == partition
            and sk.startswith(key)
            and (after is None or sk > after)
            and (not department_id or r.department_id == department_id)
            and (not status or status == "left" or r.status == status)
            and matched_token(r.search_tokens, key) == sk.rsplit("#", 1)[0]
        )
        chunk = rows[:limit]
        more = len(rows) > limit
        return [r for _, r in chunk], encode_cursor(chunk[-1][0], partition) if more else None

    def _index(self, record: StaffRecord, before: StaffRecord | None) -> None:
        """Stage the person's entries: exactly their tokens, in the partition of their status, carrying
        the record at its next version; ``before``'s entries go."""
        stored = dataclasses.replace(copy.deepcopy(record), version=(record.version or 0) + 1)
        old = (
            [(self._partition(before.status == "left"), f"{t}#{record.id}") for t in before.search_tokens]
            if before is not None
            else []
        )
        new = [(self._partition(record.status == "left"), f"{t}#{record.id}") for t in record.search_tokens]

        def write() -> None:
            for key in old:
                self.tables.search.pop(key, None)
            for key in new:
                self.tables.search[key] = stored

        self.uow.stage(write)

    def create(self, record: StaffRecord) -> None:
        key = (self.tenant, record.employee_no)

        def claim_is_free() -> None:
            if key in self.tables.numbers:
                raise number_taken(record.employee_no)

        self.tx.checks.append(claim_is_free)
        self.tx.checks.append(self._sign_in_is_free(record))
        self.uow.stage(lambda: self.tables.numbers.__setitem__(key, record.id))
        self._index(record, None)
        _create(
            self.tables.staff, (self.tenant, record.id), record, self.uow, self.tx, Conflict("already exists")
        )

    def save(
        self, record: StaffRecord, previous_sign_in: str | None = None, before: StaffRecord | None = None
    ) -> None:
        if previous_sign_in is not None:
            self.tx.checks.append(self._sign_in_is_free(record))
        self._index(record, before)
        _save(self.tables.staff, (self.tenant, record.id), record, self.uow, self.tx)

    def _sign_in_is_free(self, record: StaffRecord) -> Callable[[], None]:
        """The sign-in ``record`` would be bound to is no one else's (as the create-only sign-in item)."""
        subject = sign_in_subject(record.user_id, record.id)

        def check() -> None:
            if any(sign_in_subject(r.user_id, r.id) == subject for r in self._mine() if r.id != record.id):
                raise SIGN_IN_TAKEN

        return check


def _create(
    table: dict[tuple[str, str], Any],
    key: tuple[str, str],
    record: Record,
    uow: MemoryUnitOfWork,
    tx: _Transaction,
    conflict: DomainError,
) -> None:
    stored = dataclasses.replace(copy.deepcopy(record), version=1)

    def is_new() -> None:
        if key in table:
            raise conflict

    tx.checks.append(is_new)
    uow.stage(lambda: table.__setitem__(key, stored))
    tx.versions.append((record, 1))


def _save(
    table: dict[tuple[str, str], Any],
    key: tuple[str, str],
    record: Record,
    uow: MemoryUnitOfWork,
    tx: _Transaction,
) -> None:
    read_at = record.version
    stored = dataclasses.replace(copy.deepcopy(record), version=(read_at or 0) + 1)

    def unchanged_since_read() -> None:
        current = table.get(key)
        if read_at is None or current is None or current.version != read_at:
            raise STALE

    tx.checks.append(unchanged_since_read)
    uow.stage(lambda: table.__setitem__(key, stored))
    tx.versions.append((record, (read_at or 0) + 1))


@dataclass
class FakeReminders:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def add(self, reminder: Reminder) -> None:
        self.uow.stage(lambda: self.tables.reminders.__setitem__((self.tenant, reminder.key), reminder))

    def remove(self, key: str) -> None:
        self.uow.stage(lambda: self.tables.reminders.pop((self.tenant, key), None))


@dataclass
class FakeTrail:
    tenant: str
    tables: Tables
    principal: Principal | None
    request_id: str | None

    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]:
        rows = self.tables.trail.get((self.tenant, resource_type, resource_id), [])
        return page_after(list(rows), limit, cursor, f"{self.tenant}#{resource_type}#{resource_id}")

    def record_access(self, resource_type: str, resource_id: str, fields: list[str]) -> None:
        if self.principal is None:
            raise RuntimeError("this store has no principal to audit")
        self.tables.append_trail(
            self.tenant,
            TrailEntry(
                at=now_utc(),
                actor=self.principal.user,
                action="reveal:" + ",".join(fields),
                resource_type=resource_type,
                resource_id=resource_id,
                before=None,
                after=None,
                request_id=self.request_id,
                actor_name=self.principal.staff_name,
            ),
        )


def snapshot(record: Record) -> dict[str, Any]:
    """The fake's audit snapshot: the record's fields, personal data only as masked."""
    unaudited = ("mobile_encrypted", "mobile_index", "search_tokens")
    data = {k: v for k, v in dataclasses.asdict(record).items() if k not in unaudited}
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return loaded


@dataclass
class FakeDirectoryStore:
    """``DirectoryStore`` in memory for one hospital; ``uow.published`` / ``uow.audits`` show what a
    committed change emitted and audited."""

    tenant: str
    tables: Tables = field(default_factory=Tables)
    principal: Principal | None = None
    request_id: str | None = "test-request"
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    tx: _Transaction = field(default_factory=_Transaction)

    @property
    def departments(self) -> FakeDepartments:
        return FakeDepartments(self.tenant, self.tables, self.uow, self.tx)

    @property
    def staff(self) -> FakeStaff:
        return FakeStaff(self.tenant, self.tables, self.uow, self.tx)

    @property
    def reminders(self) -> FakeReminders:
        return FakeReminders(self.tenant, self.tables, self.uow)

    @property
    def trail(self) -> FakeTrail:
        return FakeTrail(self.tenant, self.tables, self.principal, self.request_id)

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: Record | None = None,
        after: Record | None = None,
    ) -> None:
        if self.principal is None:
            raise RuntimeError("this unit of work has no principal to audit")
        entry = TrailEntry(
            at=now_utc(),
            actor=self.principal.user,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            before=snapshot(before) if before is not None else None,
            after=snapshot(after) if after is not None else None,
            request_id=self.request_id,
            actor_name=self.principal.staff_name,
        )
        self.uow.audit(action, resource_type, resource_id)
        self.uow.stage(lambda: self.tables.append_trail(self.tenant, entry))

    def commit(self) -> None:
        try:
            for check in self.tx.checks:
                check()  # all conditions first: a failing one leaves everything as it was
            self.uow.commit()
            for record, version in self.tx.versions:
                record.version = version
        finally:
            self.tx.clear()

    def __enter__(self) -> FakeDirectoryStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)
        self.tx.clear()


class FakePersonalData:
    """Tenant-bound and reversible like the KMS one, without KMS; counts what it is asked to do."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encrypt(self, tenant: str, plaintext: str) -> str:
        self.calls.append("encrypt")
        return "sealed:" + base64.urlsafe_b64encode(json.dumps([tenant, plaintext[::-1]]).encode()).decode()

    def decrypt(self, tenant: str, token: str) -> str:
        self.calls.append("decrypt")
        owner, reversed_text = json.loads(base64.urlsafe_b64decode(token.removeprefix("sealed:").encode()))
        if owner != tenant:
            raise ValueError("sealed for another hospital")
        return str(reversed_text)[::-1]

    def digest(self, tenant: str, kind: str, value: str) -> str:
        self.calls.append("digest")
        return hashlib.sha256(f"{tenant}|{kind}|{value}".encode()).hexdigest()


# --- work notifications ---------------------------------------------------------------------------


@dataclass
class NotificationTables:
    """What the notification fakes hold, across hospitals; ``calls`` counts the writes made at once
    (deliveries and checkpoints) as the fan-out's resumability depends on them."""

    notifications: dict[tuple[str, str], NotificationRecord] = field(default_factory=dict)
    recipients: dict[tuple[str, str, str], RecipientRecord] = field(default_factory=dict)
    dings: dict[tuple[str, str], tuple[datetime, datetime, int | None]] = field(default_factory=dict)
    ding_steps: dict[tuple[str, str], str] = field(default_factory=dict)  # a timer's step, if not "sms"
    units: dict[str, list[UnitRecord]] = field(default_factory=dict)
    staff: dict[str, list[Colleague]] = field(default_factory=dict)
    rosters: dict[tuple[str, str], Duty] = field(default_factory=dict)
    feed: count[int] = field(default_factory=count)
    calls: list[str] = field(default_factory=list)
    fail_deliveries_after: int | None = None  # a crash after so many deliver() calls
    policies: dict[str, NotifyPolicy] = field(default_factory=dict)
    counters: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (tenant, scope, window)
    audits: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # committed only

    def add_staff(self, tenant: str, staff_id: str, department_id: str, *roles: str, name: str = "") -> None:
        self.staff.setdefault(tenant, []).append(Colleague(staff_id, department_id, tuple(roles), name))


@dataclass
class FakeNotifications:
    tenant: str
    tables: NotificationTables
    uow: MemoryUnitOfWork
    tx: _Transaction

    def get(self, notification_id: str) -> NotificationRecord | None:
        return copy.deepcopy(self.tables.notifications.get((self.tenant, notification_id)))

    def policy(self) -> NotifyPolicy:
        return self.tables.policies.get(self.tenant, DEFAULT_POLICY)

    def set_policy(self, policy: NotifyPolicy) -> None:
        self.uow.stage(lambda: self.tables.policies.__setitem__(self.tenant, policy))

    def used(self, scope: str, window: str) -> int:
        return self.tables.counters.get((self.tenant, scope, window), 0)

    def count(self, scope: str, window: str, limit: int, error: DomainError) -> None:
        key = (self.tenant, scope, window)

        def below_limit() -> None:
            if self.tables.counters.get(key, 0) >= limit:
                raise error

        self.tx.checks.append(below_limit)
        self.uow.stage(lambda: self.tables.counters.__setitem__(key, self.tables.counters.get(key, 0) + 1))

    def create(self, record: NotificationRecord) -> None:
        key = (self.tenant, record.id)
        stored = copy.deepcopy(record)

        def is_new() -> None:
            if key in self.tables.notifications:
                raise Conflict("already exists")

        self.tx.checks.append(is_new)
        self.uow.stage(lambda: self.tables.notifications.__setitem__(key, stored))

    def start_ding(
        self, notification_id: str, sms_after_minutes: int, call_after_minutes: int | None, sent_at: datetime
    ) -> None:
        key = (self.tenant, notification_id)
        timer = (sent_at + timedelta(minutes=sms_after_minutes), sent_at, call_after_minutes)

        def is_new() -> None:
            if key in self.tables.dings:
                raise Conflict("already exists")

        self.tx.checks.append(is_new)
        self.uow.stage(lambda: self.tables.dings.__setitem__(key, timer))

    def deliver(
        self, record: NotificationRecord, staff_ids: list[str], names: dict[str, str] | None = None
    ) -> None:
        limit = self.tables.fail_deliveries_after
        if limit is not None and self.tables.calls.count("deliver") >= limit:
            raise RuntimeError("the batch write was throttled")
        self.tables.calls.append("deliver")
        for staff_id in staff_ids:
            self.tables.recipients[(self.tenant, record.id, staff_id)] = RecipientRecord(
                notification_id=record.id,
                staff_id=staff_id,
                title=record.title,
                sender=record.sender,
                created_at=record.created_at,
                ack_required=record.ack_required,
                feed_key=f"{next(self.tables.feed):012d}",
                name=(names or {}).get(staff_id, ""),
                sender_name=record.sender_name,
                body=record.bodies.get(staff_id, ""),
            )

    def checkpoint(self, record: NotificationRecord, delivered: int) -> None:
        self.tables.calls.append(f"checkpoint:{delivered}")
        stored = self.tables.notifications.get((self.tenant, record.id))
        if stored is not None:
            stored.delivered_count = delivered

    def finish(self, record: NotificationRecord, delivered: int) -> None:
        def apply() -> None:
            stored = self.tables.notifications.get((self.tenant, record.id))
            if stored is not None:
                stored.delivered_count, stored.status = delivered, "delivered"

        self.uow.stage(apply)

    def recipient(self, notification_id: str, staff_id: str) -> RecipientRecord | None:
        return copy.deepcopy(self.tables.recipients.get((self.tenant, notification_id, staff_id)))

    def recipients(
        self, notification_id: str, pending: str | None, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        rows = [
            (s, copy.deepcopy(r))
            for (t, n, s), r in self.tables.recipients.items()
            if t == self.tenant
            and n == notification_id
            and (
                pending is None
                or (pending == "read" and r.status == "delivered")
                or (pending == "ack" and r.status != "acknowledged")
            )
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#notif#{notification_id}")

    def inbox(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RecipientRecord], str | None]:
        mine = [r for (t, _, s), r in self.tables.recipients.items() if t == self.tenant and s == staff_id]
        # newest first: the sort key counts down from the latest feed position
        rows = [(f"{10**12 - int(r.feed_key or 0):013d}", copy.deepcopy(r)) for r in mine]
        return page_after(rows, limit, cursor, f"{self.tenant}#feed#{staff_id}")

    def sent(self, sender: str, limit: int, cursor: str | None) -> tuple[list[SentRecord], str | None]:
        rows = [
            (
                n.id,
                SentRecord(
                    id=n.id,
                    title=n.title,
                    created_at=n.created_at,
                    recipient_count=len(n.recipient_ids),
                    ack_required=n.ack_required,
                    ding=n.ding,
                    status=n.status,
                    delivered_count=n.delivered_count,
                    read_count=n.read_count,
                    ack_count=n.ack_count,
                ),
            )
            for (t, _), n in self.tables.notifications.items()
            if t == self.tenant and n.sender == sender
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#sent#{sender}", newest_first=True)

    def mark(self, recipient: RecipientRecord, before: str, read: bool, ack: bool) -> None:
        key = (self.tenant, recipient.notification_id, recipient.staff_id)
        stored = copy.deepcopy(recipient)
        notification_key = (self.tenant, recipient.notification_id)

        def unchanged_since_read() -> None:
            current = self.tables.recipients.get(key)
            if current is None or current.status != before:
                raise Conflict("changed meanwhile; reload")

        def notification_exists() -> None:
            if notification_key not in self.tables.notifications:
                raise Conflict("changed meanwhile")

        def apply() -> None:
            self.tables.recipients[key] = stored
            counts = self.tables.notifications[notification_key]
            counts.read_count += int(read)
            counts.ack_count += int(ack)

        self.tx.checks += [unchanged_since_read, notification_exists]
        self.uow.stage(apply)


@dataclass
class FakeAudience:
    tenant: str
    tables: NotificationTables

    def units(self) -> list[UnitRecord]:
        return list(self.tables.units.get(self.tenant, []))

    def active_staff(self) -> list[Colleague]:
        return list(self.tables.staff.get(self.tenant, []))

    def on_duty(self, ward_id: str, at: datetime) -> Duty:
        return self.tables.rosters.get(
            (self.tenant, ward_id), Duty((), False, "no published roster covers this ward at this time")
        )

    def name_of(self, staff_id: str) -> str | None:
        return next((c.name for c in self.tables.staff.get(self.tenant, []) if c.id == staff_id), None)

    def names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(staff_ids)
        return {c.id: c.name for c in self.tables.staff.get(self.tenant, []) if c.id in wanted and c.name}

    def active(self, staff_ids: Sequence[str]) -> set[str]:
        wanted = set(staff_ids)  # the fake's staff are its active members (as active_staff says)
        return {c.id for c in self.tables.staff.get(self.tenant, []) if c.id in wanted}


@dataclass
class FakeNotificationStore:
    """``NotificationStore`` in memory for one hospital; ``uow.published`` shows what a commit emitted.

    For a consumer's use case, the test commits (as the consumer does) with ``commit()``."""

    tenant: str
    tables: NotificationTables = field(default_factory=NotificationTables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    tx: _Transaction = field(default_factory=_Transaction)

    @property
    def notifications(self) -> FakeNotifications:
        return FakeNotifications(self.tenant, self.tables, self.uow, self.tx)

    @property
    def audience(self) -> FakeAudience:
        return FakeAudience(self.tenant, self.tables)

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        entry = (action, resource_type, resource_id, after)
        self.uow.stage(lambda: self.tables.audits.append(entry))

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def commit(self) -> None:
        try:
            for check in self.tx.checks:
                check()  # all conditions first: a failing one leaves everything as it was
            self.uow.commit()
        finally:
            self.tx.clear()

    def __enter__(self) -> FakeNotificationStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)
        self.tx.clear()


@dataclass
class FakePush:
    """Counts the pushes asked for: (tenant, staff ids, title, kind)."""

    sent: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)

    def notify(self, tenant: str, staff_ids: list[str], title: str, kind: str) -> int:
        self.sent.append((tenant, tuple(staff_ids), title, kind))
        return len(staff_ids)


# --- DING escalation ------------------------------------------------------------------------------


@dataclass
class FakeDingStore:
    """``DingStore`` in memory, reading the notification fakes' tables (timers, recipients) and a
    directory of sealed mobiles; an escalation is all-or-nothing, conditional on the timer's step."""

    tables: NotificationTables = field(default_factory=NotificationTables)
    mobiles: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, staff id) -> sealed
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, staff id) -> display name
    log: dict[str, list[tuple[str, AlertEntry]]] = field(default_factory=dict)  # tenant -> (key, entry)
    sequence: count[int] = field(default_factory=count)

    def due(self, now: datetime, limit: int) -> list[DingTimerRecord]:
        timers = [
            DingTimerRecord(tenant, nid, step, due, sent_at, call_after)
            for (tenant, nid), (due, sent_at, call_after, step) in self._timers()
            if due <= now
        ]
        return sorted(timers, key=lambda t: (t.due_at, t.tenant, t.notification_id))[:limit]

    def _timers(self) -> list[tuple[tuple[str, str], tuple[datetime, datetime, int | None, str]]]:
        return [
            (key, (*value, self.tables.ding_steps.get(key, "sms")))
            for key, value in self.tables.dings.items()
        ]

    def sender_name(self, tenant: str, notification_id: str) -> str | None:
        found = self.tables.notifications.get((tenant, notification_id))
        return found.sender_name if found else None

    def policy(self, tenant: str) -> NotifyPolicy:
        return self.tables.policies.get(tenant, DEFAULT_POLICY)

    def reserve_alerts(self, tenant: str, day: str, wanted: int, limit: int) -> int:
        key = (tenant, "alerts", day)
        used = self.tables.counters.get(key, 0)
        granted = max(0, min(wanted, limit - used))
        self.tables.counters[key] = used + granted
        return granted

    def unacknowledged(self, tenant: str, notification_id: str) -> list[str]:
        return sorted(
            s
            for (t, n, s), r in self.tables.recipients.items()
            if t == tenant and n == notification_id and r.status != "acknowledged"
        )

    def contact(self, tenant: str, staff_id: str) -> tuple[str, str | None]:
        return self.names.get((tenant, staff_id), ""), self.mobiles.get((tenant, staff_id))

    def escalated(
        self, timer: DingTimerRecord, alerts: list[AlertEntry], then: DingTimerRecord | None
    ) -> None:
        key = (timer.tenant, timer.notification_id)
        if key not in self.tables.dings or self.tables.ding_steps.get(key, "sms") != timer.step:
            raise Conflict("escalated meanwhile")
        for entry in alerts:
            self.log.setdefault(timer.tenant, []).append(
                (f"{entry.at.isoformat()}#{next(self.sequence):08d}", entry)
            )
        if then is None:
            del self.tables.dings[key]
            self.tables.ding_steps.pop(key, None)
        else:
            self.tables.dings[key] = (then.due_at, then.sent_at, then.call_after_minutes)
            self.tables.ding_steps[key] = then.step

    def stop(self, tenant: str, notification_id: str) -> None:
        self.tables.dings.pop((tenant, notification_id), None)
        self.tables.ding_steps.pop((tenant, notification_id), None)

    def alerts(self, tenant: str, limit: int, cursor: str | None) -> tuple[list[AlertEntry], str | None]:
        return page_after(list(self.log.get(tenant, [])), limit, cursor, f"{tenant}#alerts")


class FakeChannel:
    """SMS and calls that only remember what was sent; a number in ``failing`` fails."""

    def __init__(self, failing: tuple[str, ...] = ()) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (sms | call, phone, text)
        self.failing = failing

    def send_sms(self, phone: str, text: str) -> str:
        return self._send("sms", phone, text)

    def call(self, phone: str, text: str) -> str:
        return self._send("call", phone, text)

    def _send(self, kind: str, phone: str, text: str) -> str:
        if phone in self.failing:
            raise TimeoutError("the carrier did not answer")
        self.sent.append((kind, phone, text))
        return f"{kind}-{len(self.sent)}"


# --- conversations --------------------------------------------------------------------------------


@dataclass
class ConversationTables:
    """What the conversation fakes hold, across hospitals, and what they read of the directories and
    the consortium links. Feed positions are time-ordered like the adapter's ids (so sync's settling
    window works the same), and strictly increasing."""

    conversations: dict[tuple[str, str], ConversationRecord] = field(default_factory=dict)
    pointers: dict[tuple[str, str, str], PointerRecord] = field(default_factory=dict)  # hospital, staff, conv
    messages: dict[tuple[str, str, str], MessageRecord] = field(default_factory=dict)  # hospital, conv, id
    feeds: dict[tuple[str, str], list[FeedRecord]] = field(default_factory=dict)  # (hospital, staff)
    marks: dict[tuple[str, str, str], str] = field(default_factory=dict)  # hospital, conv, member -> id
    attachments: dict[tuple[str, str, str], AttachmentRecord] = field(default_factory=dict)
    staff: dict[tuple[str, str], str] = field(default_factory=dict)  # (hospital, staff id) -> status
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (hospital, staff id) -> display name
    hospital_names: dict[str, str] = field(default_factory=dict)  # as each named itself in the roster
    directory_hospitals: dict[str, str] = field(default_factory=dict)  # the province's names
    departments: dict[tuple[str, str], str] = field(default_factory=dict)  # (hospital, dept) -> name
    links: dict[tuple[str, str], tuple[str, str]] = field(
        default_factory=dict
    )  # (hospital, cons) -> lead, status
    rosters: dict[tuple[str, str], dict[str, str]] = field(
        default_factory=dict
    )  # (lead, cons) -> hospital: status
    audits: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # committed only
    writes: list[str] = field(default_factory=list)  # the writes made at once, in order
    registry: set[tuple[str, str, str, str]] = field(default_factory=set)  # lead, consortium, home, conv
    lines: dict[ListingRecord, str] = field(default_factory=dict)  # a person's line -> when it moved up
    windows: dict[tuple[str, str], str] = field(default_factory=dict)  # (home, conv) -> listing window
    _last: tuple[int, int] = (0, 0)

    def add_staff(self, hospital_id: str, staff_id: str, status: str = "active", name: str = "") -> None:
        self.staff[(hospital_id, staff_id)] = status
        if name:
            self.names[(hospital_id, staff_id)] = name

    def join(self, hospital_id: str, consortium_id: str, lead: str, status: str = "active") -> None:
        """The hospital's own link to the consortium, and its line in the lead's roster."""
        self.links[(hospital_id, consortium_id)] = (lead, status)
        self.rosters.setdefault((lead, consortium_id), {})[hospital_id] = status

    def position(self) -> str:
        """A feed position like the adapter's ids (milliseconds, then more), never repeating."""
        ms, n = self._last
        now = int(time.time() * 1000)
        self._last = (now, 0) if now > ms else (ms, n + 1)
        return f"{self._last[0]:012x}{self._last[1]:010x}"

    def deliver(
        self,
        hospital_id: str,
        staff_id: str,
        notification_id: str,
        title: str,
        sender: str,
        at: datetime | None = None,
        sender_name: str = "",
    ) -> None:
        """A notification delivery landing in the person's feed (the fan-out's part of it)."""
        entry = FeedRecord(
            self.position(),
            "notification",
            notification_id,
            sender,
            at or now_utc(),
            title=title,
            sender_name=sender_name,
        )
        self.feeds.setdefault((hospital_id, staff_id), []).append(entry)


@dataclass
class FakeConversations:
    tables: ConversationTables
    uow: MemoryUnitOfWork

    def get(self, hospital_id: str, conversation_id: str) -> ConversationRecord | None:
        return copy.deepcopy(self.tables.conversations.get((hospital_id, conversation_id)))

    def create(self, record: ConversationRecord, on_conflict: DomainError | None = None) -> None:
        key, stored = (record.hospital_id, record.id), copy.deepcopy(record)

        def is_new() -> None:
            if key in self.tables.conversations:
                raise on_conflict or Conflict("already exists")

        self.uow.check(is_new)
        self.uow.stage(lambda: self.tables.conversations.__setitem__(key, stored))

    def pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> PointerRecord | None:
        return self.tables.pointers.get((hospital_id, staff_id, conversation_id))

    def add_pointer(self, record: PointerRecord) -> None:
        key = (record.hospital_id, record.staff_id, record.conversation_id)

        def is_new() -> None:
            if key in self.tables.pointers:
                raise Conflict("already exists")

        self.uow.check(is_new)
        self.uow.stage(lambda: self.tables.pointers.__setitem__(key, record))

    def register(
        self, lead_hospital_id: str, consortium_id: str, home_hospital_id: str, conversation_id: str
    ) -> None:
        entry = (lead_hospital_id, consortium_id, home_hospital_id, conversation_id)
        self.uow.stage(lambda: self.tables.registry.add(entry))

    def registered(self, lead_hospital_id: str, consortium_id: str) -> list[tuple[str, str]]:
        return sorted(
            (h, c)
            for (lead, k, h, c) in self.tables.registry
            if (lead, k) == (lead_hospital_id, consortium_id)
        )

    def remove_members(self, record: ConversationRecord, keys: set[str]) -> None:
        stored = self.tables.conversations.get((record.hospital_id, record.id))
        if stored is not None:
            stored.member_ids = frozenset(stored.member_ids - keys)
            stored.member_names = {k: n for k, n in stored.member_names.items() if k not in keys}

    def drop_pointer(self, hospital_id: str, staff_id: str, conversation_id: str) -> None:
        self.tables.pointers.pop((hospital_id, staff_id, conversation_id), None)

    def add_members(self, record: ConversationRecord, names: dict[str, str]) -> None:
        def apply() -> None:
            stored = self.tables.conversations.get((record.hospital_id, record.id))
            if stored is not None:
                stored.member_ids = frozenset(stored.member_ids | set(names))
                stored.member_names = {**stored.member_names, **{k: n for k, n in names.items() if n}}

        self.uow.stage(apply)

    def close(self, record: ConversationRecord) -> None:
        def apply() -> None:
            stored = self.tables.conversations.get((record.hospital_id, record.id))
            if stored is not None:
                stored.closed = True

        self.uow.stage(apply)

    def list_in(self, lines: Sequence[ListingRecord]) -> None:
        for line in lines:
            self.uow.stage(lambda line=line: self.tables.lines.__setitem__(line, self.tables.position()))

    def list_now(self, lines: Sequence[ListingRecord]) -> None:
        self.tables.writes.append(f"lines:{len(lines)}")
        for line in lines:
            self.tables.lines[line] = self.tables.position()

    def unlist(self, line: ListingRecord) -> None:
        self.tables.lines.pop(line, None)

    def listed(
        self, hospital_id: str, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ListingRecord], str | None]:
        rows = [
            (f"{at}#{line.home_hospital_id}#{line.conversation_id}", line)
            for line, at in self.tables.lines.items()
            if (line.hospital_id, line.staff_id) == (hospital_id, staff_id)
        ]
        return page_after(rows, limit, cursor, f"{hospital_id}#convlist#{staff_id}", newest_first=True)

    def overview(
        self, wanted: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str], tuple[ConversationRecord, str | None]]:
        assert len(wanted) <= 50, "one BatchGetItem holds 100 keys: two per conversation"
        found = {}
        for home, conversation_id, member in wanted:
            record = self.get(home, conversation_id)
            if record is not None:
                found[(home, conversation_id)] = (
                    record,
                    self.tables.marks.get((home, conversation_id, member)),
                )
        return found

    def touch(self, record: ConversationRecord, message: MessageRecord, window: str) -> bool:
        stored = self.tables.conversations.get((record.hospital_id, record.id))
        if stored is None or (stored.last is not None and stored.last.id >= message.id):
            return False
        self.tables.writes.append("touch")
        text = message.text[:60] if message.text is not None else None
        stored.last = LastMessage(message.id, message.sender_id, text, message.sent_at)
        before = self.tables.windows.get((record.hospital_id, record.id))
        self.tables.windows[(record.hospital_id, record.id)] = window
        return before != window

    def recalled(self, hospital_id: str, conversation_id: str, message_id: str) -> None:
        stored = self.tables.conversations.get((hospital_id, conversation_id))
        if stored is not None and stored.last is not None and stored.last.id == message_id:
            stored.last = dataclasses.replace(stored.last, text=None, recalled=True)


@dataclass
class FakeMessages:
    tables: ConversationTables

    def get(self, hospital_id: str, conversation_id: str, message_id: str) -> MessageRecord | None:
        return copy.deepcopy(self.tables.messages.get((hospital_id, conversation_id, message_id)))

    def page(
        self, hospital_id: str, conversation_id: str, limit: int, cursor: str | None
    ) -> tuple[list[MessageRecord], str | None]:
        rows = [
            (m, copy.deepcopy(r))
            for (h, c, m), r in self.tables.messages.items()
            if h == hospital_id and c == conversation_id
        ]
        partition = f"{hospital_id}#conv#{conversation_id}"
        return page_after(rows, limit, cursor, partition, newest_first=True)

    def add(self, hospital_id: str, record: MessageRecord) -> None:
        key = (hospital_id, record.conversation_id, record.id)
        if key in self.tables.messages:
            raise Conflict("already exists")
        self.tables.writes.append("message")
        self.tables.messages[key] = copy.deepcopy(record)

    def recall(self, hospital_id: str, record: MessageRecord) -> bool:
        stored = self.tables.messages.get((hospital_id, record.conversation_id, record.id))
        if stored is None or stored.recalled:
            return False
        self.tables.writes.append("recall")
        stored.recalled, stored.text = True, None
        return True


@dataclass
class FakeFeeds:
    tables: ConversationTables

    def add(
        self,
        people: list[tuple[str, str]],
        kind: str,
        conversation_id: str,
        message: MessageRecord,
        at: datetime,
    ) -> None:
        self.tables.writes.append(f"feed:{kind}:{len(people)}")
        for hospital_id, staff_id in people:
            feed = self.tables.feeds.setdefault((hospital_id, staff_id), [])
            # the same entry again replaces it (its key is the message, the kind and the person)
            feed[:] = [e for e in feed if (e.kind, e.id) != (kind, message.id)]
            feed.append(
                FeedRecord(
                    position=self.tables.position(),
                    kind=kind,
                    id=message.id,
                    sender=message.sender_id,
                    at=at,
                    conversation_id=conversation_id,
                    text=message.text,
                    sender_name=message.sender_name,
                )
            )

    def strip(self, hospital_ids: set[str], message_id: str) -> None:
        self.tables.writes.append("feed:strip")
        for (hospital_id, _), feed in self.tables.feeds.items():
            if hospital_id in hospital_ids:
                feed[:] = [
                    dataclasses.replace(e, text=None) if (e.kind, e.id) == ("message", message_id) else e
                    for e in feed
                ]

    def read(self, hospital_id: str, staff_id: str, after: str, before: str, limit: int) -> list[FeedRecord]:
        entries = sorted(self.tables.feeds.get((hospital_id, staff_id), []), key=lambda e: e.position)
        if after:
            kept = [e for e in entries if after < e.position <= before]  # DynamoDB's BETWEEN is inclusive
        else:
            kept = [e for e in entries if e.position < before]
        return kept[:limit]


@dataclass
class FakeReadMarks:
    tables: ConversationTables

    def advance(self, hospital_id: str, conversation_id: str, member: str, up_to: str) -> None:
        key = (hospital_id, conversation_id, member)
        if key not in self.tables.marks or self.tables.marks[key] < up_to:
            self.tables.marks[key] = up_to

    def of(self, hospital_id: str, conversation_id: str) -> dict[str, str]:
        return {
            m: up for (h, c, m), up in self.tables.marks.items() if (h, c) == (hospital_id, conversation_id)
        }


@dataclass
class FakeAttachments:
    tables: ConversationTables

    def get(self, hospital_id: str, conversation_id: str, attachment_id: str) -> AttachmentRecord | None:
        return self.tables.attachments.get((hospital_id, conversation_id, attachment_id))

    def add(self, hospital_id: str, record: AttachmentRecord) -> None:
        key = (hospital_id, record.conversation_id, record.id)
        if key in self.tables.attachments:
            raise Conflict("already exists")
        self.tables.writes.append("attachment")
        self.tables.attachments[key] = record


@dataclass
class FakePeople:
    tenant: str
    tables: ConversationTables

    def active_name(self, hospital_id: str, staff_id: str) -> str | None:
        if self.tables.staff.get((hospital_id, staff_id), "left") == "left":
            return None
        return self.tables.names.get((hospital_id, staff_id), "")

    def names(self, people: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        assert len(set(people)) <= 100, "one BatchGetItem holds 100 keys"
        return {p: self.tables.names[p] for p in people if p in self.tables.names}


@dataclass
class FakeCrossHospitalAccess:
    tables: ConversationTables

    def active_lead(self, hospital_id: str, consortium_id: str) -> str | None:
        lead, status = self.tables.links.get((hospital_id, consortium_id), ("", ""))
        return lead if status == "active" else None

    def active_hospitals(self, lead_hospital_id: str, consortium_id: str) -> list[str]:
        roster = self.tables.rosters.get((lead_hospital_id, consortium_id), {})
        return sorted(h for h, status in roster.items() if status == "active")

    def active_members(self, lead_hospital_id: str, consortium_id: str) -> dict[str, str]:
        names = self.tables.hospital_names
        return {h: names.get(h, "") for h in self.active_hospitals(lead_hospital_id, consortium_id)}

    def shared_lead(self, hospital_a: str, hospital_b: str, consortium_id: str) -> str | None:
        lead = self.active_lead(hospital_a, consortium_id)
        if hospital_a == hospital_b or lead is None or self.active_lead(hospital_b, consortium_id) != lead:
            return None
        return lead

    def hospital_name(self, hospital_id: str) -> str:
        return self.tables.directory_hospitals.get(hospital_id, "")

    def department_name(self, hospital_id: str, department_id: str) -> str:
        return self.tables.departments.get((hospital_id, department_id), "")


@dataclass
class FakeConversationStore:
    """``ConversationStore`` in memory for a caller of ``tenant``; a started conversation, its pointers
    and audit record land together on commit (``tables.audits``), the rest at once (``tables.writes``)."""

    tenant: str
    tables: ConversationTables = field(default_factory=ConversationTables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def conversations(self) -> FakeConversations:
        return FakeConversations(self.tables, self.uow)

    @property
    def messages(self) -> FakeMessages:
        return FakeMessages(self.tables)

    @property
    def feeds(self) -> FakeFeeds:
        return FakeFeeds(self.tables)

    @property
    def read_marks(self) -> FakeReadMarks:
        return FakeReadMarks(self.tables)

    @property
    def attachments(self) -> FakeAttachments:
        return FakeAttachments(self.tables)

    @property
    def people(self) -> FakePeople:
        return FakePeople(self.tenant, self.tables)

    @property
    def access(self) -> FakeCrossHospitalAccess:
        return FakeCrossHospitalAccess(self.tables)

    def audit(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        self.uow.audit(action, resource_type, resource_id)
        entry = (action, resource_type, resource_id, copy.deepcopy(after))
        self.uow.stage(lambda: self.tables.audits.append(entry))

    def commit(self) -> None:
        self.uow.commit()

    def __enter__(self) -> FakeConversationStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


class FakeFiles:
    """Presigned URLs that only say what they were made for; ``made`` keeps every request."""

    def __init__(self) -> None:
        self.made: list[tuple[str, ...]] = []

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        self.made.append(("PUT", object_key, content_type, str(size), str(expires_in)))
        return (
            f"https://files.test/{object_key}?method=PUT&type={content_type}&size={size}&expires={expires_in}"
        )

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        self.made.append(("GET", object_key, filename, str(expires_in)))
        return f"https://files.test/{object_key}?method=GET&expires={expires_in}"


# --- push devices ---------------------------------------------------------------------------------


@dataclass
class DeviceTables:
    """Every hospital's registered phones; ``reads`` counts the batch reads."""

    registries: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (tenant, staff)
    reads: int = 0


@dataclass
class FakeDeviceStore:
    tenant: str
    tables: DeviceTables = field(default_factory=DeviceTables)

    def endpoints(self, staff_id: str) -> dict[str, str]:
        return dict(self.tables.registries.get((self.tenant, staff_id), {}))

    def save(self, staff_id: str, endpoints: dict[str, str]) -> None:
        self.tables.registries[(self.tenant, staff_id)] = dict(endpoints)

    def endpoints_of(self, staff_ids: Sequence[str]) -> Iterator[str]:
        for start in range(0, len(staff_ids), 100):
            self.tables.reads += 1
            for staff_id in staff_ids[start : start + 100]:
                yield from self.tables.registries.get((self.tenant, staff_id), {}).values()


class FakePushEndpoints:
    """Endpoints and pushes that are only remembered: the same token gets the same endpoint (as SNS
    gives), pointed at the latest ``user_data``; a push to an endpoint in ``dead`` fails."""

    def __init__(self, dead: tuple[str, ...] = ()) -> None:
        self.by_token: dict[tuple[str, str], str] = {}
        self.user_data: dict[str, str] = {}
        self.pushed: list[tuple[str, dict[str, Any]]] = []  # (endpoint, payload)
        self.dead = dead

    def endpoint(self, platform_application_arn: str, token: str, user_data: str) -> str:
        arn = self.by_token.setdefault(
            (platform_application_arn, token), f"{platform_application_arn}/endpoint-{len(self.by_token)}"
        )
        self.user_data[arn] = user_data
        return arn

    def push(self, endpoint_arn: str, payload: str) -> None:
        if endpoint_arn in self.dead:
            raise ConnectionError("the endpoint is disabled")
        self.pushed.append((endpoint_arn, json.loads(payload)))


# --- consortia (医共体/医联体) -----------------------------------------------------------------------


@dataclass
class ConsortiumTables:
    """What the consortium fakes hold, across hospitals: each hospital's links, each lead's rosters,
    each person's group pointers, and the audit records of committed changes."""

    links: dict[tuple[str, str], ConsortiumLink] = field(default_factory=dict)  # (hospital, consortium)
    rosters: dict[tuple[str, str, str], RosterMember] = field(default_factory=dict)  # (lead, cid, hospital)
    pointers: dict[tuple[str, str, str], ConsortiumGroupPointer] = field(default_factory=dict)
    hospitals: dict[str, str] = field(default_factory=dict)  # the province's tenants: id → name
    audits: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = field(
        default_factory=list
    )

    def add_pointer(self, hospital_id: str, staff_id: str, pointer: ConsortiumGroupPointer) -> None:
        """What starting a cross-hospital group leaves under each participant's hospital."""
        self.pointers[(hospital_id, staff_id, pointer.conversation_id)] = pointer


def _drop(table: dict[Any, Any], key: Any) -> None:
    """Remove ``key`` if it is there (a delete of what is gone does nothing)."""
    table.pop(key, None)


def _status_is(current: Any, status: str, conflict: DomainError) -> None:
    """DynamoDB's ``status == x`` condition: an absent item fails it too."""
    if current is None or current.status != status:
        raise conflict


@dataclass
class FakeConsortiumLinks:
    tables: ConsortiumTables
    uow: MemoryUnitOfWork

    def get(self, hospital_id: str, consortium_id: str) -> ConsortiumLink | None:
        return copy.deepcopy(self.tables.links.get((hospital_id, consortium_id)))

    def page(
        self, hospital_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumLink], str | None]:
        rows = [(c, copy.deepcopy(r)) for (h, c), r in self.tables.links.items() if h == hospital_id]
        return page_after(rows, limit, cursor, f"{hospital_id}#consortia")

    def create(self, link: ConsortiumLink, conflict: DomainError | None = None) -> None:
        key, stored = (link.hospital_id, link.consortium_id), copy.deepcopy(link)

        def is_new() -> None:
            if key in self.tables.links:
                raise conflict or Conflict("already exists")

        self.uow.check(is_new)
        self.uow.stage(lambda: self.tables.links.__setitem__(key, stored))

    def save(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        key, stored = (link.hospital_id, link.consortium_id), copy.deepcopy(link)
        self.uow.check(lambda: _status_is(self.tables.links.get(key), status, conflict))
        self.uow.stage(lambda: self.tables.links.__setitem__(key, stored))

    def delete(self, link: ConsortiumLink, status: str, conflict: DomainError) -> None:
        key = (link.hospital_id, link.consortium_id)
        self.uow.check(lambda: _status_is(self.tables.links.get(key), status, conflict))
        self.uow.stage(lambda: _drop(self.tables.links, key))


@dataclass
class FakeConsortiumRosters:
    tables: ConsortiumTables
    uow: MemoryUnitOfWork

    def get(self, lead: str, consortium_id: str, hospital_id: str) -> RosterMember | None:
        return copy.deepcopy(self.tables.rosters.get((lead, consortium_id, hospital_id)))

    def _of(self, lead: str, consortium_id: str) -> list[tuple[str, RosterMember]]:
        return [
            (h, copy.deepcopy(r))
            for (l_, c, h), r in self.tables.rosters.items()
            if (l_, c) == (lead, consortium_id)
        ]

    def page(
        self, lead: str, consortium_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RosterMember], str | None]:
        return page_after(self._of(lead, consortium_id), limit, cursor, f"{lead}#consortium#{consortium_id}")

    def first(self, lead: str, consortium_id: str, limit: int) -> list[str]:
        return sorted(h for h, _ in self._of(lead, consortium_id))[:limit]

    def create(self, member: RosterMember, conflict: DomainError | None = None) -> None:
        key = (member.lead_hospital_id, member.consortium_id, member.hospital_id)
        stored = copy.deepcopy(member)

        def is_new() -> None:
            if key in self.tables.rosters:
                raise conflict or Conflict("already exists")

        self.uow.check(is_new)
        self.uow.stage(lambda: self.tables.rosters.__setitem__(key, stored))

    def join(
        self, lead: str, consortium_id: str, hospital_id: str, hospital_name: str, conflict: DomainError
    ) -> None:
        key = (lead, consortium_id, hospital_id)

        def apply() -> None:
            entry = self.tables.rosters[key]
            entry.status, entry.hospital_name = "active", hospital_name

        self.uow.check(lambda: _status_is(self.tables.rosters.get(key), "invited", conflict))
        self.uow.stage(apply)

    def delete(
        self, lead: str, consortium_id: str, hospital_id: str, status: str, conflict: DomainError
    ) -> None:
        key = (lead, consortium_id, hospital_id)
        self.uow.check(lambda: _status_is(self.tables.rosters.get(key), status, conflict))
        self.uow.stage(lambda: _drop(self.tables.rosters, key))


@dataclass
class FakeConsortiumGroupPointers:
    tenant: str
    tables: ConsortiumTables

    def page(
        self, staff_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ConsortiumGroupPointer], str | None]:
        rows = [(c, p) for (t, s, c), p in self.tables.pointers.items() if (t, s) == (self.tenant, staff_id)]
        return page_after(rows, limit, cursor, f"{self.tenant}#convptr#{staff_id}", newest_first=True)


@dataclass
class FakeHospitals:
    tables: ConsortiumTables

    def name(self, hospital_id: str) -> str | None:
        return self.tables.hospitals.get(hospital_id)


@dataclass
class FakeConsortiumStore:
    """``ConsortiumStore`` in memory, as one hospital sees it; ``uow.published`` shows what a commit
    emitted, ``tables.audits`` what it audited (with before/after)."""

    tenant: str
    tables: ConsortiumTables = field(default_factory=ConsortiumTables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def links(self) -> FakeConsortiumLinks:
        return FakeConsortiumLinks(self.tables, self.uow)

    @property
    def rosters(self) -> FakeConsortiumRosters:
        return FakeConsortiumRosters(self.tables, self.uow)

    @property
    def groups(self) -> FakeConsortiumGroupPointers:
        return FakeConsortiumGroupPointers(self.tenant, self.tables)

    @property
    def hospitals(self) -> FakeHospitals:
        return FakeHospitals(self.tables)

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.uow.audit(action, resource_type, resource_id)
        record = (action, resource_type, resource_id, before, after)
        self.uow.stage(lambda: self.tables.audits.append(record))

    def commit(self) -> None:
        self.uow.commit()

    def __enter__(self) -> FakeConsortiumStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- department groups ----------------------------------------------------------------------------


@dataclass
class GroupTables:
    """The department groups (conversations) and each person's membership marker, across hospitals."""

    groups: dict[tuple[str, str], DepartmentGroupRecord] = field(default_factory=dict)
    memberships: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, staff) -> unit
    lines: set[ListingRecord] = field(default_factory=set)  # the groups' lines in people's lists


@dataclass
class FakeDepartmentGroupStore:
    """``DepartmentGroupStore`` in memory: the unit and the person read from the directory fakes'
    ``Tables``; the group made or renamed at once; membership changes staged, each conditional on the
    group existing at commit. The test commits (as the consumer does) with ``commit()``."""

    tenant: str
    directory: Tables = field(default_factory=Tables)
    tables: GroupTables = field(default_factory=GroupTables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    def department(self, department_id: str) -> DepartmentRecord | None:
        return copy.deepcopy(self.directory.departments.get((self.tenant, department_id)))

    def staff(self, staff_id: str) -> StaffRecord | None:
        return copy.deepcopy(self.directory.staff.get((self.tenant, staff_id)))

    def membership(self, staff_id: str) -> str | None:
        return self.tables.memberships.get((self.tenant, staff_id))

    def ensure_group(self, group_id: str, department: DepartmentRecord) -> None:
        key = (self.tenant, group_id)
        found = self.tables.groups.get(key)
        if found is None:
            self.tables.groups[key] = DepartmentGroupRecord(group_id, department.id, department.name)
        else:
            self.tables.groups[key] = dataclasses.replace(found, name=department.name)

    def _members(
        self,
        group_id: str,
        change: Callable[[frozenset[str]], frozenset[str]],
        names: dict[str, str | None],
    ) -> None:
        key = (self.tenant, group_id)

        def exists() -> None:
            if key not in self.tables.groups:
                raise Conflict("changed meanwhile")

        def apply() -> None:
            group = self.tables.groups[key]
            kept = {**group.member_names, **names}
            self.tables.groups[key] = dataclasses.replace(
                group,
                member_ids=change(group.member_ids),
                member_names={k: n for k, n in kept.items() if n is not None},
            )

        self.uow.check(exists)
        self.uow.stage(apply)

    def leave(self, group_id: str, staff_id: str) -> None:
        self._members(group_id, lambda members: members - {staff_id}, {staff_id: None})
        line = ListingRecord(self.tenant, staff_id, group_id, self.tenant)
        self.uow.stage(lambda: self.tables.lines.discard(line))

    def join(self, group_id: str, staff_id: str, department_id: str, name: str) -> None:
        self._members(group_id, lambda members: members | {staff_id}, {staff_id: name})
        self.uow.stage(lambda: self.tables.memberships.__setitem__((self.tenant, staff_id), department_id))
        line = ListingRecord(self.tenant, staff_id, group_id, self.tenant)
        self.uow.stage(lambda: self.tables.lines.add(line))

    def forget(self, staff_id: str) -> None:
        self.uow.stage(lambda: _drop(self.tables.memberships, (self.tenant, staff_id)))

    def commit(self) -> None:
        self.uow.commit()


# --- staff imports --------------------------------------------------------------------------------


@dataclass
class ImportTables:
    jobs: dict[tuple[str, str], ImportJobRecord] = field(default_factory=dict)
    chunks: dict[tuple[str, str, int], str] = field(default_factory=dict)
    pages: dict[tuple[str, str, int], ImportPageRecord] = field(default_factory=dict)


@dataclass
class FakeImportJobs:
    tenant: str
    tables: ImportTables
    uow: MemoryUnitOfWork

    def get(self, job_id: str) -> ImportJobRecord | None:
        return copy.deepcopy(self.tables.jobs.get((self.tenant, job_id)))

    def create(self, job: ImportJobRecord, chunks: Sequence[str]) -> None:
        key, stored = (self.tenant, job.id), copy.deepcopy(job)

        def is_new() -> None:
            if key in self.tables.jobs:
                raise Conflict("already exists")

        def write() -> None:
            self.tables.jobs[key] = stored
            for number, blob in enumerate(chunks):
                self.tables.chunks[(self.tenant, job.id, number)] = blob

        self.uow.check(is_new)
        self.uow.stage(write)

    def chunk(self, job_id: str, number: int) -> str | None:
        return self.tables.chunks.get((self.tenant, job_id, number))

    def _when(
        self,
        job: ImportJobRecord,
        holds: Callable[[ImportJobRecord], bool],
        change: Callable[[ImportJobRecord], None],
    ) -> None:
        key = (self.tenant, job.id)

        def where_it_stands() -> None:
            current = self.tables.jobs.get(key)
            if current is None or not holds(current):
                raise Conflict("changed meanwhile")

        self.uow.check(where_it_stands)
        self.uow.stage(lambda: change(self.tables.jobs[key]))

    def previewed(self, job: ImportJobRecord, offset: int, end: int, tally: PreviewTally, done: bool) -> None:
        def apply(current: ImportJobRecord) -> None:
            current.previewed = end
            current.to_create += tally.create
            current.to_update += tally.update
            current.to_keep += tally.unchanged
            current.errors += tally.error
            current.status = "preview" if done else "previewing"

        self._when(job, lambda c: c.status == "previewing" and c.previewed == offset, apply)

    def confirm(self, job: ImportJobRecord, by: str, at: datetime, skip_errors: bool) -> None:
        def apply(current: ImportJobRecord) -> None:
            current.status, current.confirmed_by, current.confirmed_at = "queued", by, at
            current.skip_errors = skip_errors

        self._when(job, lambda c: c.status == "preview", apply)

    def advance(
        self,
        job: ImportJobRecord,
        offset: int,
        end: int,
        tally: ApplyTally,
        finished_at: datetime | None,
    ) -> None:
        def apply(current: ImportJobRecord) -> None:
            current.processed = end
            current.created += tally.created
            current.updated += tally.updated
            current.unchanged += tally.unchanged
            current.conflicts += tally.conflicts
            current.skipped += tally.skipped
            current.status = "done" if finished_at is not None else "running"
            if finished_at is not None:
                current.finished_at = finished_at

        self._when(job, lambda c: c.status in ("queued", "running") and c.processed == offset, apply)


@dataclass
class FakeImportPages:
    tenant: str
    tables: ImportTables
    uow: MemoryUnitOfWork

    def get(self, job_id: str, number: int) -> ImportPageRecord | None:
        return copy.deepcopy(self.tables.pages.get((self.tenant, job_id, number)))

    def put(self, page: ImportPageRecord) -> None:
        key, stored = (self.tenant, page.job_id, page.number), copy.deepcopy(page)
        self.uow.stage(lambda: self.tables.pages.__setitem__(key, stored))


@dataclass
class FakeImportStore:
    """``ImportStore`` in memory: jobs and pages of its own, the units and 工号 claims of the directory
    fakes' ``Tables``. For the consumer's use case, the test commits (as the consumer does)."""

    tenant: str
    directory: Tables = field(default_factory=Tables)
    tables: ImportTables = field(default_factory=ImportTables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def jobs(self) -> FakeImportJobs:
        return FakeImportJobs(self.tenant, self.tables, self.uow)

    @property
    def pages(self) -> FakeImportPages:
        return FakeImportPages(self.tenant, self.tables, self.uow)

    def departments(self) -> list[DepartmentRecord]:
        mine = [(i, r) for (t, i), r in self.directory.departments.items() if t == self.tenant]
        return [copy.deepcopy(r) for _, r in sorted(mine, key=lambda row: row[0])]

    def staff_by_numbers(self, employee_nos: Sequence[str]) -> dict[str, StaffRecord]:
        found: dict[str, StaffRecord] = {}
        for number in employee_nos:
            staff_id = self.directory.numbers.get((self.tenant, number))
            staff = self.directory.staff.get((self.tenant, staff_id)) if staff_id else None
            if staff is not None:
                found[number] = copy.deepcopy(staff)
        return found

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def commit(self) -> None:
        self.uow.commit()

    def __enter__(self) -> FakeImportStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)


# --- the certificate sweep ------------------------------------------------------------------------


@dataclass
class FakeCertificateSweep:
    """``CertificateSweep`` on the directory fakes' reminders, across hospitals, in the due index's order
    (due date, hospital, key); ``published`` holds what announcements published."""

    directory: Tables = field(default_factory=Tables)
    published: list[Any] = field(default_factory=list)

    def due(self, today: date) -> list[DueReminder]:
        due = [DueReminder(t, r) for (t, _), r in self.directory.reminders.items() if r.remind_on <= today]
        return sorted(due, key=lambda d: f"{d.reminder.remind_on.isoformat()}#{d.tenant}#{d.reminder.key}")

    def announce(self, due: DueReminder, event: Any) -> None:
        key = (due.tenant, due.reminder.key)
        if key not in self.directory.reminders:
            raise Conflict("changed")
        del self.directory.reminders[key]
        self.published.append(event)
