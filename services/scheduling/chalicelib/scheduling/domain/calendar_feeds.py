"""A nurse's iCalendar feed: the secret that names it, and her published shifts as an ``.ics`` calendar.

**The secret.** A feed is read by a phone's calendar app, which cannot send a bearer token, so the URL
is the credential: ``/scheduling/calendar-feeds/<token>/shifts.ics`` with ``token`` 32 random bytes
(256 bits, URL-safe base64, 43 characters). The URL names nobody: no staff id, no name, no hospital.
Only the token's SHA-256 is stored (a random 256-bit secret needs no salt or slow hash: nothing can be
guessed from the digest), so a copy of the table does not let anyone read a feed.

**Finding the hospital without a scan.** The request brings no tenant. Her feed is one item, keyed
tenant first like every other (``<t>#calfeed#<staff_id>`` / ``feed``), that also carries the digest as a
system index key (``gsi1pk = calfeed#<sha256 hex>``, see ``adapters/calendar_feeds.py``): the digest
finds the one item, which names its hospital. Regenerating overwrites the item, revoking deletes it, so
an old URL is unknown from then on. A fetch is one Query (the digest), one GetItem (her directory
record: a nurse who has left gets nothing, at once) and one Query (her published shifts).

**The events.** One VEVENT per published shift, from 30 days ago to 90 days ahead: SUMMARY the shift's
and the ward's names (``白班 · 心内科病区``), DTSTART/DTEND in Asia/Shanghai with its VTIMEZONE, a UID
stable per nurse and day (a nurse works at most one shift a day, so a republished day — even to
another shift — updates her event instead of adding one), SEQUENCE the published version and
LAST-MODIFIED its time. The UID is a digest, so an event forwarded from her calendar names no one.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from chalicelib.scheduling.domain.periods import HOSPITAL_TZ, MyShift

TOKEN_BYTES = 32  # 256 bits
DAYS_BEFORE = 30
DAYS_AFTER = 90
PRODUCT = "-//Future Hospital//Scheduling//ZH"
UID_DOMAIN = "shifts.future-hospital"


@dataclass(frozen=True)
class Feed:
    """A nurse's feed as her own item holds it (never the token itself)."""

    staff_id: str
    feed_id: str  # not secret: names the feed in the audit trail
    token_hash: str
    created_at: datetime


@dataclass(frozen=True)
class FeedRef:
    """What the tenant-free lookup of a token's digest says: whose feed it is."""

    tenant: str
    staff_id: str
    feed_id: str


def new_token() -> str:
    """A new secret (256 random bits, URL-safe, no padding: it fits the path parameter pattern)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def token_hash(token: str) -> str:
    """The digest stored for ``token`` (SHA-256, hex): the only form of it that is ever kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Whether ``token`` could be one of ours (a cheap refusal before any read)."""
    return len(token) == 43


def window(today: date) -> tuple[date, date]:
    """The days a feed shows: 30 days back (what she worked) to 90 ahead (what is published)."""
    return today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)


def event_uid(tenant: str, staff_id: str, day: date) -> str:
    """A UID stable per nurse and day across versions, naming no one (a digest of tenant, staff and day)."""
    digest = hashlib.sha256(f"{tenant}|{staff_id}|{day.isoformat()}".encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def summary(shift: MyShift) -> str:
    return f"{shift.shift_name or shift.shift} · {shift.ward_name}" if shift.ward_name else shift.shift_name


def render(tenant: str, staff_id: str, shifts: Sequence[MyShift], now: datetime) -> str:
    """Her shifts as an iCalendar document (one VEVENT per day; the latest version wins a day)."""
    from icalendar import Calendar, Event, Timezone, vDuration  # loaded by the feed's route only

    by_day: dict[date, MyShift] = {}
    for shift in shifts:
        held = by_day.get(shift.day)
        if held is None or shift.version >= held.version:
            by_day[shift.day] = shift
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "我的排班")
    cal.add("x-wr-timezone", str(HOSPITAL_TZ))
    cal.add("refresh-interval", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(UTC)
    for day in sorted(by_day):
        shift = by_day[day]
        event = Event()
        event.add("uid", event_uid(tenant, staff_id, day))
        event.add("summary", summary(shift))
        event.add("dtstart", shift.starts_at.astimezone(HOSPITAL_TZ))
        event.add("dtend", shift.ends_at.astimezone(HOSPITAL_TZ))
        event.add("dtstamp", stamp)
        event.add("sequence", shift.version)
        if shift.published_at is not None:
            event.add("last-modified", shift.published_at.astimezone(UTC))
        event.add("categories", [shift.shift])
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    # The time zone the events name, defined in the feed itself (first, as calendar apps expect it).
    days = sorted(by_day) or [stamp.date()]
    zone = Timezone.from_tzid(
        str(HOSPITAL_TZ), first_date=days[0] - timedelta(days=1), last_date=days[-1] + timedelta(days=2)
    )
    cal.subcomponents.insert(0, zone)
    return str(cal.to_ical().decode())
