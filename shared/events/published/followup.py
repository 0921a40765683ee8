"""Follow-up's events (随访). Thin: ids, dates, codes and the words a member of staff reads — a patient
appears only by id and by the masked name (``张*``), never a name, ID number, mobile or address in full
(the privacy tests read every event of a scripted day)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class Enrolled(BaseModel):
    """A discharged patient was enrolled in a follow-up plan: its tasks exist from now on."""

    enrolment_id: str
    patient_id: str
    plan_id: str
    plan_version: int
    department_id: str
    doctor_id: str = Field("", description="the responsible doctor's staff id")
    team_id: str = Field("", description="the responsible care team, if any")
    discharge_date: date
    tasks: int = Field(description="how many tasks the enrolment made")


FOLLOWUP_ENROLLED = EventType(
    "followup.enrolled", "followup", Enrolled, description="A discharged patient was enrolled in a plan"
)


class TaskEvent(BaseModel):
    """A follow-up task became due, was done, or was missed (its window closed without an outcome)."""

    task_id: str
    patient_id: str
    enrolment_id: str = ""
    kind: str = Field(description="call, questionnaire, revisit, lab, visit or alert")
    title: str = Field(description="what the task is, e.g. '出院后第7天问卷'")
    due: date
    department_id: str
    doctor_id: str = Field("", description="the staff id it is assigned to (empty: the team's or role's)")
    team_id: str = ""
    outcome: str = Field("", description="on done: reached, not_reached, refused, lost, deceased")


FOLLOWUP_TASK_DUE = EventType(
    "followup.task.due", "followup", TaskEvent, description="A follow-up task is due today"
)
FOLLOWUP_TASK_DONE = EventType(
    "followup.task.done", "followup", TaskEvent, description="A follow-up task was done, with its outcome"
)
FOLLOWUP_TASK_MISSED = EventType(
    "followup.task.missed", "followup", TaskEvent, description="A follow-up task's window closed undone"
)


class AlertRaised(BaseModel):
    """A result outside its range (a questionnaire answer past a threshold, a lab value): the responsible
    doctor is told (messaging: a work notification, DING when ``urgent``) and has a task for it."""

    alert_id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name, e.g. '张*'")
    task_id: str = Field(description="the doctor's task to handle it")
    department_id: str
    notify: list[str] = Field(description="the staff ids to tell (the responsible doctor, else the team)")
    title: str = Field(description="e.g. '随访异常：收缩压 182 mmHg（>160）'")
    urgent: bool = False


FOLLOWUP_ALERT_RAISED = EventType(
    "followup.alert.raised", "followup", AlertRaised, description="An abnormal follow-up result was found"
)


class RevisitEvent(BaseModel):
    """A chronic revisit request (慢病复诊): asked, claimed by one doctor, or closed."""

    revisit_id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name, e.g. '张*'")
    department_id: str
    notify: list[str] = Field(
        default_factory=list, description="on requested: the department's doctors to tell (the pool)"
    )
    doctor_id: str = Field("", description="on claimed and closed: the doctor who claimed it")
    summary: str = Field("", description="what the patient asks for, e.g. '续方：苯磺酸氨氯地平'")
    resolution: str = Field("", description="on closed: renewed, booked, called, declined")


FOLLOWUP_REVISIT_REQUESTED = EventType(
    "followup.revisit.requested",
    "followup",
    RevisitEvent,
    description="A patient asked for a chronic revisit: the department's doctors are told",
)
FOLLOWUP_REVISIT_CLAIMED = EventType(
    "followup.revisit.claimed", "followup", RevisitEvent, description="A doctor claimed a revisit request"
)
FOLLOWUP_REVISIT_CLOSED = EventType(
    "followup.revisit.closed", "followup", RevisitEvent, description="A revisit request was handled"
)

FOLLOWUP_EVENTS: tuple[EventType[Any], ...] = (
    FOLLOWUP_ENROLLED,
    FOLLOWUP_TASK_DUE,
    FOLLOWUP_TASK_DONE,
    FOLLOWUP_TASK_MISSED,
    FOLLOWUP_ALERT_RAISED,
    FOLLOWUP_REVISIT_REQUESTED,
    FOLLOWUP_REVISIT_CLAIMED,
    FOLLOWUP_REVISIT_CLOSED,
)
