"""Scheduling's repositories in memory (the ports of ``chalicelib.scheduling.domain.ports``).

``tests/service/test_scheduling_store.py`` runs the same checks on these and on the DynamoDB
adapters, so a fake cannot drift from what it stands in for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.ports import EngineOutcome, PeriodSummary
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.solve_jobs import SOLVE_RUNNING, Mode, SolveJob

from shared.errors import Conflict, NotFound
from tests.fakes import MemoryUnitOfWork, page_after


@dataclass
class Tables:
    """What the fakes hold, across tenants (a test can check one tenant never sees another's)."""

    staff: dict[tuple[str, str], StaffRecord] = field(default_factory=dict)
    leave: dict[tuple[str, str, str, str], LeaveRecord] = field(default_factory=dict)


@dataclass
class FakeStaff:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def put(self, record: StaffRecord) -> None:
        self.uow.stage(lambda: self.tables.staff.__setitem__((self.tenant, record.id), record))

    def remove(self, staff_id: str) -> None:
        self.uow.stage(lambda: self.tables.staff.pop((self.tenant, staff_id), None))

    def page(self, limit: int, cursor: str | None) -> tuple[list[StaffRecord], str | None]:
        rows = [(sid, r) for (tenant, sid), r in self.tables.staff.items() if tenant == self.tenant]
        return page_after(rows, limit, cursor, f"{self.tenant}#staff")


@dataclass
class FakeLeave:
    tenant: str
    tables: Tables
    uow: MemoryUnitOfWork

    def _key(self, record: LeaveRecord) -> tuple[str, str, str, str]:
        return (self.tenant, record.start.isoformat(), record.staff_id, record.instance_id)

    def _merge(self, record: LeaveRecord, cancelled_at: datetime | None) -> None:
        key = self._key(record)
        was = self.tables.leave.get(key)
        first = was.cancelled_at if was is not None and was.cancelled_at else cancelled_at
        days = record.days if record.days is not None else (was.days if was is not None else None)
        name = record.staff_name or (was.staff_name if was is not None else "")  # like the adapter's update
        self.tables.leave[key] = replace(record, cancelled_at=first, days=days, staff_name=name)

    def put(self, record: LeaveRecord) -> None:
        self.uow.stage(lambda: self._merge(record, None))

    def cancel(self, record: LeaveRecord, at: datetime) -> None:
        self.uow.stage(lambda: self._merge(record, at))

    def overlapping(
        self, staff_id: str | None, window: Window, limit: int, cursor: str | None
    ) -> tuple[list[LeaveRecord], str | None]:
        rows = [
            (f"{start}#{sid}#{iid}" if staff_id is None else f"{start}#{iid}", r)
            for (tenant, start, sid, iid), r in self.tables.leave.items()
            if tenant == self.tenant
            and (staff_id is None or sid == staff_id)
            and window.starts_from <= r.start <= window.last
            and r.end >= window.first
            and r.cancelled_at is None
        ]
        partition = f"{self.tenant}#leave" + (f"#{staff_id}" if staff_id else "")
        return page_after(rows, limit, cursor, partition)


@dataclass
class FakeStore:
    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def staff(self) -> FakeStaff:
        return FakeStaff(self.tenant, self.tables, self.uow)

    @property
    def leave(self) -> FakeLeave:
        return FakeLeave(self.tenant, self.tables, self.uow)


@dataclass
class Person:
    name: str
    employee_no: str
    department_id: str
    title: str | None = None
    status: str = "active"


@dataclass
class FakeDirectory:
    people: dict[tuple[str, str], Person] = field(default_factory=dict)

    def staff(self, tenant: str, staff_id: str) -> Any:
        return self.people.get((tenant, staff_id))


# ---- auto-roster jobs ------------------------------------------------------------------------------------


@dataclass
class JobTables:
    """Every hospital's jobs and period locks (the live-jobs index reads across them, as the sweep's does)."""

    jobs: dict[tuple[str, str, str], SolveJob] = field(default_factory=dict)
    locks: dict[tuple[str, str], str] = field(default_factory=dict)
    writes: int = 0


@dataclass
class FakeSolveJobs:
    """``SolveJobs`` in memory, with the adapter's conditions: create-only with the period's lock, and
    each change only from the state (and the beat) it was read in."""

    tenant: str
    tables: JobTables = field(default_factory=JobTables)

    def _key(self, period_id: str, job_id: str) -> tuple[str, str, str]:
        return (self.tenant, period_id, job_id)

    def running(self, period_id: str) -> str | None:
        return self.tables.locks.get((self.tenant, period_id))

    def create(self, job: SolveJob) -> None:
        lock = (self.tenant, job.period_id)
        if lock in self.tables.locks:
            raise Conflict(SOLVE_RUNNING.format(self.tables.locks[lock]))
        if self._key(job.period_id, job.id) in self.tables.jobs:
            raise Conflict("already exists")
        self.tables.locks[lock] = job.id
        self.tables.jobs[self._key(job.period_id, job.id)] = job
        self.tables.writes += 1

    def get(self, period_id: str, job_id: str) -> SolveJob | None:
        return self.tables.jobs.get(self._key(period_id, job_id))

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[SolveJob], str | None]:
        rows = [
            (f"job#{jid}", job)
            for (tenant, pid, jid), job in self.tables.jobs.items()
            if tenant == self.tenant and pid == period_id
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#period#{period_id}", newest_first=True)

    def _change(self, job: SolveJob, when: Callable[[SolveJob], bool], **changes: Any) -> SolveJob | None:
        key = self._key(job.period_id, job.id)
        stored = self.tables.jobs.get(key)
        if stored is None or not when(stored):
            return None
        self.tables.jobs[key] = replace(stored, **changes)
        self.tables.writes += 1
        return self.tables.jobs[key]

    def start(self, job: SolveJob, at: datetime) -> SolveJob | None:
        return self._change(
            job, lambda s: s.state == "queued", state="running", started_at=at, heartbeat_at=at
        )

    def beat(
        self, job: SolveJob, at: datetime, percent: int, progress: tuple[tuple[float, int], ...]
    ) -> SolveJob | None:
        return self._change(
            job, lambda s: s.state == "running", heartbeat_at=at, percent=percent, progress=progress
        )

    def finish(self, job: SolveJob, ended: SolveJob) -> bool:
        key = self._key(job.period_id, job.id)
        stored = self.tables.jobs.get(key)
        if stored is None or stored.state != job.state:
            return False
        if job.heartbeat_at is not None and stored.heartbeat_at != job.heartbeat_at:
            return False
        if self.tables.locks.get((self.tenant, job.period_id)) != job.id:
            return False
        self.tables.jobs[key] = replace(
            ended, cancel_requested=stored.cancel_requested or ended.cancel_requested
        )
        del self.tables.locks[(self.tenant, job.period_id)]
        self.tables.writes += 1
        return True

    def request_cancel(self, job: SolveJob) -> bool:
        return self._change(job, lambda s: s.state == "running", cancel_requested=True) is not None

    def mark_applied(self, job: SolveJob, revision: int) -> bool:
        return (
            self._change(job, lambda s: s.result == "kept", result="applied", revision=revision) is not None
        )


@dataclass
class FakeLiveJobs:
    """``LiveJobs``: the live jobs of every hospital whose stale time has come, the oldest first."""

    tables: JobTables

    def stale(self, now: datetime, limit: int) -> list[tuple[str, SolveJob]]:
        due = sorted(
            ((job.stale_at(), tenant, job) for (tenant, _, _), job in self.tables.jobs.items() if job.live),
            key=lambda row: row[0],
        )
        return [(tenant, job) for at, tenant, job in due if at <= now][:limit]


@dataclass
class FakeProblemSource:
    """``ProblemSource`` over one problem: the draft's roster and revision, a save that refuses a moved
    revision (Conflict, as the periods' does), and what the solve was asked to keep."""

    problem: RosterProblem
    roster: Roster = field(default_factory=lambda: Roster(()))
    revision: int = 1
    name: str = "3月第1周"
    ward_ids: tuple[str, ...] = ("ward-1",)
    loads: list[tuple[bool, bool, date]] = field(default_factory=list)
    saves: list[tuple[int, Roster, str]] = field(default_factory=list)
    fail_load: Exception | None = None

    def describe(self, tenant: str, period_id: str) -> PeriodSummary:
        if period_id == "missing":
            raise NotFound("period")
        return PeriodSummary(period_id, self.name, self.ward_ids, self.revision)

    def load(
        self, tenant: str, period_id: str, keep_pinned: bool, keep_published_days: bool, today: date
    ) -> tuple[RosterProblem, Roster, int]:
        if self.fail_load is not None:
            raise self.fail_load
        self.loads.append((keep_pinned, keep_published_days, today))
        return self.problem, self.roster, self.revision

    def save(self, tenant: str, period_id: str, base_revision: int, roster: Roster, note: str) -> int:
        if base_revision != self.revision:
            raise Conflict("the draft changed meanwhile")
        self.revision += 1
        self.roster = roster
        self.saves.append((self.revision, roster, note))
        return self.revision

    def edit(self) -> None:
        """A head nurse changes the draft by hand (its revision moves on)."""
        self.revision += 1


@dataclass
class FakeRun:
    """``EngineRun`` on a script: ``waits`` calls of ``wait`` find it still running (each may call
    ``during``: a cancel, an edit, the clock moving on), then it ends with ``outcome``."""

    outcome: EngineOutcome
    waits: int = 0
    points: list[tuple[float, int]] = field(default_factory=list)
    during: Callable[[int], None] | None = None
    calls: int = 0
    stopped: bool = False

    def wait(self, seconds: float) -> EngineOutcome | None:
        self.calls += 1
        if self.during is not None:
            self.during(self.calls)
        if self.calls <= self.waits:
            self.points.append((float(self.calls * seconds), 1000 - self.calls))
            return None
        return self.outcome

    def progress(self) -> list[tuple[float, int]]:
        return list(self.points)

    def stop(self) -> None:
        self.stopped = True


@dataclass
class FakeEngine:
    run: FakeRun
    started: list[tuple[str, float]] = field(default_factory=list)

    def start(self, problem: RosterProblem, current: Roster, mode: Mode, time_limit: float) -> FakeRun:
        self.started.append((mode, time_limit))
        return self.run


@dataclass
class FakeLauncher:
    launched: list[tuple[str, str, str]] = field(default_factory=list)
    fail: bool = False

    def launch(self, tenant: str, period_id: str, job_id: str) -> None:
        if self.fail:
            raise OSError("the function could not be invoked")
        self.launched.append((tenant, period_id, job_id))
