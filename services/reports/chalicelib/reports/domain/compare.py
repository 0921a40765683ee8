"""A day's indicators beside the days a director compares them with: the day before, the same weekday a
week before, the same date a year before (28 February for a 29th).

``window(day)`` is what to read: the 30 days up to ``day`` (one Query, which holds the day before, the
week before and a month's trend for the charts) and the date a year before (one GetItem).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.reports.domain.days import DayFigures
from chalicelib.reports.domain.indicators import Indicator

TREND_DAYS = 30


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def window(day: date) -> tuple[date, date, date]:
    """(first day of the trend, the day, the day a year before): the reads a day's report needs."""
    return day - timedelta(days=TREND_DAYS - 1), day, year_before(day)


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    value: float | None
    day_before: float | None
    week_before: float | None
    year_before: float | None
    trend: tuple[float | None, ...]  # the indicator on each of the TREND_DAYS days up to the day

    def change(self, against: float | None) -> float | None:
        if self.value is None or against is None:
            return None
        return round(self.value - against, 2)

    def change_percent(self, against: float | None) -> float | None:
        """The relative change in %, None when there is no base (or it is 0)."""
        if self.value is None or against is None or against == 0:
            return None
        return round((self.value - against) / abs(against) * 100, 1)


def _on(days: Mapping[date, DayFigures], when: date, indicator: Indicator) -> float | None:
    # a day nothing was kept for: its counts are 0, its census and rates unknown (None)
    return indicator.value([days.get(when) or DayFigures(day=when)])


def figures(day: date, kept: Sequence[DayFigures], indicators: Sequence[Indicator]) -> list[Figure]:
    """Each indicator on ``day`` and its comparison days, from the kept days read for ``window(day)``."""
    by_day = {d.day: d for d in kept}
    first = day - timedelta(days=TREND_DAYS - 1)
    out = []
    for indicator in indicators:
        out.append(
            Figure(
                indicator=indicator,
                value=_on(by_day, day, indicator),
                day_before=_on(by_day, day - timedelta(days=1), indicator),
                week_before=_on(by_day, day - timedelta(days=7), indicator),
                year_before=_on(by_day, year_before(day), indicator),
                trend=tuple(_on(by_day, first + timedelta(days=i), indicator) for i in range(TREND_DAYS)),
            )
        )
    return out
