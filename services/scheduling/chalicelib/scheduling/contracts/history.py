"""A roster period's change history (who changed what, when, the cells before and after)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)


class CellMoved(BaseModel):
    staff_id: str
    staff_name: str
    date: date
    before: str | None = Field(description="the shift's code before (null: a day off)")
    before_name: str = Field(description="the shift's name before (白班…); empty for a day off")
    after: str | None
    after_name: str


class HistoryEntry(BaseModel):
    at: datetime
    action: str = Field(examples=["roster.swap"])
    action_name: str = Field(description="the change in words, in the reader's language (换班)")
    by: str = Field(description="who made it: the staff id, or the service acting on an event")
    by_name: str | None = Field(None, description="her name (for a swap, the approver's)")
    revision: int | None = Field(None, description="the draft's revision after it")
    version: int | None = Field(
        None, description="the published version it made, for a publish or an amendment"
    )
    cells: list[CellMoved] = Field(
        default_factory=list, description="the cells it moved (an edit, a publish, a swap, a repair)"
    )
    cells_more: int = Field(0, description="cells moved beyond those listed")
    details: dict[str, object] = Field(default_factory=dict, description="the rest of the audit record")
