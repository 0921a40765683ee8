"""What approvals' use cases need from the outside world, as Protocols.

``adapters/dynamodb.py`` and ``adapters/directory.py`` implement them on DynamoDB and the shared read
models; the service-layer tests use in-memory fakes (``tests/unit/approvals/fakes.py``), held to the
adapters by ``tests/service/test_approvals_store.py``.

A ``Store`` is one hospital's repositories and the unit of work their writes go into (cosmicpython's
``uow.repo``): reads are immediate; writes, events and the audit record are staged inside ``with store:``
and land together, all or nothing, on ``store.commit()`` (leaving the block without it discards them).
A write's condition (create-only, a version to match) is checked on commit, which raises the write's
``on_conflict`` error when it fails.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol, Self

from chalicelib.approvals.domain import flow
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
    Unit,
)

from shared.errors import DomainError

# A page of rows and the cursor after it (``None`` on the last page); a cursor of another list is refused.
Page = tuple[list[Any], str | None]


class TemplateRepository(Protocol):
    def get(self, template_id: str) -> TemplateRecord | None: ...

    def version(self, template_id: str, version: int) -> TemplateVersion | None: ...

    def by_code(self, code: str) -> TemplateRecord | None:
        """The hospital's template with this code (e.g. a built-in's: ``roster``), if it has one."""

    def page(self, limit: int, cursor: str | None) -> tuple[list[TemplateRecord], str | None]:
        """One page of the hospital's templates, by id."""

    def add(self, template: TemplateRecord, code_taken: DomainError) -> None:
        """Stage a new template, its version 1 and the claim on its code (``code_taken``: another has it)."""

    def publish(self, template: TemplateRecord, changed: DomainError) -> None:
        """Stage ``template`` as its next version (``template.version``): the stored one must still be at
        ``template.version - 1`` and that version must not exist yet, else ``changed``."""


class ApprovalRepository(Protocol):
    def get(self, instance_id: str) -> StoredApproval | None: ...

    def add(self, instance: Instance) -> None:
        """Stage a new approval at version 1 (create-only)."""

    def save(self, stored: StoredApproval, after: Instance, stale: DomainError) -> None:
        """Stage ``after`` over ``stored``: it lands only if the stored version is still ``stored.version``
        (then it moves one on), else ``stale``."""


class RecordRepository(Protocol):
    def add(self, instance_id: str, seq: int, command: Command, stale: DomainError) -> None:
        """Stage one entry of the operation record (create-only: ``stale`` if the sequence is taken)."""

    def page(self, instance_id: str, limit: int, cursor: str | None) -> tuple[list[RecordEntry], str | None]:
        """One page of an approval's record, in the order it was written."""


class InboxRepository(Protocol):
    def put(self, line: BoxLine) -> None: ...

    def remove(self, line: BoxLine) -> None: ...

    def page(
        self,
        box: str,
        staff_id: str,
        limit: int,
        cursor: str | None,
        template_id: str | None = None,
        status: str | None = None,
    ) -> tuple[list[BoxLine], str | None]:
        """One page of someone's list, newest first (the filters apply within the page read)."""


class TimerRepository(Protocol):
    def put(self, instance_id: str, timer: SlaTimer) -> None:
        """Stage the task's next SLA step (replacing the one it had)."""

    def remove(self, instance_id: str, timer: SlaTimer) -> None: ...

    def discard(self, timer: DueTimer) -> None:
        """Stage the removal of a timer the approval no longer calls for, unless its stage changed
        meanwhile (then the commit raises ``Conflict``)."""


class DeputyRepository(Protocol):
    def get(self, approver: str) -> Delegation | None: ...

    def of(self, approvers: set[str]) -> list[Delegation]:
        """The delegations of several approvers, in one read."""

    def put(self, delegation: Delegation, set_at: datetime) -> None:
        """Stage the approver's delegation, replacing the one they had."""

    def remove(self, approver: str) -> None:
        """Stage clearing the approver's delegation (nothing happens if there is none)."""


class LeaveBookRepository(Protocol):
    def of(self, staff_id: str, since: date) -> LeaveBook:
        """The person's leave entries that end on or after ``since``, and the book's version (one Query)."""

    def put(self, staff_id: str, entry: LeaveEntry) -> None:
        """Stage the entry (replacing the instance's entry with the same end)."""

    def remove(self, staff_id: str, entry: LeaveEntry) -> None: ...

    def guard(self, book: LeaveBook, changed: DomainError) -> None:
        """Stage the book's version moving on from ``book.version``; if another change moved it first,
        the commit raises ``changed``."""


class AttachmentRepository(Protocol):
    def get(self, attachment_id: str) -> AttachmentRecord | None: ...

    def of(self, attachment_ids: set[str]) -> dict[str, AttachmentRecord]:
        """The records of these files (at most 100) that exist in this hospital, by id: one read."""

    def add(self, record: AttachmentRecord) -> None:
        """Write the file's record now, outside any unit of work (create-only: Conflict if the id is
        taken)."""

    def bind(self, record: AttachmentRecord, instance_id: str, taken: DomainError) -> None:
        """Stage binding the file to the approval; the commit fails with ``taken`` unless the file is
        still the record's owner's and bound to no approval (or already to this one)."""


class Files(Protocol):
    """Where the files are kept: presigned URLs, so no file passes through a function."""

    def upload_url(self, object_key: str, content_type: str, size: int, expires_in: int) -> str:
        """A presigned PUT of exactly this type and size."""

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        """A presigned GET that saves the file under ``filename``."""

    def uploaded(self, object_key: str) -> bool:
        """Whether the file has been uploaded (one HeadObject)."""


class Store(Protocol):
    """One hospital's repositories and the unit of work their writes go into."""

    @property
    def tenant(self) -> str: ...

    @property
    def templates(self) -> TemplateRepository: ...

    @property
    def approvals(self) -> ApprovalRepository: ...

    @property
    def records(self) -> RecordRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def timers(self) -> TimerRepository: ...

    @property
    def deputies(self) -> DeputyRepository: ...

    @property
    def leave(self) -> LeaveBookRepository: ...

    @property
    def attachments(self) -> AttachmentRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def emit(self, event: Any) -> None:
        """Stage an event (an ``EventEnvelope``) for the outbox."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...

    def audit_now(self, action: str, resource_type: str, resource_id: str, after: dict[str, Any]) -> None:
        """Write an audit record at once, outside any unit of work: a read that must leave a trail (a
        download) leaves it whether or not anything else is written."""

    def commit(self) -> None: ...


class DueTimers(Protocol):
    def due(self, now: datetime, limit: int) -> list[DueTimer]:
        """SLA timers due by ``now`` in every hospital, oldest first (one read of the due index)."""


class Directory(flow.Directory, Protocol):
    """``flow.Directory`` for one hospital, and whether someone is a member of its staff."""

    def member_status(self, staff_id: str) -> str | None:
        """The member's status (``active``, ``left``, ...); None: nobody by that id."""

    def inactive(self, staff_ids: set[str]) -> set[str]:
        """Those of ``staff_ids`` who are not active members of this hospital's staff (one batch read)."""

    def names(self, staff_ids: list[str]) -> dict[str, str]:
        """Display names of up to 100 members of staff, left or not (one batch read); an id the
        directory does not have is left out."""

    def unit(self, department_id: str) -> Unit | None:
        """A unit of the hospital (its name and the unit above it: one GetItem); None if there is none."""
