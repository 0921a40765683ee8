"""Two-way referral (双向转诊): requests and responses."""

from __future__ import annotations

from datetime import datetime

from chalicelib.followup.domain.referrals import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentKind,
    Box,
    Direction,
    ReferralState,
    Urgency,
)
from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

ID = r"^[A-Za-z0-9_-]{1,64}$"
ICD10 = r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given: bool = Field(description="the patient agreed to share the referral with the receiving hospital")
    method: str = Field("signed", max_length=20, description="signed, verbal, …")
    note: str = Field("", max_length=500)


ATTACHMENT_TYPE_PATTERN = "^(" + "|".join(ATTACHMENT_TYPES.values()) + ")$"


class NewUpload(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"filename": "出院小结.pdf", "content_type": "application/pdf", "size": 182044}]
        },
    )

    filename: str = Field(min_length=1, max_length=200, description="the file's name (kept safe: no folder)")
    content_type: str = Field(
        pattern=ATTACHMENT_TYPE_PATTERN, description="one of: " + ", ".join(ATTACHMENT_TYPES.values())
    )
    size: int = Field(
        ge=1, le=MAX_ATTACHMENT_BYTES, description=f"bytes, at most {MAX_ATTACHMENT_BYTES} (20 MB)"
    )


class UploadView(BaseModel):
    upload_id: str = Field(description="name it in the referral's attachments once the PUT is done")
    upload_url: str = Field(description="PUT the file here, with upload_headers, before expires_at")
    upload_headers: dict[str, str]
    expires_at: datetime
    key: str = Field(description="where the file lives (under my hospital's tenant)")


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upload_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="from POST /referrals/attachments")
    filename: str = Field(min_length=1, max_length=200, description="the name given to that upload")
    kind: AttachmentKind = "other"


class AttachmentView(BaseModel):
    filename: str
    kind: AttachmentKind
    content_type: str
    size: int


class AttachmentLink(BaseModel):
    url: str = Field(description="a presigned GET that saves the file under its name")
    filename: str
    content_type: str
    size: int
    expires_at: datetime


class NewReferral(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "patient_id": "p1",
                    "to_hospital_id": "h-city",
                    "consortium_id": "c1",
                    "to_department_id": "d-cardio",
                    "direction": "up",
                    "urgency": "urgent",
                    "reason": "胸痛反复发作，需冠脉造影",
                    "diagnosis_code": "I20.0",
                    "diagnosis_name": "不稳定型心绞痛",
                    "consent": {"given": True, "method": "signed"},
                }
            ]
        },
    )

    patient_id: str = Field(pattern=ID, description="the patient (a patient of the referring hospital)")
    to_hospital_id: str = Field(pattern=ID)
    consortium_id: str = Field(pattern=ID, description="the consortium both hospitals are members of")
    to_department_id: str = Field(pattern=ID, description="the receiving hospital's department")
    from_department_id: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$")
    direction: Direction = "up"
    urgency: Urgency = "routine"
    reason: str = Field(min_length=1, max_length=1000)
    diagnosis_code: str = Field(pattern=ICD10, description="ICD-10, e.g. I20.0")
    diagnosis_name: str = Field("", max_length=100)
    summary: str = Field("", max_length=4000, description="down: the discharge summary")
    followup_plan_id: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$", description="down: the plan")
    consent: ConsentIn
    attachments: list[AttachmentIn] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS, description="files uploaded first (at most 10)"
    )


class AcceptReferral(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"appointment_at": "2026-12-08T09:00:00+08:00"}]}
    )

    appointment_at: datetime | None = Field(None, description="an appointment (or a bed's admission time)")
    bed: str = Field("", max_length=50, description="a bed, with appointment_at as the admission time")
    receiver_id: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$", description="the receiving doctor")
    team_id: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$", description="down: the receiver's care team")
    plan_id: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$", description="down: the receiver's plan")


class RejectReferral(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "本院暂无床位"}]})

    reason: str = Field(min_length=1, max_length=500)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": ""}]})

    note: str = Field("", max_length=500)


class StateChangeView(BaseModel):
    state: str
    at: datetime
    hospital_id: str
    by: str
    by_name: str
    note: str


class ReferralView(BaseModel):
    id: str
    box: Box
    direction: Direction
    consortium_id: str
    consortium_name: str
    linked: bool = Field(description="both hospitals are still active members of the consortium")
    from_hospital_id: str
    from_hospital_name: str
    to_hospital_id: str
    to_hospital_name: str
    patient_id: str = Field(
        description="this hospital's patient ('' on the receiver's side before acceptance)"
    )
    patient_label: str
    sex: str
    age: int
    reason: str
    diagnosis_code: str
    diagnosis_name: str
    urgency: Urgency
    from_department_id: str
    from_department_name: str
    to_department_id: str
    to_department_name: str
    referrer_id: str
    referrer_name: str
    consent_given: bool
    consent_method: str
    state: ReferralState
    sla_due_at: datetime
    overdue: bool
    appointment_at: datetime | None
    bed: str
    receiver_id: str
    receiver_name: str
    answered_by_name: str
    reject_reason: str
    summary: str
    enrolment_id: str
    attachments: list[AttachmentView] = Field(
        default_factory=list, description="GET /referrals/{id}/attachments/{n} (n from 0) for a link"
    )
    history: list[StateChangeView]
    created_at: datetime
    updated_at: datetime


class ReferralList(Page[ReferralView]):
    pass


class ReferralsQuery(ListQuery):
    box: Box = "in"
    state: ReferralState = "requested"


class Destination(BaseModel):
    hospital_id: str
    hospital_name: str
    consortium_id: str
    consortium_name: str


class Destinations(BaseModel):
    items: list[Destination]


class DepartmentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consortium_id: str = Field(
        "", max_length=64, description="the consortium both hospitals are in (default: the first shared)"
    )


class Department(BaseModel):
    id: str
    name: str
    parent_id: str | None = None


class DestinationDepartments(BaseModel):
    """A destination's departments, to name the target department of a referral (names, not people)."""

    hospital_id: str
    hospital_name: str
    items: list[Department]


class ReferralSummary(BaseModel):
    outbound: dict[str, int] = Field(description="the referrals I sent (box out), by state")
    inbound: dict[str, int] = Field(description="the referrals I received (box in), by state")


class CountsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(
        "", pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$", description="YYYY-MM (UTC); default: now"
    )


class ConsortiumCounts(BaseModel):
    """The consortium's referrals in a month: counts only, no patient."""

    consortium_id: str
    consortium_name: str
    month: str
    up: int
    down: int
    accepted: int
    rejected: int
    arrived: int
    no_show: int
    completed: int
    cancelled: int
    sla_breaches: int


class SettingsBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"emergency": 30, "urgent": 240, "routine": 1440, "revision": 0}]},
    )

    emergency: int = Field(ge=5, le=10080, description="minutes to answer an emergency referral")
    urgent: int = Field(ge=5, le=10080)
    routine: int = Field(ge=5, le=10080)
    revision: int = Field(0, ge=0, description="the revision read (0: the defaults, none saved yet)")


class SettingsView(BaseModel):
    emergency: int
    urgent: int
    routine: int
    updated_by: str
    updated_at: datetime | None
    revision: int
