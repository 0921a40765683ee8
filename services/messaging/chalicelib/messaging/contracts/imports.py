"""Staff imports' request and job."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StartImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"]
    content_base64: str = Field(min_length=4, description="the file, base64-encoded")
    filename: str | None = Field(None, max_length=200)


class ImportJob(BaseModel):
    id: str
    status: Literal["queued", "running", "done"]
    filename: str | None
    total: int
    processed: int
    percent: int
    created: int
    updated: int
    unchanged: int
    created_at: datetime
    finished_at: datetime | None
