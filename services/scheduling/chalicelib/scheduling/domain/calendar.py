"""China's public holidays and 调休 working days: the ``chinesecalendar`` package plus the hospital's own.

The package carries the State Council's arrangement year by year (and raises NotImplementedError for
a year it has no data for yet); a hospital admin adds next year's days when they are announced, or
corrects one, and a day the hospital set wins over the package's. Which demand a day uses follows
``setup.day_key``: a holiday the ``holiday`` demand, a 调休 working day a regular weekday's. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from chalicelib.scheduling.domain.setup import CalendarDay

Origin = Literal["package", "hospital"]

# The package names its festivals in English; people read them in Chinese.
FESTIVALS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class SpecialDay:
    """A calendar day with where it comes from (the package, or the hospital's own entry)."""

    day: CalendarDay
    origin: Origin


def package_has(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` knows the State Council's arrangement for ``year``."""
    import chinese_calendar  # a few hundred kB of tables: loaded only by the calendar's users

    try:
        chinese_calendar.is_holiday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def package_days(start: date, end: date) -> list[CalendarDay]:
    """The package's holidays and 调休 working days in [start, end], by date (none for unknown years)."""
    import chinese_calendar

    out: list[CalendarDay] = []
    for source, kind, suffix in (
        (chinese_calendar.holidays, "holiday", ""),
        (chinese_calendar.workdays, "workday", "调休"),
    ):
        for day, name in source.items():
            if start <= day <= end:
                out.append(CalendarDay(day, kind, FESTIVALS.get(str(name), str(name)) + suffix))  # type: ignore[arg-type]
    return sorted(out, key=lambda d: d.day)


def merged(start: date, end: date, hospital: Iterable[CalendarDay]) -> dict[date, SpecialDay]:
    """The special days of [start, end]: the package's, with the hospital's own on top (a day the
    hospital set replaces the package's entry for that date)."""
    out = {d.day: SpecialDay(d, "package") for d in package_days(start, end)}
    for d in hospital:
        if start <= d.day <= end:
            out[d.day] = SpecialDay(d, "hospital")
    return dict(sorted(out.items()))


def as_calendar(days: Mapping[date, SpecialDay]) -> dict[date, CalendarDay]:
    return {day: special.day for day, special in days.items()}


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1) - timedelta(days=1)
