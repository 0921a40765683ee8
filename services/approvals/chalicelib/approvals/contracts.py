"""Approvals' requests, responses and events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from chalicelib.approvals.domain.engine import CarbonCopy, StepState
from chalicelib.approvals.domain.flow import FlowDefinition, Route
from chalicelib.approvals.domain.forms import FormField
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.envelope import EventType

ID = r"^[A-Za-z0-9_-]{1,64}$"
CODE = r"^[a-z][a-z0-9_-]{0,39}$"
StaffId = Annotated[str, Field(pattern=ID)]
LEAVE_EXAMPLE: dict[str, Any] = {
    "name": "加班申请",
    "category": "人事",
    "fields": [
        {"name": "hours", "label": "加班时长", "type": "number", "required": True, "min": 0.5, "max": 24},
        {"name": "reason", "label": "事由", "type": "textarea"},
    ],
    "flow": {
        "steps": [
            {"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]},
            {
                "id": "head",
                "name": "科室负责人",
                "approvers": [{"kind": "department_head"}],
                "fallback_staff_id": "fallback-approver",
            },
        ],
        "cc_on_start": [{"kind": "submitter"}],
    },
}


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, description="e.g. 请假")
    category: str = Field("通用", max_length=30)
    description: str = Field("", max_length=500)
    fields: list[FormField] = Field(min_length=1, max_length=60)
    flow: FlowDefinition


class CreateTemplate(TemplateBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LEAVE_EXAMPLE]})

    code: str | None = Field(
        None, pattern=CODE, description="unique within the hospital, e.g. leave (default: made from the id)"
    )


class PublishTemplate(TemplateBody):
    """A new version; instances already started keep the version they started with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**LEAVE_EXAMPLE, "version": 1}]},
    )

    version: int = Field(ge=1, description="the version this one replaces (a stale one is 409)")


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="an earlier version (default: the current one)")


class Template(BaseModel):
    id: str
    code: str
    name: str
    category: str
    description: str
    version: int
    builtin: bool
    fields: list[FormField]
    flow: FlowDefinition
    created_at: datetime
    updated_at: datetime


class TemplateSummary(BaseModel):
    id: str
    code: str
    name: str
    category: str
    version: int
    builtin: bool


class InstallBuiltins(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fallback_staff_id: str = Field(
        pattern=ID, description="who approves a step when resolution finds nobody (e.g. the hospital office)"
    )


class SubmitApproval(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"template_id": "<from POST /templates>", "form": {"hours": 2}}]},
    )

    template_id: str = Field(pattern=ID)
    form: dict[str, Any]
    title: str | None = Field(None, max_length=100)


class Preview(BaseModel):
    template_id: str
    template_version: int
    route: Route


ActionName = Literal[
    "approve", "reject", "transfer", "add_sign", "return", "withdraw", "resubmit", "comment", "urge"
]


class ApprovalAction(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"action": "comment", "comment": "请尽快处理"}]}
    )

    action: ActionName
    comment: str = Field("", max_length=2000)
    attachments: list[str] = Field(default_factory=list, max_length=20)
    to: str | None = Field(None, pattern=ID, description="transfer: the new approver")
    staff_ids: list[StaffId] = Field(default_factory=list, max_length=20, description="add_sign: who to add")
    position: Literal["before", "after"] = Field("before", description="add_sign: before or after me")
    target_step: str | None = Field(None, pattern=ID, description="return: a step id; omit for the submitter")
    form: dict[str, Any] | None = Field(None, description="resubmit: the corrected form")
    on_behalf_of: str | None = Field(None, pattern=ID, description="a deputy acting for this approver")
    version: int | None = Field(None, ge=1, description="the version you saw: a stale one is 409")


class BatchApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_ids: list[StaffId] = Field(min_length=1, max_length=50)
    comment: str = Field("", max_length=2000)


class BatchResult(BaseModel):
    instance_id: str
    status: int
    detail: str = ""


class BatchOutcome(BaseModel):
    results: list[BatchResult]


class SetDeputy(BaseModel):
    """Name my deputy (代理人) for a period; setting another replaces it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"deputy_id": "<a staff id>", "end": "2030-01-08T00:00:00+08:00", "reason": "年假"}]
        },
    )

    deputy_id: str = Field(pattern=ID, description="the member of staff who stands in for me")
    start: AwareDatetime | None = Field(None, description="from when (default: now)")
    end: AwareDatetime = Field(description="until when (at most a year after the start)")
    reason: str = Field("", max_length=200, description="e.g. 年假, 外出进修")


class Deputy(BaseModel):
    approver: str
    deputy_id: str
    start: datetime
    end: datetime
    reason: str
    active: bool = Field(description="whether the period covers now")


class Approval(BaseModel):
    id: str
    template_id: str
    template_version: int
    template_code: str
    title: str
    submitter: str
    status: str
    form: dict[str, Any]
    steps: list[StepState]
    current_step: str | None
    pending_approvers: list[str]
    cc: list[CarbonCopy]
    round: int
    version: int
    submitted_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class OperationRecord(BaseModel):
    seq: int
    action: str
    actor: str
    on_behalf_of: str | None
    at: datetime
    comment: str
    attachments: list[str]
    detail: dict[str, Any]


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
    template_id: str | None = Field(None, pattern=ID)
    status: Literal["pending", "approved", "rejected", "withdrawn", "returned"] | None = None


class InboxItem(BaseModel):
    instance_id: str
    template_id: str
    template_code: str
    title: str
    submitter: str
    status: str
    at: str


# Events: thin — ids, codes and statuses, never form contents (except the leave facts scheduling needs).
class InstanceEvent(BaseModel):
    instance_id: str
    template_id: str
    template_code: str
    submitter: str
    status: str


class TaskEvent(BaseModel):
    instance_id: str
    template_code: str
    step_id: str
    staff_id: str
    outcome: str | None = None


class Urged(BaseModel):
    instance_id: str
    template_code: str
    staff_ids: list[str]


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


class LeaveApproved(BaseModel):
    instance_id: str
    staff_id: str
    leave_type: str
    start: str
    end: str


def _instance(name: str, what: str) -> EventType:
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
LEAVE_APPROVED = EventType(
    "approval.leave.approved", "approvals", LeaveApproved, description="A leave request was approved"
)
EVENT_TYPES = (
    *INSTANCE_EVENTS.values(),
    TASK_ASSIGNED,
    TASK_COMPLETED,
    REMINDED,
    ESCALATED,
    URGED,
    CC,
    LEAVE_APPROVED,
)
