"""Auto-roster jobs: what a job is, the states it moves through, and the rules of its life.

A job is one solve of one roster period: ``queued`` when ``POST …/solve`` made it, ``running`` once a
worker took it (only one worker ever does: the change is conditional on ``queued``), then ``succeeded``,
``failed`` or ``cancelled`` (a cancel keeps nothing; a stop ends the search early and keeps its best
roster as the result). While it runs, the worker beats every ``HEARTBEAT`` with its progress; a
job whose beats stop (``STALE_RUNNING``) or that no worker took (``STALE_QUEUED``) is failed by the
sweep. A job's result is a new draft revision, or, when the draft changed while it solved, the roster
kept on the job (``result = kept``) for a head nurse to apply on purpose.

Pure: the times come from the caller; no AWS, no processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from chalicelib.scheduling.domain.roster.model import Assignment, Roster, RosterProblem

State = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Mode = Literal["solve", "fill", "repair"]  # repair: the days of a disruption re-solved, the rest pinned
Result = Literal["saved", "kept", "applied", "proposed"]  # proposed: a repair, on its disruption
LIVE: tuple[State, ...] = ("queued", "running")
ENDED: tuple[State, ...] = ("succeeded", "failed", "cancelled")

MIN_TIME_LIMIT, MAX_TIME_LIMIT, DEFAULT_TIME_LIMIT = 10, 600, 60
HEARTBEAT = timedelta(seconds=5)  # the worker writes its beat (progress, percent) this often
STALE_RUNNING = timedelta(minutes=2)  # a running job with no beat for this long has lost its worker
STALE_QUEUED = timedelta(minutes=5)  # a queued job no worker took within this was never started
PROGRESS_POINTS = 20  # best cost over time: at most this many (seconds, cost) points are kept

# Why a job failed, in English (shared/i18n.py has each in Chinese; the view translates for the reader).
HEARTBEAT_STOPPED = "the solver stopped answering (no heartbeat for {} minutes)"
NEVER_STARTED = "no solver took the job within {} minutes"
INFEASIBLE = "no roster satisfies the hard rules"
INFEASIBLE_SHORT = "no roster satisfies the hard rules: {}"
SHORTAGE = "{} {} needs {} {}, only {} can work"
SOLVER_ERROR = "the solver failed: {}"
SOLVE_RUNNING = "a solve of this period is already running: job {}"
ALREADY_ENDED = "the job has ended ({}): there is nothing to cancel"
NOT_KEPT = "only a result kept because the draft changed can be applied; this job's is {}"
CANCELLED = "cancelled by {}"
CANCELLED_RUNNING = "cancelled while solving: nothing was kept"
STOPPED = "stopped by {} after {} s: the best roster found by then"
NOTHING_TO_STOP = "the job has ended ({}): there is nothing to stop"
NOT_LAUNCHED = "the solver could not be started, retry shortly"
SAVED_NOTE = "auto-roster job {}"
APPLIED_NOTE = "auto-roster job {}, applied by {}"
REPAIR_GONE = "the disruption was resolved or dismissed while solving: the proposal was not kept"
DRAFT_CHANGED = "the draft changed while solving (revision {} → {}): the result is kept on the job; apply it to replace the draft"  # noqa: E501


@dataclass(frozen=True)
class SolveSettings:
    """What the head nurse asked for: how long, what to keep, solve afresh or fill the open shifts."""

    time_limit: int = DEFAULT_TIME_LIMIT
    keep_pinned: bool = True
    keep_published_days: bool = True
    mode: Mode = "solve"
    days: tuple[date, ...] = ()  # a repair's days (everything else is pinned as the live version has it)
    disruption_id: str = ""  # a repair's disruption: its proposal is the result (not the draft)


@dataclass(frozen=True)
class SolveJob:
    """One solve of one period. ``ward_ids`` are the period's (who may see and act on the job)."""

    id: str
    period_id: str
    ward_ids: tuple[str, ...]
    settings: SolveSettings
    state: State
    created_at: datetime
    created_by: str
    created_by_name: str = ""
    period_name: str = ""
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    ended_at: datetime | None = None
    percent: int = 0
    progress: tuple[tuple[float, int], ...] = ()  # (seconds, best cost)
    cost: int | None = None
    cost_by_rule: Mapping[str, int] = field(default_factory=dict)
    base_revision: int | None = None  # the draft's revision the solve started from
    revision: int | None = None  # the draft revision the result became
    result: Result | None = None
    reason: str = ""  # why it failed, or why its result was kept
    cancel_requested: bool = False
    # "stop and keep the best": the worker ends the search at its next beat (or, asked before it
    # started, at the first roster) and the best roster so far is the result, like a finished one's
    stop_requested: bool = False
    stop_requested_by: str = ""  # who asked (a name where the directory has one)
    kept: tuple[Assignment, ...] = ()  # the roster of a kept result, for apply

    @property
    def live(self) -> bool:
        return self.state in LIVE

    def stale_at(self) -> datetime:
        """When the sweep may fail this job if nothing more is heard of it."""
        if self.state == "queued":
            return self.created_at + STALE_QUEUED
        return (self.heartbeat_at or self.started_at or self.created_at) + STALE_RUNNING

    def stale_reason(self) -> str:
        if self.state == "queued":
            return NEVER_STARTED.format(int(STALE_QUEUED.total_seconds() // 60))
        return HEARTBEAT_STOPPED.format(int(STALE_RUNNING.total_seconds() // 60))


def percent(elapsed: float, time_limit: float) -> int:
    """Elapsed over the time limit, in whole percent; a running job says at most 99."""
    if time_limit <= 0:
        return 99
    return max(0, min(99, int(elapsed * 100 // time_limit)))


def thin(points: Sequence[tuple[float, int]], keep: int = PROGRESS_POINTS) -> tuple[tuple[float, int], ...]:
    """At most ``keep`` points of a best-cost trace: the first, the last, and evenly between."""
    rounded = [(round(float(t), 1), int(c)) for t, c in points]
    if len(rounded) <= keep:
        return tuple(rounded)
    step = (len(rounded) - 1) / (keep - 1)
    return tuple(rounded[round(i * step)] for i in range(keep))


def cost_by_rule(soft: Mapping[str, int], hard: Mapping[str, int]) -> dict[str, int]:
    """The rules that cost something: every soft rule's cost, and any hard violation (count) by name."""
    out = {rule: int(cost) for rule, cost in soft.items() if cost}
    out.update({rule: int(n) for rule, n in hard.items() if n})
    return out


@dataclass(frozen=True)
class Shortage:
    """A day and shift whose minimum for a skill more people than can work that day are needed for."""

    day: date
    shift: str
    skill: str
    needed: int
    available: int

    def text(self) -> str:
        return SHORTAGE.format(self.day.isoformat(), self.shift, self.needed, self.skill, self.available)


def shortages(problem: RosterProblem) -> list[Shortage]:
    """What is short, where it can be seen without a solve: per day and skill, the minimums of its
    shifts against the nurses with that skill who may work that day (not on leave, not pinned off or
    to another shift). Each nurse works one shift a day, so a skill short on a day is short on the
    day's shift with the largest minimum for it (named; the rest of that day's demand is summed)."""
    leave = {(lv.nurse, lv.day) for lv in problem.leave}
    pinned = {(p.nurse, p.day): p.shift for p in problem.pins}
    out: list[Shortage] = []
    for day in range(problem.num_days):
        needs: dict[str, list[tuple[int, str]]] = {}
        for d in problem.demand:
            if d.day == day and d.minimum > 0:
                needs.setdefault(d.skill, []).append((d.minimum, d.shift))
        for skill, rows in needs.items():
            total = sum(m for m, _ in rows)
            able = sum(
                1
                for n in problem.nurses
                if skill in n.skills
                and (n.id, day) not in leave
                and not ((n.id, day) in pinned and pinned[(n.id, day)] is None)
            )
            if able < total:
                _, shift = max(rows)
                out.append(Shortage(problem.date_of(day), shift, skill, total, able))
    return out


def infeasible_reason(problem: RosterProblem) -> str:
    short = shortages(problem)
    if not short:
        return INFEASIBLE
    return INFEASIBLE_SHORT.format("; ".join(s.text() for s in short[:5]))


def roster_of(assignments: Iterable[Sequence[object]]) -> Roster:
    """A roster from its stored rows ``[nurse, day, shift, skill]``."""
    return Roster(tuple(Assignment(str(n), int(str(d)), str(s), str(k)) for n, d, s, k in assignments))


def rows_of(roster: Roster) -> list[list[object]]:
    return [[a.nurse, a.day, a.shift, a.skill] for a in roster.assignments]
