"""Patients as follow-up serves them: always masked; the full values only in the reveal's answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID = r"^[A-Za-z0-9_-]{1,64}$"
Purpose = Literal["followup", "research"]
Revealable = Literal["name", "id_number", "mobile", "address"]


class NewPatient(BaseModel):
    """A patient to follow up, as the hospital knows them (the HIS's discharge brings the same fields)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "张建国",
                    "id_number": "11010519491231002X",
                    "mobile": "13812345678",
                    "address": "北京市朝阳区建国路88号",
                    "department_id": "dept-cardio",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(
        min_length=18, max_length=18, description="resident ID number (GB 11643; its check digit is checked)"
    )
    mobile: str = Field("", max_length=20, description="a mainland mobile; empty: none")
    address: str = Field("", max_length=200)
    sex: Literal["male", "female"] | None = Field(None, description="default: from the ID number")
    birth_date: date | None = Field(None, description="default: from the ID number")
    department_id: str = Field(pattern=ID, description="the department that follows the patient")
    consent_followup: bool | None = Field(
        True, description="the patient agreed to be followed up (recorded now); null: not asked yet"
    )


class ConsentView(BaseModel):
    purpose: Purpose
    given: bool
    active: bool
    at: datetime
    recorded_by: str
    recorded_by_name: str = ""
    withdrawn_at: datetime | None = None


class PatientView(BaseModel):
    """A patient, masked: ``name`` is ``张*``, ``id_number`` ``110105********002X``, ``mobile``
    ``138****5678``; the full values only through ``POST …/reveal``, which is audited."""

    id: str
    name: str = Field(description="masked, e.g. 张*")
    id_number: str = Field(description="masked, e.g. 110105********002X")
    mobile: str = Field(description="masked, e.g. 138****5678 (empty: none)")
    address: str = Field(description="masked to the district, e.g. 北京市朝阳区****")
    sex: Literal["male", "female"]
    age: int
    birth_date: date
    department_id: str
    department_name: str
    team_ids: list[str]
    consents: list[ConsentView]
    retention_until: date | None
    created_at: datetime


class PatientList(BaseModel):
    items: list[PatientView]
    next_cursor: str | None = None


class FindPatients(BaseModel):
    """Look a patient up by an exact identifier (a blind index: one Query, never a scan)."""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(None, min_length=18, max_length=18)
    mobile: str | None = Field(None, min_length=11, max_length=20)


class PatientQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: str = Field(pattern=ID)
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class RevealRequest(BaseModel):
    """Which full values to see, and why: the reason is kept in the patient's access log."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"fields": ["mobile"], "reason": "电话随访，核对号码"}]},
    )

    fields: list[Revealable] = Field(min_length=1, max_length=4)
    reason: str = Field(min_length=2, max_length=200)


class Revealed(BaseModel):
    """The full values asked for (only these; this answer is never cached or logged)."""

    id: str
    values: dict[str, str]


class AccessEntryView(BaseModel):
    at: datetime
    actor: str
    actor_name: str = Field(description="who, by name")
    actor_kind: str
    action: str = Field(description="read:record, reveal:mobile, export:fhir, patient.registered, …")
    reason: str


class AccessLog(BaseModel):
    patient_id: str
    patient_name: str = Field(description="masked, e.g. 张*")
    items: list[AccessEntryView]
    next_cursor: str | None = None


class ConsentChange(BaseModel):
    """Record the patient's consent to a purpose, or its withdrawal (``given: false``)."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    given: bool


class RetentionSettings(BaseModel):
    """How long a patient's follow-up is kept after their record was last changed."""

    model_config = ConfigDict(extra="forbid")

    years: int = Field(ge=1, le=50)


class RetentionView(BaseModel):
    years: int
    updated_by_name: str = ""


class PurgeReport(BaseModel):
    """What one run of the purge did (a bounded run; ``more``: run it again)."""

    purged: int
    more: bool
