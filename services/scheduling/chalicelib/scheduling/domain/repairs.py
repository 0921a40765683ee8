"""Disruptions of a live roster and their repairs: leave approved after publishing, or a sick call (a nurse
marked absent on a day of the live roster), flags the cells she was to work; the head nurse repairs them
with a proposal (a re-solve of those days only, everything else pinned as the live version has it) or,
for a sick call, with one of the nurses who can cover the cell; accepting either is an amendment of the
live roster (``service/amendments.amend_live``).

A disruption is ``open`` until it is ``resolved`` (with the version its repair made) or ``dismissed``
(nothing to repair after all). Its proposal is ``solving`` while the repair job runs, ``ready`` with its
diff and cost change, or ``rejected`` (the disruption stays open; a new one can be asked).

Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.periods import Change, NurseRow, Snapshot
from chalicelib.scheduling.domain.records import StaffRecord, Unit
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Pin, RosterProblem, ShiftRequest
from chalicelib.scheduling.domain.setup import ShiftDef

from shared.errors import Conflict, RuleViolation

Kind = Literal["leave", "sick"]
State = Literal["open", "resolved", "dismissed"]
ProposalState = Literal["solving", "ready", "rejected", "failed"]

KIND_NAMES: dict[str, str] = {"leave": "发布后请假", "sick": "临时病假缺勤"}
STATE_NAMES: dict[str, str] = {"open": "待处理", "resolved": "已调整", "dismissed": "已忽略"}
PROPOSAL_NAMES: dict[str, str] = {
    "solving": "正在计算",
    "ready": "待确认",
    "rejected": "已拒绝",
    "failed": "未能生成",
}

# What a repair is refused for, in English (shared/i18n.py has each in Chinese).
NOT_OPEN = "the disruption is {}: there is nothing more to repair"
NO_PROPOSAL = "the disruption has no proposal ready to accept: ask for a repair first"
STALE = "the proposal was made on version {} and the live roster is at version {}: ask for a new proposal"
NOT_A_CANDIDATE = "this nurse cannot cover the absent nurse's shifts: choose one of the candidates"
DAY_OUTSIDE = "the day is not in the roster period"
DAY_PAST = "a sick call is for today or a later day"
NOT_PUBLISHED = "the roster period is not published yet: change its draft instead"
NOT_WORKING = "the nurse has no shift that day in the published roster: nothing to cover"
OWN_ONLY = "a nurse reports only her own sick call; a ward's rosterers report anyone's"
REPAIR_NOTE = "repair of disruption {}"


@dataclass(frozen=True)
class Affected:
    """A cell of the live version the disrupted nurse was to work."""

    day: date
    shift: str
    skill: str
    shift_name: str = ""


@dataclass(frozen=True)
class Move:
    """One cell of a proposal, before → after (shift codes; None: a day off)."""

    staff_id: str
    staff_name: str
    day: date
    before: str | None
    after: str | None
    after_skill: str | None = None
    before_name: str = ""
    after_name: str = ""


@dataclass(frozen=True)
class Proposal:
    """A repair proposal: made on the live ``version``; while ``solving``, its job's id."""

    state: ProposalState
    version: int
    job_id: str = ""
    moves: tuple[Move, ...] = ()
    cost_before: int | None = None
    cost_after: int | None = None
    asked_by: str = ""
    asked_by_name: str = ""
    reason: str = ""  # why a failed one found nothing (the job's reason)


@dataclass(frozen=True)
class Disruption:
    """Cells of a live roster that a nurse can no longer work (``revision``: the optimistic lock)."""

    id: str
    period_id: str
    kind: Kind
    staff_id: str
    staff_name: str
    cells: tuple[Affected, ...]
    version: int  # the live version when it was flagged
    created_at: datetime
    created_by: str = ""
    created_by_name: str = ""
    leave_id: str = ""  # the leave's approval (kind leave)
    leave_type: str = ""
    reason: str = ""
    state: State = "open"
    proposal: Proposal | None = None
    resolved_version: int | None = None
    resolved_at: datetime | None = None
    resolved_by: str = ""
    resolved_by_name: str = ""
    revision: int = 0

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({c.day for c in self.cells}))


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def leave_disruption_id(period_id: str, instance_id: str) -> str:
    """One disruption per leave and period: the same leave flagged again finds it."""
    return "lv" + _digest("leave", period_id, instance_id)


def sick_disruption_id(period_id: str, staff_id: str, day: date) -> str:
    """One sick call per nurse and day of a period: a second report of it is a conflict."""
    return "sk" + _digest("sick", period_id, staff_id, day.isoformat())


def absence_leave_id(disruption_id: str) -> str:
    """The sick call's entry in the leave read model (what makes her unavailable in later problems)."""
    return f"absence-{disruption_id}"


def affected(live: Snapshot, staff_id: str, days: Iterable[date]) -> tuple[Affected, ...]:
    """The cells of ``days`` the live version has her working."""
    mine = live.cells.get(staff_id, {})
    names = {s.code: s.name for s in live.shifts}
    return tuple(
        Affected(d, mine[d].shift, mine[d].skill, names.get(mine[d].shift, mine[d].shift))
        for d in sorted(set(days))
        if d in mine
    )


def check_sick_day(live: Snapshot, day: date, today: date) -> None:
    if not live.start <= day <= live.end:
        raise RuleViolation(DAY_OUTSIDE, field="date")
    if day < today:
        raise RuleViolation(DAY_PAST, field="date")


def require_open(d: Disruption) -> None:
    if d.state != "open":
        raise Conflict(NOT_OPEN.format(d.state))


def ready_proposal(d: Disruption, version: int) -> Proposal:
    """The proposal to accept, made on ``version`` (what the caller saw), or why not."""
    require_open(d)
    p = d.proposal
    if p is None or p.state != "ready":
        raise Conflict(NO_PROPOSAL)
    if p.version != version:
        raise Conflict(STALE.format(p.version, version))
    return p


def proposal_changes(p: Proposal) -> list[Change]:
    return [Change(m.staff_id, m.day, m.after, skill=m.after_skill) for m in p.moves]


def cover_changes(d: Disruption, staff_id: str) -> list[Change]:
    """The absent nurse off her cells and ``staff_id`` on them."""
    out = [Change(d.staff_id, c.day, None) for c in d.cells]
    return out + [Change(staff_id, c.day, c.shift, skill=c.skill) for c in d.cells]


def repair_pins(problem: RosterProblem, live: Snapshot, days: Iterable[date], absent: str) -> list[Pin]:
    """Every cell outside ``days`` pinned as the live version has it (days off too); on ``days`` the
    disrupted nurse is pinned off (even before her leave reaches the read model) and the others are free."""
    free = set(days)
    out = []
    for n in problem.nurses:
        mine = live.cells.get(n.id, {})
        for index in range(problem.num_days):
            day = problem.date_of(index)
            if day in free:
                if n.id == absent:
                    out.append(Pin(n.id, index, None))
                continue
            cell = mine.get(day)
            out.append(Pin(n.id, index, cell.shift if cell else None, cell.skill if cell else None))
    return out


STAY_WEIGHT = 1  # a request's weight: each cell a repair moves costs 10 (S4), a missing nurse 30 (S1)


def stay_requests(
    problem: RosterProblem, live: Snapshot, days: Iterable[date], absent: str
) -> list[ShiftRequest]:
    """On the repaired days, every other nurse asks to keep what the live version has her do (her shift,
    or her day off): a repair then moves as few cells as the rules and the coverage need — each nurse
    moved is a nurse whose day changes at short notice and who is told so — instead of re-rostering
    those days from scratch."""
    index = {problem.date_of(d): d for d in range(problem.num_days)}
    out = []
    for n in problem.nurses:
        if n.id == absent:
            continue
        mine = live.cells.get(n.id, {})
        for day in days:
            if day not in index:
                continue
            cell = mine.get(day)
            if cell is None:
                out.append(ShiftRequest(n.id, index[day], None, on=False, weight=STAY_WEIGHT))
            else:
                out.append(ShiftRequest(n.id, index[day], cell.shift, on=True, weight=STAY_WEIGHT))
    return out


def proposal_of(
    problem: RosterProblem,
    shifts: Sequence[ShiftDef],
    live_rows: Mapping[str, NurseRow],
    after_rows: Mapping[str, NurseRow],
    version: int,
    job_id: str,
    asked: tuple[str, str] = ("", ""),
) -> Proposal:
    """The repaired rows as a proposal: the cells that move against the live version, with the soft cost
    before and after (the evaluator, on the period's problem with her leave or absence in it)."""
    from chalicelib.scheduling.domain.amendments import moves

    moved = []
    for m in moves(live_rows, after_rows, {s.code: s.name for s in shifts}):
        cell = after_rows[m.staff_id].cells.get(m.day) if m.staff_id in after_rows else None
        skill = cell.skill if cell else None
        day_off = "休"
        moved.append(
            Move(
                m.staff_id,
                m.staff_name,
                m.day,
                m.before,
                m.after,
                skill,
                m.before_name or day_off,
                m.after_name or day_off,
            )
        )
    before = evaluate(problem, rules.roster_of(problem, live_rows.values())).cost
    after = evaluate(problem, rules.roster_of(problem, after_rows.values())).cost
    return Proposal("ready", version, job_id, tuple(moved), before, after, asked[0], asked[1])


@dataclass(frozen=True)
class Candidate:
    """A nurse who can take the absent nurse's cells, and the soft cost that adds."""

    staff_id: str
    staff_name: str
    added_cost: int


def candidates(
    problem: RosterProblem,
    shifts: Sequence[ShiftDef],
    live_rows: Mapping[str, NurseRow],
    d: Disruption,
) -> list[Candidate]:
    """Nurses free on every day of the disruption (no shift there in the live version), with the skill,
    not on leave or absent, whose taking the cells breaks no hard rule an edit is judged by (skills,
    leave, rest between shifts), ranked by the soft cost they add, then by name."""
    names = {k: r.staff_name for k, r in live_rows.items()}
    off = [Change(d.staff_id, c.day, None) for c in d.cells]
    try:
        base_rows = rules.apply_changes(problem, shifts, live_rows, off, names)
    except rules.EditRefused:
        base_rows = dict(live_rows)
    base = evaluate(problem, rules.roster_of(problem, base_rows.values())).cost
    leave = {(lv.nurse, problem.date_of(lv.day)) for lv in problem.leave}
    out = []
    for n in problem.nurses:
        row = base_rows.get(n.id)
        if n.id == d.staff_id or row is None:
            continue
        if any(c.day in row.cells or (n.id, c.day) in leave or c.skill not in n.skills for c in d.cells):
            continue
        takes = [Change(n.id, c.day, c.shift, skill=c.skill) for c in d.cells]
        try:
            after = rules.apply_changes(problem, shifts, base_rows, takes, names)
        except rules.EditRefused:
            continue
        cost = evaluate(problem, rules.roster_of(problem, after.values())).cost
        out.append(Candidate(n.id, row.staff_name or n.name, cost - base))
    return sorted(out, key=lambda c: (c.added_cost, c.staff_name, c.staff_id))


def rosterers(
    units: Mapping[str, Unit], staff: Iterable[StaffRecord], ward_ids: Sequence[str], but: str = ""
) -> list[str]:
    """Who is told a disruption needs a repair: the heads of the wards and of the units above them, and
    the wards' own head nurses and schedulers (``service/access.py``'s rosterers, as far as the wards'
    staff and the units' heads name them); not ``but`` (who reported it)."""
    out: set[str] = set()
    for ward in ward_ids:
        seen: set[str] = set()
        unit = units.get(ward)
        while unit is not None and unit.id not in seen:
            seen.add(unit.id)
            if unit.head_id:
                out.add(unit.head_id)
            unit = units.get(unit.parent_id) if unit.parent_id else None
    for person in staff:
        if person.department_id in ward_ids and set(person.roles) & {"head_nurse", "scheduler"}:
            out.add(person.id)
    out.discard(but)
    return sorted(out)


def resolved(d: Disruption, version: int, by: tuple[str, str], at: datetime) -> Disruption:
    return replace(
        d,
        state="resolved",
        resolved_version=version,
        resolved_at=at,
        resolved_by=by[0],
        resolved_by_name=by[1],
        revision=d.revision + 1,
    )
