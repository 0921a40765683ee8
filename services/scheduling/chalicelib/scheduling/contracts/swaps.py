"""Swaps and give-aways (换班) as scheduling serves them: a proposal, and the swap with what it moves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID = r"^[A-Za-z0-9_-]{1,64}$"
Kind = Literal["swap", "give", "take"]
State = Literal["requested", "applied", "rejected", "withdrawn", "failed", "cancelled"]


class ProposeSwap(BaseModel):
    """A nurse's proposal on the live roster of a published period: her own cells only."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "swap", "my_date": "2027-01-05", "colleague_id": "s-b", "their_date": "2027-01-06"},
                {"kind": "give", "my_date": "2027-01-05", "colleague_id": "s-d", "reason": "家里有事"},
                {"kind": "take", "my_date": "2027-01-09", "shift": "D"},
            ]
        },
    )

    kind: Kind = Field(
        description="swap: exchange your day my_date with the colleague's their_date (default the same day); "
        "give: your shift on my_date to a colleague who is off; take: an open shift on my_date"
    )
    my_date: date = Field(description="your day (local date)")
    colleague_id: str | None = Field(None, pattern=ID, description="swap, give: the colleague's staff id")
    their_date: date | None = Field(None, description="swap: the colleague's day (default: my_date)")
    shift: str | None = Field(None, min_length=1, max_length=16, description="take: the open shift's code")
    reason: str = Field("", max_length=200)


class SwapCell(BaseModel):
    """One cell the swap moves, before and after (shift codes; null: a day off), with names."""

    staff_id: str
    staff_name: str
    date: date
    before: str | None
    before_name: str
    after: str | None
    after_name: str


class Swap(BaseModel):
    """A swap, what it moves, and where it stands (requested → applied, or why not)."""

    id: str
    period_id: str
    period_title: str
    kind: Kind
    kind_name: str = Field(description="换班 / 送班 / 认领空班")
    state: State
    state_name: str
    proposer_id: str
    proposer_name: str
    colleague_id: str | None = None
    colleague_name: str | None = None
    my_date: date
    their_date: date | None = None
    cells: list[SwapCell]
    summary: str = Field(description="what moves, in words")
    version: int = Field(description="the live version it was proposed on")
    applied_version: int | None = Field(None, description="the version it made, once applied")
    reason: str = ""
    decision_reason: str | None = Field(
        None, description="why it was rejected, withdrawn, failed or cancelled"
    )
    approval_instance_id: str | None = Field(None, description="its 换班 approval in approvals")
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    reverses: str | None = Field(None, description="the applied swap this one undoes")
    created_at: datetime


class SwapList(BaseModel):
    items: list[Swap]
