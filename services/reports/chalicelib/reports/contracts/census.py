"""The HIS census over HTTP: one day, many days, an admin's upload (CSV/xlsx) and its import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from chalicelib.reports.domain.census import MAX_ROWS, MAX_VALUE
from pydantic import BaseModel, ConfigDict, Field

Figure = Field(default=None, ge=0, le=MAX_VALUE)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a year's census is a few kilobytes; a workbook with styles, tens

CONTENT_TYPES: dict[str, str] = {
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


class CensusFigures(BaseModel):
    """One day's figures from the HIS; a figure left out is not reported (the day keeps none for it).
    ``inpatients`` may exceed ``beds_open`` (overflow beds)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outpatient_visits": 3120,
                    "emergency_visits": 264,
                    "admissions": 118,
                    "discharges": 121,
                    "inpatients": 1032,
                    "beds_open": 1100,
                    "discharged_bed_days": 1006,
                    "surgeries": 87,
                }
            ]
        },
    )

    outpatient_visits: int | None = Figure
    emergency_visits: int | None = Figure
    admissions: int | None = Figure
    discharges: int | None = Figure
    inpatients: int | None = Figure
    beds_open: int | None = Figure
    discharged_bed_days: int | None = Figure
    surgeries: int | None = Figure


class CensusBatch(BaseModel):
    """Many days at once, checked whole: each row is ``{"day": "YYYY-MM-DD", <figures>}``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"rows": [{"day": "2026-12-01", "outpatient_visits": 3120, "inpatients": 1032}]}]
        },
    )

    rows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_ROWS,
        description="each: day (YYYY-MM-DD) and the figures of CensusFigures",
    )


class CensusDayOut(BaseModel):
    day: date
    figures: dict[str, int]


class CensusResult(BaseModel):
    days: int = Field(description="days recorded (each replacing that day's earlier census)")
    first: date
    last: date


class UploadRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filename": "住院日报.xlsx",
                    "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "size": 18321,
                }
            ]
        },
    )

    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    size: int = Field(ge=1, le=MAX_UPLOAD_BYTES, description=f"bytes, at most {MAX_UPLOAD_BYTES}")


class UploadTicket(BaseModel):
    id: str = Field(description="import it with POST /reports/census/uploads/{id}/import once PUT")
    upload_url: str = Field(description="PUT the file here, with upload_headers, before expires_at")
    upload_headers: dict[str, str]
    format: Literal["csv", "xlsx"]
    expires_at: datetime


class ImportUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Download(BaseModel):
    url: str = Field(description="a presigned GET, valid for five minutes; it saves the file under filename")
    filename: str
    content_type: str
    size: int = Field(description="bytes")
    expires_at: datetime
