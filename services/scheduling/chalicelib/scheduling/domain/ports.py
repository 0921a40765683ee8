"""What scheduling's use cases need from the outside world, as Protocols.

``adapters/dynamodb.py`` implements them on DynamoDB; the service-layer tests use in-memory fakes
(``tests/unit/scheduling/fakes.py``). A repository is bound to one tenant and to one unit of work: its
reads are immediate, its writes are staged and land together when the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.setup import CalendarDay, ShiftDef
from chalicelib.scheduling.domain.solve_jobs import Mode, SolveJob
from chalicelib.scheduling.domain.ward_rules import WardRules

# A page of records and the cursor after it (``None`` on the last page).
Page = tuple[list[StaffRecord], str | None]
LeavePage = tuple[list[LeaveRecord], str | None]


class StaffRepository(Protocol):
    def put(self, record: StaffRecord) -> None:
        """Stage the record, replacing whatever is there (the projection follows the directory)."""

    def remove(self, staff_id: str) -> None:
        """Stage the removal of a member of staff (nothing happens if they are not there)."""

    def page(self, limit: int, cursor: str | None) -> Page:
        """One page of the projection, by id; raises RuleViolation on a cursor not of this list."""

    def of_units(self, unit_ids: Sequence[str]) -> list[StaffRecord]:
        """Everyone whose unit is one of ``unit_ids``, by unit then id (one Query per unit, on gsi1)."""


class ShiftTypeRepository(Protocol):
    """The hospital's shift catalogue (``<t>#shifttypes`` / code)."""

    def all(self) -> list[ShiftDef]:
        """Every shift type the hospital defined, by code (one Query); empty until it defines any."""

    def put(self, shift: ShiftDef) -> None:
        """Stage the shift type, creating or replacing the one of its code."""

    def remove(self, code: str) -> None:
        """Stage the removal; the transaction fails with NotFound("shift type") if there is none."""


class WardRulesRepository(Protocol):
    """A ward's own setup (``<t>#ward#<ward_id>`` / ``setup``), versioned."""

    def get(self, ward_id: str) -> WardRules:
        """The ward's rules (one GetItem); version 0 and nothing set when it never saved any."""

    def save(self, rules: WardRules, expected_version: int) -> None:
        """Stage the rules; the transaction fails with Conflict unless the stored version is still
        ``expected_version`` (0: none stored yet). The stored version becomes ``expected_version + 1``."""


class CalendarRepository(Protocol):
    """The hospital's own calendar days (``<t>#calendar`` / ISO date)."""

    def between(self, first: date, last: date) -> list[CalendarDay]:
        """The hospital's days in [first, last], by date (one Query)."""

    def put(self, day: CalendarDay) -> None:
        """Stage the day, replacing the hospital's entry for that date."""

    def remove(self, day: date) -> None:
        """Stage the removal; the transaction fails with NotFound("calendar day") if there is none."""


class LeaveRepository(Protocol):
    def put(self, record: LeaveRecord) -> None:
        """Stage the leave, keyed by its approval: the same leave again overwrites itself, except that a
        leave already cancelled stays cancelled (the cancellation may arrive first)."""

    def cancel(self, record: LeaveRecord, at: datetime) -> None:
        """Stage the leave (same key) as cancelled at ``at``, whether or not its approval arrived yet;
        cancelling again keeps the first time."""

    def overlapping(self, staff_id: str | None, window: Window, limit: int, cursor: str | None) -> LeavePage:
        """One page of the leave overlapping ``window`` (of one person, or everyone's), by start date;
        cancelled leave is left out (a filter within the page read)."""


class DirectoryStaff(Protocol):
    """The directory's record of a member of staff (the shared directory read model)."""

    name: str
    employee_no: str
    department_id: str
    title: str | None
    status: str
    nurse_grade: str | None

    @property
    def roles(self) -> Sequence[str]: ...

    @property
    def certificates(self) -> Sequence[Mapping[str, Any]]:
        """{"type", "number", "valid_until" (an ISO date, or None: no expiry)} each."""


class Directory(Protocol):
    def staff(self, tenant: str, staff_id: str) -> DirectoryStaff | None:
        """A member of staff's directory record (one GetItem), left or not; None if unknown."""

    def units(self, tenant: str) -> Mapping[str, Unit]:
        """Every unit of the hospital by id, with its parent and head (one Query of the units)."""


class Store(Protocol):
    """Scheduling's repositories for one tenant, bound to one unit of work."""

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def leave(self) -> LeaveRepository: ...

    @property
    def shift_types(self) -> ShiftTypeRepository: ...

    @property
    def ward_rules(self) -> WardRulesRepository: ...

    @property
    def calendar(self) -> CalendarRepository: ...


class Transaction(Protocol):
    """The unit of work a store's writes are staged in (``shared.persistence.uow.UnitOfWork``, or the
    tests' ``MemoryUnitOfWork``): ``commit`` sends them with the audit record as one transaction."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...

    def commit(self) -> None: ...


# ---- auto-roster jobs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSummary:
    """What a job needs of a roster period: its wards (who may solve it), its name, the draft's revision."""

    period_id: str
    name: str
    ward_ids: tuple[str, ...]
    revision: int


class ProblemSource(Protocol):
    """The seam between the periods (their grid, setup, history, pins) and the solve jobs.

    Implemented by the periods' service functions; wired in ``service/wiring.problem_source``."""

    def describe(self, tenant: str, period_id: str) -> PeriodSummary:
        """The period's wards, name and draft revision; raises NotFound."""

    def load(
        self, tenant: str, period_id: str, keep_pinned: bool, keep_published_days: bool, today: date
    ) -> tuple[RosterProblem, Roster, int]:
        """The engine's problem (pins as asked), the draft's current roster and its revision."""

    def save(self, tenant: str, period_id: str, base_revision: int, roster: Roster, note: str) -> int:
        """The roster as the period's new draft revision (returned); raises Conflict when the draft's
        revision is no longer ``base_revision`` (someone changed it meanwhile)."""

    def load_repair(
        self, tenant: str, period_id: str, disruption_id: str, days: Sequence[date]
    ) -> tuple[RosterProblem, Roster, int]:
        """A repair's problem: ``days`` free, everything else pinned as the live version has it; the live
        roster and its version."""

    def propose(
        self, tenant: str, period_id: str, disruption_id: str, job_id: str, version: int, roster: Roster
    ) -> None:
        """The repaired roster as the disruption's proposal (a diff against live ``version``); raises
        Conflict when the disruption is no longer open and waiting for ``job_id``."""

    def abandon(self, tenant: str, period_id: str, disruption_id: str, job_id: str, reason: str) -> None:
        """The repair ``job_id`` ended without a result: the disruption's proposal says why; raises
        Conflict when the disruption is no longer waiting for it."""


class SolveJobs(Protocol):
    """The jobs of one tenant. Each write is conditional on the state it moves from, so two workers,
    a worker and a sweep, or a worker and a cancel never both win."""

    def running(self, period_id: str) -> str | None:
        """The id of the period's live (queued or running) job, if any (one read of its lock)."""

    def create(self, job: SolveJob) -> None:
        """Store a queued job and take the period's lock with it; raises Conflict naming the live job
        when the period has one."""

    def get(self, period_id: str, job_id: str) -> SolveJob | None: ...

    def page(self, period_id: str, limit: int, cursor: str | None) -> tuple[list[SolveJob], str | None]:
        """The period's jobs, newest first."""

    def start(self, job: SolveJob, at: datetime) -> SolveJob | None:
        """queued → running; None when the job was not queued (another worker, a cancel, the sweep)."""

    def beat(
        self, job: SolveJob, at: datetime, percent: int, progress: tuple[tuple[float, int], ...]
    ) -> SolveJob | None:
        """Record a running job's heartbeat; returns the job as stored (``cancel_requested`` tells the
        worker to stop), None when it is no longer running (the sweep failed it)."""

    def finish(self, job: SolveJob, ended: SolveJob) -> bool:
        """End a live job (``ended`` holds its final state and result) and release the period's lock,
        if it is still in ``job.state``; False when something else ended it first."""

    def request_cancel(self, job: SolveJob) -> bool:
        """Ask a running job's worker to stop at its next beat; False when it is not running."""

    def request_stop(self, job: SolveJob, by: str) -> SolveJob | None:
        """Ask a live job's worker to end the search and keep its best roster (at its next beat, or
        at its start if it is still queued); the job as stored, None when it is no longer live."""

    def mark_applied(self, job: SolveJob, revision: int) -> bool:
        """A kept result applied as ``revision``; False when it was applied already."""


class LiveJobs(Protocol):
    def stale(self, now: datetime, limit: int) -> list[tuple[str, SolveJob]]:
        """(tenant, job) of every hospital's live jobs whose heartbeat (or start) is overdue by ``now``,
        oldest first: one read of the live-jobs index, never a scan."""


class SolverLauncher(Protocol):
    def launch(self, tenant: str, period_id: str, job_id: str) -> None:
        """Start the job's worker in its own invocation (asynchronously: returns at once)."""


@dataclass(frozen=True)
class EngineOutcome:
    """How a solve ended: a roster, or ``infeasible``/``error`` with a message."""

    roster: Roster | None
    cost: int | None = None
    error: str = ""  # "" | "infeasible" | "error"
    message: str = ""
    stopped: bool = False  # the search was stopped (``EngineRun.finish``): its best roster so far


class EngineRun(Protocol):
    def wait(self, seconds: float) -> EngineOutcome | None:
        """Wait up to ``seconds`` for the solve to end; None while it still runs."""

    def progress(self) -> list[tuple[float, int]]:
        """(seconds, best cost) each time the best roster improved, so far."""

    def stop(self) -> None:
        """Stop the solve now (a cancel); nothing it found is kept."""

    def finish(self) -> None:
        """End the search early: ``wait`` then returns its best roster so far (``stopped``), at once
        if it has one, or as soon as it finds its first."""


class RosterEngine(Protocol):
    def start(self, problem: RosterProblem, current: Roster, mode: Mode, time_limit: float) -> EngineRun:
        """Start ``solve`` (afresh, keeping the problem's pins) or ``fill`` (every assignment of
        ``current`` kept, the open shifts filled fairly) within ``time_limit`` seconds."""


@dataclass(frozen=True)
class TrailEntry:
    """One audit record of a resource: who did what, when, with what it held before and after."""

    at: datetime
    actor: str
    actor_name: str | None
    action: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


class AuditTrail(Protocol):
    """The audit records of one resource (the shared audit table, read only), newest first."""

    def page(
        self, resource_type: str, resource_id: str, limit: int, cursor: str | None
    ) -> tuple[list[TrailEntry], str | None]: ...
