"""The task board and doing a task: a board page, a task with its calls (an audited read of the patient),
finishing it with its outcome, logging a call with a recording, and opening that recording.

Who may (``service/access.py``): a clinical member of staff reads her own board and, through the
department policy, a colleague's or a department's board she reaches; a care team's board only as its
member. A task is done, called about and read by whoever reaches its patient; anyone else gets the
404 the patient policy gives (not echoing the id).

Each use case takes ``store=``, ``directory=``, ``hospitals=``, ``files=`` and ``now=``; left out, they are
``service/wiring.py``'s and the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from chalicelib.followup.contracts.board import (
    Board,
    BoardItem,
    BoardQuery,
    CallView,
    FinishTask,
    LogCall,
    LoggedCall,
    RecordingInfo,
    RecordingLink,
    TaskView,
)
from chalicelib.followup.domain import board as rules
from chalicelib.followup.domain.board import CallEntry, Recording
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.ports import Directory, Files, Hospitals, StaffInfo, Store, Unit
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import access, patients, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.published.followup import FOLLOWUP_TASK_DONE, TaskEvent
from shared.ids import new_id

CALLS_SHOWN = 50  # a task's calls shown with it, newest first (a task is called a handful of times)


def now_utc() -> datetime:
    return datetime.now(UTC)


class Remembered:
    """A directory that reads each thing once per request: the policy and the use case both ask for the
    caller's record, and it costs one GetItem."""

    def __init__(self, directory: Directory):
        self.inner = directory
        self._staff: dict[tuple[str, str], StaffInfo | None] = {}
        self._units: dict[str, Mapping[str, Unit]] = {}

    def staff(self, tenant: str, staff_id: str) -> StaffInfo | None:
        if (tenant, staff_id) not in self._staff:
            self._staff[(tenant, staff_id)] = self.inner.staff(tenant, staff_id)
        return self._staff[(tenant, staff_id)]

    def units(self, tenant: str) -> Mapping[str, Unit]:
        if tenant not in self._units:
            self._units[tenant] = self.inner.units(tenant)
        return self._units[tenant]

    def with_role(self, tenant: str, role: str, department_id: str) -> list[StaffInfo]:
        return self.inner.with_role(tenant, role, department_id)

    def many(self, tenant: str, staff_ids: list[str]) -> dict[str, StaffInfo]:
        return self.inner.many(tenant, staff_ids)


def _clinical(principal: Principal, directory: Directory) -> access.Caller:
    me = access.caller(principal, directory)
    if not set(me.roles) & set(access.CLINICAL):
        raise Forbidden("the task board is for clinical staff (doctor, nurse, head nurse, department head)")
    return me


def _board_owner(
    principal: Principal, query: BoardQuery, me: access.Caller, store: Store, directory: Directory
) -> str:
    """Whose board the caller asks for, once she may read it (403 otherwise)."""
    if query.scope == "doctor":
        owner = query.owner_id or me.id
        if owner != me.id:
            colleague = directory.staff(principal.tenant, owner)
            if colleague is None:
                raise NotFound("staff")
            access.require_department(principal, colleague.department_id, directory)
        return owner
    if query.scope == "department":
        owner = query.owner_id or me.department_id
        if owner != me.department_id:
            access.require_department(principal, owner, directory)
        return owner
    if not query.owner_id:
        raise RuleViolation("name the care team whose board to show (owner_id)", "owner_id")
    if query.owner_id not in store.memberships.teams_of(me.id):
        raise Forbidden("only the care team's members read its board")
    return query.owner_id


def board(
    principal: Principal,
    query: BoardQuery,
    store: Store | None = None,
    directory: Directory | None = None,
    hospitals: Hospitals | None = None,
    now: datetime | None = None,
) -> Board:
    """One page of a board view (one Query), for the hospital's today."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal)
    own = query.scope == "doctor" and (query.owner_id or principal.staff) == principal.staff
    if own and principal.kind == "staff" and directory.staff(principal.tenant, principal.staff) is None:
        # Someone the directory does not know has nothing assigned: her own board is read (and is
        # empty); another board, or anything else of follow-up, stays closed to her.
        owner = principal.staff
    else:
        if (
            query.scope == "doctor"
            and query.owner_id
            and directory.staff(principal.tenant, query.owner_id) is None
        ):
            raise NotFound("staff")  # no one of this hospital (the caller's own record is the same read)
        me = _clinical(principal, directory)
        owner = _board_owner(principal, query, me, store, directory)
    zone = (hospitals or wiring.hospitals()).time_zone(principal.tenant)
    today = rules.local_day(now or now_utc(), zone)
    state, due_from, due_to, newest_first = rules.view_range(query.view, today)
    rows, cursor = store.tasks.board(
        query.scope, owner, state, due_from, due_to, query.limit, query.cursor, newest_first=newest_first
    )
    items = [
        BoardItem(
            task_id=t.id,
            patient_id=t.patient_id,
            patient_label=t.patient_label,
            kind=t.kind,
            title=t.title,
            due=t.due,
            days_overdue=rules.days_overdue(t, today),
            state=t.state,
            outcome=t.outcome,
            urgent=t.urgent,
            doctor_id=t.doctor_id,
            doctor_name=t.doctor_name,
            team_id=t.team_id,
            team_name=t.team_name,
            department_id=t.department_id,
            department_name=t.department_name,
            role=t.role,
        )
        for t in rows
    ]
    return Board(
        scope=query.scope, owner_id=owner, view=query.view, today=today, items=items, next_cursor=cursor
    )


def _reachable(
    principal: Principal, store: Store, directory: Directory, task_id: str
) -> tuple[Task, Patient]:
    """The task and its patient, if the caller reaches the patient; else the policy's 404 (no id echoed)."""
    task = store.tasks.get(task_id)
    patient = store.patients.get(task.patient_id) if task is not None else None
    if (
        task is None
        or patient is None
        or patient.state != "active"
        or not access.Reach(principal, directory, store).reaches(patient.followed_by(), patient.team_ids)
    ):
        raise NotFound("task")  # the same answer whether it does not exist or is out of reach
    return task, patient


def _call_view(entry: CallEntry) -> CallView:
    recording = entry.recording
    return CallView(
        id=entry.id,
        task_id=entry.task_id,
        at=entry.at,
        duration_s=entry.duration_s,
        result=entry.result,
        note=entry.note,
        by=entry.by,
        by_name=entry.by_name,
        recording=RecordingInfo(content_type=recording.content_type, size=recording.size)
        if recording
        else None,
    )


def _task_view(task: Task, calls: list[CallEntry] | None = None, cancelled: int = 0) -> TaskView:
    return TaskView(
        **task.model_dump(
            include={
                "id",
                "patient_id",
                "patient_label",
                "kind",
                "title",
                "due",
                "state",
                "urgent",
                "department_id",
                "department_name",
                "doctor_id",
                "doctor_name",
                "team_id",
                "team_name",
                "role",
                "plan_id",
                "enrolment_id",
                "detail",
                "outcome",
                "outcome_reason",
                "notes",
                "done_by",
                "done_by_name",
                "done_at",
            }
        ),
        closes_on=task.closes_on(),
        calls=[_call_view(c) for c in calls or []],
        cancelled_tasks=cancelled,
    )


def get_task(
    principal: Principal, task_id: str, store: Store | None = None, directory: Directory | None = None
) -> TaskView:
    """A task with its outcome and its calls: a read of the patient's follow-up, in their access log."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal)
    task, _ = _reachable(principal, store, directory, task_id)
    store.access.record(task.patient_id, "read:task")
    return _task_view(task, store.calls.of_task(task.id, CALLS_SHOWN))


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
        outcome=task.outcome or "",
    )


def finish_task(
    principal: Principal,
    task_id: str,
    body: FinishTask,
    request_id: str | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> TaskView:
    """Done, with its outcome: once (a second "done", or a colleague's at the same time, is a 409). A
    death cancels the patient's other open tasks — with the outcome, 40 a transaction, then the rest in
    transactions of 40 more — so no one calls the family again."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal, request_id)
    task, patient = _reachable(principal, store, directory, task_id)
    me = _clinical(principal, directory)
    done = rules.finish(task, body.outcome, body.reason, body.notes, me.id, me.name, now or now_utc())
    store.tasks.save(done, Conflict("this task was changed meanwhile (someone else finished it?): reload it"))
    others = (
        [t for t in patients.open_tasks(store, patient.id) if t.id != task.id]
        if body.outcome == "deceased"
        else []
    )
    first, rest = others[: rules.CANCEL_PER_TRANSACTION], others[rules.CANCEL_PER_TRANSACTION :]
    for other in first:
        store.tasks.save(rules.cancelled(other), Conflict("the patient's tasks changed meanwhile: try again"))
    store.audit(
        "task.done",
        "patient",
        patient.id,
        after={"task_id": task.id, "outcome": body.outcome, "cancelled": [t.id for t in first]},
    )
    store.emit(FOLLOWUP_TASK_DONE.envelope(store.tenant, _event(done)))
    store.commit()
    for start in range(0, len(rest), rules.CANCEL_PER_TRANSACTION):
        chunk = rest[start : start + rules.CANCEL_PER_TRANSACTION]
        for other in chunk:
            store.tasks.save(rules.cancelled(other), Conflict("the patient's tasks changed meanwhile"))
        store.audit(
            "task.cancelled",
            "patient",
            patient.id,
            after={"reason": "deceased", "tasks": [t.id for t in chunk]},
        )
        store.commit()
    return _task_view(done.model_copy(update={"revision": done.revision + 1}), cancelled=len(others))


def _recording_name(entry: CallEntry) -> str:
    subtype = entry.recording.content_type.split("/", 1)[1] if entry.recording else "audio"
    extension = {"mpeg": "mp3", "mp4": "m4a", "x-m4a": "m4a", "x-wav": "wav", "wave": "wav"}.get(
        subtype, subtype
    )
    return f"随访录音-{entry.at.strftime('%Y%m%d-%H%M')}.{extension.split('+')[0].split('.')[-1]}"


def log_call(
    principal: Principal,
    task_id: str,
    body: LogCall,
    request_id: str | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> LoggedCall:
    """A call made for the task (an attempt: the task stays as it is), with a presigned PUT for its
    recording when one is announced."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal, request_id)
    task, patient = _reachable(principal, store, directory, task_id)
    me = _clinical(principal, directory)
    at = now or now_utc()
    recording = (
        Recording(content_type=body.recording.content_type, size=body.recording.size)
        if body.recording
        else None
    )
    entry = CallEntry(
        id=f"{patient.id}-{new_id()}",
        task_id=task.id,
        patient_id=patient.id,
        at=body.at,
        duration_s=body.duration_s,
        result=body.result,
        note=body.note,
        by=me.id,
        by_name=me.name,
        recording=recording,
        created_at=at,
    )
    store.calls.add(entry)
    store.audit(
        "task.call",
        "patient",
        patient.id,
        after={"task_id": task.id, "call_id": entry.id, "result": body.result, "recording": bool(recording)},
    )
    store.commit()
    view = LoggedCall(**_call_view(entry).model_dump())
    if recording is not None:
        key = rules.recording_key(store.tenant, entry.id)
        url = (files or wiring.files()).upload_url(
            key, recording.content_type, recording.size, rules.UPLOAD_SECONDS
        )
        view = view.model_copy(
            update={
                "upload_url": url,
                "upload_headers": {"Content-Type": recording.content_type},
                "upload_expires_at": at + timedelta(seconds=rules.UPLOAD_SECONDS),
            }
        )
    return view


def recording_link(
    principal: Principal,
    task_id: str,
    call_id: str,
    store: Store | None = None,
    directory: Directory | None = None,
    files: Files | None = None,
    now: datetime | None = None,
) -> RecordingLink:
    """A presigned GET of a call's recording: a read of the patient, in their access log."""
    directory = Remembered(directory or wiring.directory())
    store = store or wiring.store(principal)
    task, patient = _reachable(principal, store, directory, task_id)
    entry = store.calls.get(task.id, call_id)
    if entry is None or entry.recording is None:
        raise NotFound("recording")
    files = files or wiring.files()
    key = rules.recording_key(store.tenant, entry.id)
    if not files.uploaded(key):
        raise Conflict("the recording has not been uploaded yet: PUT it to its upload_url first")
    store.access.record(patient.id, "read:recording")
    return RecordingLink(
        url=files.download_url(key, _recording_name(entry), rules.DOWNLOAD_SECONDS),
        content_type=entry.recording.content_type,
        size=entry.recording.size,
        expires_at=(now or now_utc()) + timedelta(seconds=rules.DOWNLOAD_SECONDS),
    )
