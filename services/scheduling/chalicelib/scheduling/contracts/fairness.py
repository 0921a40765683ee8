"""A ward's fairness ledger as scheduling serves it: per nurse and published period, the shares a ward
wants even (nights, weekends, public holidays, shifts, hours), the totals and the spread."""

from __future__ import annotations

from datetime import date
from typing import Literal

from chalicelib.scheduling.contracts.setup import Fairness
from pydantic import BaseModel, ConfigDict, Field


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(
        None,
        alias="from",
        description="the window's first day (default: 1 January this year)",
        examples=["2027-01-01"],
    )
    to: date | None = Field(
        None,
        description="its last day, included (default: a year after from, less a day; a year at most)",
        examples=["2027-12-31"],
    )


class Counts(BaseModel):
    nights: int = Field(description="night shifts (大夜: past midnight or starting 20:00–06:00)")
    weekends: int = Field(description="Saturday–Sunday weekends with at least one shift")
    holidays: int = Field(description="shifts on public holidays (法定节假日; a 调休 working day is not one)")
    shifts: int
    hours: float


class PeriodCounts(BaseModel):
    period_id: str
    period_name: str
    version: int = Field(description="the live published version counted")
    counts: Counts


class NurseLedger(BaseModel):
    staff_id: str
    staff_name: str
    grade: str | None = Field(None, description="护理层级 N0–N4")
    contract_id: str
    contract_name: str
    periods: list[PeriodCounts] = Field(description="her counts in each published period of the window")
    total: Counts = Field(description="over the window (a weekend cut by two periods counts once)")


class CountSpread(BaseModel):
    low: float
    high: float
    spread: float = Field(description="high − low")
    mean: float


class GroupSpread(BaseModel):
    """Comparable nurses (the same contract) and how far apart their totals are."""

    contract_id: str
    contract_name: str
    nurses: int
    nights: CountSpread
    weekends: CountSpread
    holidays: CountSpread
    shifts: CountSpread
    hours: CountSpread


class LedgerPeriod(BaseModel):
    period_id: str
    period_name: str
    start: date
    end: date
    version: int


class FairnessLedger(BaseModel):
    """``scope`` ``ward``: every nurse's line (the ward's rosterers and heads); ``self``: the caller's
    own line (a nurse of the ward), the groups' spreads still the whole ward's."""

    ward_id: str
    ward_name: str
    first: date = Field(description="the window's first day (?from=)")
    last: date = Field(description="its last day (?to=)")
    scope: Literal["ward", "self"]
    fairness: Fairness = Field(description="the ward's setting: whether its solves balance over months")
    periods: list[LedgerPeriod] = Field(description="the published periods overlapping the window")
    nurses: list[NurseLedger]
    groups: list[GroupSpread]
