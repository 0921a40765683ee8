"""Two-way referral (双向转诊) between the member hospitals of a consortium: records and rules, free of AWS.

A referral has one global id and is stored twice: the sending hospital's record (box ``out``, under its
tenant) and the receiving hospital's copy (box ``in``, under the receiver's). Until the receiver accepts,
its copy holds the referral's content and the patient's masked label, sex and age only; on acceptance
the minimal identity is sealed into a patient of the receiver and the copy names that patient.

States: ``requested`` → ``accepted`` | ``rejected`` | ``cancelled`` (by the sender, before an answer);
``accepted`` → ``arrived`` | ``no_show``; ``arrived`` → ``completed``. An unanswered referral past its
SLA (by urgency) is marked ``overdue`` (a flag: the state stays ``requested``) and escalated.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Conflict
from shared.filenames import safe_filename

Direction = Literal["up", "down"]
Urgency = Literal["routine", "urgent", "emergency"]
Box = Literal["out", "in"]
ReferralState = Literal["requested", "accepted", "rejected", "arrived", "no_show", "completed", "cancelled"]
REFERRAL_STATES: tuple[ReferralState, ...] = (
    "requested",
    "accepted",
    "rejected",
    "arrived",
    "no_show",
    "completed",
    "cancelled",
)
OPEN_STATES: tuple[ReferralState, ...] = ("requested", "accepted", "arrived")
URGENCY_WORDS = {"routine": "普通", "urgent": "加急", "emergency": "紧急"}
DIRECTION_WORDS = {"up": "上转", "down": "下转"}
DEFAULT_SLA_MINUTES: dict[str, int] = {"emergency": 30, "urgent": 240, "routine": 1440}

# which state a transition may start from
MOVES: dict[ReferralState, tuple[ReferralState, ...]] = {
    "accepted": ("requested",),
    "rejected": ("requested",),
    "cancelled": ("requested",),
    "arrived": ("accepted",),
    "no_show": ("accepted",),
    "completed": ("arrived",),
}


AttachmentKind = Literal["summary", "image", "report", "other"]
# what a referral may carry, by content type: the code travels in the upload id
ATTACHMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "dcm": "application/dicom",
}
ATTACHMENT_CODES = {v: k for k, v in ATTACHMENT_TYPES.items()}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300
UPLOAD_ID = re.compile(r"^([0-9a-f]{22})-([a-z]{3,4})-([1-9][0-9]{0,8})$")


class Attachment(BaseModel):
    """A file a referral carries (a summary, an image, …): in S3 under the SENDER's tenant, read by either
    end through a presigned GET. ``key`` never leaves the server."""

    model_config = ConfigDict(frozen=True)

    upload_id: str
    filename: str
    kind: AttachmentKind
    content_type: str
    size: int
    key: str


def upload_id(random: str, content_type: str, size: int) -> str:
    """An upload's id: random, with the type's code and the size the presigned PUT was signed for. The
    object at ``attachment_key`` can only be there if the service signed that PUT, so an id whose object
    exists says the type and size truly (nothing is stored for an upload)."""
    return f"{random}-{ATTACHMENT_CODES[content_type]}-{size}"


def upload_parts(uid: str) -> tuple[str, int] | None:
    """(content type, size) an upload id was issued for; None when it is not one of ours."""
    m = UPLOAD_ID.match(uid)
    if m is None or m.group(2) not in ATTACHMENT_TYPES:
        return None
    size = int(m.group(3))
    return (ATTACHMENT_TYPES[m.group(2)], size) if size <= MAX_ATTACHMENT_BYTES else None


def attachment_key(tenant: str, uid: str, filename: str) -> str:
    """Where an upload lives: the sender's tenant first, in follow-up's part of the bucket."""
    return f"{tenant}/followup/referrals/uploads/{uid}/{safe_filename(filename)}"


class ReferralConsent(BaseModel):
    """The patient's consent to share what the referral carries with the receiving hospital."""

    model_config = ConfigDict(frozen=True)

    given: bool
    method: str = Field("signed", description="signed, verbal, …")
    note: str = ""
    recorded_by: str = ""
    recorded_by_name: str = ""
    at: datetime | None = None


class StateChange(BaseModel):
    """One step of the referral's history (FHIR Task's status history)."""

    model_config = ConfigDict(frozen=True)

    state: str
    at: datetime
    hospital_id: str
    by: str = ""
    by_name: str = ""
    note: str = ""


class Referral(BaseModel):
    """One end of a referral (``box`` says which)."""

    model_config = ConfigDict(frozen=True)

    id: str
    box: Box
    direction: Direction
    consortium_id: str
    consortium_name: str = ""
    lead_hospital_id: str = Field("", description="the consortium's lead (its counters are under it)")
    from_hospital_id: str
    from_hospital_name: str = ""
    to_hospital_id: str
    to_hospital_name: str = ""
    patient_id: str = Field(
        "", description="this hospital's patient: the sender's always; the receiver's once it accepted"
    )
    patient_label: str = Field(description="the patient's masked name (张*)")
    sex: str = ""
    age: int = 0
    reason: str
    diagnosis_code: str = Field(description="ICD-10, e.g. I21.9")
    diagnosis_name: str = ""
    urgency: Urgency
    from_department_id: str = ""
    from_department_name: str = ""
    to_department_id: str
    to_department_name: str = ""
    referrer_id: str
    referrer_name: str = ""
    consent: ReferralConsent
    state: ReferralState = "requested"
    sla_due_at: datetime
    overdue: bool = False
    escalated_at: datetime | None = None
    appointment_at: datetime | None = None
    bed: str = ""
    receiver_id: str = Field("", description="on accepted: the receiving doctor (a staff id of the receiver)")
    receiver_name: str = ""
    answered_by: str = ""
    answered_by_name: str = ""
    reject_reason: str = ""
    summary: str = Field("", description="a down referral's discharge summary")
    followup_plan_id: str = Field("", description="a down referral: the sender's plan (snapshot travels)")
    enrolment_id: str = Field("", description="a down referral, on the receiver's side: its enrolment")
    attachments: list[Attachment] = Field(default_factory=list, description="files, in the sender's keys")
    history: list[StateChange] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES


class ReferralSettings(BaseModel):
    """A receiving hospital's SLA: minutes to answer a referral, by urgency."""

    model_config = ConfigDict(frozen=True)

    emergency: int = Field(DEFAULT_SLA_MINUTES["emergency"], ge=5, le=10080)
    urgent: int = Field(DEFAULT_SLA_MINUTES["urgent"], ge=5, le=10080)
    routine: int = Field(DEFAULT_SLA_MINUTES["routine"], ge=5, le=10080)
    updated_by: str = ""
    updated_at: datetime | None = None
    revision: int = 0

    def minutes(self) -> dict[str, int]:
        return {"emergency": self.emergency, "urgent": self.urgent, "routine": self.routine}


class WrongState(Conflict):
    def __init__(self, state: str, to: str):
        super().__init__(f"the referral is {state}: it cannot become {to}")


def sla_due(urgency: Urgency, at: datetime, minutes: dict[str, int] | None = None) -> datetime:
    table: dict[str, int] = {**DEFAULT_SLA_MINUTES, **(minutes or {})}
    return at + timedelta(minutes=table[urgency])


def moved(
    referral: Referral,
    to: ReferralState,
    at: datetime,
    hospital_id: str,
    by: str,
    by_name: str,
    note: str = "",
    **changes: object,
) -> Referral:
    """The referral in state ``to`` (409 when its state does not allow it), its history grown."""
    if referral.state not in MOVES[to]:
        raise WrongState(referral.state, to)
    step = StateChange(state=to, at=at, hospital_id=hospital_id, by=by, by_name=by_name, note=note)
    return referral.model_copy(
        update={**changes, "state": to, "updated_at": at, "history": [*referral.history, step]}
    )


def title(referral: Referral, what: str) -> str:
    """What a member of staff reads: the masked label only, e.g. '转诊申请：张* → 心内科（紧急）'."""
    dept = referral.to_department_name or referral.to_department_id
    return f"{what}：{referral.patient_label} → {dept}（{URGENCY_WORDS[referral.urgency]}）"


CONSORTIUM_COUNTERS = (
    "up",
    "down",
    "accepted",
    "rejected",
    "arrived",
    "no_show",
    "completed",
    "cancelled",
    "sla_breaches",
)


def consortium_moves(referral: Referral, event: str) -> dict[str, int]:
    """What one change adds to the consortium's month: a request counts its direction; an answer or an
    outcome its state; an escalation a breach."""
    if event == "requested":
        return {referral.direction: 1}
    if event == "overdue":
        return {"sla_breaches": 1}
    return {event: 1} if event in CONSORTIUM_COUNTERS else {}
