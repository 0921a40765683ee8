"""Public holidays and 调休 working days as scheduling serves them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100, examples=[2027])


class CalendarChange(BaseModel):
    """A day the hospital sets itself: a public holiday, or a 调休 working day (a weekend worked)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "holiday", "name": "元旦"}]}
    )

    kind: Literal["holiday", "workday"]
    name: str = Field(min_length=1, max_length=40, examples=["元旦"])


class SpecialDay(BaseModel):
    date: date
    kind: Literal["holiday", "workday"] = Field(
        description="holiday: the holiday demand; workday: a weekday's"
    )
    name: str
    source: Literal["package", "hospital"] = Field(
        description="package: the chinesecalendar package's; hospital: set by the hospital (wins)"
    )


class CalendarYear(BaseModel):
    year: int
    package_has_year: bool = Field(description="whether the chinesecalendar package knows this year")
    complete: bool = Field(description="false: neither the package nor the hospital has this year's days")
    notice: str | None = Field(None, description="what to do when the year is not complete")
    items: list[SpecialDay]
