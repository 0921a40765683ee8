"""The daily sweep of follow-up tasks, per hospital and local day: each task due today is announced
(``followup.task.due``) once, and each open task past its last day (``closes_on()``) is marked ``missed``
(``followup.task.missed``).

Found without scanning: the hospitals from the province's index, each hospital's departments from the
directory (one Query), and in each department its board's open tasks due today, then those overdue (one
Query a page). A run does a bounded amount of work (``Budget``) and keeps its place per hospital and day
(``SweepProgress``: the department, the phase, the page), so the next run resumes where it stopped; once a
hospital's day is finished its runs only read that mark. Announcing writes a create-only mark with the event
(a rerun, or two overlapping runs, announce nothing twice); marking missed is revision-checked (a doctor
finishing the task at that moment wins). Each task is its own transaction, acting as the service.

Limits, by design: a task created on its due day after that day's sweep of its department is on the board
but not announced; a day whose sweep did not finish before midnight is not resumed (the next day's sweep
marks its overdue tasks missed all the same); tasks of a department the directory no longer lists are not
swept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from chalicelib.followup.domain import board as rules
from chalicelib.followup.domain.board import DueNotice, SweepProgress
from chalicelib.followup.domain.ports import Directory, Hospitals, Store
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import wiring

from shared import observability
from shared.auth import Principal
from shared.errors import Conflict
from shared.events.published.followup import FOLLOWUP_TASK_DUE, FOLLOWUP_TASK_MISSED, TaskEvent

SWEEP_PAGE = 100  # tasks a board Query reads
logger = observability.logger("followup.sweep")


@dataclass
class Budget:
    """How much one run may do: board pages read and tasks changed (each its own transaction)."""

    # A page Query is a few milliseconds: 500 cover a province's departments (twice: due, then overdue)
    # within a few runs, and keep one run well inside a Lambda's minutes.
    pages: int = 500
    tasks: int = 1000
    pages_read: int = 0
    tasks_changed: int = 0

    @property
    def spent(self) -> bool:
        return self.pages_read >= self.pages or self.tasks_changed >= self.tasks


@dataclass
class SweepReport:
    announced: int = 0
    missed: int = 0
    hospitals_finished: list[str] = field(default_factory=list)
    stopped: bool = False  # the budget ran out: the next run resumes


class AlreadyAnnounced(Conflict):
    pass


def _service_store(tenant: str) -> Store:
    return wiring.store(Principal(tenant=tenant, user="service:followup", kind="service"))


def _event(task: Task) -> TaskEvent:
    return TaskEvent(
        task_id=task.id,
        patient_id=task.patient_id,
        enrolment_id=task.enrolment_id,
        kind=task.kind,
        title=task.title,
        due=task.due,
        department_id=task.department_id,
        doctor_id=task.doctor_id,
        team_id=task.team_id,
    )


def _announce(store: Store, task: Task, now: datetime) -> bool:
    store.sweep.announce(
        DueNotice(task_id=task.id, patient_id=task.patient_id, due=task.due, sent_at=now),
        AlreadyAnnounced("announced already"),
    )
    store.emit(FOLLOWUP_TASK_DUE.envelope(store.tenant, _event(task)))
    try:
        store.commit()
    except AlreadyAnnounced:
        return False
    return True


def _mark_missed(store: Store, task: Task) -> bool:
    store.tasks.save(rules.missed(task), Conflict("changed meanwhile"))
    store.audit(
        "task.missed", "patient", task.patient_id, after={"task_id": task.id, "due": task.due.isoformat()}
    )
    store.emit(FOLLOWUP_TASK_MISSED.envelope(store.tenant, _event(task)))
    try:
        store.commit()
    except Conflict:
        return False  # done (or changed) meanwhile: it is not missed
    return True


def _save(stores: Callable[[str], Store], tenant: str, progress: SweepProgress) -> SweepProgress | None:
    """The progress kept, one revision on; None when another run moved it meanwhile (that run goes on)."""
    store = stores(tenant)
    store.sweep.save_progress(progress, Conflict("another sweep is on this hospital"))
    try:
        store.commit()
    except Conflict:
        return None
    return progress.model_copy(update={"revision": progress.revision + 1})


def sweep_hospital(
    tenant: str,
    today: date,
    now: datetime,
    stores: Callable[[str], Store],
    directory: Directory,
    budget: Budget,
    report: SweepReport,
) -> None:
    """One hospital's day, from where its last run stopped, until it is finished or the budget is spent."""
    reader = stores(tenant)
    progress = reader.sweep.progress(today) or SweepProgress(day=today)
    if progress.finished:
        return
    for department in sorted(directory.units(tenant)):
        if progress.department_id and department < progress.department_id:
            continue  # finished by an earlier run
        if department != progress.department_id:
            progress = progress.model_copy(
                update={"department_id": department, "phase": "due", "cursor": None}
            )
        while True:
            if budget.spent:
                report.stopped = True
                _save(stores, tenant, progress)
                return
            due = progress.phase == "due"
            rows, cursor = reader.tasks.board(
                "department",
                department,
                "open",
                today if due else None,
                today if due else today - timedelta(days=1),
                SWEEP_PAGE,
                progress.cursor,
            )
            budget.pages_read += 1
            for task in rows:
                if due and _announce(stores(tenant), task, now):
                    report.announced += 1
                    budget.tasks_changed += 1
                elif not due and rules.is_missed(task, today) and _mark_missed(stores(tenant), task):
                    report.missed += 1
                    budget.tasks_changed += 1
            if cursor is not None:
                progress = progress.model_copy(update={"cursor": cursor})
            elif due:
                progress = progress.model_copy(update={"phase": "missed", "cursor": None})
            else:
                break
            saved = _save(stores, tenant, progress)
            if saved is None:
                return
            progress = saved
        # finished: the mark is just past its id (and before the next one's), so a resumed run skips it
        saved = _save(
            stores,
            tenant,
            progress.model_copy(
                update={"department_id": department + "\x00", "phase": "due", "cursor": None}
            ),
        )
        if saved is None:
            return
        progress = saved
    if _save(stores, tenant, progress.model_copy(update={"finished": True})) is not None:
        report.hospitals_finished.append(tenant)


def sweep(
    now: datetime,
    hospitals: Hospitals | None = None,
    stores: Callable[[str], Store] = _service_store,
    directories: Callable[[str], Directory] | None = None,
    budget: Budget | None = None,
) -> SweepReport:
    """Every hospital's today, within one run's budget (the next run resumes)."""
    budget = budget or Budget()
    report = SweepReport()
    directory = directories or (lambda tenant: wiring.directory())
    for tenant, time_zone in sorted((hospitals or wiring.hospitals()).all()):
        sweep_hospital(
            tenant, rules.local_day(now, time_zone), now, stores, directory(tenant), budget, report
        )
        if report.stopped:
            break
    logger.info(
        "follow-up sweep",
        extra={"announced": report.announced, "missed": report.missed, "stopped": report.stopped},
    )
    return report
