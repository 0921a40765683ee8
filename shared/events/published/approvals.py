"""Approvals' events: thin — ids, codes and statuses, never form contents (except the leave facts
scheduling needs)."""

from __future__ import annotations

from datetime import date, datetime
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
    submitted_at: datetime | None = Field(
        None, description="on approved/rejected: when it was submitted, for the turnaround (None: not given)"
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


Half = Literal["am", "pm"]


class LeaveApproved(BaseModel):
    """A leave request approved: who is away, from when to when (local dates, both included).

    The halves came later: a payload without them is whole days (from the morning of ``start`` to the
    afternoon of ``end``), and a consumer that does not read them still sees the right dates."""

    instance_id: str
    staff_id: str
    leave_type: str
    start: date
    end: date
    start_half: Half = Field("am", description="am (上午): from the morning of start; pm (下午): afternoon")
    end_half: Half = Field("pm", description="pm (下午): to the end of the end date; am (上午): its noon")
    days: float | None = Field(None, description="days away, in half-day steps (None: not given)")


LEAVE_APPROVED = EventType(
    "approval.leave.approved", "approvals", LeaveApproved, description="A leave request was approved"
)


class LeaveCancelled(LeaveApproved):
    """Approved leave cancelled (销假): the person is available again for the whole of it. The same facts
    as its approval (so a consumer that has not seen the approval can still key it), plus who cancelled
    it and the approvers who had approved it (they are told)."""

    cancelled_by: str = Field(description="the submitter, or the hospital admin who cancelled it")
    approvers: list[str] = Field(default_factory=list, description="who approved the leave")
    title: str = Field("", description="the approval's title")
    submitter: str = Field("", description="the submitter's staff id (whose leave it was)")


LEAVE_CANCELLED = EventType(
    "approval.leave.cancelled",
    "approvals",
    LeaveCancelled,
    description="Approved leave was cancelled (销假): the person is available again",
)


def _instance(name: str, what: str) -> EventType[InstanceEvent]:
    return EventType(f"approval.instance.{name}", "approvals", InstanceEvent, description=what)


INSTANCE_EVENTS = {
    "submitted": _instance("submitted", "An approval was submitted (or resubmitted)"),
    "approved": _instance("approved", "An approval was approved at its last step"),
    "rejected": _instance("rejected", "An approval was rejected"),
    "withdrawn": _instance("withdrawn", "The submitter withdrew an approval"),
    "returned": _instance("returned", "An approver returned an approval to its submitter"),
    "cancelled": _instance("cancelled", "An approved approval was cancelled (销假 for leave)"),
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


class RosterDecided(BaseModel):
    """The 排班审批 approval of a roster period ended (or could not start): scheduling moves the period
    on (approved) or back to draft (rejected, withdrawn, failed) with the reason shown to the head nurse."""

    period_id: str
    revision: int = Field(description="the draft revision that was submitted")
    instance_id: str = Field("", description="the approval ('' when it could not be started)")
    outcome: Literal["approved", "rejected", "withdrawn", "failed"]
    reason: str = Field("", description="the approver's comment, or why the approval could not start")
    by: str = Field("", description="the staff id who decided (the last approver), if any")


ROSTER_DECIDED = EventType(
    "approval.roster.decided",
    "approvals",
    RosterDecided,
    description="A roster period's 排班审批 ended: approved, rejected, withdrawn, or could not start",
)


class SwapDecided(BaseModel):
    """The 换班 approval of a nurse's swap ended (or could not start): scheduling applies the swap to the
    live roster (approved) or records why not (rejected, withdrawn, failed)."""

    swap_id: str
    period_id: str
    instance_id: str = Field("", description="the approval ('' when it could not be started)")
    outcome: Literal["approved", "rejected", "withdrawn", "failed"]
    reason: str = Field("", description="the approver's comment, or why the approval could not start")
    by: str = Field("", description="the staff id who decided (the last approver), if any")


SWAP_DECIDED = EventType(
    "approval.swap.decided",
    "approvals",
    SwapDecided,
    description="A nurse's 换班 approval ended: approved, rejected, withdrawn, or could not start",
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
    LEAVE_CANCELLED,
    ROSTER_DECIDED,
    SWAP_DECIDED,
)
