"""The daily report as a director reads it (pure): a day's figures in sections, the overdue items first.

``report(...)`` takes the days read for ``compare.window(day)`` and answers the view model both the JSON
and the page are made from. A figure with no data is None ("—" on the page), never a made-up 0; census
figures the HIS did not report for the day say so (未上报).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.reports.domain.compare import Figure, figures, window
from chalicelib.reports.domain.days import DayFigures
from chalicelib.reports.domain.indicators import AREAS, HEADLINE, INDICATORS, Indicator
from chalicelib.reports.domain.ports import KEEP_DAYS

OVERDUE_TITLE = "待处理逾期事项"


class DayInFuture(ValueError):
    """The day has not happened yet in the hospital's time zone."""


class DayNotKept(ValueError):
    """The day is older than the table keeps (its history is in the export)."""


def before(day: date) -> date:
    return day - timedelta(days=1)


def check_day(day: date, today: date) -> None:
    if day > today:
        raise DayInFuture(day.isoformat())
    if day < today - timedelta(days=KEEP_DAYS - 1):
        raise DayNotKept(day.isoformat())


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    figures: list[Figure]


@dataclass(frozen=True)
class DailyReport:
    hospital_id: str
    hospital_name: str
    day: date
    census_recorded: bool
    headline: list[Figure]
    overdue: list[Figure]  # overdue indicators with a non-zero value on the day
    sections: list[Section] = field(default_factory=list)


def report(
    hospital_id: str,
    hospital_name: str,
    day: date,
    trend: Sequence[DayFigures],
    year_before: DayFigures | None,
    indicators: Sequence[Indicator] = INDICATORS,
) -> DailyReport:
    start, _, _ = window(day)
    kept = [d for d in trend if start <= d.day <= day]
    if year_before is not None:
        kept.append(year_before)
    all_figures = figures(day, kept, indicators)
    by_code = {f.indicator.code: f for f in all_figures}
    on_day = next((d for d in trend if d.day == day), None)
    sections = [
        Section(code, title, [f for f in all_figures if f.indicator.area == code])
        for code, title in AREAS.items()
    ]
    return DailyReport(
        hospital_id=hospital_id,
        hospital_name=hospital_name,
        day=day,
        census_recorded=bool(on_day and on_day.census_recorded),
        headline=[by_code[i.code] for i in HEADLINE if i.code in by_code],
        overdue=[f for f in all_figures if f.indicator.overdue and f.value],
        sections=[s for s in sections if s.figures],
    )


# ---- the consortium view: members side by side ----------------------------------------------------------


@dataclass(frozen=True)
class MemberColumn:
    hospital_id: str
    hospital_name: str
    values: dict[str, float | None]  # indicator code → value on the day
    day_before: dict[str, float | None]


@dataclass(frozen=True)
class ConsortiumReport:
    consortium_id: str
    consortium_name: str
    day: date
    indicators: list[Indicator]
    members: list[MemberColumn]
    total: dict[str, float | None]  # counts summed, ratios recomputed from summed parts, else None
    total_day_before: dict[str, float | None]


def compared_indicators() -> list[Indicator]:
    seen = {i.code: i for i in HEADLINE}
    for i in INDICATORS:
        if i.overdue:
            seen.setdefault(i.code, i)
    return list(seen.values())


def _total(indicator: Indicator, days: Sequence[DayFigures]) -> float | None:
    """The consortium's figure on one day: a count's sum, a ratio of the summed parts (the indicator
    over the members' days taken as one pool), a census level (inpatients at midnight) summed over the
    members that reported it; None for medians, which do not add up, and for what both hospitals of a
    referral count (a referral between two members would be counted twice)."""
    if indicator.both_sides and indicator.aggregate == "sum":
        return None
    if indicator.aggregate in ("sum", "ratio"):
        return indicator.value(list(days))
    if indicator.aggregate == "average":
        values = [v for v in (indicator.value([d]) for d in days) if v is not None]
        return round(sum(values), 2) if values else None
    return None


def consortium(
    consortium_id: str,
    consortium_name: str,
    day: date,
    members: Sequence[tuple[str, str]],  # (hospital id, name)
    kept: dict[str, dict[date, DayFigures]],  # hospital id → its day and the day before, as kept
) -> ConsortiumReport:
    shown = compared_indicators()
    before = day - timedelta(days=1)
    columns = []
    pool: dict[date, list[DayFigures]] = {day: [], before: []}
    for hospital_id, name in members:
        days = kept.get(hospital_id, {})
        on = {d: days.get(d) or DayFigures(day=d) for d in (day, before)}
        for d, figures_ in on.items():
            pool[d].append(figures_)
        columns.append(
            MemberColumn(
                hospital_id,
                name,
                {i.code: i.value([on[day]]) for i in shown},
                {i.code: i.value([on[before]]) for i in shown},
            )
        )
    return ConsortiumReport(
        consortium_id,
        consortium_name,
        day,
        shown,
        columns,
        {i.code: _total(i, pool[day]) if columns else None for i in shown},
        {i.code: _total(i, pool[before]) if columns else None for i in shown},
    )
