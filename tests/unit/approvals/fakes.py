"""In-memory stand-ins for approvals' ports: the directory, the store (repositories + unit of work), the
due-timer index; and helpers to build engine commands for the domain tests.

``tests/service/test_approvals_store.py`` runs the same checks on the store here and on the DynamoDB
adapters, so the fake cannot drift from what it stands in for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from chalicelib.approvals.domain.deputies import Delegation
from chalicelib.approvals.domain.engine import Command, Instance, SlaTimer, Submission
from chalicelib.approvals.domain.flow import Route, RouteStep
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
    Unit,
)

from shared.errors import Conflict, DomainError
from tests.fakes import MemoryUnitOfWork, page_after


@dataclass
class FakeDirectory:
    departments: dict[str, str] = field(default_factory=dict)  # staff → department
    supervisor: dict[str, str] = field(default_factory=dict)  # staff → supervisor
    heads: dict[str, str] = field(default_factory=dict)  # department → head
    roles: dict[tuple[str | None, str], list[str]] = field(default_factory=dict)  # (department, role) → staff
    duty: dict[str, list[str]] = field(default_factory=dict)  # ward → staff on duty
    members: dict[str, str] = field(default_factory=dict)  # staff → status (active, left, ...)
    names_of: dict[str, str] = field(default_factory=dict)  # staff → display name
    name_reads: list[list[str]] = field(default_factory=list)  # each batch read of names, as asked
    units: dict[str, Unit] = field(default_factory=dict)  # department id → the unit

    def unit(self, department_id: str) -> Unit | None:
        return self.units.get(department_id)

    def names(self, staff_ids: list[str]) -> dict[str, str]:
        assert len(staff_ids) <= 100, "one BatchGetItem reads at most 100 keys"
        self.name_reads.append(list(staff_ids))
        return {s: self.names_of[s] for s in staff_ids if s in self.names_of}

    def member_status(self, staff_id: str) -> str | None:
        if staff_id in self.members:
            return self.members[staff_id]
        return "active" if staff_id in self.departments else None

    def inactive(self, staff_ids: set[str]) -> set[str]:
        return {s for s in staff_ids if self.member_status(s) != "active"}

    def department_of(self, staff_id: str) -> str | None:
        return self.departments.get(staff_id)

    def supervisors(self, staff_id: str, levels: int) -> list[str]:
        chain: list[str] = []
        while staff_id in self.supervisor and len(chain) < levels:
            staff_id = self.supervisor[staff_id]
            chain.append(staff_id)
        return chain

    def department_head(self, department_id: str) -> str | None:
        return self.heads.get(department_id)

    def with_role(self, department_id: str | None, role: str) -> list[str]:
        return self.roles.get((department_id, role), [])

    def on_duty(self, ward_id: str) -> tuple[list[str], str]:
        if ward_id in self.duty:
            return self.duty[ward_id], ""
        return [], "no published roster covers this ward at this time"


_clock = count()
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def at() -> datetime:
    return T0 + timedelta(minutes=next(_clock))


def route(*steps: tuple[str, str, list[str]] | tuple[str, str, list[str], int], **kw: list[str]) -> Route:
    made = []
    for step in steps:
        sid, mode, people = step[0], step[1], step[2]
        need = step[3] if len(step) == 4 else (1 if mode == "any" else len(people))  # type: ignore[misc]
        made.append(RouteStep(id=sid, name=sid, mode=mode, approvers=people, need=need))  # type: ignore[arg-type]
    return Route(steps=made, **kw)


def submit(r: Route, submitter: str = "sub", form: dict[str, object] | None = None, **sub: object) -> Command:
    submission = Submission(
        instance_id="i1", template_id="t1", template_version=1, template_code="leave", title="请假", **sub
    )
    return Command(action="submit", actor=submitter, at=at(), form=form or {}, route=r, submission=submission)


def cmd(action: str, actor: str, **kw: object) -> Command:
    return Command(action=action, actor=actor, at=at(), **kw)  # type: ignore[arg-type]


# ---- the store --------------------------------------------------------------------------------------------


@dataclass
class Tables:
    """What the fakes hold, across hospitals (a test can check one never sees another's)."""

    templates: dict[tuple[str, str], TemplateRecord] = field(default_factory=dict)
    versions: dict[tuple[str, str, int], TemplateVersion] = field(default_factory=dict)
    codes: dict[tuple[str, str], str] = field(default_factory=dict)
    approvals: dict[tuple[str, str], StoredApproval] = field(default_factory=dict)
    records: dict[tuple[str, str, int], RecordEntry] = field(default_factory=dict)
    inbox: dict[tuple[str, str, str, str, str], BoxLine] = field(default_factory=dict)
    timers: dict[tuple[str, str, str], DueTimer] = field(default_factory=dict)
    deputies: dict[tuple[str, str], Delegation] = field(default_factory=dict)
    leave: dict[tuple[str, str, str], LeaveEntry] = field(default_factory=dict)  # (tenant, staff, key)
    leave_versions: dict[tuple[str, str], int] = field(default_factory=dict)
    attachments: dict[tuple[str, str], AttachmentRecord] = field(default_factory=dict)
    outbox: list[Any] = field(default_factory=list)  # the events every commit published
    audit: list[tuple[str, str, str]] = field(default_factory=list)
    # audit records written at once (downloads): (tenant, action, resource type, resource id, after)
    audit_now: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)


def _drop(table: dict[Any, Any], key: Any) -> None:
    table.pop(key, None)


def _refuse(error: Exception) -> None:
    raise error


@dataclass
class FakeTemplates:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, template_id: str) -> TemplateRecord | None:
        return self.tables.templates.get((self.tenant, template_id))

    def version(self, template_id: str, version: int) -> TemplateVersion | None:
        return self.tables.versions.get((self.tenant, template_id, version))

    def by_code(self, code: str) -> TemplateRecord | None:
        template_id = self.tables.codes.get((self.tenant, code))
        return self.get(template_id) if template_id is not None else None

    def page(self, limit: int, cursor: str | None) -> tuple[list[TemplateRecord], str | None]:
        rows = [(tid, t) for (tenant, tid), t in self.tables.templates.items() if tenant == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#template")

    def _stage_version(self, template: TemplateRecord, changed: Exception) -> None:
        key = (self.tenant, template.id, template.version)
        self.uow.check(lambda: _refuse(changed) if key in self.tables.versions else None)
        version = TemplateVersion(template.name, template.definition)
        self.uow.stage(lambda: self.tables.versions.__setitem__(key, version))

    def add(self, template: TemplateRecord, code_taken: DomainError) -> None:
        key, code = (self.tenant, template.id), (self.tenant, template.code)
        self.uow.check(lambda: _refuse(Conflict("already exists")) if key in self.tables.templates else None)
        self.uow.check(lambda: _refuse(code_taken) if code in self.tables.codes else None)
        stored = replace(template, version=1)
        self.uow.stage(lambda: self.tables.templates.__setitem__(key, stored))
        self.uow.stage(lambda: self.tables.codes.__setitem__(code, template.id))
        self._stage_version(stored, Conflict("already exists"))

    def publish(self, template: TemplateRecord, changed: DomainError) -> None:
        key = (self.tenant, template.id)

        def at_previous_version() -> None:
            current = self.tables.templates.get(key)
            if current is None or current.version != template.version - 1:
                raise changed

        self.uow.check(at_previous_version)
        self.uow.stage(lambda: self.tables.templates.__setitem__(key, template))
        self._stage_version(template, changed)


@dataclass
class FakeApprovals:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, instance_id: str) -> StoredApproval | None:
        return self.tables.approvals.get((self.tenant, instance_id))

    def add(self, instance: Instance) -> None:
        key = (self.tenant, instance.id)
        self.uow.check(lambda: _refuse(Conflict("already exists")) if key in self.tables.approvals else None)
        stored = StoredApproval(instance, 1, instance.updated_at)
        self.uow.stage(lambda: self.tables.approvals.__setitem__(key, stored))

    def save(self, stored: StoredApproval, after: Instance, stale: DomainError) -> None:
        key = (self.tenant, after.id)

        def unchanged() -> None:
            current = self.tables.approvals.get(key)
            if current is None or current.version != stored.version:
                raise stale

        self.uow.check(unchanged)
        saved = StoredApproval(after, stored.version + 1, stored.created_at)
        self.uow.stage(lambda: self.tables.approvals.__setitem__(key, saved))


@dataclass
class FakeRecords:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def add(self, instance_id: str, seq: int, command: Command, stale: DomainError) -> None:
        key = (self.tenant, instance_id, seq)
        self.uow.check(lambda: _refuse(stale) if key in self.tables.records else None)
        self.uow.stage(lambda: self.tables.records.__setitem__(key, RecordEntry(seq, command)))

    def page(self, instance_id: str, limit: int, cursor: str | None) -> tuple[list[RecordEntry], str | None]:
        rows = [
            (f"{seq:06d}", r)
            for (tenant, iid, seq), r in self.tables.records.items()
            if (tenant, iid) == (self.tenant, instance_id)
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#approval#{instance_id}#record")


@dataclass
class FakeInbox:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def put(self, line: BoxLine) -> None:
        self.uow.stage(lambda: self.tables.inbox.__setitem__((self.tenant, *line.key), line))

    def remove(self, line: BoxLine) -> None:
        self.uow.stage(lambda: _drop(self.tables.inbox, (self.tenant, *line.key)))

    def page(
        self,
        box: str,
        staff_id: str,
        limit: int,
        cursor: str | None,
        template_id: str | None = None,
        status: str | None = None,
    ) -> tuple[list[BoxLine], str | None]:
        rows = [
            (f"{line.at}#{line.instance_id}", line)
            for (tenant, *_), line in self.tables.inbox.items()
            if tenant == self.tenant
            and (line.box, line.staff_id) == (box, staff_id)
            and (not template_id or line.template_id == template_id)
            and (not status or line.status == status)
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#box#{box}#{staff_id}", newest_first=True)


@dataclass
class FakeTimers:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def put(self, instance_id: str, timer: SlaTimer) -> None:
        due = DueTimer(self.tenant, instance_id, timer.key, timer.approver, timer.stage, timer.due)
        self.uow.stage(lambda: self.tables.timers.__setitem__((self.tenant, instance_id, timer.key), due))

    def remove(self, instance_id: str, timer: SlaTimer) -> None:
        self.uow.stage(lambda: _drop(self.tables.timers, (self.tenant, instance_id, timer.key)))

    def discard(self, timer: DueTimer) -> None:
        key = (self.tenant, timer.instance_id, timer.key)

        def same_stage() -> None:
            current = self.tables.timers.get(key)
            if current is None or current.stage != timer.stage:
                raise Conflict("changed")

        self.uow.check(same_stage)
        self.uow.stage(lambda: _drop(self.tables.timers, key))


@dataclass
class FakeDeputies:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, approver: str) -> Delegation | None:
        return self.tables.deputies.get((self.tenant, approver))

    def of(self, approvers: set[str]) -> list[Delegation]:
        return [d for a in sorted(approvers) if (d := self.tables.deputies.get((self.tenant, a))) is not None]

    def put(self, delegation: Delegation, set_at: datetime) -> None:
        key = (self.tenant, delegation.approver)
        self.uow.stage(lambda: self.tables.deputies.__setitem__(key, delegation))

    def remove(self, approver: str) -> None:
        self.uow.stage(lambda: _drop(self.tables.deputies, (self.tenant, approver)))


@dataclass
class FakeLeaveBook:
    """Entries keyed like the adapter's (by end date and approval), read from a day on."""

    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    @staticmethod
    def _key(entry: LeaveEntry) -> str:
        return f"{entry.end.isoformat()}#{entry.instance_id}"

    def of(self, staff_id: str, since: date) -> LeaveBook:
        entries = [
            e
            for (tenant, staff, key), e in sorted(self.tables.leave.items())
            if (tenant, staff) == (self.tenant, staff_id) and e.end >= since
        ]
        return LeaveBook(staff_id, entries, self.tables.leave_versions.get((self.tenant, staff_id), 0))

    def put(self, staff_id: str, entry: LeaveEntry) -> None:
        key = (self.tenant, staff_id, self._key(entry))
        self.uow.stage(lambda: self.tables.leave.__setitem__(key, entry))

    def remove(self, staff_id: str, entry: LeaveEntry) -> None:
        self.uow.stage(lambda: _drop(self.tables.leave, (self.tenant, staff_id, self._key(entry))))

    def guard(self, book: LeaveBook, changed: DomainError) -> None:
        key = (self.tenant, book.staff_id)

        def unchanged() -> None:
            if self.tables.leave_versions.get(key, 0) != book.version:
                raise changed

        self.uow.check(unchanged)
        self.uow.stage(lambda: self.tables.leave_versions.__setitem__(key, book.version + 1))


@dataclass
class FakeAttachments:
    """Files' records: added at once (create-only), bound in the unit of work on the same conditions as
    the adapter's update (still the owner's, free or already this approval's)."""

    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def get(self, attachment_id: str) -> AttachmentRecord | None:
        return self.tables.attachments.get((self.tenant, attachment_id))

    def of(self, attachment_ids: set[str]) -> dict[str, AttachmentRecord]:
        found = (self.get(a) for a in sorted(attachment_ids)[:100])
        return {r.id: r for r in found if r is not None}

    def add(self, record: AttachmentRecord) -> None:
        key = (self.tenant, record.id)
        if key in self.tables.attachments:
            raise Conflict("already exists")
        self.tables.attachments[key] = replace(record, instance_id=None)

    def bind(self, record: AttachmentRecord, instance_id: str, taken: DomainError) -> None:
        key = (self.tenant, record.id)

        def free() -> None:
            current = self.tables.attachments.get(key)
            if current is None or current.owner != record.owner:
                raise taken
            if current.instance_id not in (None, instance_id):
                raise taken

        self.uow.check(free)
        self.uow.stage(
            lambda: self.tables.attachments.__setitem__(
                key, replace(self.tables.attachments[key], instance_id=instance_id)
            )
        )


@dataclass
class FakeFiles:
    """``Files`` in memory: the keys uploaded (a test "PUTs" with ``put``) and the URLs handed out."""

    objects: dict[str, bytes] = field(default_factory=dict)
    heads: int = 0

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        return f"https://files.test/{object_key}?put&type={content_type}&size={size}&expires={expires_in}"

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        return f"https://files.test/{object_key}?get&name={filename}&expires={expires_in}"

    def uploaded(self, object_key: str) -> bool:
        self.heads += 1
        return object_key in self.objects

    def put(self, object_key: str, content: bytes = b"%PDF-1.7") -> None:
        self.objects[object_key] = content


@dataclass
class FakeStore:
    """``Store`` in memory for one hospital. ``meanwhile`` (if set) runs once just before the next commit:
    a test's way to let someone else's change land between this store's read and its write."""

    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)
    meanwhile: Callable[[], object] | None = None

    def __enter__(self) -> FakeStore:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.uow.__exit__(*exc)

    @property
    def templates(self) -> FakeTemplates:
        return FakeTemplates(self.tenant, self.tables, self.uow)

    @property
    def approvals(self) -> FakeApprovals:
        return FakeApprovals(self.tenant, self.tables, self.uow)

    @property
    def records(self) -> FakeRecords:
        return FakeRecords(self.tenant, self.tables, self.uow)

    @property
    def inbox(self) -> FakeInbox:
        return FakeInbox(self.tenant, self.tables, self.uow)

    @property
    def timers(self) -> FakeTimers:
        return FakeTimers(self.tenant, self.tables, self.uow)

    @property
    def deputies(self) -> FakeDeputies:
        return FakeDeputies(self.tenant, self.tables, self.uow)

    @property
    def leave(self) -> FakeLeaveBook:
        return FakeLeaveBook(self.tenant, self.tables, self.uow)

    @property
    def attachments(self) -> FakeAttachments:
        return FakeAttachments(self.tenant, self.tables, self.uow)

    def audit_now(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        self.tables.audit_now.append((self.tenant, action, resource_type, resource_id, after))

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

    def commit(self) -> None:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        events, audits = list(self.uow.events), list(self.uow.audits)
        self.uow.commit()
        self.tables.outbox += events
        self.tables.audit += audits


@dataclass
class FakeDueTimers:
    """``DueTimers`` over the fakes' tables: every hospital's timers due by ``now``, oldest first."""

    tables: Tables

    def due(self, now: datetime, limit: int) -> list[DueTimer]:
        due = [t for t in self.tables.timers.values() if t.due <= now]
        return sorted(due, key=lambda t: (t.due, t.tenant, t.instance_id, t.key))[:limit]
