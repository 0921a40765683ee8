"""The ward-wall grid as a spreadsheet: its download link, and a file to import."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, le=9999, description="a published version; default the draft")


class SheetDownload(BaseModel):
    url: str = Field(description="a presigned GET, valid for five minutes; it saves the file under filename")
    filename: str = Field(description="e.g. 心内一病区 2027年1月排班（草稿）.xlsx")
    content_type: str
    size: int = Field(description="bytes")
    expires_at: datetime
    revision: int = Field(description="the draft's revision the file shows (a version: the one it published)")
    version: int | None = Field(description="the published version it shows; null for the draft")


class ImportSheet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"revision": 3, "content_base64": "UEsDBBQAAAAIA…", "filename": "一月.xlsx"}]
        },
    )

    revision: int | None = Field(None, ge=0, description="the draft's revision it replaces (or If-Match)")
    content_base64: str = Field(
        min_length=4, description="the xlsx file (the export's layout), base64-encoded"
    )
    filename: str | None = Field(None, max_length=200)
