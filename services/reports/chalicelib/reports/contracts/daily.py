"""The daily report and the consortium view: responses (the page is HTML made from the same view)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class Comparison(BaseModel):
    value: float | None = Field(description="the indicator on the comparison day (null: no data)")
    change: float | None = Field(description="the day's value minus the comparison's")
    change_percent: float | None = Field(description="the change in % of the comparison (null: no base)")


class FigureView(BaseModel):
    indicator: str = Field(description="the indicator's code (docs/reports.md lists them)")
    name: str
    unit: str
    value: float | None = Field(description="the day's value; null when there is no data (never a made-up 0)")
    display: str = Field(description="as the page shows it: the number, '—' (no data) or '未上报'")
    better: Literal["up", "down"] | None = Field(description="which way is good (the arrow's colour)")
    day_before: Comparison
    week_before: Comparison
    year_before: Comparison
    trend: list[float | None] = Field(description="the indicator on each of the 30 days up to the day")


class SectionView(BaseModel):
    code: str
    title: str
    figures: list[FigureView]


class DailyReportView(BaseModel):
    hospital_id: str
    hospital_name: str
    day: date
    census_recorded: bool = Field(
        description="the HIS census for the day arrived (else its figures say 未上报)"
    )
    headline: list[FigureView]
    sections: list[SectionView] = Field(
        description="'overdue' first (non-zero overdue items), then each area"
    )


class MemberView(BaseModel):
    hospital_id: str
    hospital_name: str
    values: dict[str, float | None] = Field(description="indicator code → the member's value on the day")
    day_before: dict[str, float | None]


class IndicatorRef(BaseModel):
    code: str
    name: str
    unit: str
    aggregate: str


class ConsortiumReportView(BaseModel):
    consortium_id: str
    consortium_name: str
    day: date
    indicators: list[IndicatorRef]
    members: list[MemberView] = Field(
        description="every active member, aggregates only (no patient identity)"
    )
    total: dict[str, float | None] = Field(
        description="counts summed, ratios recomputed from the summed parts; null where a sum means nothing"
    )
    total_day_before: dict[str, float | None]
