"""A ward's rostering setup: its shifts, rules, contracts and demand, with defaults for day one.

A hospital keeps one shift catalogue; a ward may override a shift (its times, its need) or add its own.
The rules (forbidden successions, minimum rest), the contracts (full-/part-time limits per week, scaled
to the period), who is on which contract, and the demand per weekday (or public holiday) × shift ×
skill complete it. Anything a ward has not set comes from the defaults here, so a ward whose nurses are
only in the directory can be rostered on its first day. Pure: the adapters persist it, ``problem.py``
turns it into the engine's ``RosterProblem``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

# The day kinds a demand template is given for: the weekdays, and public holidays (法定节假日).
DayKey = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
WEEKDAYS: tuple[DayKey, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_KEYS: tuple[DayKey, ...] = (*WEEKDAYS, "holiday")

# Skills every nurse holds, and the one grades N2–N4 (senior, 高年资) add; certificates add their type.
NURSE = "nurse"
SENIOR = "senior"
HEAD_NURSE = "head_nurse"
SENIOR_GRADES = frozenset({"N2", "N3", "N4"})


@dataclass(frozen=True)
class ShiftDef:
    """A shift type: ``code`` (D, P, N…), name (白班, 小夜, 大夜, 值班), start and end (an end at or before
    the start crosses midnight), colour, and the skill or grade it needs (None: any nurse)."""

    code: str
    name: str
    start: time
    end: time
    colour: str = "#4a90d9"
    skill: str | None = None
    max_consecutive: int | None = None  # e.g. at most 3 大夜 in a row

    @property
    def hours(self) -> float:
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        if minutes <= 0:
            minutes += 24 * 60
        return minutes / 60

    @property
    def night(self) -> bool:
        """A night shift: it runs past midnight or starts between 20:00 and 06:00 (小夜 16–24 is not)."""
        return (
            (self.end < self.start and self.end != time(0)) or self.start >= time(20) or self.start < time(6)
        )

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Local (naive) start and end of this shift worked on ``day``."""
        begin = datetime.combine(day, self.start)
        return begin, begin + timedelta(hours=self.hours)


@dataclass(frozen=True)
class ContractDef:
    """What a contract allows, per week (scaled to the period: ``limits``), plus run lengths."""

    id: str
    name: str
    min_shifts_per_week: float = 0.0
    max_shifts_per_week: float = 7.0
    min_hours_per_week: float = 0.0
    max_hours_per_week: float = 168.0
    min_consecutive_work: int = 1
    max_consecutive_work: int = 7
    min_consecutive_off: int = 1
    max_consecutive_off: int = 7
    max_weekends_per_4_weeks: int = 4
    complete_weekends: bool = False
    max_nights_per_4_weeks: int = 28  # 28: no limit

    def scaled(self, per_week: float, days: int, *, up: bool) -> int:
        value = per_week * days / 7
        return math.ceil(value - 1e-9) if up else math.floor(value + 1e-9)


@dataclass(frozen=True)
class DemandRule:
    """How many nurses with ``skill`` a shift needs on a kind of day: ``minimum`` is hard, up to
    ``optimal`` is soft. An assignment covers one skill, so "3 nurses, one of them senior" is
    ``nurse`` 2 + ``senior`` 1."""

    day: DayKey
    shift: str
    skill: str
    minimum: int
    optimal: int


@dataclass(frozen=True)
class CalendarDay:
    """A day that is not what its weekday says: a public holiday, or a 调休 working day (a weekend
    worked in exchange), with its name (国庆节, 春节…)."""

    day: date
    kind: Literal["holiday", "workday"]
    name: str = ""


@dataclass(frozen=True)
class FairnessOverTime:
    """A ward's opt-in to fairness over months (``domain/fairness.py``): each solve starts from every
    nurse's nights, weekends and public holidays of the ward's published periods of the last
    ``months`` months before the period (not before ``since``, if set: e.g. 1 January for a year's
    balance), and charges their spread among comparable nurses ``weight`` per unit."""

    over_time: bool = False
    since: date | None = None
    months: int = 12
    weight: int = 20  # below a missing nurse (30) and a broken run (30), above a request (10 × priority)


@dataclass(frozen=True)
class WardSetup:
    """Everything a ward is rostered by. ``shifts`` is the catalogue as the ward sees it (hospital
    shifts with the ward's overrides applied); empty fields fall back to the defaults."""

    ward_id: str
    shifts: tuple[ShiftDef, ...] = ()
    forbidden_successions: tuple[tuple[str, str], ...] = ()
    min_rest_hours: float = 11.0
    contracts: tuple[ContractDef, ...] = ()
    nurse_contracts: Mapping[str, str] = field(default_factory=dict)  # staff id -> contract id
    default_contract: str = "full_time"
    demand: tuple[DemandRule, ...] = ()  # empty: sized from the ward's headcount (default_demand)
    skip_approval: bool = False  # publish without 排班审批
    fairness: FairnessOverTime = FairnessOverTime()


def default_shifts() -> tuple[ShiftDef, ...]:
    """白班 08–16, 小夜 16–24, 大夜 00–08: the three-shift pattern most Chinese wards run."""
    return (
        ShiftDef("D", "白班", time(8), time(16), "#4a90d9"),
        ShiftDef("P", "小夜", time(16), time(0), "#f5a623"),
        ShiftDef("N", "大夜", time(0), time(8), "#7b61ff", max_consecutive=3),
    )


def default_contracts() -> tuple[ContractDef, ...]:
    return (
        ContractDef(
            "full_time",
            "全职",
            min_shifts_per_week=4.0,
            max_shifts_per_week=5.0,
            max_hours_per_week=44.0,
            min_consecutive_work=2,
            max_consecutive_work=5,
            min_consecutive_off=1,
            max_consecutive_off=3,
            max_weekends_per_4_weeks=3,
            max_nights_per_4_weeks=8,
        ),
        ContractDef(
            "part_time",
            "兼职",
            min_shifts_per_week=2.0,
            max_shifts_per_week=3.0,
            max_hours_per_week=24.0,
            max_consecutive_work=3,
            max_consecutive_off=5,
            max_weekends_per_4_weeks=2,
            max_nights_per_4_weeks=4,
        ),
    )


def default_demand(shifts: Sequence[ShiftDef], nurses: int) -> tuple[DemandRule, ...]:
    """Demand sized from the ward's headcount, so a new ward's roster is feasible: what full-time nurses
    can cover on an average day (4.5 shifts a week each), spread over the shifts — days heavier than
    nights, weekends and holidays at about two thirds of a weekday's day shift. Minimum about 80 %."""
    if not shifts or nurses <= 0:
        return ()
    per_day = max(len(shifts), math.floor(nurses * 4.5 / 7))
    nights = [s for s in shifts if s.night]
    days = [s for s in shifts if not s.night]
    share: dict[str, int] = {}
    night_each = max(1, round(per_day * 0.2)) if nights else 0
    for s in nights:
        share[s.code] = night_each
    rest = max(len(days), per_day - night_each * len(nights))
    weights = [2.0 if s.start < time(12) else 1.0 for s in days]
    for s, w in zip(days, weights, strict=True):
        share[s.code] = max(1, round(rest * w / sum(weights)))
    out: list[DemandRule] = []
    for key in DAY_KEYS:
        quiet = key in ("sat", "sun", "holiday")
        for s in shifts:
            optimal = share[s.code]
            if quiet and not s.night:
                optimal = max(1, round(optimal * 2 / 3))
            minimum = max(1, math.floor(optimal * 0.8))
            out.append(DemandRule(key, s.code, s.skill or NURSE, minimum, optimal))
    return tuple(out)


def day_key(day: date, calendar: Mapping[date, CalendarDay]) -> DayKey:
    """Which demand template a date uses: a public holiday's, a 调休 working day's (Monday's, a regular
    working day), or its weekday's."""
    special = calendar.get(day)
    if special is not None:
        return "holiday" if special.kind == "holiday" else "mon"
    return WEEKDAYS[day.weekday()]
