"""Chronic revisit requests (慢病复诊): requests and responses."""

from __future__ import annotations

from datetime import date, datetime

from chalicelib.followup.domain.revisits import Ask, Channel, Resolution, RevisitState
from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

ID = r"^[A-Za-z0-9_-]{1,64}$"


class NewRevisit(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"patient_id": "p1", "department_id": "d1", "ask": "renew", "text": "苯磺酸氨氯地平"}
            ]
        },
    )

    patient_id: str = Field(pattern=ID)
    department_id: str = Field(pattern=ID, description="the department whose doctors' pool it enters")
    ask: Ask = Field(description="renew (续方), book (预约复诊) or question (咨询)")
    text: str = Field("", max_length=500, description="what the patient says, in short")


class CloseRevisit(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"resolution": "called"}]})

    resolution: Resolution = Field(description="renewed, booked, called or declined")
    prescription_note: str = Field("", max_length=1000, description="renewed: the prescription note")
    booked_on: date | None = Field(None, description="booked: the day of the revisit")
    note: str = Field("", max_length=1000)


class RevisitView(BaseModel):
    id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    department_id: str
    department_name: str
    ask: Ask
    text: str
    summary: str
    channel: Channel
    requested_by: str
    requested_by_name: str
    state: RevisitState
    doctor_id: str
    doctor_name: str
    claimed_at: datetime | None
    claim_expires_at: datetime | None
    claims: int
    resolution: Resolution | None
    prescription_note: str
    booked_on: date | None
    closing_note: str
    closed_at: datetime | None
    created_at: datetime
    revision: int


class RevisitList(Page[RevisitView]):
    pass


class RevisitsQuery(ListQuery):
    department_id: str = Field(pattern=ID)
    state: RevisitState = "pool"
