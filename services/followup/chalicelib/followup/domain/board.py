"""The task board and doing a task: which tasks a board view holds, finishing a task with its outcome,
the calls logged on it (with a recording), and what the daily sweep does to a task.

- A **view** of a board is one state and a range of due dates, for the hospital's "today": ``due_today``
  (open, due today), ``overdue`` (open, due before today), ``done`` and ``missed`` (newest due first).
- **Done** is final: the outcome (reached, not reached, refused, lost to follow-up with its reason,
  deceased) and notes are recorded once; a second "done" is a conflict. A call that does not reach the
  patient is a call log entry (``no_answer``, ``busy``…): the task stays open for the next attempt, and
  "done, not reached" is the nurse's decision to stop trying.
- **Deceased** cancels the patient's other open tasks (``cancelled``: no one calls the family again).
- The **sweep** announces a task on its due day (once) and marks an open task ``missed`` the day after
  ``closes_on()``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.followup.domain.tasks import Outcome, Task, TaskState
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Conflict, RuleViolation

DEFAULT_TIME_ZONE = "Asia/Shanghai"  # a hospital's local time zone unless its record names another
View = Literal["due_today", "overdue", "done", "missed"]
VIEWS: tuple[View, ...] = ("due_today", "overdue", "done", "missed")
CallResult = Literal["reached", "no_answer", "busy", "switched_off", "wrong_number", "refused"]
CALL_RESULTS: tuple[CallResult, ...] = (
    "reached",
    "no_answer",
    "busy",
    "switched_off",
    "wrong_number",
    "refused",
)
# Cancelled with a deceased outcome in the same transaction, at most this many a transaction (a
# transaction holds 100 items: these, the task itself, its event, the audit and the inbox of a retry).
CANCEL_PER_TRANSACTION = 40
# A patient's open tasks are read in pages of this many to find the ones a death cancels.
PATIENT_TASK_PAGE = 100

# Recordings of calls: uploaded straight to S3 (presigned PUT), opened by a presigned GET.
MAX_RECORDING_BYTES = 50 * 1024 * 1024  # a 30-minute call in MP3 at 128 kbit/s is ~29 MB
RECORDING_TYPE_PATTERN = r"^audio/[a-z0-9][a-z0-9.+-]{0,63}$"
UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300


def zone(name: str | None) -> ZoneInfo:
    """The hospital's time zone (its record's), Asia/Shanghai when it names none or one unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def local_day(at: datetime, time_zone: str | None = None) -> date:
    """The hospital's date at ``at`` (timezone-aware)."""
    return at.astimezone(zone(time_zone)).date()


def view_range(view: View, today: date) -> tuple[TaskState, date | None, date | None, bool]:
    """A view as the board Query asks it: the state, the due dates (both included) and newest first."""
    if view == "due_today":
        return "open", today, today, False
    if view == "overdue":
        return "open", None, today - timedelta(days=1), False
    return view, None, None, True


def days_overdue(task: Task, today: date) -> int:
    """How many days an open task is past its due date (0 when due today or later, or not open)."""
    if task.state != "open":
        return 0
    return max(0, (today - task.due).days)


def finish(
    task: Task,
    outcome: Outcome,
    reason: str,
    notes: str,
    by: str,
    by_name: str,
    at: datetime,
) -> Task:
    """The task done with its outcome: only an open task, and "lost to follow-up" only with its reason."""
    if task.state != "open":
        raise Conflict("this task is not open any more (done, missed or cancelled): it cannot be done again")
    if outcome == "lost" and not reason.strip():
        raise RuleViolation("lost to follow-up needs the reason (e.g. 号码停机、搬迁)", "reason")
    return task.model_copy(
        update={
            "state": "done",
            "outcome": outcome,
            "outcome_reason": reason.strip(),
            "notes": notes,
            "done_by": by,
            "done_by_name": by_name,
            "done_at": at,
        }
    )


def cancelled(task: Task) -> Task:
    """An open task no one is to do any more (the patient died)."""
    return task.model_copy(update={"state": "cancelled"})


def missed(task: Task) -> Task:
    return task.model_copy(update={"state": "missed"})


def is_missed(task: Task, today: date) -> bool:
    """Open past its last day: the sweep marks it missed."""
    return task.state == "open" and task.closes_on() < today


class Recording(BaseModel):
    """The recording a call entry carries: what was announced for upload (the file is in S3)."""

    model_config = ConfigDict(frozen=True)

    content_type: str
    size: int


class CallEntry(BaseModel):
    """One call made for a task: when, how long, what came of it, and an optional recording. Kept in the
    patient's partition (``call#<task_id>#<id>``), so a purge removes it with the patient."""

    model_config = ConfigDict(frozen=True)

    id: str
    task_id: str
    patient_id: str
    at: datetime = Field(description="when the call was made")
    duration_s: int
    result: CallResult
    note: str = ""
    by: str
    by_name: str = ""
    recording: Recording | None = None
    created_at: datetime


def recording_key(tenant: str, call_id: str) -> str:
    """Where a call's recording is kept: the tenant first, in follow-up's own part of the bucket."""
    return f"{tenant}/followup/recordings/{call_id}"


class DueNotice(BaseModel):
    """The mark that a task's ``followup.task.due`` was sent (create-only: a rerun sends nothing twice)."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    patient_id: str
    due: date
    sent_at: datetime


class SweepProgress(BaseModel):
    """How far a hospital's sweep of one local day has got: the departments it finished (by id order),
    the department it is in and the board page it is at, so a run that stops resumes there."""

    day: date
    department_id: str = Field("", description="the department in progress (empty: none started)")
    phase: Literal["due", "missed"] = "due"
    cursor: str | None = None
    finished: bool = False
    announced: int = 0
    missed: int = 0
    revision: int = 0
