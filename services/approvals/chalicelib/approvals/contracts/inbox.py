"""Someone's lists: pending tasks, approvals submitted, CC'd, handled."""

from __future__ import annotations

from typing import Literal

from chalicelib.approvals.contracts._ids import ID
from pydantic import BaseModel, ConfigDict, Field


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
    template_id: str | None = Field(None, pattern=ID)
    status: Literal["pending", "approved", "rejected", "withdrawn", "returned", "cancelled"] | None = None


class InboxItem(BaseModel):
    instance_id: str
    template_id: str
    template_code: str
    title: str
    submitter: str
    submitter_name: str | None = Field(None, description="as the directory named them when they submitted")
    status: str
    at: str
