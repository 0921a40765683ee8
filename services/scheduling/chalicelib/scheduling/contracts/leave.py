"""Approved leave as scheduling serves it: the window query and the leave in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LeaveQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    staff_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="one member of staff")
    from_: date = Field(
        alias="from", description="first day of the window (local date)", examples=["2026-12-01"]
    )
    to: date = Field(description="last day of the window (local date)", examples=["2026-12-31"])
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class Leave(BaseModel):
    """Approved leave (from approvals' ``approval.leave.approved``): the person is not available."""

    staff_id: str
    staff_name: str | None = Field(None, description="as the directory named them when it was approved")
    instance_id: str = Field(description="the approval it came from")
    leave_type: str
    start: date
    end: date
    start_half: Literal["am", "pm"] = Field("am", description="am (上午): from the morning; pm (下午)")
    end_half: Literal["am", "pm"] = Field("pm", description="pm (下午): to the evening; am (上午): to noon")
    days: float | None = Field(None, description="days away, in half-day steps")
    recorded_at: datetime
