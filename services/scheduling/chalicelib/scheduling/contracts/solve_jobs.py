"""Auto-roster jobs: the solve request, the job as a head nurse follows it, the apply request."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalicelib.scheduling.domain.solve_jobs import DEFAULT_TIME_LIMIT, MAX_TIME_LIMIT, MIN_TIME_LIMIT
from pydantic import BaseModel, ConfigDict, Field


class SolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit: int = Field(
        DEFAULT_TIME_LIMIT, ge=MIN_TIME_LIMIT, le=MAX_TIME_LIMIT, description="seconds the solver may search"
    )
    keep_pinned: bool = Field(
        True, description="keep the pinned cells (manual edits, agreed days off) as they are"
    )
    keep_published_days: bool = Field(True, description="keep the days already published as they are")
    mode: Literal["solve", "fill"] = Field(
        "solve",
        description="solve: a new roster around what is kept; fill (余班分配): keep every assignment of the "
        "draft and fill the open shifts fairly",
    )


class ApplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CostPoint(BaseModel):
    seconds: float = Field(description="since the solve started")
    cost: int = Field(description="the best roster's cost then (lower is better)")


class SolveJobView(BaseModel):
    """A solve job: where it is, how good its best roster is, and what became of it."""

    id: str
    period_id: str
    period_name: str | None = Field(None, description="the period's name, as it was when the job started")
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    percent: int = Field(description="elapsed over the time limit (100 once ended)")
    time_limit: int
    keep_pinned: bool
    keep_published_days: bool
    mode: Literal["solve", "fill", "repair"] = Field(
        description="solve, fill, or repair: a disruption's days re-solved (POST …/disruptions/{id}/repair)"
    )
    days: list[date] = Field(default_factory=list, description="a repair's days (the rest is kept as live)")
    disruption_id: str | None = Field(None, description="a repair's disruption: its proposal is the result")
    created_at: datetime
    created_by: str
    created_by_name: str | None = None
    started_at: datetime | None = None
    heartbeat_at: datetime | None = Field(None, description="the worker's last sign of life")
    ended_at: datetime | None = None
    cancel_requested: bool = False
    stop_requested: bool = Field(
        False, description="asked to stop and keep its best roster so far (POST …/stop): at its next beat"
    )
    stop_requested_by: str | None = Field(None, description="who asked it to stop (a name)")
    progress: list[CostPoint] = Field(
        default_factory=list, description="best cost over time (at most 20 points)"
    )
    cost: int | None = Field(None, description="the result's cost (the sum of cost_by_rule's soft rules)")
    cost_by_rule: dict[str, int] = Field(
        default_factory=dict, description="the result's cost per rule that costs anything (roster evaluator)"
    )
    base_revision: int | None = Field(
        None, description="the draft revision the solve started from (a repair: the live version)"
    )
    revision: int | None = Field(None, description="the draft revision the result became")
    result: Literal["saved", "kept", "applied", "proposed"] | None = Field(
        None,
        description="saved: the result is the new draft; kept: the draft changed while solving, so the "
        "result waits on the job (POST …/apply); applied: a kept result applied on purpose; proposed: a "
        "repair's result, the disruption's proposal",
    )
    reason: str | None = Field(None, description="why the job failed, or why its result was kept")
