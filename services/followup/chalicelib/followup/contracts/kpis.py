"""Follow-up's figures per department and month, each with its numerator and denominator."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KpiQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: str | None = Field(
        None, max_length=128, pattern=r"^[^#/\s]+$", description="the department (default: the caller's own)"
    )
    month: str | None = Field(
        None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: this month, the hospital's)"
    )


class Figure(BaseModel):
    numerator: int
    denominator: int
    rate: float | None = Field(
        description="numerator / denominator to four places; null over an empty denominator"
    )
    definition: str


class Kpis(BaseModel):
    department_id: str
    department_name: str
    month: str
    enrolled: int = Field(description="patients enrolled whose discharge date is in the month")
    due: int = Field(description="tasks due in the month that are concluded (done + missed)")
    followup_rate: Figure
    on_time_rate: Figure
    lost_rate: Figure
    abnormal_results: Figure
