"""Product operations on the roster engine: what a head nurse does with it.

- `solve_wards`: roster one ward or a group of wards together (分组排班);
- `copy_block`: copy a week or a block of days to other weeks, or to another group (区域复制);
- `apply_rotation`: lay a cycle (e.g. E E L L N N - -) over the horizon, staggered per nurse;
- `fill_open_shifts`: keep every existing assignment and fill what is still open, fairly (余班分配);
- `explain`: per person, hours, nights, weekends and which soft rules cost what.

All of them work on the model (`RosterProblem`, `Roster`); only the solve functions touch OR-Tools.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from chalicelib.scheduling.domain.roster.evaluate import SOFT_RULES, evaluate
from chalicelib.scheduling.domain.roster.model import (
    UNLIMITED,
    Assignment,
    Pin,
    Roster,
    RosterProblem,
    Weights,
)
from chalicelib.scheduling.domain.roster.solver import (
    KeepCallback,
    ProgressCallback,
    SolveOptions,
    SolveResult,
    solve,
)


def restrict_to_wards(problem: RosterProblem, wards: Iterable[str]) -> RosterProblem:
    """The sub-problem of some wards: their nurses, their demand (and demand without a ward), their
    leave, requests and pins."""
    keep = set(wards)
    nurses = tuple(n for n in problem.nurses if n.ward in keep)
    ids = {n.id for n in nurses}
    return replace(
        problem,
        name=f"{problem.name}[{','.join(sorted(keep))}]",
        nurses=nurses,
        demand=tuple(d for d in problem.demand if not d.ward or d.ward in keep),
        leave=tuple(x for x in problem.leave if x.nurse in ids),
        requests=tuple(x for x in problem.requests if x.nurse in ids),
        pins=tuple(x for x in problem.pins if x.nurse in ids),
    )


def solve_wards(
    problem: RosterProblem,
    wards: Iterable[str] | None = None,
    options: SolveOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> SolveResult:
    """Roster a ward or a group of wards in one solve (all wards of the problem if `wards` is None).

    Demand tagged with a ward is covered by that ward's nurses only; untagged demand by anyone.
    """
    sub = problem if wards is None else restrict_to_wards(problem, wards)
    return solve(sub, options, on_progress)


def copy_block(
    roster: Roster,
    days: range,
    to_starts: Sequence[int],
    num_days: int,
    nurse_map: Mapping[str, str] | None = None,
) -> Roster:
    """Copy the assignments of `days` to blocks starting at each of `to_starts` (区域复制).

    With `nurse_map` (source nurse -> target nurse) the block goes to another group's nurses instead
    of the same ones. Target cells are replaced (a copied day off clears the target cell); copies
    falling outside the horizon are cut.
    """
    source = [a for a in roster.assignments if a.day in days]
    sources = set(nurse_map) if nurse_map is not None else {a.nurse for a in roster.assignments}
    mapping = dict(nurse_map) if nurse_map is not None else {n: n for n in sources}
    targets: set[tuple[str, int]] = set()
    copies: list[Assignment] = []
    for start in to_starts:
        shift = start - days.start
        for d in days:
            if 0 <= d + shift < num_days:
                targets.update((mapping[n], d + shift) for n in sources)
        for a in source:
            if a.nurse in mapping and 0 <= a.day + shift < num_days:
                copies.append(Assignment(mapping[a.nurse], a.day + shift, a.shift, a.skill))
    kept = [a for a in roster.assignments if (a.nurse, a.day) not in targets]
    return Roster(tuple(sorted(kept + copies, key=lambda a: (a.nurse, a.day))))


def apply_rotation(
    problem: RosterProblem,
    pattern: Sequence[str | None],
    nurse_ids: Sequence[str] | None = None,
    stagger: int = 1,
    skill: Callable[[str, str], str] | None = None,
) -> Roster:
    """Repeat a cycle of shifts (None = day off) over the horizon; nurse i starts `i * stagger` days
    into the cycle, so a team on the same pattern covers every position of it. Leave days stay off."""
    if not pattern:
        raise ValueError("empty rotation pattern")
    ids = list(nurse_ids) if nurse_ids is not None else [n.id for n in problem.nurses]
    leave = {(x.nurse, x.day) for x in problem.leave}
    out = []
    for i, nurse_id in enumerate(ids):
        nurse = problem.nurse(nurse_id)
        for d in range(problem.num_days):
            sid = pattern[(d + i * stagger) % len(pattern)]
            if sid is None or (nurse_id, d) in leave:
                continue
            k = skill(nurse_id, sid) if skill else nurse.skills[0]
            out.append(Assignment(nurse_id, d, sid, k))
    return Roster(tuple(out))


def pins_from(
    roster: Roster, days: Iterable[int] | None = None, nurse_ids: Iterable[str] | None = None
) -> list[Pin]:
    """Pins keeping a roster's assignments (optionally only some days / nurses) as they are."""
    day_set = set(days) if days is not None else None
    nurse_set = set(nurse_ids) if nurse_ids is not None else None
    return [
        Pin(a.nurse, a.day, a.shift, a.skill)
        for a in roster.assignments
        if (day_set is None or a.day in day_set) and (nurse_set is None or a.nurse in nurse_set)
    ]


def fill_open_shifts(
    problem: RosterProblem,
    existing: Roster,
    options: SolveOptions | None = None,
    fairness_weight: int = 20,
    keep_days_off: Iterable[tuple[str, int]] = (),
    on_progress: ProgressCallback | None = None,
    keep: KeepCallback | None = None,
) -> SolveResult:
    """Keep every existing assignment (published days, manual edits) and fill the open shifts (余班分配),
    spreading nights and weekends evenly across comparable staff.

    `keep_days_off` lists (nurse, day) cells that must stay empty (a day off agreed by hand).
    """
    pins = list(problem.pins) + pins_from(existing)
    pins += [Pin(n, d, None) for n, d in keep_days_off]
    weights = problem.weights
    if fairness_weight and not weights.fairness:
        weights = replace(weights, fairness=fairness_weight)
    pinned = replace(problem, pins=tuple(pins), weights=weights)
    return solve(pinned, options, on_progress, initial=existing, keep=keep)


@dataclass
class NurseExplanation:
    """Why a nurse's roster looks the way it does."""

    nurse: str
    contract: str
    assignments: int
    assignments_allowed: tuple[int, int]
    hours: float
    nights: int
    weekends_worked: int
    weekends_allowed: int
    shifts: dict[str, int]
    requests_granted: int
    requests_refused: int
    costs: dict[str, int] = field(default_factory=dict)
    nights_allowed: int = UNLIMITED

    @property
    def cost(self) -> int:
        return sum(self.costs.values())

    def _night_limit(self) -> str:
        return f" (at most {self.nights_allowed})" if self.nights_allowed < UNLIMITED else ""

    def text(self) -> str:
        lo, hi = self.assignments_allowed
        parts = [
            f"{self.nurse} ({self.contract}): {self.assignments} shifts (contract {lo}-{hi}), "
            f"{self.hours:g} h, {self.nights} nights{self._night_limit()}, "
            f"{self.weekends_worked} weekends worked (at most {self.weekends_allowed})",
            "shifts: " + ", ".join(f"{k} x{v}" for k, v in sorted(self.shifts.items())),
            f"requests: {self.requests_granted} granted, {self.requests_refused} not granted",
        ]
        if self.costs:
            parts.append(
                "penalties: " + "; ".join(f"{SOFT_RULES[k]} {v}" for k, v in sorted(self.costs.items()))
            )
        else:
            parts.append("penalties: none")
        return "\n".join(parts)


def explain(problem: RosterProblem, roster: Roster) -> dict[str, NurseExplanation]:
    """Per nurse: her totals against her contract and the soft-rule costs her roster carries."""
    ev = evaluate(problem, roster)
    nights = {s.id for s in problem.shift_types if s.night}
    weekends = problem.weekends()
    out = {}
    for n in problem.nurses:
        mine = roster.of(n.id)
        days = {a.day for a in mine}
        c = problem.contract_of(n)
        h = problem.history_of(n.id)
        granted = refused = 0
        for r in problem.requests:
            if r.nurse != n.id:
                continue
            hit = any(a.day == r.day and (r.shift is None or a.shift == r.shift) for a in mine)
            if hit == r.on:
                granted += 1
            else:
                refused += 1
        out[n.id] = NurseExplanation(
            nurse=n.id,
            contract=c.id,
            assignments=len(mine),
            assignments_allowed=(c.min_assignments, c.max_assignments),
            hours=sum(problem.shift(a.shift).hours for a in mine),
            nights=sum(1 for a in mine if a.shift in nights),
            weekends_worked=sum(1 for wk in weekends if days.intersection(wk)),
            weekends_allowed=max(0, c.max_working_weekends - h.working_weekends),
            shifts=dict(Counter(a.shift for a in mine)),
            requests_granted=granted,
            requests_refused=refused,
            costs=dict(ev.per_nurse.get(n.id, {})),
            nights_allowed=max(0, c.max_nights - h.nights) if c.max_nights < UNLIMITED else UNLIMITED,
        )
    return out


def default_weights() -> Weights:
    """The INRC-II weights, a sensible default for hospital rosters as well."""
    return Weights()
