"""Late leave, sick calls and repairs: the sick call, a disruption as the head nurse reads it (its cells,
its proposal's diff), the nurses who can cover, and the accept request."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalicelib.scheduling.domain.solve_jobs import MAX_TIME_LIMIT, MIN_TIME_LIMIT
from pydantic import BaseModel, ConfigDict, Field


class ReportAbsence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: str = Field(min_length=1, max_length=64, description="the nurse who cannot work")
    date: date  # today or a later day of the period
    reason: str = Field("", max_length=200, description="e.g. 发热; read by the ward's rosterers only")


class RepairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit: int = Field(
        MIN_TIME_LIMIT, ge=MIN_TIME_LIMIT, le=MAX_TIME_LIMIT, description="seconds the solver may search"
    )


class AcceptRepair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        ge=1, description="the live version the proposal (or the candidates) was made on: another is a 409"
    )
    staff_id: str | None = Field(
        None, max_length=64, description="a candidate to cover the cells instead of the proposal"
    )


class DisruptedCell(BaseModel):
    date: date
    shift: str
    shift_name: str


class ProposalMove(BaseModel):
    staff_id: str
    staff_name: str
    date: date
    before: str | None = Field(description="the live version's shift (null: a day off)")
    before_name: str
    after: str | None
    after_name: str


class ProposalView(BaseModel):
    state: Literal["solving", "ready", "rejected", "failed"]
    state_name: str
    version: int = Field(description="the live version it was made on")
    job_id: str | None = Field(None, description="the repair job (GET …/jobs/{job_id} follows it)")
    moves: list[ProposalMove] = Field(default_factory=list)
    cost_before: int | None = Field(None, description="the live roster's soft cost with the nurse off")
    cost_after: int | None = None
    cost_change: int | None = Field(None, description="after − before (lower is better)")
    asked_by: str | None = None
    asked_by_name: str | None = None
    reason: str | None = Field(None, description="why a failed proposal found nothing (as its job says)")


class DisruptionView(BaseModel):
    """Cells of the live roster a nurse can no longer work, and their repair."""

    id: str
    period_id: str
    kind: Literal["leave", "sick"]
    kind_name: str
    staff_id: str
    staff_name: str
    cells: list[DisruptedCell]
    version: int = Field(description="the live version when it was flagged")
    state: Literal["open", "resolved", "dismissed"]
    state_name: str
    leave_id: str | None = Field(None, description="the leave's approval (kind leave)")
    leave_type: str | None = None
    reason: str | None = None
    created_at: datetime
    created_by: str | None = None
    created_by_name: str | None = None
    proposal: ProposalView | None = None
    resolved_version: int | None = Field(None, description="the version its repair made")
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolved_by_name: str | None = None


class Candidate(BaseModel):
    staff_id: str
    staff_name: str
    added_cost: int = Field(description="the soft cost her taking the cells adds (lower first)")


class Candidates(BaseModel):
    """Who can cover a sick call's cells now, on the live version (no solve needed)."""

    disruption_id: str
    version: int = Field(description="the live version they were judged on (send it back to accept)")
    staff_id: str
    staff_name: str
    cells: list[DisruptedCell]
    candidates: list[Candidate]
