"""A ward's setup as scheduling serves it: the change a rosterer sends, and the setup as it will be used."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalicelib.scheduling.contracts.shifts import CODE, ShiftType, ShiftTypeFields
from pydantic import BaseModel, ConfigDict, Field

DayKey = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
Own = Literal["ward", "default"]
CONTRACT_ID = r"^[A-Za-z0-9_-]{1,32}$"
STAFF_ID = r"^[A-Za-z0-9_-]{1,64}$"


class WardShift(ShiftTypeFields):
    """A shift of the ward's own, or its override of a catalogue shift of the same code."""

    code: str = Field(pattern=CODE, examples=["N"])


class Succession(BaseModel):
    """``then`` may not follow ``first`` on the next day (e.g. 大夜 then 白班)."""

    model_config = ConfigDict(extra="forbid")

    first: str = Field(pattern=CODE, examples=["N"])
    then: str = Field(pattern=CODE, examples=["D"])


class Contract(BaseModel):
    """Limits per week, scaled to the period (a month holds 30/7 weeks), and run lengths."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CONTRACT_ID, examples=["full_time"])
    name: str = Field(min_length=1, max_length=20, examples=["全职"])
    min_shifts_per_week: float = Field(0.0, ge=0, le=7)
    max_shifts_per_week: float = Field(7.0, ge=0, le=7)
    min_hours_per_week: float = Field(0.0, ge=0, le=168)
    max_hours_per_week: float = Field(168.0, ge=0, le=168)
    min_consecutive_work: int = Field(1, ge=1, le=14)
    max_consecutive_work: int = Field(7, ge=1, le=14)
    min_consecutive_off: int = Field(1, ge=1, le=14)
    max_consecutive_off: int = Field(7, ge=1, le=14)
    max_weekends_per_4_weeks: int = Field(4, ge=0, le=4)
    complete_weekends: bool = Field(False, description="a weekend is worked whole or not at all")
    max_nights_per_4_weeks: int = Field(
        28,
        ge=0,
        le=28,
        description="night shifts (大夜, any shift past midnight) in 4 weeks, scaled to the period; "
        "28: no limit",
    )


class Demand(BaseModel):
    """How many nurses with ``skill`` a shift needs on a kind of day: ``minimum`` is hard, up to
    ``optimal`` soft. ``holiday`` is a public holiday's; a 调休 working day uses Monday's."""

    model_config = ConfigDict(extra="forbid")

    day: DayKey
    shift: str = Field(pattern=CODE)
    skill: str = Field("nurse", min_length=1, max_length=40)
    minimum: int = Field(ge=0, le=99)
    optimal: int = Field(ge=0, le=99)


class Fairness(BaseModel):
    """Fairness over months (均衡): each solve balances nights, weekends and public holidays against
    every nurse's totals of the ward's published periods before it, not only within the period."""

    model_config = ConfigDict(extra="forbid")

    over_time: bool = Field(description="balance against the running totals (false: within the period only)")
    since: date | None = Field(
        None, description="count published periods from this day on (e.g. 1 January: a year's balance)"
    )
    months: int = Field(12, ge=1, le=12, description="and at most this many months before the period")
    weight: int = Field(
        20,
        ge=1,
        le=100,
        description="cost per unit of spread (a missing nurse costs 30, a request 10 × its priority)",
    )


class SetupChange(BaseModel):
    """The parts of the ward's setup to change. A part left out stays as it is; a part given as null
    goes back to the hospital's or the default; ``nurse_contracts`` sets (or, with null, clears) the
    contract of each nurse named. ``version`` is the setup's version this change is based on (0 for
    a ward that never saved one): a stale one is refused with 409."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": 0, "min_rest_hours": 12, "skip_approval": True}]},
    )

    version: int = Field(ge=0)
    shifts: list[WardShift] | None = Field(None, max_length=20)
    shift_codes: list[str] | None = Field(
        None, max_length=20, description="the shifts the ward runs (null: every one of the catalogue)"
    )
    forbidden_successions: list[Succession] | None = Field(None, max_length=100)
    min_rest_hours: float | None = Field(None, ge=0, le=24)
    contracts: list[Contract] | None = Field(None, max_length=20)
    default_contract: str | None = Field(None, pattern=CONTRACT_ID)
    nurse_contracts: dict[str, str | None] | None = Field(None, max_length=500)
    demand: list[Demand] | None = Field(None, max_length=1000)
    skip_approval: bool | None = Field(None, description="publish without 排班审批")
    fairness: Fairness | None = Field(None, description="fairness over months (null: off, the default)")


class SetupQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date | None = Field(None, description="the date the nurses' skills are given for (default: today)")


class ShiftsPart(BaseModel):
    source: Literal["ward", "hospital", "default"] = Field(
        description="ward: the ward changed or chose its shifts; otherwise the catalogue's"
    )
    items: list[ShiftType]


class SuccessionsPart(BaseModel):
    source: Own
    items: list[Succession]


class RestPart(BaseModel):
    source: Own
    hours: float


class ContractsPart(BaseModel):
    source: Own
    items: list[Contract]
    default_contract: str
    default_contract_source: Own


class DemandPart(BaseModel):
    source: Own = Field(description="default: sized from the ward's headcount")
    items: list[Demand]


class ApprovalPart(BaseModel):
    source: Own
    skip_approval: bool


class FairnessPart(BaseModel):
    source: Own
    settings: Fairness


class WardNurse(BaseModel):
    """A nurse of the ward, as rostering will see her on ``skills_on``."""

    staff_id: str
    name: str
    grade: str | None = Field(None, description="护理层级 N0–N4")
    contract_id: str
    contract_name: str
    contract_source: Own
    skills: list[str] = Field(
        description="nurse; senior (N2–N4); head_nurse; each certificate valid that day"
    )
    expired_certificates: list[str] = Field(description="certificate types that no longer grant their skill")


class WardSetupView(BaseModel):
    """A ward's setup as it will be used, each part marked as the ward's own or inherited."""

    ward_id: str
    ward_name: str
    version: int = Field(description="send it back with a change (0: the ward never saved a setup)")
    updated_at: datetime | None = None
    updated_by_name: str | None = None
    skills_on: date
    shifts: ShiftsPart
    forbidden_successions: SuccessionsPart
    min_rest: RestPart
    contracts: ContractsPart
    demand: DemandPart
    approval: ApprovalPart
    fairness: FairnessPart
    nurses: list[WardNurse]
