"""A nurse's calendar feed: the secret URL once when it is made, whether she has one afterwards."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CalendarFeedCreated(BaseModel):
    """The feed's secret URL, shown this once (only its digest is kept): subscribe to it on the phone."""

    url: str = Field(
        description="the feed's secret URL (https://…/scheduling/calendar-feeds/<token>/shifts.ics); "
        "whoever has it sees your shifts: regenerate it if it leaks",
        examples=[
            "https://api.example.cn/scheduling/calendar-feeds/48xpyqqKwPX7vbG2cgvPZQUeYDpSQg2DrNnYKn6wW-4/shifts.ics"
        ],
    )
    path: str = Field(description="the same, from the API's base (/scheduling/calendar-feeds/…)")
    webcal: str = Field(description="the same URL as webcal://…, which a phone opens in its calendar app")
    created_at: datetime
    days_before: int = Field(description="the feed shows published shifts from this many days ago…")
    days_after: int = Field(description="…to this many days ahead")


class CalendarFeed(BaseModel):
    """Whether the caller has a calendar feed, and since when (never its URL again)."""

    active: bool
    created_at: datetime | None = None
