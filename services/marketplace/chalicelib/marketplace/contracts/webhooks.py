"""Webhook endpoints, the delivery log, resend, recover and the polling feed: requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page


class EndpointView(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    partner: str
    partner_name: str = ""
    url: str | None
    events: list[str]
    status: str
    reason: str | None = None
    failing_since: datetime | None = None
    secrets: int = Field(description="how many secrets sign now (two during a rotation's 24 h)")
    updated_at: datetime
    version: int


class EndpointChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0, description="the endpoint's version as read (a stale one is refused)")
    url: str | None = Field(None, max_length=2000, description="a new https URL")
    enable: bool = Field(False, description="enable a disabled endpoint again (clears failing_since)")


class SecretRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rotate: bool = Field(False, description="make a new secret; the current one still signs for 24 h")


class SecretView(BaseModel):
    secret: str = Field(description="whsec_…: verify every delivery with it; never logged")
    rotated: bool
    previous_expires_at: datetime | None = None


class AttemptView(BaseModel):
    n: int
    at: datetime
    outcome: str
    status_code: int | None = None
    error: str | None = None
    latency_ms: int
    response: str = Field("", description="the first 1 KB of the receiver's answer")


class MessageView(BaseModel):
    id: str = Field(description="the webhook-id")
    event_id: str
    event_type: str
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime | None = None
    last_error: str | None = None


class MessageDetail(MessageView):
    attempt_log: list[AttemptView]
    envelope: dict[str, Any]


MessageList = Page[MessageView]


class MessagesQuery(ListQuery):
    pass


class RecoverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime = Field(
        description="every failed or pending message created since then is queued again",
        examples=["2026-12-01T00:00:00Z"],
    )
    cursor: str | None = Field(None, max_length=2048, description="continue a recover that had more")


class RecoverResult(BaseModel):
    queued: int
    next_cursor: str | None = Field(None, description="more to recover: call again with this cursor")


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class FeedItem(BaseModel):
    id: str = Field(description="the message id (webhook-id)")
    event: dict[str, Any] = Field(description="the event envelope as published")


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None = Field(None, description="pass back to resume after the last item read")


class NoticeView(BaseModel):
    hospital: str
    hospital_name: str = ""
    installation_id: str
    app_id: str
    app_name: str
    url: str
    reason: str
    at: datetime


NoticeList = Page[NoticeView]
