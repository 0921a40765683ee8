"""What approvals keeps, as its use cases see it: templates and their versions, stored approvals, the
operation record, people's lists, SLA timers. The adapters map these to and from their items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.approvals.domain.engine import Command, Instance
from chalicelib.approvals.domain.forms import Span


@dataclass(frozen=True)
class TemplateRecord:
    """A form template at its current version; ``definition`` is the JSON of its fields and flow."""

    id: str
    code: str
    name: str
    category: str
    description: str
    builtin: bool
    definition: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TemplateVersion:
    """One published version of a template, kept for the approvals started with it."""

    name: str
    definition: str


@dataclass(frozen=True)
class StoredApproval:
    """An approval instance as stored: its engine state and the version its next write must match."""

    instance: Instance
    version: int
    created_at: datetime


@dataclass(frozen=True)
class RecordEntry:
    """One accepted command of an approval (the operation record), by its sequence number."""

    seq: int
    command: Command


@dataclass(frozen=True)
class BoxLine:
    """One line of someone's list (pending / submitted / cc / handled), sorted by ``at`` within it."""

    box: str
    staff_id: str
    at: str
    instance_id: str
    template_id: str
    template_code: str
    title: str
    submitter: str
    status: str
    submitter_name: str = ""  # as the directory named them when they submitted

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.box, self.staff_id, self.at, self.instance_id)


@dataclass(frozen=True)
class DueTimer:
    """An SLA timer as the sweep finds it: which hospital, which approval, which task and stage."""

    tenant: str
    instance_id: str
    key: str
    approver: str
    stage: str
    due: datetime


@dataclass(frozen=True)
class LeaveEntry:
    """One leave request's interval in its submitter's leave book, while it is pending or approved."""

    instance_id: str
    title: str
    status: str
    start: date
    end: date
    start_half: str = "am"
    end_half: str = "pm"

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.start_half, self.end_half)


@dataclass(frozen=True)
class LeaveBook:
    """A person's leave that still runs on or after a day, and the book's version (0: none yet): a
    submit that adds to the book moves the version on, so two overlapping submits cannot both land."""

    staff_id: str
    entries: list[LeaveEntry]
    version: int


@dataclass(frozen=True)
class AttachmentRecord:
    """A file uploaded for an approval form: who uploaded it, what it is, and the approval it is bound to
    (None until a submitted form names it)."""

    id: str
    owner: str
    filename: str
    content_type: str
    size: int
    created_at: datetime
    instance_id: str | None = None


@dataclass(frozen=True)
class Unit:
    """A unit of the hospital's directory (科室 / 病区) as a roster approval names it."""

    id: str
    name: str
    parent_id: str | None = None
    kind: str = "department"
