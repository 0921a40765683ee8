"""Consultation (会诊): a department asks another department — of its own hospital (local) or of a hospital of
its consortium (remote) — for a specialist opinion on a patient it follows.

A request names the question, the urgency (``emergency`` 急会诊, ``ordinary`` 普通, ``mdt`` 多学科 with
several departments and a time slot), the target departments and optionally the invited specialists.
A specialist of a target department **accepts** it and records the **opinion** as a structured note; an MDT
is answered when every target department has given one. The SLA comes from the receiving hospital's
settings (``SlaSettings``): due ``emergency_minutes`` / ``ordinary_minutes`` after the request, an MDT at
its slot's end; a reminder at ``remind_fraction`` of the way, and escalation when due.

A remote consultation is kept as two copies, one in each hospital (``side`` from / to), always written in
one transaction; the receiving side's copy holds no patient id (``patient_id`` is ""), only the masked
label, sex and age and the clinical content.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Conflict, Forbidden, RuleViolation

Urgency = Literal["emergency", "ordinary", "mdt"]
Scope = Literal["local", "remote"]
Side = Literal["from", "to"]
ConsultationState = Literal["requested", "accepted", "answered", "cancelled"]
Board = Literal["open", "answered", "cancelled"]
Box = Literal["out", "in"]
URGENCY_WORDS = {"emergency": "急会诊", "ordinary": "普通会诊", "mdt": "多学科会诊"}
MAX_DEPARTMENTS = 8
MAX_INVITED = 20


def board_of(state: ConsultationState) -> Board:
    """Which board a state is on: requested and accepted are both ``open``."""
    if state in ("requested", "accepted"):
        return "open"
    return "answered" if state == "answered" else "cancelled"


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


class SlaSettings(BaseModel):
    """A hospital's consultation SLA, applied to the consultations it receives."""

    model_config = ConfigDict(frozen=True)

    emergency_minutes: int = Field(10, ge=1, le=24 * 60)
    ordinary_minutes: int = Field(24 * 60, ge=10, le=14 * 24 * 60)
    remind_fraction: float = Field(0.5, gt=0, lt=1)
    revision: int = 0

    def due(self, urgency: Urgency, requested_at: datetime, slot_end: datetime | None) -> datetime:
        if urgency == "mdt":
            if slot_end is None:
                raise RuleViolation("a multi-disciplinary consultation names its time slot", "slot")
            return slot_end
        minutes = self.emergency_minutes if urgency == "emergency" else self.ordinary_minutes
        return requested_at + timedelta(minutes=minutes)

    def remind_at(self, requested_at: datetime, due_at: datetime) -> datetime:
        return requested_at + (due_at - requested_at) * self.remind_fraction


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime


class Opinion(BaseModel):
    """The consultation's opinion as a structured note, one per target department."""

    model_config = ConfigDict(frozen=True)

    department_id: str
    department_name: str = ""
    doctor_id: str
    doctor_name: str = ""
    findings: str
    assessment: str
    recommendations: str
    diagnoses: list[str] = Field(default_factory=list, description="ICD-10 codes")
    follow_up: str = ""
    at: datetime


class Consultation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    scope: Scope
    side: Side = "from"
    consortium_id: str = ""
    consortium_name: str = ""
    from_hospital_id: str
    from_hospital_name: str = ""
    to_hospital_id: str
    to_hospital_name: str = ""
    patient_id: str = Field("", description="the requesting hospital's patient; '' on the receiving copy")
    patient_label: str
    patient_sex: str = ""
    patient_age: int | None = None
    from_department_id: str
    from_department_name: str = ""
    requested_by: str
    requested_by_name: str = ""
    urgency: Urgency
    department_ids: list[str]
    department_names: dict[str, str] = Field(default_factory=dict)
    invited: list[str] = Field(default_factory=list)
    invited_names: dict[str, str] = Field(default_factory=dict)
    question: str
    summary: str = ""
    slot: Slot | None = None
    state: ConsultationState = "requested"
    requested_at: datetime
    due_at: datetime
    reminded_at: datetime | None = None
    overdue_at: datetime | None = None
    escalated_to: list[str] = Field(default_factory=list)
    escalated_names: dict[str, str] = Field(default_factory=dict)
    accepted_by: str = ""
    accepted_by_name: str = ""
    accepted_at: datetime | None = None
    opinions: list[Opinion] = Field(default_factory=list)
    answered_at: datetime | None = None
    on_time: bool | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    updated_at: datetime
    revision: int = 0

    @property
    def remote(self) -> bool:
        return self.scope == "remote"

    @property
    def open(self) -> bool:
        return self.state in ("requested", "accepted")

    @property
    def receiver(self) -> str:
        """The tenant whose copy holds the SLA timers and counts the consultation (the receiving one)."""
        return self.to_hospital_id

    def overdue(self, now: datetime) -> bool:
        return self.open and self.due_at <= now

    def title(self) -> str:
        """What a person reads in a notification: '急会诊：张* · 心血管内科（10分钟内）'."""
        names = "、".join(self.department_names.get(d, "") or d for d in self.department_ids)
        return f"{URGENCY_WORDS[self.urgency]}：{self.patient_label} · {names}"[:120]

    def copy_for(self, side: Side) -> Consultation:
        """This consultation as the ``side`` hospital keeps it (the receiving copy holds no patient id)."""
        if side == "to" and self.remote:
            return self.model_copy(update={"side": "to", "patient_id": ""})
        return self.model_copy(update={"side": side})

    def _must_be_open(self) -> None:
        if not self.open:
            raise Conflict(f"the consultation is {self.state}")

    def accept(self, doctor_id: str, doctor_name: str, now: datetime) -> Consultation:
        self._must_be_open()
        self._not_the_requester(doctor_id)
        if self.state == "accepted":
            raise Conflict(f"the consultation was accepted by {self.accepted_by_name or 'another doctor'}")
        return self.model_copy(
            update={
                "state": "accepted",
                "accepted_by": doctor_id,
                "accepted_by_name": doctor_name,
                "accepted_at": now,
                "updated_at": now,
            }
        )

    def answer(self, opinion: Opinion, now: datetime) -> Consultation:
        """Records a department's opinion; answered once every target department gave one (one for a
        local or remote single-department consultation)."""
        self._must_be_open()
        self._not_the_requester(opinion.doctor_id)
        if opinion.department_id not in self.department_ids:
            raise Forbidden("only a target department's doctors give the consultation's opinion")
        if any(o.department_id == opinion.department_id for o in self.opinions):
            raise Conflict("this department has given its opinion already")
        opinions = [*self.opinions, opinion]
        done = {o.department_id for o in opinions} >= set(self.department_ids)
        update: dict[str, object] = {"opinions": opinions, "updated_at": now}
        if self.state == "requested":
            update |= {"state": "accepted", "accepted_by": opinion.doctor_id, "accepted_at": now}
            update["accepted_by_name"] = opinion.doctor_name
        if done:
            update |= {"state": "answered", "answered_at": now, "on_time": now <= self.due_at}
        return self.model_copy(update=update)

    def _not_the_requester(self, doctor_id: str) -> None:
        """No one answers their own request, in any capacity (a colleague of the department may)."""
        if doctor_id == self.requested_by:
            raise Forbidden("the doctor who asked for a consultation does not answer it")

    def cancel(self, staff_id: str, reason: str, now: datetime) -> Consultation:
        if staff_id != self.requested_by:
            raise Forbidden("only the doctor who asked may cancel the consultation")
        self._must_be_open()
        return self.model_copy(
            update={"state": "cancelled", "cancelled_at": now, "cancel_reason": reason, "updated_at": now}
        )

    def remind(self, now: datetime) -> Consultation:
        return self.model_copy(update={"reminded_at": now, "updated_at": now})

    def escalate(self, to: list[str], now: datetime, names: dict[str, str] | None = None) -> Consultation:
        return self.model_copy(
            update={"overdue_at": now, "escalated_to": to, "escalated_names": names or {}, "updated_at": now}
        )


class Counts(BaseModel):
    """A department's consultations of one month (counted under the month they were requested)."""

    requested: int = 0
    answered: int = 0
    on_time: int = 0
    overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.requested, 4) if self.requested else None


COUNTERS = ("requested", "answered", "on_time", "overdue")
