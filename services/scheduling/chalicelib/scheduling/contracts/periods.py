"""Roster periods as scheduling serves them: the period, its grid, edits, versions, on duty, my shifts."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ID = r"^[A-Za-z0-9_-]{1,64}$"
WardId = Annotated[str, StringConstraints(pattern=ID)]  # an id inside a list, constrained in the schema too
State = Literal["draft", "submitted", "approved", "published"]


class CreatePeriod(BaseModel):
    """A ward (or a group of wards, 分组排班) × a week or a month (at most 62 days)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"ward_ids": ["w-cardio"], "start": "2027-01-01", "end": "2027-01-31"}]
        },
    )

    ward_ids: list[WardId] = Field(min_length=1, max_length=10, description="one ward, or a group of wards")
    start: date = Field(description="first day (local date)")
    end: date = Field(description="last day (included); at most 62 days after start")
    name: str | None = Field(None, min_length=1, max_length=100, description="default: wards and month")
    request_deadline: date | None = Field(
        None,
        description="the last day nurses file requests (local date, included); "
        "default 7 days before start, or the day the period is made if that is later",
    )

    @model_validator(mode="after")
    def _ids(self) -> CreatePeriod:
        if len(set(self.ward_ids)) != len(self.ward_ids):
            raise ValueError("a ward is named twice")
        return self


class PeriodQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ward_id: str = Field(pattern=ID, description="the ward whose periods to list")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class Revisioned(BaseModel):
    """An action on the period as the caller saw it (its ``revision``; or the If-Match header)."""

    model_config = ConfigDict(extra="forbid")

    revision: int | None = Field(None, ge=0, description="the revision you saw (409 if it moved)")


class Period(BaseModel):
    """A roster period's header."""

    id: str
    ward_ids: list[str]
    ward_names: list[str] = Field(description="the wards' names, in the order of ward_ids")
    name: str
    title: str = Field(description="e.g. '心血管内科 2027年1月排班'")
    start: date
    end: date
    state: State
    state_name: str = Field(description="草稿 / 审批中 / 已审批 / 已发布")
    revision: int = Field(description="changes of the draft so far (send it back as If-Match)")
    version: int = Field(description="published versions so far (0: never published)")
    submitted_revision: int | None = None
    approval_instance_id: str | None = None
    decision_reason: str | None = Field(None, description="why the approval sent it back, if it did")
    published_at: datetime | None = None
    published_by: str | None = None
    published_by_name: str | None = None
    created_at: datetime
    request_deadline: date = Field(description="the last day nurses file requests (local date, included)")
    requests_open: bool = Field(description="a draft whose request deadline has not passed")


class ChangePeriod(BaseModel):
    """What a period's rosterers change on its header."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"request_deadline": "2026-12-20"}]}
    )

    request_deadline: date | None = Field(
        description="the last day nurses file requests (null: the default, 7 days before the start)"
    )


RequestKind = Literal["day_off", "shift_off", "shift_on"]


class FileRequest(BaseModel):
    """A nurse's request for one day: a day off, not a shift, or a shift."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"date": "2027-01-08", "kind": "day_off", "reason": "孩子家长会", "priority": 2}]
        },
    )

    date: date
    kind: RequestKind
    shift: str | None = Field(
        None, min_length=1, max_length=16, description="the shift's code: needed by shift_off and shift_on"
    )
    reason: str = Field("", max_length=200)
    priority: int = Field(
        2, ge=1, le=3, description="1 一般, 2 重要, 3 非常重要 (the solver's weight 1, 3, 5)"
    )
    staff_id: str | None = Field(
        None, pattern=ID, description="a rosterer recording a nurse's request; default: the caller's own"
    )


class RosterRequest(BaseModel):
    """A request, and whether the roster as it stands grants it (and why not)."""

    id: str
    staff_id: str
    staff_name: str
    date: date
    kind: RequestKind
    kind_name: str = Field(description="休息 / 不上该班 / 希望上该班")
    shift: str | None = None
    shift_name: str | None = None
    priority: int
    priority_name: str
    reason: str = ""
    status: Literal["pending", "granted", "refused"] = Field(
        description="pending while the draft has no shift; then granted or refused on the draft as it stands"
    )
    status_name: str
    why: str | None = Field(
        None,
        description="a refusal's rule: leave, pinned, H4, H3, H2, contract_minimum, contract_maximum, "
        "outweighed",
    )
    why_name: str | None = Field(None, description="the rule in words, with the numbers or shifts behind it")
    created_at: datetime


class RequestList(BaseModel):
    """The period's requests: all of them for its rosterers, her own for a nurse."""

    items: list[RosterRequest]
    request_deadline: date
    requests_open: bool
    per_nurse: int = Field(description="at most this many requests per nurse in the period")


class Cell(BaseModel):
    shift: str = Field(description="the shift's code")
    shift_name: str
    skill: str
    pinned: bool = False


class GridNurse(BaseModel):
    staff_id: str
    name: str
    ward_id: str
    grade: str | None = None
    contract: str = Field(description="the contract's id (full_time, part_time, ...)")
    contract_name: str
    cells: dict[date, Cell] = Field(description="date → the shift she works (a day off has no cell)")
    on_leave: list[date] = Field(default_factory=list, description="days of approved leave in the period")
    requests: list[RosterRequest] = Field(
        default_factory=list,
        description="her requests, granted or refused on the grid as it stands (rosterers see everyone's; "
        "anyone else only her own)",
    )


class CoverageCell(BaseModel):
    day: date
    shift: str
    shift_name: str
    skill: str
    count: int
    minimum: int
    optimal: int
    open: int = Field(description="shifts still open up to the optimal")
    below_minimum: int


class RuleCost(BaseModel):
    rule: str
    rule_name: str
    cost: int = Field(description="soft: the weighted cost; hard: the number of violations")
    hard: bool


class ShiftType(BaseModel):
    code: str
    name: str
    start: time
    end: time
    colour: str
    skill: str | None = None


class Grid(BaseModel):
    """The ward's grid for the period: nurses and their cells, coverage per day × shift, cost per rule."""

    period: Period
    shifts: list[ShiftType]
    nurses: list[GridNurse]
    coverage: list[CoverageCell]
    open_shifts: int = Field(description="shifts open up to the optimal, in all")
    below_minimum: int = Field(description="shifts missing to reach the minimum, in all")
    cost: int = Field(description="the soft rules' cost in all")
    costs: list[RuleCost]


class CellChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: str = Field(pattern=ID)
    date: date
    shift: str | None = Field(None, min_length=1, max_length=16, description="a shift's code; null clears")
    skill: str | None = Field(None, min_length=1, max_length=64, description="default: the shift's own")
    pinned: bool = False


class EditCells(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"revision": 3, "changes": [{"staff_id": "s1", "date": "2027-01-04", "shift": "D"}]}]
        },
    )

    revision: int | None = Field(None, ge=0, description="the revision you edited (or If-Match)")
    changes: list[CellChange] = Field(min_length=1, max_length=500)


class EditWarning(BaseModel):
    rule: str
    rule_name: str
    cost: int = Field(description="what the edit added to the rule's cost")
    staff_id: str | None = None
    staff_name: str | None = None


class EditResult(BaseModel):
    period: Period
    warnings: list[EditWarning]
    cost: int
    costs: list[RuleCost]


class VersionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class VersionSummary(BaseModel):
    version: int
    revision: int
    published_at: datetime
    published_by: str
    published_by_name: str | None = None


class VersionNurse(BaseModel):
    staff_id: str
    name: str
    ward_id: str
    shifts: dict[date, str] = Field(description="date → shift code")


class Version(VersionSummary):
    period_id: str
    title: str
    shifts: list[ShiftType]
    nurses: list[VersionNurse]


class NurseDiff(BaseModel):
    staff_id: str
    name: str
    lines: list[str] = Field(description="e.g. '12月3日 白班 → 大夜'")


class VersionDiff(BaseModel):
    period_id: str
    version: int
    against: int = Field(description="the version compared with (0: none before: every shift is new)")
    nurses: list[NurseDiff]


class OnDutyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ward_id: str = Field(pattern=ID)
    at: datetime | None = Field(None, description="default: now; with a time zone")


class OnDutyPerson(BaseModel):
    staff_id: str
    name: str
    shift: str
    shift_name: str
    starts_at: datetime
    ends_at: datetime


class OnDuty(BaseModel):
    ward_id: str
    ward_name: str
    at: datetime
    known: bool = Field(description="false: no published roster covers the ward then")
    people: list[OnDutyPerson]


class MyShiftsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from", description="first day (local date)")
    to: date = Field(description="last day (local date), at most 62 days after from")


class MyShift(BaseModel):
    date: date
    shift: str
    shift_name: str
    starts_at: datetime
    ends_at: datetime
    ward_id: str
    ward_name: str


class MyShifts(BaseModel):
    items: list[MyShift]
