"""The engine's operations on a period's draft as scheduling serves them: copy, rotation, explain.

Rules across fields (a block that ends before it starts, offsets or a stagger) are the service's
(``service/roster_operations.py``), refused as rule violations naming the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from chalicelib.scheduling.contracts.periods import ID, EditResult
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

StaffId = Annotated[str, StringConstraints(pattern=ID)]
ShiftCode = Annotated[str, StringConstraints(min_length=1, max_length=16)]


class CopyBlock(BaseModel):
    """Copy a block of days to other start dates of this period (区域复制)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "revision": 3,
                    "from": "2027-01-04",
                    "to": "2027-01-10",
                    "starts": ["2027-01-11", "2027-01-18"],
                },
                {
                    "from": "2026-12-01",
                    "to": "2026-12-07",
                    "starts": ["2027-01-01"],
                    "source_period_id": "p-december",
                    "match": "same",
                },
            ]
        },
    )

    revision: int | None = Field(None, ge=0, description="the revision you saw (or If-Match): 409 if moved")
    from_: date = Field(alias="from", description="the block's first day (in the source period)")
    to: date = Field(description="the block's last day (included)")
    starts: list[date] = Field(
        min_length=1,
        max_length=31,
        description="where each copy starts (days of this period); a copy "
        "running past the period's end is cut",
    )
    source_period_id: str | None = Field(
        None, pattern=ID, description="copy from another period of the same ward (default: this one)"
    )
    from_ward_id: str | None = Field(
        None, pattern=ID, description="copy only this ward's nurses (a group period 分组排班)"
    )
    to_ward_id: str | None = Field(
        None, pattern=ID, description="copy to this ward's nurses of this period (a group period)"
    )
    match: Literal["same", "position"] | None = Field(
        None,
        description="same: each nurse's block to herself; position: the i-th nurse of the source's grid "
        "to the i-th of the target's (default: position between two different wards, else same)",
    )
    nurse_map: dict[StaffId, StaffId] | None = Field(
        None, max_length=200, description="source nurse → target nurse (instead of match)"
    )
    keep_pinned: bool = Field(True, description="pinned target cells stay as they are (reported as skipped)")


class Rotation(BaseModel):
    """Lay a cycle of shifts (null: a day off) over some or all nurses, each at her own offset."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"revision": 3, "pattern": ["D", "D", "P", "P", "N", "N", None, None], "stagger": 2},
                {
                    "pattern": ["D", "D", "P", "P", "N", "N", None, None],
                    "from": "2027-01-04",
                    "to": "2027-01-31",
                    "offsets": {"s-chen": 0, "s-li": 2, "s-wang": 4, "s-zhao": 6},
                },
            ]
        },
    )

    revision: int | None = Field(None, ge=0, description="the revision you saw (or If-Match): 409 if moved")
    pattern: list[ShiftCode | None] = Field(
        min_length=1, max_length=62, description="the cycle: shift codes, null for a day off"
    )
    from_: date | None = Field(None, alias="from", description="first day (default: the period's first)")
    to: date | None = Field(None, description="last day, included (default: the period's last)")
    staff_ids: list[StaffId] | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="the nurses, in order (default: all, as the grid lists them)",
    )
    stagger: int = Field(1, ge=0, le=62, description="nurse i starts i × stagger days into the cycle")
    offsets: dict[StaffId, Annotated[int, Field(ge=0, le=61)]] | None = Field(
        None,
        max_length=200,
        description="each nurse's own position on the first day (instead of staff_ids and stagger)",
    )
    keep_pinned: bool = Field(True, description="pinned cells stay as they are (reported as skipped)")


class SkippedCell(BaseModel):
    staff_id: str
    staff_name: str
    date: date
    reason: Literal["leave", "pinned"]
    reason_name: str = Field(description="why, in words (Chinese with Accept-Language: zh)")
    wanted: str | None = Field(None, description="the shift the operation would have put there (null: off)")


class OperationResult(EditResult):
    """The new draft revision: like an edit's result, with what changed and what was left alone."""

    changed: int = Field(description="cells set or cleared")
    skipped: list[SkippedCell] = Field(description="cells left alone: approved leave, pinned cells")


class ShiftCount(BaseModel):
    shift: str
    shift_name: str
    count: int
    hours: float


class RuleCostLine(BaseModel):
    rule: str
    rule_name: str = Field(description="the rule in words (Chinese with Accept-Language: zh)")
    cost: int


class Peers(BaseModel):
    nurses: int = Field(description="nurses of the period on her contract (her included)")
    assignments: float
    hours: float
    nights: float
    weekends_worked: float


class Explanation(BaseModel):
    """Why a nurse's roster looks as it does: her shifts, hours, nights, weekends and their costs."""

    period_id: str
    period_name: str
    revision: int
    staff_id: str
    staff_name: str
    ward_id: str
    ward_name: str
    contract: str
    contract_name: str
    assignments: int
    assignments_min: int
    assignments_max: int
    hours: float
    nights: int
    nights_allowed: int | None = Field(
        description="the most nights her contract allows in the period; null: no limit"
    )
    weekends_worked: int
    weekends_allowed: int
    requests_granted: int
    requests_refused: int
    shifts: list[ShiftCount]
    costs: list[RuleCostLine] = Field(description="the soft rules her roster costs, costliest first")
    cost: int
    peers: Peers = Field(description="the averages of the nurses on her contract, to read hers against")
    lines: list[str] = Field(description="all of it in sentences, in the reader's language")
