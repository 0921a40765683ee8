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


# ---- referral (双向转诊) and consultation (会诊) ----------------------------------------------------
#
# A referral or a remote consultation involves two hospitals: each of its events is emitted once per
# hospital it concerns, under that hospital's tenant (``side`` says which end this copy is for), so each
# hospital's consumers act on and count their own side and ``notify`` names staff of that tenant only.


class ReferralEvent(BaseModel):
    """A referral between two hospitals of a consortium changed state (thin: ids, codes, a masked name)."""

    referral_id: str
    direction: str = Field(
        description="up (上转: to a higher-level hospital) or down (下转: back to the community)"
    )
    consortium_id: str
    from_hospital_id: str
    to_hospital_id: str
    side: str = Field(description="which hospital this copy is for (its envelope's tenant): from or to")
    state: str = Field(description="requested, accepted, rejected, arrived, no_show, completed or cancelled")
    urgency: str = Field(description="routine, urgent or emergency")
    patient_label: str = Field(description="the patient's masked name, e.g. '张*'")
    from_department_id: str = ""
    to_department_id: str = ""
    referrer_id: str = Field("", description="the referring doctor (a staff id of the sending hospital)")
    receiver_id: str = Field("", description="on accepted: the receiving doctor (a staff id of the receiver)")
    notify: list[str] = Field(
        default_factory=list, description="staff of this side's hospital to tell (a work notification)"
    )
    urgent: bool = Field(False, description="tell them by DING (an escalation past the SLA, an emergency)")
    title: str = Field("", description="what they read, e.g. '转诊申请：张* → 心内科（紧急）'")
    group_members: dict[str, list[str]] = Field(
        default_factory=dict,
        description="on the from side: the referral group's doctors, hospital id → staff ids (转诊群)",
    )


def _referral_event(name: str, what: str) -> EventType[ReferralEvent]:
    return EventType(f"referral.{name}", "followup", ReferralEvent, description=what)


REFERRAL_REQUESTED = _referral_event("requested", "A doctor referred a patient to another member hospital")
REFERRAL_ACCEPTED = _referral_event("accepted", "The receiving hospital's desk accepted a referral")
REFERRAL_REJECTED = _referral_event("rejected", "The receiving hospital's desk rejected a referral")
REFERRAL_ARRIVED = _referral_event("arrived", "The referred patient arrived at the receiving hospital")
REFERRAL_NO_SHOW = _referral_event("no_show", "The referred patient did not arrive")
REFERRAL_COMPLETED = _referral_event("completed", "A referral was completed")
REFERRAL_CANCELLED = _referral_event("cancelled", "The referring hospital withdrew a referral")
REFERRAL_OVERDUE = _referral_event(
    "overdue", "A referral passed its SLA unanswered: the desk is escalated to"
)


class ConsultationEvent(BaseModel):
    """A consultation (会诊) changed: asked, accepted, answered, reminded or overdue."""

    consultation_id: str
    scope: str = Field(description="local (department to department) or remote (another member hospital)")
    consortium_id: str = ""
    from_hospital_id: str
    to_hospital_id: str
    side: str = Field(description="which hospital this copy is for (its envelope's tenant): from or to")
    urgency: str = Field(description="emergency (急会诊), ordinary (普通) or mdt (多学科)")
    patient_label: str = Field(description="the patient's masked name, e.g. '张*'")
    from_department_id: str = ""
    to_department_ids: list[str] = Field(default_factory=list)
    on_time: bool | None = Field(None, description="on answered: within its SLA")
    notify: list[str] = Field(default_factory=list, description="staff of this side's hospital to tell")
    urgent: bool = Field(False, description="tell them by DING")
    title: str = Field("", description="what they read, e.g. '急会诊：张* · 心内科（10分钟内）'")


def _consultation_event(name: str, what: str) -> EventType[ConsultationEvent]:
    return EventType(f"consultation.{name}", "followup", ConsultationEvent, description=what)


CONSULTATION_REQUESTED = _consultation_event("requested", "A department asked for a consultation")
CONSULTATION_ACCEPTED = _consultation_event("accepted", "A specialist accepted a consultation")
CONSULTATION_ANSWERED = _consultation_event("answered", "A specialist recorded the consultation's opinion")
CONSULTATION_REMINDED = _consultation_event(
    "reminded", "A consultation nears its SLA: the invited are reminded"
)
CONSULTATION_OVERDUE = _consultation_event(
    "overdue", "A consultation passed its SLA unanswered: the department's on-duty doctor is escalated to"
)
CONSULTATION_CANCELLED = _consultation_event("cancelled", "The requesting department withdrew a consultation")

REFERRAL_EVENTS: tuple[EventType[Any], ...] = (
    REFERRAL_REQUESTED,
    REFERRAL_ACCEPTED,
    REFERRAL_REJECTED,
    REFERRAL_ARRIVED,
    REFERRAL_NO_SHOW,
    REFERRAL_COMPLETED,
    REFERRAL_CANCELLED,
    REFERRAL_OVERDUE,
)
CONSULTATION_EVENTS: tuple[EventType[Any], ...] = (
    CONSULTATION_REQUESTED,
    CONSULTATION_ACCEPTED,
    CONSULTATION_ANSWERED,
    CONSULTATION_REMINDED,
    CONSULTATION_OVERDUE,
    CONSULTATION_CANCELLED,
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
    *REFERRAL_EVENTS,
    *CONSULTATION_EVENTS,
)
