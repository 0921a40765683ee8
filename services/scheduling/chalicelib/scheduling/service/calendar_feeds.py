"""A nurse's iCalendar feed (``domain/calendar_feeds.py``): made, regenerated and revoked by her; read by
her phone's calendar app at its secret URL, without a token.

Every use case takes ``store=`` (a ``PeriodStore``: her feed, and the published shifts the feed shows);
the public fetch also takes ``lookup=`` (the digest's tenant-free index) and ``directory=``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from chalicelib.scheduling.contracts import calendar_feeds as api
from chalicelib.scheduling.domain import calendar_feeds as feeds
from chalicelib.scheduling.domain.calendar_feeds import Feed
from chalicelib.scheduling.domain.period_ports import FeedLookup, PeriodStore
from chalicelib.scheduling.domain.periods import HOSPITAL_TZ
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.service import wiring

from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.persistence.models import now_utc

FEED_PATH = "/scheduling/calendar-feeds/{token}/shifts.ics"
# Whatever is wrong with a fetched token (unknown, revoked, its nurse gone), the answer is the same 404.
UNKNOWN = "calendar feed"


def base_url(headers: dict[str, str]) -> str:
    """Where the caller reached the API (``https://<host>``), for the feed's full URL: the gateway's
    ``X-Forwarded-Proto``, else https (http only on this machine's loopback, as ``make dev`` serves)."""
    host = headers.get("host") or ""
    if not host:
        return ""
    local = host.split(":", 1)[0] in ("localhost", "127.0.0.1", "testserver")
    proto = headers.get("x-forwarded-proto") or ("http" if local else "https")
    return f"{proto.split(',', 1)[0].strip()}://{host}"


def _nurse(principal: Principal) -> str:
    """The caller's staff id: a feed is a member of staff's own (the directory's, not a bare sign-in)."""
    if principal.staff_id is None:
        raise Forbidden("a calendar feed is a member of staff's own: sign in as one")
    return principal.staff_id


def _store(principal: Principal, request_id: str | None, store: PeriodStore | None) -> PeriodStore:
    return store or wiring.period_store(principal, request_id)


def create_feed(
    principal: Principal,
    request_id: str,
    base_url: str = "",
    store: PeriodStore | None = None,
    now: datetime | None = None,
) -> api.CalendarFeedCreated:
    """Make the caller's feed, or a new one in place of hers (the old URL stops working): one GetItem,
    one transaction with the audit record. The token is returned this once; only its digest is kept."""
    staff_id = _nurse(principal)
    store = _store(principal, request_id, store)
    previous = store.feeds.get(staff_id)
    token = feeds.new_token()
    feed = Feed(staff_id, wiring.new_id(), feeds.token_hash(token), now or now_utc())
    store.feeds.save(feed, previous)
    store.uow.audit(
        "calendar_feed.regenerate" if previous else "calendar_feed.create",
        "calendar_feed",
        feed.feed_id,
        before={"feed_id": previous.feed_id} if previous else None,
        after={"feed_id": feed.feed_id, "staff_id": staff_id},
    )
    store.uow.commit()
    path = FEED_PATH.format(token=token)
    url = base_url.rstrip("/") + path
    return api.CalendarFeedCreated(
        url=url,
        path=path,
        webcal="webcal://" + url.split("://", 1)[1] if "://" in url else url,
        created_at=feed.created_at,
        days_before=feeds.DAYS_BEFORE,
        days_after=feeds.DAYS_AFTER,
    )


def feed_status(principal: Principal, store: PeriodStore | None = None) -> api.CalendarFeed:
    """Whether the caller has a feed and when it was made (one GetItem); never its URL. A sign-in the
    directory does not know as staff has none (and may not make one)."""
    if principal.staff_id is None:
        return api.CalendarFeed(active=False, created_at=None)
    feed = _store(principal, None, store).feeds.get(principal.staff_id)
    return api.CalendarFeed(active=feed is not None, created_at=feed.created_at if feed else None)


def revoke_feed(principal: Principal, request_id: str, store: PeriodStore | None = None) -> None:
    """Revoke the caller's feed: its URL is unknown from now on (one GetItem, one transaction)."""
    staff_id = _nurse(principal)
    store = _store(principal, request_id, store)
    feed = store.feeds.get(staff_id)
    if feed is None:
        raise NotFound(UNKNOWN)
    store.feeds.remove(feed)
    store.uow.audit("calendar_feed.revoke", "calendar_feed", feed.feed_id, before={"feed_id": feed.feed_id})
    store.uow.commit()


def feed_ics(
    token: str,
    lookup: FeedLookup | None = None,
    store_of: Callable[[str], PeriodStore] | None = None,
    directory: Directory | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> str:
    """The feed a token names, as iCalendar text: her published shifts of the window around ``today``
    (the hospital's date). One Query (the digest), one GetItem (is she still on the staff?), one Query
    (her shifts). Unknown, revoked, or a nurse who has left: ``NotFound``, and nothing more said."""
    if not feeds.looks_like_token(token):
        raise NotFound(UNKNOWN)
    ref = (lookup or wiring.feed_lookup()).find(feeds.token_hash(token))
    if ref is None:
        raise NotFound(UNKNOWN)
    person = (directory or wiring.directory()).staff(ref.tenant, ref.staff_id)
    if person is None or person.status == "left":
        raise NotFound(UNKNOWN)
    now = now or now_utc()
    first, last = feeds.window(today or now.astimezone(HOSPITAL_TZ).date())
    store = (store_of or wiring.tenant_period_store)(ref.tenant)
    shifts = store.duty.my_shifts(ref.staff_id, first, last)
    return feeds.render(ref.tenant, ref.staff_id, shifts, now)
