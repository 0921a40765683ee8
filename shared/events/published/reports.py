"""The reports service's events: the morning's daily report ready for a hospital's leaders.

Thin: the hospital, the day reported, who to tell and the headline lines they read (figures, never a
patient). Messaging's ``daily-report-notices`` consumer turns it into a work notification with the link.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class DailyReportReady(BaseModel):
    day: date = Field(description="the day the report covers (yesterday, in the hospital's time zone)")
    notify: list[str] = Field(
        default_factory=list, description="the leaders to tell (staff ids of this hospital)"
    )
    title: str = Field(description="what they read first, e.g. '院长日报 · 12月5日'")
    lines: list[str] = Field(
        default_factory=list, description="the headline figures with their change, one line each"
    )
    link: str = Field(description="the full report (a path under /reports; the app opens it with its token)")


DAILY_REPORT_READY = EventType(
    "report.daily.ready",
    "reports",
    DailyReportReady,
    description="Yesterday's daily report of a hospital is ready: its leaders are told (07:00 local time)",
)

REPORTS_EVENTS: tuple[EventType[Any], ...] = (DAILY_REPORT_READY,)
