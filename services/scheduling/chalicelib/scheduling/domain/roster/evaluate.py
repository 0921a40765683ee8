"""The roster evaluator, written from the INRC-II rules: hard violations and the cost of each soft rule.

It is independent of the solver (plain Python over the assignments), so it checks the solver's
output and scores rosters made by hand or by another tool. Border rules: a run continuing a
streak from the history is charged only its new excess over a maximum; a run reaching the end of
the horizon is never charged for a minimum; a run that began in the history and ends inside the
horizon is charged against a minimum with its full (history + horizon) length.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.scheduling.domain.roster.model import UNLIMITED, Roster, RosterProblem

HARD_RULES = {
    "H1": "single assignment per day",
    "H2": "minimal coverage",
    "H3": "illegal shift type succession",
    "H4": "required skill",
    "leave": "assignment on a leave day",
    "pin": "pinned cell changed",
}
SOFT_RULES = {
    "S1": "optimal coverage",
    "S2": "consecutive assignments (working days and same shift type)",
    "S3": "consecutive days off",
    "S4": "preferences (shift-off / shift-on requests)",
    "S5": "complete weekends",
    "S6": "total assignments",
    "S7": "max working weekends",
    "hours": "contract hours",
    "fairness": "spread of nights, weekends and public holidays across comparable staff",
    "nights": "nights above the contract's maximum",
}


@dataclass
class Evaluation:
    """Hard violations (counts) and soft costs (weighted), in total and per nurse."""

    hard: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HARD_RULES, 0))
    soft: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOFT_RULES, 0))
    per_nurse: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def hard_violations(self) -> int:
        return sum(self.hard.values())

    @property
    def cost(self) -> int:
        return sum(self.soft.values())

    @property
    def feasible(self) -> bool:
        return self.hard_violations == 0

    def _charge(self, nurse: str | None, rule: str, amount: int) -> None:
        if amount:
            self.soft[rule] += amount
            if nurse is not None:
                mine = self.per_nurse.setdefault(nurse, {})
                mine[rule] = mine.get(rule, 0) + amount


def run_penalty(worked: Sequence[bool], streak: int, low: int, high: int) -> int:
    """Days outside [low, high] over the maximal runs of True in `worked`, given `streak` True days
    immediately before day 0 (border rules in the module docstring)."""
    cost = 0
    n = len(worked)
    if streak > 0 and n > 0 and not worked[0]:
        cost += max(0, low - streak)
    d = 0
    while d < n:
        if not worked[d]:
            d += 1
            continue
        e = d
        while e < n and worked[e]:
            e += 1
        before = streak if d == 0 else 0
        total = before + e - d
        cost += max(0, total - high) - max(0, before - high)
        if e < n:
            cost += max(0, low - total)
        d = e
    return cost


def evaluate(problem: RosterProblem, roster: Roster) -> Evaluation:
    """Score `roster` against `problem`."""
    ev = Evaluation()
    w = problem.weights
    shift_ids = {s.id for s in problem.shift_types}
    nurses = {n.id: n for n in problem.nurses}
    cells = roster.by_nurse_day()

    # hard rules
    per_cell = Counter((a.nurse, a.day) for a in roster.assignments)
    ev.hard["H1"] = sum(c - 1 for c in per_cell.values() if c > 1)
    for a in roster.assignments:
        nurse = nurses.get(a.nurse)
        if nurse is None or a.shift not in shift_ids or not 0 <= a.day < problem.num_days:
            ev.hard["H4"] += 1
        elif a.skill not in nurse.skills:
            ev.hard["H4"] += 1
    cover = Counter((a.day, a.shift, a.skill) for a in roster.assignments)
    ward_of = {n.id: n.ward for n in problem.nurses}
    ward_cover = Counter((a.day, a.shift, a.skill, ward_of.get(a.nurse)) for a in roster.assignments)
    for dem in problem.demand:
        if dem.ward:
            got = ward_cover[(dem.day, dem.shift, dem.skill, dem.ward)]
        else:
            got = cover[(dem.day, dem.shift, dem.skill)]
        ev.hard["H2"] += max(0, dem.minimum - got)
        ev._charge(None, "S1", w.under_optimal * max(0, dem.optimal - got))
    forbidden = problem.forbidden()
    for n in problem.nurses:
        prev = problem.history_of(n.id).last_shift
        for d in range(problem.num_days):
            cell = cells.get((n.id, d))
            cur = cell.shift if cell else None
            if prev is not None and cur is not None and (prev, cur) in forbidden:
                ev.hard["H3"] += 1
            prev = cur
    leave = {(lv.nurse, lv.day) for lv in problem.leave}
    ev.hard["leave"] = sum(1 for key in cells if key in leave)
    for pin in problem.pins:
        cell = cells.get((pin.nurse, pin.day))
        if pin.shift is None:
            ok = cell is None
        else:
            ok = (
                cell is not None
                and cell.shift == pin.shift
                and (pin.skill is None or cell.skill == pin.skill)
            )
        ev.hard["pin"] += 0 if ok else 1

    # soft rules, per nurse
    weekends = problem.weekends()
    night_shifts = {s.id for s in problem.shift_types if s.night}
    for n in problem.nurses:
        c = problem.contract_of(n)
        h = problem.history_of(n.id)
        row = [cells.get((n.id, d)) for d in range(problem.num_days)]
        worked = [a is not None for a in row]
        ev._charge(
            n.id,
            "S2",
            w.consecutive_work
            * run_penalty(worked, h.consecutive_work, c.min_consecutive_work, c.max_consecutive_work),
        )
        for s in problem.shift_types:
            same = [a is not None and a.shift == s.id for a in row]
            streak = h.consecutive_same_shift if h.last_shift == s.id else 0
            ev._charge(
                n.id,
                "S2",
                w.consecutive_shift * run_penalty(same, streak, s.min_consecutive, s.max_consecutive),
            )
        off = [not x for x in worked]
        ev._charge(
            n.id,
            "S3",
            w.consecutive_off
            * run_penalty(off, h.consecutive_off, c.min_consecutive_off, c.max_consecutive_off),
        )
        total = h.assignments + sum(worked)
        ev._charge(
            n.id,
            "S6",
            w.total_assignments * (max(0, c.min_assignments - total) + max(0, total - c.max_assignments)),
        )
        worked_weekends = sum(1 for wk in weekends if any(worked[d] for d in wk))
        ev._charge(
            n.id,
            "S7",
            w.working_weekends * max(0, h.working_weekends + worked_weekends - c.max_working_weekends),
        )
        if c.complete_weekends:
            broken = sum(1 for wk in weekends if len(wk) == 2 and worked[wk[0]] != worked[wk[1]])
            ev._charge(n.id, "S5", w.complete_weekend * broken)
        if w.hours:
            hours = h.hours + sum(problem.shift(a.shift).hours for a in row if a is not None)
            outside = max(0.0, c.min_hours - hours) + max(0.0, hours - c.max_hours)
            ev._charge(n.id, "hours", round(w.hours * outside))
        if c.max_nights < UNLIMITED:
            nights = h.nights + sum(1 for a in row if a is not None and a.shift in night_shifts)
            ev._charge(n.id, "nights", w.nights * max(0, nights - c.max_nights))
    for r in problem.requests:
        cell = cells.get((r.nurse, r.day))
        hit = cell is not None and (r.shift is None or cell.shift == r.shift)
        if hit != r.on:
            ev._charge(r.nurse, "S4", w.request * r.weight)

    if w.fairness:
        for members in comparable_groups(problem):
            for counts in fair_counts(problem, roster, members):
                ev._charge(None, "fairness", w.fairness * (max(counts) - min(counts)))
    return ev


def fair_counts(problem: RosterProblem, roster: Roster, nurse_ids: Sequence[str]) -> list[list[int]]:
    """The counts fairness spreads over these nurses (nights, weekends, holidays: those the problem's
    `fairness` names), each nurse's carried share (`fair_share`, earlier periods) added."""
    shares = [problem.fair_share_of(n) for n in nurse_ids]
    out = []
    if problem.fairness.nights:
        counts = night_counts(problem, roster, nurse_ids)
        out.append([c + s.nights for c, s in zip(counts, shares, strict=True)])
    if problem.fairness.weekends:
        counts = weekend_counts(problem, roster, nurse_ids)
        out.append([c + s.weekends for c, s in zip(counts, shares, strict=True)])
    if problem.fairness.holidays:
        counts = holiday_counts(problem, roster, nurse_ids)
        out.append([c + s.holidays for c, s in zip(counts, shares, strict=True)])
    return out


def comparable_groups(problem: RosterProblem) -> list[list[str]]:
    """Staff who should get similar shares: same contract and the same skills."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for n in problem.nurses:
        groups[(n.contract, tuple(sorted(n.skills)))].append(n.id)
    return [g for g in groups.values() if len(g) > 1]


def night_counts(problem: RosterProblem, roster: Roster, nurse_ids: Sequence[str]) -> list[int]:
    nights = {s.id for s in problem.shift_types if s.night}
    count = Counter(a.nurse for a in roster.assignments if a.shift in nights)
    return [count[n] for n in nurse_ids]


def weekend_counts(problem: RosterProblem, roster: Roster, nurse_ids: Sequence[str]) -> list[int]:
    days = {(a.nurse, a.day) for a in roster.assignments}
    return [sum(1 for wk in problem.weekends() if any((n, d) in days for d in wk)) for n in nurse_ids]


def holiday_counts(problem: RosterProblem, roster: Roster, nurse_ids: Sequence[str]) -> list[int]:
    """Shifts on the problem's public holidays, per nurse."""
    count = Counter(a.nurse for a in roster.assignments if a.day in problem.holidays)
    return [count[n] for n in nurse_ids]
