"""Messaging's directory in memory (the ports of ``chalicelib.messaging.domain.ports``).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any, TypeAlias

from chalicelib.messaging.domain.directory import STALE, number_taken
from chalicelib.messaging.domain.records import DepartmentRecord, Reminder, StaffRecord, TrailEntry

from shared.auth import Principal
from shared.errors import Conflict, DomainError
from shared.persistence.models import now_utc
from tests.fakes import MemoryUnitOfWork, page_after

Record: TypeAlias = DepartmentRecord | StaffRecord


@dataclass
class Tables:
    """What the fakes hold, across hospitals (a test can check one never sees another's)."""

    departments: dict[tuple[str, str], DepartmentRecord] = field(default_factory=dict)
    staff: dict[tuple[str, str], StaffRecord] = field(default_factory=dict)
    numbers: dict[tuple[str, str], str] = field(default_factory=dict)  # (tenant, 工号) -> staff id
    reminders: dict[tuple[str, str], Reminder] = field(default_factory=dict)
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


@dataclass
class FakeStaff:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork
    tx: _Transaction

    def _mine(self) -> list[StaffRecord]:
        return [r for (t, _), r in self.tables.staff.items() if t == self.tenant]

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
        self,
        limit: int,
        cursor: str | None,
        search: str | None,
        department_id: str | None,
        status: str | None,
    ) -> tuple[list[StaffRecord], str | None]:
        rows = [
            (r.id, copy.deepcopy(r))
            for r in self._mine()
            if (not search or search in r.search_blob)
            and (not department_id or r.department_id == department_id)
            and (not status or r.status == status)
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#staff")

    def create(self, record: StaffRecord) -> None:
        key = (self.tenant, record.employee_no)

        def claim_is_free() -> None:
            if key in self.tables.numbers:
                raise number_taken(record.employee_no)

        self.tx.checks.append(claim_is_free)
        self.uow.stage(lambda: self.tables.numbers.__setitem__(key, record.id))
        _create(
            self.tables.staff, (self.tenant, record.id), record, self.uow, self.tx, Conflict("already exists")
        )

    def save(self, record: StaffRecord) -> None:
        _save(self.tables.staff, (self.tenant, record.id), record, self.uow, self.tx)


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
            ),
        )


def snapshot(record: Record) -> dict[str, Any]:
    """The fake's audit snapshot: the record's fields, personal data only as masked."""
    data = {
        k: v for k, v in dataclasses.asdict(record).items() if k not in ("mobile_encrypted", "mobile_index")
    }
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
