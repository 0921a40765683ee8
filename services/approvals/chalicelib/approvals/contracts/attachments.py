"""Files for approval forms: ask to upload one (a presigned PUT), and open one of an approval (a presigned
GET)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.approvals.domain.attachments import CONTENT_TYPES, MAX_BYTES
from pydantic import BaseModel, ConfigDict, Field, field_validator

ACCEPTED = ", ".join(sorted(set(CONTENT_TYPES.values())))


class UploadRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"filename": "关于开展院感培训的通知.pdf", "content_type": "application/pdf", "size": 482133}
            ]
        },
    )

    filename: str = Field(min_length=1, max_length=200, description="stored as a file in no folder")
    content_type: str = Field(
        description=f"{ACCEPTED}",
        json_schema_extra={"enum": list(sorted(CONTENT_TYPES))},
    )
    size: int = Field(ge=1, le=MAX_BYTES, description=f"bytes, at most {MAX_BYTES} (20 MB)")

    @field_validator("content_type")
    @classmethod
    def _accepted(cls, value: str) -> str:
        if value not in CONTENT_TYPES:
            raise ValueError("files are PDF, Word, Excel, PowerPoint, JPEG, PNG or OFD")
        return value


class UploadTicket(BaseModel):
    id: str = Field(description="name it in the form's attachment field")
    filename: str
    upload_url: str = Field(description="PUT the file here, with upload_headers, before expires_at")
    upload_headers: dict[str, str] = Field(description="send exactly these headers with the PUT")
    expires_at: datetime


class DownloadLink(BaseModel):
    url: str = Field(description="a presigned GET; it saves the file under filename")
    filename: str
    content_type: str
    size: int
    expires_at: datetime
