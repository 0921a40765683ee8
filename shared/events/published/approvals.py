"""Approvals' events: thin — ids, codes and statuses, never form contents (except the leave facts
scheduling needs)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class InstanceEvent(BaseModel):
    instance_id: str
    template_id: str
    template_code: str
    submitter: str
    status: str
    title: str = Field(
        "", description="the approval's title (its template's name unless the submitter gave one)"
    )


class TaskEvent(BaseModel):
    instance_id: str
    template_code: str
    step_id: str
    staff_id: str
    outcome: str | None = None
    title: str = Field(
        "", description="the approval's title (its template's name unless the submitter gave one)"
    )
    submitter: str = Field("", description="the submitter's staff id")


class Urged(BaseModel):
    instance_id: str
    template_code: str
    staff_ids: list[str]
    title: str = Field(
        "", description="the approval's title (its template's name unless the submitter gave one)"
    )
    submitter: str = Field("", description="the submitter's staff id")


class CarbonCopied(BaseModel):
    instance_id: str
    template_code: str
    staff_ids: list[str]
    when: Literal["start", "finish"]


class TaskEscalated(BaseModel):
    instance_id: str
    template_code: str
    step_id: str
    staff_id: str = Field(description="the approver whose task was overdue")
    escalated_to: str | None = Field(description="who has the task now (None: nobody to escalate to)")
    title: str = Field(
        "", description="the approval's title (its template's name unless the submitter gave one)"
    )
    submitter: str = Field("", description="the submitter's staff id")


class LeaveApproved(BaseModel):
    """A leave request approved: who is away, from when to when (local dates, both included)."""

    instance_id: str
    staff_id: str
    leave_type: str
    start: date
    end: date


LEAVE_APPROVED = EventType(
    "approval.leave.approved", "approvals", LeaveApproved, description="A leave request was approved"
)


def _instance(name: str, what: str) -> EventType[InstanceEvent]:
    return EventType(f"approval.instance.{name}", "approvals", InstanceEvent, description=what)


INSTANCE_EVENTS = {
    "submitted": _instance("submitted", "An approval was submitted (or resubmitted)"),
    "approved": _instance("approved", "An approval was approved at its last step"),
    "rejected": _instance("rejected", "An approval was rejected"),
    "withdrawn": _instance("withdrawn", "The submitter withdrew an approval"),
    "returned": _instance("returned", "An approver returned an approval to its submitter"),
}
TASK_ASSIGNED = EventType(
    "approval.task.assigned", "approvals", TaskEvent, description="Someone has an approval to act on"
)
TASK_COMPLETED = EventType(
    "approval.task.completed",
    "approvals",
    TaskEvent,
    description="An approver approved, rejected or passed on",
)
URGED = EventType("approval.instance.urged", "approvals", Urged, description="The submitter urged (催办)")
CC = EventType("approval.instance.cc", "approvals", CarbonCopied, description="People were CC'd (抄送)")
REMINDED = EventType(
    "approval.task.reminded",
    "approvals",
    TaskEvent,
    description="An approver's task passed its SLA: a reminder to act",
)
ESCALATED = EventType(
    "approval.task.escalated",
    "approvals",
    TaskEscalated,
    description="An overdue task was escalated (to the approver's supervisor or the step's target)",
)

# Every type approvals publishes, in the order its schemas are listed.
APPROVALS_EVENTS: tuple[EventType[Any], ...] = (
    *INSTANCE_EVENTS.values(),
    TASK_ASSIGNED,
    TASK_COMPLETED,
    REMINDED,
    ESCALATED,
    URGED,
    CC,
    LEAVE_APPROVED,
)
