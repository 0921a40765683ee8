"""Roster periods: their states, the cells, what a hand edit may not do, what moved between versions.

A period is a ward (or a group of wards, 分组排班) × a span of days (a week, a month: at most 62). Its
states: ``draft → submitted → approved → published`` (a ward that skips approval publishes from draft);
editing a published period puts it back in draft while its last published version stays live. Its
``revision`` counts the changes of the draft (every edit, solve result, copy, rotation); ``version``
counts its published versions (0: never published).

Which hard rules refuse a hand edit (the rest are the roster's state, shown on the grid):

- refused, naming the rule, the nurse and the day: a shift the ward does not have; a nurse or a day
  outside the period; a skill the nurse lacks (``H4``: the shift's own skill, or the one asked for);
  approved leave that day (``leave``); a forbidden succession or too short a rest with the day before or
  after (``H3``, the day before the period judged from the previous published period);
- not refused: coverage below the minimum (``H2``: a draft is incomplete while it is being made — the
  grid and the submission show it), a pinned cell (pins bind the solver, not the head nurse, who sets
  them); two shifts a day cannot happen (a cell holds one shift).

Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from chalicelib.scheduling.domain.problem import RosterNurse, build_problem, resolved
from chalicelib.scheduling.domain.roster.evaluate import HARD_RULES, SOFT_RULES, Evaluation, evaluate
from chalicelib.scheduling.domain.roster.model import (
    Assignment,
    NurseHistory,
    Pin,
    Roster,
    RosterProblem,
)
from chalicelib.scheduling.domain.setup import NURSE, CalendarDay, ShiftDef, WardSetup

from shared.errors import Conflict, RuleViolation

State = Literal["draft", "submitted", "approved", "published"]
LONGEST_PERIOD = 62  # days: two months at most
HOSPITAL_TZ = ZoneInfo("Asia/Shanghai")  # the hospital's local time zone; stored times are UTC
MAX_LINES = 20  # lines per nurse in a published version's changes
STATE_NAMES = {"draft": "草稿", "submitted": "审批中", "approved": "已审批", "published": "已发布"}
RULE_NAMES = {
    "H1": "每天只能排一个班",
    "H2": "最低人数",
    "H3": "班次衔接（禁止的衔接或休息不足）",
    "H4": "所需技能或层级",
    "leave": "已批准的请假",
    "pin": "锁定的班次",
    "S1": "理想人数",
    "S2": "连续工作天数或连续同一班次",
    "S3": "连续休息天数",
    "S4": "排班意愿",
    "S5": "完整周末",
    "S6": "班次总数",
    "S7": "工作周末数",
    "hours": "合同工时",
    "fairness": "夜班、周末和节假日的均衡",
    "nights": "夜班数超过合同上限",
}
OFF = "休"


@dataclass(frozen=True)
class Cell:
    """One nurse's day: the shift (its code), the skill she covers on it, and whether it is pinned
    (kept as it is by a solve)."""

    shift: str
    skill: str = NURSE
    pinned: bool = False


@dataclass(frozen=True)
class NurseRow:
    """A nurse's cells of a period (date → cell), with what the grid shows of her."""

    staff_id: str
    staff_name: str
    ward_id: str
    grade: str = ""
    cells: Mapping[date, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodRecord:
    """The period header (see the module docstring for states, revision and version)."""

    id: str
    ward_ids: tuple[str, ...]
    ward_names: tuple[str, ...]
    name: str
    start: date
    end: date  # included
    state: State
    revision: int
    version: int
    created_at: datetime
    created_by: str
    submitted_revision: int | None = None
    approval_instance_id: str = ""
    decision_reason: str = ""
    published_at: datetime | None = None
    published_by: str = ""
    published_by_name: str = ""
    request_deadline: date | None = None  # None: the default (domain/requests.default_deadline)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(self.days)]


@dataclass(frozen=True)
class Snapshot:
    """A published version: every nurse's shifts as they were published, and the shift types they
    name (so the on-duty read model and the diffs need nothing else)."""

    period_id: str
    version: int
    revision: int
    ward_ids: tuple[str, ...]
    ward_names: tuple[str, ...]
    start: date
    end: date
    published_at: datetime
    published_by: str
    published_by_name: str
    shifts: tuple[ShiftDef, ...]
    names: Mapping[str, str]  # staff id -> name
    wards: Mapping[str, str]  # staff id -> ward id
    cells: Mapping[str, Mapping[date, Cell]]  # staff id -> date -> cell


@dataclass(frozen=True)
class Change:
    """One cell a hand edit sets (``shift``) or clears (``shift`` None)."""

    staff_id: str
    day: date
    shift: str | None
    pinned: bool = False
    skill: str | None = None


@dataclass(frozen=True)
class Fault:
    """A hard rule a change breaks: the rule, the nurse and the day."""

    rule: str
    staff_id: str
    staff_name: str
    day: date
    detail: str = ""

    def text(self) -> str:
        return f"{self.staff_name} {day_label(self.day)}: {RULE_NAMES.get(self.rule, self.rule)}" + (
            f"（{self.detail}）" if self.detail else ""
        )


class EditRefused(RuleViolation):
    """A hand edit breaks a hard rule (422): every fault found, each naming the rule, nurse and day."""

    def __init__(self, faults: Sequence[Fault]):
        first = faults[0]
        super().__init__(
            f"{first.staff_name} on {first.day.isoformat()}: {RULE_NAMES.get(first.rule, first.rule)}",
            field="changes",
        )
        self.faults = list(faults)


# --- spans, names and states ------------------------------------------------------------------------


def check_span(start: date, end: date) -> None:
    if end < start:
        raise RuleViolation("the period ends before it starts", field="end")
    if (end - start).days + 1 > LONGEST_PERIOD:
        raise RuleViolation("a period is at most 62 days (a week or a month)", field="end")


def whole_month(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1 and start.month == end.month


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日"


def span_label(start: date, end: date) -> str:
    """'2027年1月' for a whole month, else '2027年1月4日–1月10日'."""
    if whole_month(start, end):
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{day_label(start)}–{day_label(end)}"


def title(ward_names: Sequence[str], start: date, end: date, version: int = 0) -> str:
    """What a person reads: '心血管内科 2027年1月排班', and '（第2版）' from the second version on."""
    text = f"{'、'.join(ward_names)} {span_label(start, end)}排班"
    return text + (f"（第{version}版）" if version > 1 else "")


def require_state(period: PeriodRecord, *allowed: State) -> None:
    if period.state not in allowed:
        raise Conflict(f"the roster period is {period.state}")


def require_editable(period: PeriodRecord) -> None:
    """Submitted and approved periods are withdrawn before they change (a draft or a published one
    may: a published one becomes a new draft, its version staying live)."""
    if period.state in ("submitted", "approved"):
        raise Conflict(f"the roster period is {period.state}: withdraw it before changing it")


def require_revision(period: PeriodRecord, revision: int | None) -> None:
    if revision is not None and revision != period.revision:
        raise Conflict(f"the roster period is at revision {period.revision}, not {revision}; reload it")


# --- the grid as the engine's roster ----------------------------------------------------------------


def roster_of(problem: RosterProblem, rows: Iterable[NurseRow]) -> Roster:
    """The period's cells as the engine's roster (cells outside the period or of nurses the problem does
    not hold are left out: the grid shows them, the rules do not judge them)."""
    ids = {n.id for n in problem.nurses}
    out = []
    for row in rows:
        if row.staff_id not in ids:
            continue
        for day, cell in row.cells.items():
            index = (day - problem.start).days
            if 0 <= index < problem.num_days:
                out.append(Assignment(row.staff_id, index, cell.shift, cell.skill))
    return Roster(tuple(sorted(out, key=lambda a: (a.nurse, a.day))))


def pins_of(problem: RosterProblem, rows: Iterable[NurseRow]) -> list[Pin]:
    ids = {n.id for n in problem.nurses}
    return [
        Pin(row.staff_id, (day - problem.start).days, cell.shift, cell.skill)
        for row in rows
        if row.staff_id in ids
        for day, cell in row.cells.items()
        if cell.pinned and 0 <= (day - problem.start).days < problem.num_days
    ]


def cells_of(
    problem: RosterProblem, roster: Roster, pinned: set[tuple[str, int]]
) -> dict[str, dict[date, Cell]]:
    """The engine's roster as cells per nurse (the pinned ones stay pinned)."""
    out: dict[str, dict[date, Cell]] = {n.id: {} for n in problem.nurses}
    for a in roster.assignments:
        out.setdefault(a.nurse, {})[problem.date_of(a.day)] = Cell(
            a.shift, a.skill, (a.nurse, a.day) in pinned
        )
    return out


def carried_history(
    cells: Mapping[str, Mapping[date, Cell]], last_day: date, days: int
) -> dict[str, NurseHistory]:
    """What each nurse carries into the day after ``last_day`` from the previous published period
    (``days`` long): her last shift and her streaks (working days, the same shift, days off).

    Totals (shifts, hours, working weekends) are not carried: a contract's limits are scaled to each
    period (``problem._contract``), so last month's shifts counted against this month's would be
    counted twice. A nurse who was not in the previous period starts fresh."""
    out: dict[str, NurseHistory] = {}
    for staff_id, mine in cells.items():
        run = [mine.get(last_day - timedelta(days=k)) for k in range(days)]  # newest first
        last = run[0].shift if run and run[0] is not None else None
        if last is not None:
            work = next((k for k, c in enumerate(run) if c is None), len(run))
            same = next((k for k, c in enumerate(run) if c is None or c.shift != last), len(run))
            out[staff_id] = NurseHistory(last_shift=last, consecutive_same_shift=same, consecutive_work=work)
        else:
            off = next((k for k, c in enumerate(run) if c is not None), len(run))
            out[staff_id] = NurseHistory(consecutive_off=off)
    return out


# --- hand edits -------------------------------------------------------------------------------------


def default_skill(problem: RosterProblem, shift: ShiftDef, staff_id: str, day: int, roster: Roster) -> str:
    """The skill a nurse covers when the edit names none: the shift's own, else a skill of hers the
    day's demand still lacks (the rarer first), else ``nurse``."""
    if shift.skill:
        return shift.skill
    nurse = problem.nurse(staff_id)
    covered: dict[str, int] = {}
    for a in roster.assignments:
        if a.day == day and a.shift == shift.code and a.nurse != staff_id:
            covered[a.skill] = covered.get(a.skill, 0) + 1
    for skill in reversed(nurse.skills):
        for d in problem.demand:
            if (
                d.day == day
                and d.shift == shift.code
                and d.skill == skill
                and covered.get(skill, 0) < d.optimal
            ):
                return skill
    return NURSE if NURSE in nurse.skills else nurse.skills[0]


def apply_changes(
    problem: RosterProblem,
    shifts: Sequence[ShiftDef],
    rows: Mapping[str, NurseRow],
    changes: Sequence[Change],
    names: Mapping[str, str],
) -> dict[str, NurseRow]:
    """The rows after ``changes``, or ``EditRefused`` with every hard fault they bring (see the module
    docstring for which). ``rows`` holds every nurse of the period (empty rows included)."""
    by_code = {s.code: s for s in shifts}
    nurses = {n.id: n for n in problem.nurses}
    faults: list[Fault] = []
    out = {k: replace(v, cells=dict(v.cells)) for k, v in rows.items()}
    last = problem.start + timedelta(days=problem.num_days - 1)
    for change in changes:
        name = names.get(change.staff_id, change.staff_id)
        if change.staff_id not in nurses or change.staff_id not in out:
            faults.append(Fault("nurse", change.staff_id, name, change.day, "不在本排班周期的护士中"))
            continue
        if not problem.start <= change.day <= last:
            faults.append(Fault("day", change.staff_id, name, change.day, "不在本排班周期内"))
            continue
        cells = dict(out[change.staff_id].cells)
        if change.shift is None:
            cells.pop(change.day, None)
        else:
            shift = by_code.get(change.shift)
            if shift is None:
                faults.append(
                    Fault("shift", change.staff_id, name, change.day, f"本病区没有班次 {change.shift}")
                )
                continue
            index = (change.day - problem.start).days
            skill = change.skill or default_skill(
                problem, shift, change.staff_id, index, roster_of(problem, out.values())
            )
            cells[change.day] = Cell(shift.code, skill, change.pinned)
        out[change.staff_id] = replace(out[change.staff_id], cells=cells)
    faults += hard_faults(problem, out, {(c.staff_id, c.day) for c in changes}, by_code, names)
    if faults:
        raise EditRefused(faults)
    return out


def hard_faults(
    problem: RosterProblem,
    rows: Mapping[str, NurseRow],
    touched: set[tuple[str, date]],
    shifts: Mapping[str, ShiftDef],
    names: Mapping[str, str],
) -> list[Fault]:
    """The refused hard rules (H4, leave, H3) that involve a touched cell."""
    nurses = {n.id: n for n in problem.nurses}
    leave = {(lv.nurse, problem.date_of(lv.day)) for lv in problem.leave}
    forbidden = problem.forbidden()
    faults: list[Fault] = []
    for staff_id, day in sorted(touched):
        row = rows.get(staff_id)
        if row is None or staff_id not in nurses:
            continue
        name = names.get(staff_id, row.staff_name or staff_id)
        cell = row.cells.get(day)
        if cell is not None:
            shift = shifts.get(cell.shift)
            if cell.skill not in nurses[staff_id].skills:
                faults.append(Fault("H4", staff_id, name, day, f"缺少技能 {cell.skill}"))
            elif shift is not None and shift.skill and cell.skill != shift.skill:
                faults.append(Fault("H4", staff_id, name, day, f"{shift.name}需要 {shift.skill}"))
            if (staff_id, day) in leave:
                faults.append(Fault("leave", staff_id, name, day, "当天已批准请假"))
        for first, second in ((day - timedelta(days=1), day), (day, day + timedelta(days=1))):
            a = _shift_on(problem, row, first)
            b = _shift_on(problem, row, second)
            if a is not None and b is not None and (a, b) in forbidden and cell is not None:
                names_of = {s.code: s.name for s in shifts.values()}
                faults.append(
                    Fault(
                        "H3",
                        staff_id,
                        name,
                        day,
                        f"{day_label(first)}{names_of.get(a, a)}后"
                        f"{day_label(second)}不能接{names_of.get(b, b)}",
                    )
                )
    return faults


def _shift_on(problem: RosterProblem, row: NurseRow, day: date) -> str | None:
    if day < problem.start:
        return (
            problem.history_of(row.staff_id).last_shift if day == problem.start - timedelta(days=1) else None
        )
    cell = row.cells.get(day)
    return cell.shift if cell is not None else None


# --- costs, coverage and warnings -------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCost:
    rule: str
    rule_name: str
    cost: int  # soft: the weighted cost; hard: the number of violations
    hard: bool


def costs(ev: Evaluation) -> list[RuleCost]:
    """The roster's cost per rule (the rules that cost something), hard violations first."""
    hard = [RuleCost(k, RULE_NAMES.get(k, HARD_RULES[k]), v, True) for k, v in ev.hard.items() if v]
    soft = [RuleCost(k, RULE_NAMES.get(k, SOFT_RULES[k]), v, False) for k, v in ev.soft.items() if v]
    return hard + soft


@dataclass(frozen=True)
class Warning:
    """A soft rule an edit made costlier, for a nurse (or the ward, for coverage)."""

    rule: str
    rule_name: str
    cost: int  # what the edit added
    staff_id: str | None


def warnings(before: Evaluation, after: Evaluation) -> list[Warning]:
    out: list[Warning] = []
    nurses = sorted(set(before.per_nurse) | set(after.per_nurse))
    for staff_id in nurses:
        was, now = before.per_nurse.get(staff_id, {}), after.per_nurse.get(staff_id, {})
        for rule in sorted(now):
            added = now[rule] - was.get(rule, 0)
            if added > 0:
                out.append(Warning(rule, RULE_NAMES.get(rule, rule), added, staff_id))
    for rule in ("S1", "fairness"):
        ward_was = before.soft[rule] - sum(v.get(rule, 0) for v in before.per_nurse.values())
        ward_now = after.soft[rule] - sum(v.get(rule, 0) for v in after.per_nurse.values())
        if ward_now > ward_was:
            out.append(Warning(rule, RULE_NAMES[rule], ward_now - ward_was, None))
    return out


@dataclass(frozen=True)
class Coverage:
    """One day × shift × skill: who covers it against the demand."""

    day: date
    shift: str
    skill: str
    count: int
    minimum: int
    optimal: int

    @property
    def open(self) -> int:
        return max(0, self.optimal - self.count)

    @property
    def below_minimum(self) -> int:
        return max(0, self.minimum - self.count)


def coverage(problem: RosterProblem, roster: Roster) -> list[Coverage]:
    got: dict[tuple[int, str, str], int] = {}
    for a in roster.assignments:
        got[(a.day, a.shift, a.skill)] = got.get((a.day, a.shift, a.skill), 0) + 1
    keys = {(d.day, d.shift, d.skill): d for d in problem.demand}
    out = [
        Coverage(problem.date_of(day), shift, skill, got.get((day, shift, skill), 0), d.minimum, d.optimal)
        for (day, shift, skill), d in keys.items()
    ]
    for (day, shift, skill), n in got.items():
        if (day, shift, skill) not in keys:
            out.append(Coverage(problem.date_of(day), shift, skill, n, 0, 0))
    order = {s.id: i for i, s in enumerate(problem.shift_types)}
    return sorted(out, key=lambda c: (c.day, order.get(c.shift, 99), c.skill))


def evaluate_rows(problem: RosterProblem, rows: Iterable[NurseRow]) -> Evaluation:
    return evaluate(problem, roster_of(problem, rows))


# --- publishing: what moved, in words -----------------------------------------------------------------


def shifts_by_day(cells: Mapping[date, Cell]) -> dict[date, str]:
    return {day: cell.shift for day, cell in cells.items()}


def change_lines(
    before: Mapping[date, str] | None, after: Mapping[date, str], names: Mapping[str, str]
) -> list[str]:
    """A nurse's lines in words ('12月3日 白班 → 大夜'; on a first version, '12月3日 白班'), at most
    ``MAX_LINES``, then '…另有 N 处变动'."""

    def word(code: str | None) -> str:
        return OFF if code is None else names.get(code, code)

    if before is None:
        lines = [f"{day_label(d)} {word(after[d])}" for d in sorted(after)]
    else:
        days = sorted(d for d in set(before) | set(after) if before.get(d) != after.get(d))
        lines = [f"{day_label(d)} {word(before.get(d))} → {word(after.get(d))}" for d in days]
    if len(lines) > MAX_LINES:
        return [*lines[:MAX_LINES], f"…另有 {len(lines) - MAX_LINES} 处变动"]
    return lines


def changes_between(before: Snapshot | None, after: Snapshot) -> list[tuple[str, list[str]]]:
    """(staff id, lines) of every nurse whose shifts differ from the version before (every nurse with
    shifts on a first version), by name."""
    names = {s.code: s.name for s in after.shifts}
    if before is not None:
        names = {**{s.code: s.name for s in before.shifts}, **names}
    out = []
    staff = set(after.cells) | (set(before.cells) if before is not None else set())
    for staff_id in sorted(
        staff, key=lambda s: (after.names.get(s) or (before.names.get(s, s) if before else s))
    ):
        now = shifts_by_day(after.cells.get(staff_id, {}))
        if before is None:
            if now:
                out.append((staff_id, change_lines(None, now, names)))
            continue
        was = shifts_by_day(before.cells.get(staff_id, {}))
        if was != now:
            out.append((staff_id, change_lines(was, now, names)))
    return out


# --- the on-duty read model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyShift:
    """One ward's shift on one day, as published: its window in UTC and who works it."""

    ward_id: str
    day: date
    shift: str
    starts_at: datetime
    ends_at: datetime
    staff_ids: tuple[str, ...]
    shift_name: str = ""
    staff_names: tuple[str, ...] = ()


def window_utc(shift: ShiftDef, day: date, tz: ZoneInfo = HOSPITAL_TZ) -> tuple[datetime, datetime]:
    """The shift worked on local ``day`` as UTC times (a shift crossing midnight ends the next day)."""
    begin, end = shift.window(day)
    return begin.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC)


def duty_shifts(snapshot: Snapshot) -> list[DutyShift]:
    """Every ward × day × shift of a published version with someone on it."""
    by_code = {s.code: s for s in snapshot.shifts}
    groups: dict[tuple[str, date, str], list[str]] = {}
    for staff_id, mine in snapshot.cells.items():
        ward = snapshot.wards.get(staff_id, snapshot.ward_ids[0])
        for day, cell in mine.items():
            if cell.shift in by_code:
                groups.setdefault((ward, day, cell.shift), []).append(staff_id)
    out = []
    for (ward, day, code), staff in sorted(groups.items()):
        begin, end = window_utc(by_code[code], day)
        ids = tuple(sorted(staff))
        names = tuple(snapshot.names.get(s, "") for s in ids)
        out.append(DutyShift(ward, day, code, begin, end, ids, by_code[code].name, names))
    return out


@dataclass(frozen=True)
class MyShift:
    """A published shift of one nurse, as her phone shows it."""

    day: date
    shift: str
    shift_name: str
    starts_at: datetime
    ends_at: datetime
    ward_id: str
    ward_name: str
    # The published version it is from, and when that was published (a calendar feed's SEQUENCE and
    # LAST-MODIFIED); 0 / None for items written before they were kept.
    version: int = 0
    published_at: datetime | None = None


def my_shifts(snapshot: Snapshot) -> dict[str, list[MyShift]]:
    """Each nurse's shifts of a published version (staff id → shifts by day)."""
    by_code = {s.code: s for s in snapshot.shifts}
    ward_names = dict(zip(snapshot.ward_ids, snapshot.ward_names, strict=False))
    out: dict[str, list[MyShift]] = {}
    for staff_id, mine in snapshot.cells.items():
        ward = snapshot.wards.get(staff_id, snapshot.ward_ids[0])
        shifts = []
        for day in sorted(mine):
            shift = by_code.get(mine[day].shift)
            if shift is None:
                continue
            begin, end = window_utc(shift, day)
            shifts.append(
                MyShift(
                    day,
                    shift.code,
                    shift.name,
                    begin,
                    end,
                    ward,
                    ward_names.get(ward, ""),
                    snapshot.version,
                    snapshot.published_at,
                )
            )
        out[staff_id] = shifts
    return out


# --- the period as the engine's problem ---------------------------------------------------------------


def problem_of(
    period: PeriodRecord,
    setups: Sequence[WardSetup],
    nurses: Sequence[RosterNurse],
    *,
    calendar: Mapping[date, CalendarDay] | None = None,
    leave: Iterable[tuple[str, date]] = (),
    history: Mapping[str, NurseHistory] | None = None,
    pins: Iterable[Pin] = (),
) -> tuple[RosterProblem, tuple[ShiftDef, ...]]:
    """The engine's problem for the period, and the shift types it uses. One ward: its setup. A group of
    wards (分组排班): the first ward's shifts, rules and contracts; each ward's demand covered by its own
    nurses (the demand is tagged with the ward)."""
    parts = []
    for setup in setups:
        mine = [n for n in nurses if n.ward_id == setup.ward_id]
        parts.append(
            build_problem(
                setup,
                mine,
                period.start,
                period.days,
                name=period.name,
                calendar=calendar,
                leave=leave,
                history=history,
            )
        )
    first = parts[0]
    shifts = resolved(setups[0], len([n for n in nurses if n.ward_id == setups[0].ward_id])).shifts
    if len(parts) == 1:
        return replace(first, pins=tuple(pins)), shifts
    contracts = dict(first.contracts)
    for part in parts[1:]:
        for key, value in part.contracts.items():
            contracts.setdefault(key, value)
    nurse_list = tuple(n for part in parts for n in part.nurses)
    demand = tuple(
        replace(d, ward=setup.ward_id)
        for part, setup in zip(parts, setups, strict=True)
        for d in part.demand
        if d.shift in {s.id for s in first.shift_types}
    )
    skills = tuple(dict.fromkeys([s for part in parts for s in part.skills]))
    return (
        replace(
            first,
            nurses=nurse_list,
            contracts=MappingProxyType(contracts),
            demand=demand,
            skills=skills,
            leave=tuple(x for part in parts for x in part.leave),
            history=MappingProxyType({k: v for part in parts for k, v in part.history.items()}),
            pins=tuple(pins),
        ),
        shifts,
    )


def leave_days(records: Iterable[tuple[str, date, date]], first: date, last: date) -> list[tuple[str, date]]:
    """(staff id, day) of every day of approved leave inside [first, last] (a half day blocks the day)."""
    out = []
    for staff_id, start, end in records:
        day = max(start, first)
        while day <= min(end, last):
            out.append((staff_id, day))
            day += timedelta(days=1)
    return out
