"""Nurses' requests (排班意愿) for a roster period: when they may be filed, their limits, what the engine
makes of them, and whether the roster granted each one — and if not, why.

- **Kinds**: ``day_off`` (no shift that day), ``shift_off`` (not that shift that day), ``shift_on`` (that
  shift that day). The engine's ``ShiftRequest``: ``day_off`` → (shift None, on False), ``shift_off`` →
  (shift, on False), ``shift_on`` → (shift, on True), with a weight from the priority (``WEIGHTS``):
  the soft rule S4 costs ``Weights.request`` (10) × weight for a request the roster does not grant, so
  priority 1 costs 10, 2 costs 30 (one nurse missing from the optimal), 3 costs 50.
- **When**: while the period is a draft, until its request deadline (a local date, included). Unless the
  rosterers set one, it is ``DEADLINE_DAYS`` before the period starts, or the day the period was made if
  that is later (a period made at short notice still takes requests on its first day).
- **Limits**: one request per nurse and day; at most ``MAX_PER_NURSE`` per nurse and period.
- **Why refused** (``verdict``), judged on the roster as it stands, the first that applies: approved leave
  that day (a ``shift_on``); a pinned cell; a skill she lacks (``H4``); the rest or succession with her
  shifts the day before or after (``H3``); the day's minimum (``H2``: the shift she works has no one to
  spare, or every nurse with that skill who is not on leave is needed that day); her contract's minimum
  or maximum of shifts; else "outweighed by other rules" (no single rule explains it).

Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem, ShiftRequest

Kind = Literal["day_off", "shift_off", "shift_on"]
Status = Literal["pending", "granted", "refused"]
KINDS: tuple[Kind, ...] = ("day_off", "shift_off", "shift_on")
KIND_NAMES = {"day_off": "休息", "shift_off": "不上该班", "shift_on": "希望上该班"}
WEIGHTS = {1: 1, 2: 3, 3: 5}  # priority → the engine's weight (× Weights.request = 10)
PRIORITY_NAMES = {1: "一般", 2: "重要", 3: "非常重要"}
MAX_PER_NURSE = 8
DEADLINE_DAYS = 7
STATUS_NAMES = {"pending": "待排班", "granted": "已满足", "refused": "未满足"}
WHY_NAMES = {
    "leave": "当天已批准请假",
    "pinned": "护士长已锁定该班次",
    "H4": "缺少该班次所需的技能或层级",
    "H3": "与前后一天的班次衔接冲突（禁止的衔接或休息不足）",
    "H2": "当天该班次人数已是最低要求",
    "contract_minimum": "合同规定的最少班次数",
    "contract_maximum": "合同规定的最多班次数",
    "outweighed": "与其他排班规则权衡后未能满足",
}


@dataclass(frozen=True)
class RosterRequest:
    """One nurse's request for one day of a period."""

    id: str
    period_id: str
    staff_id: str
    staff_name: str
    day: date
    kind: Kind
    shift: str | None  # the shift's code (shift_off, shift_on); None for day_off
    priority: int
    reason: str
    created_at: datetime
    created_by: str  # who filed it (the nurse, or a rosterer on her behalf)


@dataclass(frozen=True)
class Verdict:
    """Whether the roster grants a request: ``pending`` while the draft has no shift at all."""

    status: Status
    why: str | None = None  # a key of WHY_NAMES when refused
    detail: str = ""  # the numbers or the shifts behind it, in words

    @property
    def why_name(self) -> str | None:
        if self.why is None:
            return None
        return WHY_NAMES[self.why] + (f"（{self.detail}）" if self.detail else "")


# --- when and how many -------------------------------------------------------------------------------


def default_deadline(start: date, created: date) -> date:
    return max(start - timedelta(days=DEADLINE_DAYS), created)


def deadline_of(start: date, created: date, chosen: date | None) -> date:
    return chosen if chosen is not None else default_deadline(start, created)


def is_open(state: str, deadline: date, today: date) -> bool:
    return state == "draft" and today <= deadline


# --- the engine's requests ---------------------------------------------------------------------------


def to_engine(problem: RosterProblem, requests: Iterable[RosterRequest]) -> list[ShiftRequest]:
    """The requests as the engine's soft rule S4 weighs them (a nurse no longer in the problem, a day
    outside it or a shift it does not run is left out: the grid still shows the request)."""
    nurses = {n.id for n in problem.nurses}
    shifts = {s.id for s in problem.shift_types}
    out = []
    for r in requests:
        day = (r.day - problem.start).days
        if r.staff_id not in nurses or not 0 <= day < problem.num_days:
            continue
        if r.shift is not None and r.shift not in shifts:
            continue
        out.append(
            ShiftRequest(
                r.staff_id,
                day,
                None if r.kind == "day_off" else r.shift,
                on=r.kind == "shift_on",
                weight=WEIGHTS.get(r.priority, 1),
            )
        )
    return out


# --- granted or refused, and why -------------------------------------------------------------------


def _label(day: date) -> str:
    return f"{day.month}月{day.day}日"


def verdict(
    problem: RosterProblem,
    roster: Roster,
    request: RosterRequest,
    pinned: set[tuple[str, int]] | None = None,
) -> Verdict:
    """Granted or refused on ``roster``, and the rule that explains a refusal (module docstring)."""
    if not roster.assignments:
        return Verdict("pending")
    index = (request.day - problem.start).days
    try:
        nurse = problem.nurse(request.staff_id)
    except KeyError:
        return Verdict("pending")
    if not 0 <= index < problem.num_days:
        return Verdict("pending")
    cells = roster.by_nurse_day()
    mine = cells.get((nurse.id, index))
    hit = mine is not None and (request.kind == "day_off" or mine.shift == request.shift)
    wants_on = request.kind == "shift_on"
    if hit == wants_on:
        return Verdict("granted")
    names = {s.id: s.name or s.id for s in problem.shift_types}
    pins = pinned if pinned is not None else {(p.nurse, p.day) for p in problem.pins}
    worked = sum(1 for a in roster.assignments if a.nurse == nurse.id)
    contract = problem.contract_of(nurse)
    if wants_on:
        assert request.shift is not None
        if any(lv.nurse == nurse.id and lv.day == index for lv in problem.leave):
            return Verdict("refused", "leave")
        if (nurse.id, index) in pins:
            return Verdict("refused", "pinned")
        shift = problem.shift(request.shift) if request.shift in names else None
        if shift is None:
            return Verdict("refused", "outweighed")
        wanted = [d for d in problem.demand if d.day == index and d.shift == shift.id]
        if wanted and not any(problem.counts_for(nurse, d) for d in wanted):
            needs = "、".join(sorted({d.skill for d in wanted}))
            return Verdict("refused", "H4", f"{names[shift.id]}需要 {needs}")
        forbidden = problem.forbidden()
        before = cells.get((nurse.id, index - 1))
        before_code = (
            before.shift if before else (problem.history_of(nurse.id).last_shift if index == 0 else None)
        )
        after = cells.get((nurse.id, index + 1))
        if before_code is not None and (before_code, shift.id) in forbidden:
            day = problem.date_of(index - 1)
            return Verdict(
                "refused",
                "H3",
                f"{_label(day)}{names.get(before_code, before_code)}后不能接{names[shift.id]}",
            )
        if after is not None and (shift.id, after.shift) in forbidden:
            day = problem.date_of(index + 1)
            return Verdict("refused", "H3", f"{names[shift.id]}后{_label(day)}不能接{names[after.shift]}")
        if mine is None and worked >= contract.max_assignments:
            return Verdict(
                "refused", "contract_maximum", f"已排 {worked} 个班，最多 {contract.max_assignments} 个"
            )
        return Verdict("refused", "outweighed")
    # day_off / shift_off: she works (that shift) that day
    assert mine is not None
    if (nurse.id, index) in pins:
        return Verdict("refused", "pinned")
    short = _needed(problem, roster, nurse.id, index, mine.shift, mine.skill)
    if short:
        return Verdict("refused", "H2", short)
    if request.kind == "day_off" and worked <= contract.min_assignments:
        return Verdict(
            "refused", "contract_minimum", f"已排 {worked} 个班，最少 {contract.min_assignments} 个"
        )
    return Verdict("refused", "outweighed")


def _needed(problem: RosterProblem, roster: Roster, staff_id: str, day: int, shift: str, skill: str) -> str:
    """Why the day's minimum needs her on ``shift`` covering ``skill`` ('' when it does not): the
    shift has no one to spare as rostered, or every nurse with the skill not on leave is needed."""
    nurse = problem.nurse(staff_id)
    names = {s.id: s.name or s.id for s in problem.shift_types}
    on_leave = {lv.nurse for lv in problem.leave if lv.day == day}
    for d in problem.demand:
        if d.day != day or d.skill != skill or d.shift != shift or not problem.counts_for(nurse, d):
            continue
        if d.minimum <= 0:
            continue
        count = sum(
            1
            for a in roster.assignments
            if a.day == day
            and a.shift == shift
            and a.skill == skill
            and problem.counts_for(problem.nurse(a.nurse), d)
        )
        able = [n for n in problem.nurses if n.id not in on_leave and problem.counts_for(n, d)]
        needed = sum(
            x.minimum for x in problem.demand if x.day == day and x.skill == skill and x.ward == d.ward
        )
        label = f"{_label(problem.date_of(day))}{names.get(shift, shift)}"
        if needed >= len(able):
            return (
                f"{_label(problem.date_of(day))}全天最少需要 {needed} 名 {skill}，"
                f"未请假的仅 {len(able)} 名，每一位都需上班"
            )
        if count <= d.minimum:
            return f"{label}最少需要 {d.minimum} 名 {skill}，现有 {count} 名"
    return ""


def mine_of(requests: Sequence[RosterRequest], staff_id: str) -> list[RosterRequest]:
    return [r for r in requests if r.staff_id == staff_id]
