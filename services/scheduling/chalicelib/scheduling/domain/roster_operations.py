"""The engine's operations on a period's draft: copy a block (区域复制), lay a rotation, explain a nurse.

Each works on the period's rows (``domain/periods.py``) through ``domain/roster/operations.py`` and
returns the rows after it, the cells it left alone on purpose, and the cells it changed; the service
judges the changed cells by the same hard rules as a hand edit (``periods.hard_faults``).

What an operation never changes:

- **approved leave**: a day of leave stays as it is (off); a shift the copy or the rotation would have
  put there is reported as skipped (``leave``), not refused — a copied week meeting a nurse's leave is
  routine, and the rest of the copy still applies;
- **pinned cells** (with ``keep_pinned``, the default): kept, and reported as skipped (``pinned``) when
  the operation would have changed them.

A copied shift keeps its skill when the target nurse has it; otherwise she covers the shift's own skill,
or ``nurse`` (a senior's cell copied to a junior nurse covers what she can).

Pure: the service reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.periods import Cell, Fault, NurseRow
from chalicelib.scheduling.domain.roster import operations
from chalicelib.scheduling.domain.roster.evaluate import HARD_RULES, SOFT_RULES
from chalicelib.scheduling.domain.roster.model import UNLIMITED, Assignment, Nurse, Roster, RosterProblem
from chalicelib.scheduling.domain.setup import NURSE, ShiftDef

from shared.errors import RuleViolation

SkipReason = Literal["leave", "pinned"]
SKIP_NAMES: dict[SkipReason, tuple[str, str]] = {
    "leave": ("approved leave that day: left off", "当天已批准请假：保持休息"),
    "pinned": ("a pinned cell: kept as it is", "锁定的班次：保持不变"),
}
Match = Literal["same", "position"]
LONGEST_PATTERN = 62


@dataclass(frozen=True)
class Skipped:
    """A cell the operation would have changed and left alone (leave, a pin)."""

    staff_id: str
    staff_name: str
    day: date
    reason: SkipReason
    wanted: str | None  # the shift the operation would have put there (None: a day off)


@dataclass(frozen=True)
class Outcome:
    """The rows after an operation, what it left alone, and the cells it changed."""

    rows: dict[str, NurseRow]
    skipped: list[Skipped]
    touched: set[tuple[str, date]]


# --- shared ------------------------------------------------------------------------------------------


def _skill(nurse: Nurse, shift: ShiftDef, wanted: str | None) -> str:
    if shift.skill:
        return shift.skill
    if wanted and wanted in nurse.skills:
        return wanted
    return NURSE if NURSE in nurse.skills else nurse.skills[0]


def _apply(
    problem: RosterProblem,
    shifts: Mapping[str, ShiftDef],
    rows: Mapping[str, NurseRow],
    wanted: Mapping[tuple[str, date], Assignment | None],
    keep_pinned: bool,
) -> Outcome:
    """Put each wanted cell (None: a day off) unless it is a leave day or a kept pin; refuse a shift the
    ward does not run."""
    nurses = {n.id: n for n in problem.nurses}
    leave = {(lv.nurse, problem.date_of(lv.day)) for lv in problem.leave}
    out = {k: replace(v, cells=dict(v.cells)) for k, v in rows.items()}
    skipped: list[Skipped] = []
    touched: set[tuple[str, date]] = set()
    unknown: list[Fault] = []
    for (staff_id, day), a in sorted(wanted.items()):
        row = out[staff_id]
        cells = dict(row.cells)
        old = cells.get(day)
        new: Cell | None = None
        if a is not None:
            shift = shifts.get(a.shift)
            if shift is None:
                unknown.append(Fault("shift", staff_id, row.staff_name, day, f"本病区没有班次 {a.shift}"))
                continue
            skill = _skill(nurses[staff_id], shift, a.skill)
            keep_pin = old is not None and old.pinned and old.shift == shift.code and old.skill == skill
            new = Cell(shift.code, skill, keep_pin)
        if (staff_id, day) in leave or (keep_pinned and old is not None and old.pinned):
            if (new.shift if new else None) != (old.shift if old else None):
                reason: SkipReason = "leave" if (staff_id, day) in leave else "pinned"
                skipped.append(Skipped(staff_id, row.staff_name, day, reason, a.shift if a else None))
            continue
        if new == old:
            continue
        if new is None:
            cells.pop(day, None)
        else:
            cells[day] = new
        out[staff_id] = replace(row, cells=cells)
        touched.add((staff_id, day))
    if unknown:
        raise rules.EditRefused(unknown)
    return Outcome(out, skipped, touched)


def grid_order(rows: Mapping[str, NurseRow], ward_ids: Sequence[str]) -> list[str]:
    """Staff ids as the grid lists them: by ward (in the period's order), then by name."""
    return [
        r.staff_id
        for r in sorted(
            rows.values(),
            key=lambda r: (
                list(ward_ids).index(r.ward_id) if r.ward_id in ward_ids else len(ward_ids),
                r.staff_name,
                r.staff_id,
            ),
        )
    ]


# --- copy (区域复制) ----------------------------------------------------------------------------------


def nurse_mapping(
    sources: Sequence[str],
    targets: Sequence[str],
    match: Match,
    explicit: Mapping[str, str] | None,
) -> dict[str, str]:
    """Source nurse → target nurse: the explicit map (each side checked), else the same nurse (those in
    both), else by position (the i-th of the source's grid to the i-th of the target's; the longer list's
    last ones are left out)."""
    if explicit is not None:
        bad = sorted(set(explicit) - set(sources))
        if bad:
            names = ", ".join(bad)
            raise RuleViolation(f"{names} is not a nurse of the source block", field="nurse_map")
        bad = sorted(set(explicit.values()) - set(targets))
        if bad:
            names = ", ".join(bad)
            raise RuleViolation(f"{names} is not a nurse of this period", field="nurse_map")
        if len(set(explicit.values())) != len(explicit):
            raise RuleViolation("a target nurse is named twice", field="nurse_map")
        return dict(explicit)
    if match == "same":
        common = set(targets)
        return {s: s for s in sources if s in common}
    return dict(zip(sources, targets, strict=False))


def copy(
    problem: RosterProblem,
    shifts: Mapping[str, ShiftDef],
    rows: Mapping[str, NurseRow],
    source: Mapping[str, NurseRow] | None,
    first: date,
    last: date,
    starts: Sequence[date],
    mapping: Mapping[str, str],
    keep_pinned: bool = True,
) -> Outcome:
    """Copy the block ``first``–``last`` (of ``source``'s rows: another period's; None: this period's)
    to blocks starting on each of ``starts`` for the mapped nurses (operations.copy_block): each target
    cell becomes what the source cell was (a day off clears it); a block running past the period's end
    is cut."""
    start = problem.start
    here = rules.roster_of(problem, rows.values())
    block = range((first - start).days, (last - start).days + 1)
    if source is not None:
        # another period's cells, numbered on this period's days (before 0 or past the end: the periods of
        # a ward never overlap), so that one roster holds both for the engine's copy
        theirs = tuple(
            Assignment(r.staff_id, (d - start).days, c.shift, c.skill)
            for r in source.values()
            for d, c in r.cells.items()
            if first <= d <= last
        )
        here = Roster(tuple(here.assignments) + theirs)
    to_starts = [(s - start).days for s in starts]
    copied = operations.copy_block(here, block, to_starts, problem.num_days, nurse_map=dict(mapping))
    after = {(a.nurse, a.day): a for a in copied.assignments if 0 <= a.day < problem.num_days}
    wanted: dict[tuple[str, date], Assignment | None] = {}
    for s in to_starts:
        for d in block:
            day = d - block.start + s
            if 0 <= day < problem.num_days:
                for target in mapping.values():
                    wanted[(target, problem.date_of(day))] = after.get((target, day))
    return _apply(problem, shifts, rows, wanted, keep_pinned)


# --- rotation -------------------------------------------------------------------------------------------


def rotation(
    problem: RosterProblem,
    shifts: Mapping[str, ShiftDef],
    rows: Mapping[str, NurseRow],
    pattern: Sequence[str | None],
    offsets: Mapping[str, int],
    first: date,
    last: date,
    keep_pinned: bool = True,
) -> Outcome:
    """Lay ``pattern`` over ``first``–``last`` for each nurse of ``offsets``: on ``first`` she is at
    position ``offset`` of the cycle (operations.apply_rotation, the cycle turned to start there). A
    null in the pattern is a day off (it clears the cell)."""
    f, last_index = (first - problem.start).days, (last - problem.start).days
    size = len(pattern)
    nurses = {n.id: n for n in problem.nurses}

    def skill(staff_id: str, code: str) -> str:
        return _skill(nurses[staff_id], shifts[code], None)

    wanted: dict[tuple[str, date], Assignment | None] = {}
    for staff_id, offset in offsets.items():
        # position on day d: (d - f + offset) mod size; apply_rotation reads pattern[d mod size]
        turned = [pattern[(k - f + offset) % size] for k in range(size)]
        laid = operations.apply_rotation(problem, turned, [staff_id], stagger=0, skill=skill)
        mine = {a.day: a for a in laid.assignments}
        for d in range(f, last_index + 1):
            code = turned[d % size]
            # apply_rotation leaves leave days out: ask for the pattern's shift so a skip is reported
            wanted[(staff_id, problem.date_of(d))] = mine.get(d) or (
                Assignment(staff_id, d, code, skill(staff_id, code)) if code is not None else None
            )
    return _apply(problem, shifts, rows, wanted, keep_pinned)


def staggered(staff_ids: Sequence[str], stagger: int, size: int) -> dict[str, int]:
    """Nurse i starts ``i * stagger`` days into the cycle (a team covering every position of it)."""
    return {s: (i * stagger) % size for i, s in enumerate(staff_ids)}


# --- explain ----------------------------------------------------------------------------------------------


def rule_name(rule: str, lang: str) -> str:
    """A rule in words: Chinese (the grid's names) or English (the engine's)."""
    if lang == "zh":
        return rules.RULE_NAMES.get(rule, rule)
    return SOFT_RULES.get(rule) or HARD_RULES.get(rule, rule)


@dataclass(frozen=True)
class Comparable:
    """The averages of the nurses on the same contract (her peers), to read her numbers against."""

    nurses: int
    assignments: float
    hours: float
    nights: float
    weekends_worked: float


def peers(explained: Mapping[str, operations.NurseExplanation], staff_id: str) -> Comparable:
    mine = explained[staff_id]
    group = [e for e in explained.values() if e.contract == mine.contract]
    n = len(group)
    return Comparable(
        n,
        round(sum(e.assignments for e in group) / n, 1),
        round(sum(e.hours for e in group) / n, 1),
        round(sum(e.nights for e in group) / n, 1),
        round(sum(e.weekends_worked for e in group) / n, 1),
    )


def explain_lines(
    name: str,
    contract_name: str,
    e: operations.NurseExplanation,
    peer: Comparable,
    shift_names: Mapping[str, str],
    lang: str,
) -> list[str]:
    """Her roster in sentences, in the reader's language (the engine's ``text()`` reads English only)."""
    lo, hi = e.assignments_allowed
    by_type = sorted(e.shifts.items())
    costly = sorted(e.costs.items(), key=lambda kv: (-kv[1], kv[0]))
    limited = e.nights_allowed < UNLIMITED
    if lang == "zh":
        night_limit = f"（最多 {e.nights_allowed} 个）" if limited else ""
    else:
        night_limit = f" (at most {e.nights_allowed})" if limited else ""
    if lang == "zh":
        lines = [
            f"{name}（{contract_name}）：{e.assignments} 个班（合同 {lo}–{hi}），{e.hours:g} 小时，"
            f"{e.nights} 个夜班{night_limit}，"
            f"工作 {e.weekends_worked} 个周末（最多 {e.weekends_allowed} 个）",
            f"同合同 {peer.nurses} 人平均：{peer.assignments:g} 个班，{peer.nights:g} 个夜班，"
            f"{peer.weekends_worked:g} 个周末",
            "班次：" + ("，".join(f"{shift_names.get(k, k)} {v} 个" for k, v in by_type) or "无"),
            f"排班意愿：满足 {e.requests_granted} 项，未满足 {e.requests_refused} 项",
            "扣分：" + ("；".join(f"{rule_name(k, lang)} {v}" for k, v in costly) if costly else "无"),
        ]
    else:
        lines = [
            f"{name} ({contract_name}): {e.assignments} shifts (contract {lo}-{hi}), {e.hours:g} h, "
            f"{e.nights} nights{night_limit}, "
            f"{e.weekends_worked} weekends worked (at most {e.weekends_allowed})",
            f"the {peer.nurses} nurses on her contract average {peer.assignments:g} shifts, "
            f"{peer.nights:g} nights, {peer.weekends_worked:g} weekends",
            "shifts: " + (", ".join(f"{shift_names.get(k, k)} x{v}" for k, v in by_type) or "none"),
            f"requests: {e.requests_granted} granted, {e.requests_refused} not granted",
            "penalties: " + ("; ".join(f"{rule_name(k, lang)} {v}" for k, v in costly) if costly else "none"),
        ]
    return lines
