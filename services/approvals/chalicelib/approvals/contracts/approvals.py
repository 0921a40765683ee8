"""Approvals: submit, preview, read, act on one (or batch-approve several), the operation record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalicelib.approvals.contracts._ids import ID, StaffId
from chalicelib.approvals.domain.engine import CarbonCopy, StepState, Task
from chalicelib.approvals.domain.flow import Route, RouteStep
from pydantic import BaseModel, ConfigDict, Field


class SubmitApproval(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"template_id": "<from POST /templates>", "form": {"hours": 2}}]},
    )

    template_id: str = Field(pattern=ID)
    form: dict[str, Any]
    title: str | None = Field(None, max_length=100)


DAYS = 'the days each date range of the form covers, in half-day steps (e.g. {"period": 1.5})'


class PreviewStep(RouteStep):
    """A resolved step as the submitter reads it: its people named beside their ids."""

    approver_names: list[str | None] = Field(
        default_factory=list, description="each approver's display name, in the order of approvers"
    )
    escalate_to_name: str | None = None


class PreviewRoute(Route):
    steps: list[PreviewStep]  # type: ignore[assignment]


class Preview(BaseModel):
    template_id: str
    template_version: int
    route: PreviewRoute
    days: dict[str, float] = Field(default_factory=dict, description=DAYS)


ActionName = Literal[
    "approve", "reject", "transfer", "add_sign", "return", "withdraw", "resubmit", "comment", "urge", "cancel"
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


class NamedTask(Task):
    """A task with the display names of the people it names (their ids stay beside them)."""

    approver_name: str | None = None
    deputy_name: str | None = None
    acted_by_name: str | None = None


class NamedStep(StepState):
    tasks: list[NamedTask]  # type: ignore[assignment]  # the same tasks, named
    added_by_name: str | None = None
    escalate_to_name: str | None = None


class NamedCarbonCopy(CarbonCopy):
    name: str | None = None


class Approval(BaseModel):
    id: str
    template_id: str
    template_version: int
    template_code: str
    title: str
    submitter: str
    submitter_name: str | None = None
    status: str
    form: dict[str, Any]
    days: dict[str, float] = Field(default_factory=dict, description=DAYS)
    steps: list[NamedStep]
    current_step: str | None
    pending_approvers: list[str]
    cc: list[NamedCarbonCopy]
    round: int
    version: int
    submitted_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    cancelled_at: datetime | None = None


class OperationRecord(BaseModel):
    seq: int
    action: str
    actor: str
    actor_name: str | None = None
    on_behalf_of: str | None
    on_behalf_of_name: str | None = None
    at: datetime
    comment: str
    attachments: list[str]
    detail: dict[str, Any]
    names: dict[str, str] = Field(
        default_factory=dict,
        description="display names of those detail names (a transfer's to, add_sign's staff_ids, deputies)",
    )


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
