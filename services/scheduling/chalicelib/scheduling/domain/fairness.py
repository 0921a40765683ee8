"""Fairness over months: what each nurse has worked of the shares a ward wants even — nights, weekends,
public holidays, shifts and hours — per published period and over a window, and how far apart
comparable nurses are.

Counted from the LIVE published version of each period (what the nurses were told to work; a later
amendment is a new live version and recounts), only its days inside the window:

- **nights**: shifts whose type is a night (``ShiftDef.night``: past midnight or starting 20:00–06:00);
- **weekends**: Saturday–Sunday weekends with at least one shift; a weekend a period boundary cuts in
  two counts in each period's line but once in the window's total (the engine counts weekends the
  same way, by the calendar's Saturdays and Sundays: a 调休 working Saturday is still a weekend day);
- **holidays**: shifts on public holidays (``domain/calendar.py``: the package's and the hospital's
  own days; a 调休 working day is not a holiday);
- **shifts** and **hours** (each shift's length by its type, as published).

The running totals a solve starts from (``shares``) are the same counts over the window before the
period (``running_window``: the ward's setting ``FairnessOverTime``), handed to the engine as each
nurse's ``FairShare``. Pure: the service layer reads the versions and the calendar and passes them in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.scheduling.domain.periods import PeriodRecord, Snapshot
from chalicelib.scheduling.domain.roster.model import FairShare
from chalicelib.scheduling.domain.setup import FairnessOverTime

MAX_DAYS = 366  # a ledger's window: a year at most (a leap year's too)
COUNTS = ("nights", "weekends", "holidays", "shifts", "hours")

# Why a ledger is refused (shared/i18n.py has each in Chinese).
WINDOW_REVERSED = "the window ends before it starts"
WINDOW_TOO_LONG = "the window is longer than a year (366 days)"


@dataclass(frozen=True)
class Tally:
    """One nurse's counts over some days."""

    nights: int = 0
    weekends: int = 0
    holidays: int = 0
    shifts: int = 0
    hours: float = 0.0


def tally(
    snapshots: Iterable[Snapshot], staff_id: str, first: date, last: date, holidays: Collection[date]
) -> Tally:
    """The nurse's counts over the days in [first, last] of these versions (each inside its period)."""
    nights = shifts = on_holidays = 0
    hours = 0.0
    weekends: set[date] = set()
    for snap in snapshots:
        types = {s.code: s for s in snap.shifts}
        for day, cell in snap.cells.get(staff_id, {}).items():
            if not (first <= day <= last and snap.start <= day <= snap.end):
                continue
            kind = types.get(cell.shift)
            shifts += 1
            hours += kind.hours if kind is not None else 0.0
            nights += int(kind is not None and kind.night)
            on_holidays += int(day in holidays)
            if day.weekday() >= 5:
                weekends.add(day - timedelta(days=day.weekday() - 5))  # the weekend's Saturday
    return Tally(nights, len(weekends), on_holidays, shifts, round(hours, 2))


def year_from(first: date) -> date:
    """The last day of the year that starts on ``first``."""
    return months_before(first, -12) - timedelta(days=1)


def running_window(start: date, setting: FairnessOverTime) -> tuple[date, date] | None:
    """The days whose published shifts a solve of a period starting ``start`` carries in: the
    ``months`` months before it, not before ``since``; None when that leaves no day."""
    first = months_before(start, setting.months)
    if setting.since is not None and setting.since > first:
        first = setting.since
    last = start - timedelta(days=1)
    return (first, last) if first <= last else None


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def live_in(periods: Iterable[PeriodRecord], first: date, last: date, but: str = "") -> list[PeriodRecord]:
    """The periods with a live published version that overlap [first, last] (not ``but``), by start;
    a period listed under several wards (a group) once."""
    found = {p.id: p for p in periods if p.version > 0 and p.id != but and p.end >= first and p.start <= last}
    return sorted(found.values(), key=lambda p: (p.start, p.id))


def shares(
    snapshots: Sequence[Snapshot], first: date, last: date, holidays: Collection[date], nurses: Iterable[str]
) -> dict[str, FairShare]:
    """Each nurse's running totals over [first, last], as the engine carries them."""
    out = {}
    for staff_id in nurses:
        t = tally(snapshots, staff_id, first, last, holidays)
        out[staff_id] = FairShare(nights=t.nights, weekends=t.weekends, holidays=t.holidays)
    return out


@dataclass(frozen=True)
class Spread:
    """How far apart a group's counts are: the lowest, the highest, max − min and the mean."""

    low: float
    high: float
    spread: float
    mean: float


def spread(values: Sequence[float]) -> Spread:
    if not values:
        return Spread(0, 0, 0, 0)
    low, high = min(values), max(values)
    return Spread(low, high, round(high - low, 2), round(sum(values) / len(values), 2))


def spreads(totals: Mapping[str, Tally], members: Sequence[str]) -> dict[str, Spread]:
    """Each count's spread over ``members`` (staff ids with a total)."""
    return {name: spread([getattr(totals[m], name) for m in members]) for name in COUNTS}
