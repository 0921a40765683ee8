"""Consultations (会诊): requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.followup.domain.consultations import (
    MAX_DEPARTMENTS,
    MAX_INVITED,
    Board,
    Box,
    ConsultationState,
    Scope,
    Side,
    Urgency,
)
from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

ID = r"^[A-Za-z0-9_-]{1,64}$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
ICD10 = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime


class NewConsultation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "patient_id": "p1",
                    "scope": "local",
                    "urgency": "emergency",
                    "department_ids": ["d2"],
                    "question": "胸痛3小时，请心内科会诊",
                    "summary": "男，76岁，高血压病史",
                }
            ]
        },
    )

    patient_id: str = Field(pattern=ID, description="a follow-up patient of the caller's hospital")
    scope: Scope = Field("local", description="local (this hospital) or remote (a consortium hospital)")
    consortium_id: str = Field("", max_length=64, description="remote: the consortium both are members of")
    to_hospital_id: str = Field("", max_length=64, description="remote: the receiving hospital")
    urgency: Urgency = Field(description="emergency (急会诊), ordinary (普通) or mdt (多学科)")
    department_ids: list[str] = Field(
        min_length=1, max_length=MAX_DEPARTMENTS, description="the receiving hospital's departments"
    )
    invited: list[str] = Field(
        default_factory=list, max_length=MAX_INVITED, description="invited specialists (staff ids)"
    )
    question: str = Field(min_length=1, max_length=2000)
    summary: str = Field("", max_length=4000, description="the clinical summary")
    slot: SlotIn | None = Field(None, description="mdt: the time slot")


class OpinionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": "心电图ST段压低",
                    "assessment": "不稳定型心绞痛",
                    "recommendations": "收入心内科，冠脉造影",
                    "diagnoses": ["I20.0"],
                }
            ]
        },
    )

    department_id: str = Field(
        "", max_length=64, description="mdt: which target department this opinion is for (default: yours)"
    )
    findings: str = Field(min_length=1, max_length=4000)
    assessment: str = Field(min_length=1, max_length=4000)
    recommendations: str = Field(min_length=1, max_length=4000)
    diagnoses: list[str] = Field(default_factory=list, max_length=20, description="ICD-10 codes")
    follow_up: str = Field("", max_length=2000, description="follow-up advice")


class CancelConsultation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "患者已转院"}]})

    reason: str = Field("", max_length=500)


class SettingsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"version": 0, "emergency_minutes": 10, "ordinary_minutes": 1440, "remind_fraction": 0.5}
            ]
        },
    )

    version: int = Field(ge=0, description="the version it replaces (0: the defaults)")
    emergency_minutes: int = Field(10, ge=1, le=1440)
    ordinary_minutes: int = Field(1440, ge=10, le=20160)
    remind_fraction: float = Field(0.5, gt=0, lt=1)


class SettingsView(BaseModel):
    version: int
    emergency_minutes: int
    ordinary_minutes: int
    remind_fraction: float


class SlotView(BaseModel):
    start: datetime
    end: datetime


class OpinionView(BaseModel):
    department_id: str
    department_name: str
    doctor_id: str
    doctor_name: str
    findings: str
    assessment: str
    recommendations: str
    diagnoses: list[str]
    follow_up: str
    at: datetime


class NamedId(BaseModel):
    id: str
    name: str


class ConsultationView(BaseModel):
    id: str
    scope: Scope
    side: Side
    consortium_id: str
    consortium_name: str
    from_hospital_id: str
    from_hospital_name: str
    to_hospital_id: str
    to_hospital_name: str
    patient_id: str = Field(description="the requesting side only; '' for the receiving hospital")
    patient_label: str = Field(description="the patient's masked name (张*)")
    patient_sex: str
    patient_age: int | None
    from_department_id: str
    from_department_name: str
    requested_by: str
    requested_by_name: str
    urgency: Urgency
    departments: list[NamedId]
    invited: list[NamedId]
    question: str
    summary: str
    slot: SlotView | None
    state: ConsultationState
    overdue: bool
    requested_at: datetime
    due_at: datetime
    reminded_at: datetime | None
    overdue_at: datetime | None
    escalated_to: list[NamedId] = Field(
        default_factory=list, description="overdue: the doctors woken (the departments' on-duty doctors)"
    )
    accepted_by: str
    accepted_by_name: str
    accepted_at: datetime | None
    opinions: list[OpinionView]
    answered_at: datetime | None
    on_time: bool | None
    cancelled_at: datetime | None
    cancel_reason: str
    revision: int


class ConsultationList(Page[ConsultationView]):
    pass


class ConsultationsQuery(ListQuery):
    box: Box = Field("in", description="in (asked of the department) or out (asked by it)")
    state: Board = Field("open", description="open (requested or accepted), answered or cancelled")
    department_id: str = Field("", max_length=64, description="default: the caller's own department")


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=MONTH, description="YYYY-MM")


class DepartmentStats(BaseModel):
    department_id: str
    department_name: str
    requested: int
    answered: int
    on_time: int
    overdue: int
    on_time_rate: float | None = Field(description="answered on time / requested; null when none")


class StatsView(BaseModel):
    month: str
    items: list[DepartmentStats]


Kind = Literal["consultation"]
