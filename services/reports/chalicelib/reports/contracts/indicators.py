"""The indicator catalogue and ranges of kept days, over HTTP."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class IndicatorOut(BaseModel):
    code: str
    name: str
    area: str
    area_title: str
    numerator: str = Field(description="the numerator measure's label")
    denominator: str | None = Field(description="the denominator measure's label (ratios)")
    factor: float
    unit: str
    aggregate: str = Field(description="sum | ratio | average | median: how a range is computed")
    definition: str


class Catalogue(BaseModel):
    indicators: list[IndicatorOut]


class RangeQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: date = Field(alias="from", description="the first day (YYYY-MM-DD)")
    to: date = Field(description="the last day, included; at most 366 days from the first")
    indicators: str | None = Field(
        default=None, max_length=2000, description="codes, comma-separated (default: all)"
    )


class DayValue(BaseModel):
    day: date
    value: float | None


class RangeIndicator(BaseModel):
    code: str
    name: str
    unit: str
    value: float | None = Field(
        description="over the whole range (a ratio: summed numerator ÷ summed denominator)"
    )
    days: list[DayValue]


class RangeOut(BaseModel):
    first: date
    last: date
    indicators: list[RangeIndicator]


class ExportQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: date = Field(alias="from")
    to: date
