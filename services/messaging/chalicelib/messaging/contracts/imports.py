"""Staff imports' request, job, preview rows and confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StartImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"]
    content_base64: str = Field(min_length=4, description="the file, base64-encoded")
    filename: str | None = Field(None, max_length=200)


class ConfirmImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skip_errors: bool = Field(
        False,
        description="apply the rows that are fine and skip those in error (listed in the job); without it "
        "a preview with rows in error is refused (409)",
    )


class ImportPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1000, description="which page of rows (1 = the first 50)")


class ImportSummary(BaseModel):
    """What the preview found, in all the file's rows (counted as the preview goes)."""

    create: int
    update: int
    unchanged: int
    error: int


class ImportChange(BaseModel):
    field: str = Field(description="name, department, title, nurse_grade, roles, mobile")
    label: str = Field(description="the column's name in the reader's language")
    before: Any = Field(description="null for a new person; a unit by its path; a mobile masked")
    after: Any


class ImportRowError(BaseModel):
    column: str
    message: str


class ImportRow(BaseModel):
    row: int = Field(description="the row in the spreadsheet (the header is row 1)")
    action: Literal["create", "update", "unchanged", "error"]
    employee_no: str
    name: str
    changes: list[ImportChange] = Field(default_factory=list)
    errors: list[ImportRowError] = Field(default_factory=list)
    outcome: Literal["applied", "unchanged", "conflict", "skipped"] | None = Field(
        None, description="once applied: conflict = changed in the directory since the preview, not applied"
    )
    outcome_message: str | None = None


class ImportJob(BaseModel):
    id: str
    status: Literal["previewing", "preview", "queued", "running", "done"]
    filename: str | None
    total: int
    percent: int = Field(description="of the preview while previewing, of the apply once confirmed")
    summary: ImportSummary
    preview_until: datetime | None = Field(description="confirm before this, or upload the file again")
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    processed: int
    created: int
    updated: int
    unchanged: int
    conflicts: int = Field(description="rows not applied: the directory changed since the preview")
    skipped: int = Field(description="rows in error, skipped on confirmation")
    created_at: datetime
    finished_at: datetime | None


class ImportPreview(ImportJob):
    """A job with one page of its rows: what each does (preview), and what it did (once applied)."""

    page: int
    pages: int
    rows: list[ImportRow]
