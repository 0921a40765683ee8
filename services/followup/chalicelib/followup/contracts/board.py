"""The task board and doing a task: the board query and its rows, a task with its calls, finishing it,
logging a call (with a recording to upload), and a recording's download link. A patient appears only by
id and masked name (``patient_label``)."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.followup.domain.board import (
    CALL_RESULTS,
    MAX_RECORDING_BYTES,
    RECORDING_TYPE_PATTERN,
    CallResult,
    View,
)
from chalicelib.followup.domain.tasks import BoardScope, Outcome, TaskKind, TaskState
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class BoardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: BoardScope = Field("doctor", description="whose board: a doctor's, a care team's, a department's")
    owner_id: str | None = Field(
        None,
        max_length=128,
        pattern=r"^[^#/\s]+$",
        description="the doctor's, team's or department's id (default: the caller, the caller's department)",
    )
    view: View = Field("due_today", description="due_today, overdue, done or missed")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class BoardItem(BaseModel):
    task_id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    kind: TaskKind
    title: str
    due: date
    days_overdue: int = Field(description="days past due (open tasks; 0 otherwise)")
    state: TaskState
    outcome: Outcome | None = None
    urgent: bool = False
    doctor_id: str = ""
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    department_id: str
    department_name: str = ""
    role: str = ""


class Board(BaseModel):
    scope: BoardScope
    owner_id: str
    view: View
    today: date = Field(description="the hospital's date the view is of")
    items: list[BoardItem]
    next_cursor: str | None = None


class RecordingInfo(BaseModel):
    content_type: str
    size: int


class CallView(BaseModel):
    id: str
    task_id: str
    at: datetime
    duration_s: int
    result: CallResult
    note: str = ""
    by: str = Field(description="the staff id who called")
    by_name: str = ""
    recording: RecordingInfo | None = None


class TaskView(BaseModel):
    id: str
    patient_id: str
    patient_label: str
    kind: TaskKind
    title: str
    due: date
    closes_on: date = Field(description="the last day it may be done before the sweep marks it missed")
    state: TaskState
    urgent: bool = False
    department_id: str
    department_name: str = ""
    doctor_id: str = ""
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    role: str = ""
    plan_id: str = ""
    enrolment_id: str = ""
    detail: dict[str, object] = Field(default_factory=dict)
    outcome: Outcome | None = None
    outcome_reason: str = ""
    notes: str = ""
    done_by: str = ""
    done_by_name: str = ""
    done_at: datetime | None = None
    calls: list[CallView] = Field(default_factory=list, description="the calls made for it, newest first")
    cancelled_tasks: int = Field(
        0, description="on a deceased outcome: the patient's other open tasks cancelled"
    )


class FinishTask(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"outcome": "reached", "notes": "血压控制良好，按时服药"}]},
    )

    outcome: Outcome = Field(description="reached, not_reached, refused, lost (needs reason) or deceased")
    reason: str = Field(
        "", max_length=500, description="why the patient is lost to follow-up (required then)"
    )
    notes: str = Field("", max_length=4000)


class RecordingUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(
        pattern=RECORDING_TYPE_PATTERN, max_length=80, description="audio/* (audio/mpeg, audio/amr, …)"
    )
    size: int = Field(
        ge=1, le=MAX_RECORDING_BYTES, description=f"bytes, at most {MAX_RECORDING_BYTES} (50 MB)"
    )


class LogCall(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "at": "2026-12-04T09:30:00+08:00",
                    "duration_s": 240,
                    "result": "reached",
                    "note": "患者自述无不适",
                }
            ]
        },
    )

    at: AwareDatetime = Field(description="when the call was made (with its time zone)")
    duration_s: int = Field(ge=0, le=24 * 3600)
    result: CallResult = Field(description=", ".join(CALL_RESULTS))
    note: str = Field("", max_length=2000)
    recording: RecordingUpload | None = Field(
        None, description="announce a recording to upload (presigned PUT)"
    )


class LoggedCall(CallView):
    upload_url: str | None = Field(
        None, description="PUT the recording here, with upload_headers, before upload_expires_at"
    )
    upload_headers: dict[str, str] = Field(default_factory=dict)
    upload_expires_at: datetime | None = None


class RecordingLink(BaseModel):
    url: str = Field(description="a presigned GET of the recording")
    content_type: str
    size: int
    expires_at: datetime
