"""The rostering model: who can work which shift on which day, and what a good roster costs.

A `RosterProblem` is a horizon of consecutive local dates, the shift types, the skills, the staff
with their contracts, the coverage demand, leave, requests, pins and the history carried in from
the previous period. A `Roster` is a set of assignments (nurse, day index, shift, skill). Days are
indexed from 0 (`start` is day 0); weekends are the Saturdays and Sundays of the horizon.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

UNLIMITED = 10**6


@dataclass(frozen=True)
class ShiftType:
    """A shift type (early, late, night, ...) with its clock times and its own run limits."""

    id: str
    name: str = ""
    start: time = time(8, 0)
    hours: float = 8.0
    min_consecutive: int = 1
    max_consecutive: int = UNLIMITED
    night: bool = False

    def end_offset(self) -> timedelta:
        """End of the shift, measured from midnight of the day it starts (may exceed 24 h)."""
        return timedelta(hours=self.start.hour, minutes=self.start.minute) + timedelta(hours=self.hours)


@dataclass(frozen=True)
class Contract:
    """What a nurse's contract allows over the horizon (INRC-II style limits, plus hours)."""

    id: str
    min_assignments: int = 0
    max_assignments: int = UNLIMITED
    min_consecutive_work: int = 1
    max_consecutive_work: int = UNLIMITED
    min_consecutive_off: int = 1
    max_consecutive_off: int = UNLIMITED
    max_working_weekends: int = UNLIMITED
    complete_weekends: bool = False
    min_hours: float = 0.0
    max_hours: float = float(UNLIMITED)
    max_nights: int = UNLIMITED  # shifts of a night shift type over the horizon (history's included)


@dataclass(frozen=True)
class Nurse:
    """A member of staff: her contract, the skills she may cover, her grade (N0-N4, ...) and ward."""

    id: str
    contract: str
    skills: tuple[str, ...]
    name: str = ""
    grade: str = ""
    ward: str = ""


@dataclass(frozen=True)
class NurseHistory:
    """State carried into day 0: totals so far, the last shift and the streaks ending the day before."""

    assignments: int = 0
    working_weekends: int = 0
    last_shift: str | None = None
    consecutive_same_shift: int = 0
    consecutive_work: int = 0
    consecutive_off: int = 0
    hours: float = 0.0
    nights: int = 0


@dataclass(frozen=True)
class Demand:
    """Coverage of one (day, shift, skill): `minimum` is hard, up to `optimal` is soft.

    With a `ward`, only that ward's nurses count towards it (several wards rostered together).
    """

    day: int
    shift: str
    skill: str
    minimum: int
    optimal: int
    ward: str = ""


@dataclass(frozen=True)
class Leave:
    """A day a nurse is unavailable (annual leave, study day, sick): a hard constraint."""

    nurse: str
    day: int


@dataclass(frozen=True)
class ShiftRequest:
    """A wish: not to work `shift` (None = any shift) that day, or (`on`) to work it; weighted."""

    nurse: str
    day: int
    shift: str | None = None
    on: bool = False
    weight: int = 1


@dataclass(frozen=True)
class Assignment:
    """One nurse works one shift on one day, covering one skill."""

    nurse: str
    day: int
    shift: str
    skill: str


@dataclass(frozen=True)
class Pin:
    """A cell kept as it is: a published or hand-edited shift (`shift` None = a fixed day off)."""

    nurse: str
    day: int
    shift: str | None
    skill: str | None = None


@dataclass(frozen=True)
class Weights:
    """Cost per unit of each soft rule (INRC-II's weights by default)."""

    under_optimal: int = 30  # S1, per missing nurse
    consecutive_work: int = 30  # S2, per day outside the contract's run limits
    consecutive_shift: int = 15  # S2, per day outside the shift type's run limits
    consecutive_off: int = 30  # S3
    request: int = 10  # S4, times the request's own weight
    complete_weekend: int = 30  # S5
    total_assignments: int = 20  # S6, per assignment outside the contract's min/max
    working_weekends: int = 30  # S7, per weekend above the maximum
    hours: int = 0  # per hour outside the contract's min/max hours
    fairness: int = 0  # per unit of spread (max - min) inside a group of comparable staff
    nights: int = 30  # per night above the contract's maximum


@dataclass(frozen=True)
class Fairness:
    """Which counts to spread evenly across comparable staff (same contract and skills)."""

    nights: bool = True
    weekends: bool = True
    holidays: bool = True  # shifts on the problem's `holidays` (none: nothing to spread)


@dataclass(frozen=True)
class FairShare:
    """What a nurse already has of each count fairness spreads, from earlier periods (fairness over
    months): the spread is charged on these plus the horizon's own counts, so a nurse who worked
    many nights before gets fewer now. None given: zeros, the spread of the horizon alone."""

    nights: int = 0
    weekends: int = 0
    holidays: int = 0


@dataclass(frozen=True)
class RosterProblem:
    """Everything the solver and the evaluator need to build and judge a roster."""

    name: str
    start: date
    num_days: int
    shift_types: tuple[ShiftType, ...]
    skills: tuple[str, ...]
    contracts: Mapping[str, Contract]
    nurses: tuple[Nurse, ...]
    demand: tuple[Demand, ...] = ()
    forbidden_successions: frozenset[tuple[str, str]] = frozenset()
    min_rest_hours: float = 0.0
    leave: tuple[Leave, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    pins: tuple[Pin, ...] = ()
    history: Mapping[str, NurseHistory] = field(default_factory=lambda: MappingProxyType({}))
    weights: Weights = Weights()
    fairness: Fairness = Fairness()
    holidays: frozenset[int] = frozenset()  # day indices of public holidays (fairness's third count)
    fair_share: Mapping[str, FairShare] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        shift_ids = {s.id for s in self.shift_types}
        nurse_ids = {n.id for n in self.nurses}
        if len(shift_ids) != len(self.shift_types) or len(nurse_ids) != len(self.nurses):
            raise ValueError("shift type and nurse ids must be unique")
        for n in self.nurses:
            if n.contract not in self.contracts:
                raise ValueError(f"nurse {n.id}: unknown contract {n.contract}")
        for d in self.demand:
            if d.shift not in shift_ids or d.skill not in self.skills or not 0 <= d.day < self.num_days:
                raise ValueError(f"bad demand {d}")
            if d.minimum > d.optimal:
                raise ValueError(f"demand minimum above optimal: {d}")

    # --- derived views -------------------------------------------------------------------
    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def is_weekend(self, day: int) -> bool:
        return self.date_of(day).weekday() >= 5

    def weekends(self) -> list[list[int]]:
        """The horizon's weekends as lists of day indices (a weekend cut by the horizon is partial)."""
        groups: dict[date, list[int]] = {}
        for d in range(self.num_days):
            day = self.date_of(d)
            if day.weekday() >= 5:
                groups.setdefault(day - timedelta(days=day.weekday() - 5), []).append(d)
        return [groups[k] for k in sorted(groups)]

    def shift(self, shift_id: str) -> ShiftType:
        for s in self.shift_types:
            if s.id == shift_id:
                return s
        raise KeyError(shift_id)

    def nurse(self, nurse_id: str) -> Nurse:
        for n in self.nurses:
            if n.id == nurse_id:
                return n
        raise KeyError(nurse_id)

    def contract_of(self, nurse: Nurse) -> Contract:
        return self.contracts[nurse.contract]

    def history_of(self, nurse_id: str) -> NurseHistory:
        return self.history.get(nurse_id, NurseHistory())

    def fair_share_of(self, nurse_id: str) -> FairShare:
        return self.fair_share.get(nurse_id, FairShare())

    def forbidden(self) -> frozenset[tuple[str, str]]:
        """Forbidden (shift on day d, shift on day d+1) pairs: the explicit ones plus too-short rests."""
        pairs = set(self.forbidden_successions)
        if self.min_rest_hours > 0:
            rest = timedelta(hours=self.min_rest_hours)
            for a in self.shift_types:
                for b in self.shift_types:
                    next_start = timedelta(days=1, hours=b.start.hour, minutes=b.start.minute)
                    if next_start - a.end_offset() < rest:
                        pairs.add((a.id, b.id))
        return frozenset(pairs)

    def demand_map(self) -> dict[tuple[int, str, str, str], Demand]:
        """Demand by (day, shift, skill, ward)."""
        return {(d.day, d.shift, d.skill, d.ward): d for d in self.demand}

    def counts_for(self, nurse: Nurse, demand: Demand) -> bool:
        """Whether an assignment of `nurse` with the demand's skill counts towards `demand`."""
        return demand.skill in nurse.skills and (not demand.ward or demand.ward == nurse.ward)

    def with_pins(self, pins: Iterable[Pin]) -> RosterProblem:
        return replace(self, pins=tuple(pins))


@dataclass(frozen=True)
class Roster:
    """A roster: the assignments of a problem's horizon."""

    assignments: tuple[Assignment, ...]

    def by_nurse_day(self) -> dict[tuple[str, int], Assignment]:
        """The single assignment of each (nurse, day); a duplicate keeps the first (H1 reports it)."""
        out: dict[tuple[str, int], Assignment] = {}
        for a in self.assignments:
            out.setdefault((a.nurse, a.day), a)
        return out

    def of(self, nurse_id: str) -> list[Assignment]:
        return sorted((a for a in self.assignments if a.nurse == nurse_id), key=lambda a: a.day)

    def grid(self, problem: RosterProblem) -> str:
        """A text grid (one line per nurse, one column per day), handy in logs and explanations."""
        cells = self.by_nurse_day()
        width = max((len(n.id) for n in problem.nurses), default=4)
        lines = []
        for n in problem.nurses:
            row = [cells[(n.id, d)].shift[:1] if (n.id, d) in cells else "-" for d in range(problem.num_days)]
            lines.append(f"{n.id:<{width}} |" + "".join(row) + "|")
        return "\n".join(lines)


def shift_window(shift: ShiftType, day: date) -> tuple[datetime, datetime]:
    """Start and end (local, naive) of a shift worked on `day`."""
    begin = datetime.combine(day, time(0)) + timedelta(hours=shift.start.hour, minutes=shift.start.minute)
    return begin, begin + timedelta(hours=shift.hours)
