"""A nurse's shifts in her phone's calendar: her feed's secret URL (made, regenerated, revoked) and the
feed itself, read without a token at that URL."""

from __future__ import annotations

from chalicelib.scheduling.contracts.calendar_feeds import CalendarFeed, CalendarFeedCreated
from chalicelib.scheduling.service import calendar_feeds

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/me/calendar-feed",
    "POST",
    summary="Make my calendar feed, or a new one in place of mine (the old URL stops working): "
    "its secret URL is shown this once",
    response=CalendarFeedCreated,
    status=201,
    kinds=("staff",),
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def create_calendar_feed(ctx: RequestContext) -> CalendarFeedCreated:
    return calendar_feeds.create_feed(ctx.principal, ctx.request_id, calendar_feeds.base_url(ctx.headers))


@api.route(
    "/me/calendar-feed",
    summary="Whether I have a calendar feed, and since when (never its URL again)",
    response=CalendarFeed,
    kinds=("staff",),
    budget={"GetItem": 1},
)
def get_calendar_feed(ctx: RequestContext) -> CalendarFeed:
    return calendar_feeds.feed_status(ctx.principal)


@api.route(
    "/me/calendar-feed",
    "DELETE",
    summary="Revoke my calendar feed: its URL stops working",
    status=204,
    kinds=("staff",),
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def revoke_calendar_feed(ctx: RequestContext) -> None:
    calendar_feeds.revoke_feed(ctx.principal, ctx.request_id)


@api.route(
    "/calendar-feeds/{token}/shifts.ics",
    summary="A nurse's published shifts as an iCalendar feed, at its secret URL (no token: for phones' "
    "calendar apps); an unknown or revoked URL is 404",
    public=True,
    media_type="text/calendar; charset=utf-8",
    budget={"Query": 2, "GetItem": 1},
)
def calendar_feed(ctx: RequestContext, token: str) -> str:
    return calendar_feeds.feed_ics(token)
