"""The morning report (院长日报): who is told, when, and what they read first.

Pure: the report settings a hospital admin keeps (the leaders' roles and names, the local time to send,
on or off), when a hospital's morning is due (its own clock: at ``send_at`` and before noon, so a stack
started in the afternoon never sends a stale morning report), and the headline lines — each headline
indicator of yesterday with its change against the day before and the same weekday a week before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from chalicelib.reports.domain.compare import Figure
from chalicelib.reports.domain.measures import BY_NAME
from pydantic import BaseModel, Field

DEFAULT_ROLES = ("hospital_leader",)
DEFAULT_SEND_AT = "07:00"
NOON = time(12, 0)
MARKER_KEEP_DAYS = 45  # a morning's sent marker outlives any retry or restart by weeks
MINUS = "−"  # U+2212, as a printed report writes it


class ReportSettings(BaseModel):
    """A hospital's morning report settings (the defaults until an admin saves them)."""

    leader_roles: list[str] = Field(default_factory=lambda: list(DEFAULT_ROLES))
    leaders: list[str] = Field(default_factory=list)
    send_at: str = DEFAULT_SEND_AT
    enabled: bool = True
    revision: int = 0

    def send_time(self) -> time:
        return parse_send_at(self.send_at)


def parse_send_at(text: str) -> time:
    """``HH:MM`` (24 h) before noon; ``ValueError`` otherwise."""
    hours, _, minutes = text.partition(":")
    if len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError("send_at is HH:MM")
    at = time(int(hours), int(minutes))
    if at >= NOON:
        raise ValueError("send_at must be before 12:00")
    return at


def due(local_now: datetime, send_at: time) -> bool:
    """The morning report is due at ``send_at`` local time until noon (a later start sends nothing)."""
    return send_at <= local_now.time() < NOON


def reported_day(local_now: datetime) -> date:
    """The day a morning's report covers: yesterday on the hospital's clock."""
    return local_now.date() - timedelta(days=1)


def title(day: date) -> str:
    return f"院长日报 · {day.month}月{day.day}日"


def link(day: date) -> str:
    return f"/reports/daily/{day.isoformat()}/page"


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _signed(amount: float, suffix: str) -> str:
    if amount == 0:
        return f"±0{suffix}"
    return f"{'+' if amount > 0 else MINUS}{abs(amount):,.1f}{suffix}"


def _change(figure: Figure, against: float | None) -> str:
    if figure.indicator.unit == "%":  # a rate moves in points, not in per cent of itself
        points = figure.change(against)
        return "—" if points is None else _signed(points, "个百分点")
    percent = figure.change_percent(against)
    return "—" if percent is None else _signed(percent, "%")


def line(figure: Figure) -> str:
    """``门诊人次 1,234（较前日 +5.2%，较上周同日 −1.0%）``; ``未上报`` when the census is missing."""
    indicator = figure.indicator
    if figure.value is None:
        missing = "未上报" if BY_NAME[indicator.numerator].kind == "census" else "无数据"
        return f"{indicator.name} {missing}"
    unit = indicator.unit if indicator.unit == "%" else ""
    return (
        f"{indicator.name} {_number(figure.value)}{unit}"
        f"（较前日 {_change(figure, figure.day_before)}，较上周同日 {_change(figure, figure.week_before)}）"
    )


def lines(figures: Sequence[Figure]) -> list[str]:
    return [line(f) for f in figures]
