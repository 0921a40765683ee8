"""Deputies (代理人): an approver names who stands in for them over a period."""

from __future__ import annotations

from datetime import datetime

from chalicelib.approvals.contracts._ids import ID
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SetDeputy(BaseModel):
    """Name my deputy (代理人) for a period; setting another replaces it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"deputy_id": "<a staff id>", "end": "2030-01-08T00:00:00+08:00", "reason": "年假"}]
        },
    )

    deputy_id: str = Field(pattern=ID, description="the member of staff who stands in for me")
    start: AwareDatetime | None = Field(None, description="from when (default: now)")
    end: AwareDatetime = Field(description="until when (at most a year after the start)")
    reason: str = Field("", max_length=200, description="e.g. 年假, 外出进修")


class Deputy(BaseModel):
    approver: str
    deputy_id: str
    start: datetime
    end: datetime
    reason: str
    active: bool = Field(description="whether the period covers now")
