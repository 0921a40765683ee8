"""Webhook endpoints, messages and attempts (the delivery log), and the retry rules: records, free of AWS.

An installation has one endpoint (made when the marketplace's ``app.installed`` is consumed). Each event
a hospital's installation may hear becomes one **message** per installation (its id, deterministic from
the event id and the installation, is the ``webhook-id``: the receiver's idempotency key, the same on
every attempt); each try to POST it is an **attempt**. A message waiting for its next attempt has a
**timer** (due now at first), so a crash between writing and sending loses nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

EndpointStatus = Literal["enabled", "disabled", "removed"]
MessageState = Literal["pending", "delivered", "failed"]

# The delay before each attempt (the first is immediate); after the last, the message has failed.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DISABLE_AFTER = timedelta(days=5)  # failing continuously this long: the endpoint is disabled
RETRY_AFTER_CAP = timedelta(hours=10)
SECRET_OVERLAP = timedelta(hours=24)  # a rotated secret still signs this long
BODY_KEPT = 1024  # the first bytes of a receiver's answer kept in the log
LEASE = timedelta(minutes=2)  # a claimed timer comes back if its sender never records the attempt


class Secret(BaseModel):
    sealed: str  # the whsec_ secret encrypted with shared.crypto (the hospital's tenant)
    created_at: datetime
    expires_at: datetime | None = None  # set when rotated out


class Endpoint(BaseModel):
    installation_id: str
    app_id: str
    app_name: str
    partner: str
    partner_name: str = ""
    url: str | None = None  # none: the feed only
    events: list[str] = Field(default_factory=list)
    status: EndpointStatus = "enabled"
    reason: str | None = None  # why disabled: gone, failing, uninstalled
    failing_since: datetime | None = None
    secrets: list[Secret] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    def subscribes(self, event_type: str) -> bool:
        return any(
            event_type == pattern or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.events
        )

    def live_secrets(self, now: datetime) -> list[Secret]:
        return [s for s in self.secrets if s.expires_at is None or s.expires_at > now]


class Attempt(BaseModel):
    message_id: str
    n: int
    at: datetime
    outcome: Literal["delivered", "failed", "refused"]
    status_code: int | None = None
    error: str | None = None
    latency_ms: int = 0
    response: str = ""  # the first 1 KB of the answer


class Message(BaseModel):
    id: str
    installation_id: str
    event_id: str
    event_type: str
    created_at: datetime
    state: MessageState = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    envelope: dict[str, Any]
    revision: int = 0


class DeliveryTimer(BaseModel):
    """The next attempt of one message: ``due_at`` on the system-wide due index."""

    installation_id: str
    message_id: str
    due_at: datetime


class Notice(BaseModel):
    """What a partner reads about its installations' endpoints (disabled, and why)."""

    id: str
    partner: str
    hospital: str
    hospital_name: str = ""
    installation_id: str
    app_id: str
    app_name: str
    url: str
    reason: str
    at: datetime


def message_id(event_id: str, installation_id: str) -> str:
    """The same event for the same installation is always the same message (a redelivered event makes
    no second one): ``msg_`` and 24 hex digits of their hash."""
    return "msg_" + hashlib.sha256(f"{event_id}|{installation_id}".encode()).hexdigest()[:24]


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay, capped; none if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        delay = timedelta(seconds=max(0, int(value)))
    except ValueError:
        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(delay, RETRY_AFTER_CAP))


class Outcome(BaseModel):
    """What an attempt's answer means for its message and its endpoint."""

    delivered: bool
    next_at: datetime | None  # none: no further attempt
    disable: str | None = None  # reason the endpoint is disabled now (gone)


def judge(attempts_made: int, status: int | None, retry_after_header: str | None, now: datetime) -> Outcome:
    """After attempt ``attempts_made`` (1-based) answered ``status`` (none: no answer, refused, timed
    out): delivered, retried when, or given up."""
    if status is not None and 200 <= status < 300:
        return Outcome(delivered=True, next_at=None)
    if status == 410:
        return Outcome(delivered=False, next_at=None, disable="gone")
    if attempts_made >= len(SCHEDULE):
        return Outcome(delivered=False, next_at=None)
    delay = SCHEDULE[attempts_made]
    if status in (429, 503):
        asked = retry_after(retry_after_header, now)
        if asked is not None:
            delay = asked
    return Outcome(delivered=False, next_at=now + delay)


def failing_too_long(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER
