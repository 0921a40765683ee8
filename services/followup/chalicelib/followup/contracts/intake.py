"""Discharges coming in (JSON or a FHIR R4 bundle), what intake answers, and the FHIR export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from chalicelib.followup.domain.patients import Sex
from pydantic import BaseModel, ConfigDict, Field

ICD10 = r"^[A-Za-z][0-9]{2}(\.[0-9A-Za-z]{1,4})?$"


class Identity(BaseModel):
    """Who was discharged: found by the resident ID number, registered when new."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, examples=["张三"])
    id_number: str = Field(
        min_length=18,
        max_length=18,
        examples=["11010519491231002X"],
        description="resident ID number (GB 11643: its birth date and check digit are checked)",
    )
    mobile: str = Field(
        "", max_length=20, examples=["13812345678"], description="a mainland mobile (+86, spaces allowed)"
    )
    address: str = Field("", max_length=200, examples=["北京市朝阳区建国路88号"])
    sex: Sex | None = Field(None, description="defaults to what the ID number encodes")
    birth_date: date | None = Field(None, description="defaults to what the ID number encodes")


class Discharge(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "patient": {
                        "name": "张三",
                        "id_number": "11010519491231002X",
                        "mobile": "13812345678",
                        "address": "北京市朝阳区建国路88号",
                    },
                    "diagnoses": ["I10.x05"],
                    "department_id": "dept-cardiology",
                    "discharge_date": "2026-12-01",
                    "doctor_id": "staff-li",
                }
            ]
        },
    )

    patient: Identity
    diagnoses: list[Annotated[str, Field(pattern=ICD10, examples=["I10"])]] = Field(
        min_length=1, max_length=20, description="ICD-10 codes (e.g. I10, E11.9), principal first"
    )
    department_id: str = Field(min_length=1, max_length=64)
    procedure: str = Field("", max_length=20, description="the procedure code (e.g. ICD-9-CM-3 55.69)")
    procedure_name: str = Field("", max_length=60)
    discharge_date: date
    doctor_id: str = Field(min_length=1, max_length=64, description="the responsible doctor's staff id")
    team_id: str = Field("", max_length=64, description="the responsible care team, if any")
    encounter_id: str = Field(
        "", max_length=64, description="the HIS's encounter id: posting it again enrols no one twice"
    )
    consent_followup: bool = Field(
        True, description="the patient agreed at discharge to be followed up (recorded with a new patient)"
    )


class FhirBundleIn(BaseModel):
    """A FHIR R4 ``Bundle`` (JSON): Patient, Encounter, Condition(s), optionally Procedure. It is
    validated with fhir.resources' R4B models; the guide says which identifier systems and codings
    it reads."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {
                            "fullUrl": "urn:uuid:p1",
                            "resource": {
                                "resourceType": "Patient",
                                "identifier": [
                                    {"system": "urn:oid:2.16.156.10011.1.1", "value": "11010519491231002X"}
                                ],
                                "name": [{"text": "张三"}],
                            },
                        }
                    ],
                }
            ]
        },
    )

    resourceType: Literal["Bundle"]


class MaskedPatient(BaseModel):
    id: str
    name: str = Field(description="masked, e.g. 张*")
    id_number: str = Field(description="masked, e.g. 110105********002X")
    mobile: str = Field(description="masked, e.g. 138****5678")
    sex: str
    birth_date: date
    department_id: str
    department_name: str = ""


class EnrolmentView(BaseModel):
    id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name")
    plan_id: str
    plan_name: str
    plan_version: int
    lifelong: bool
    discharge_date: date
    department_id: str
    department_name: str = ""
    doctor_id: str
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    materialised_to: date = Field(description="its tasks exist up to this day")
    tasks: int


class IntakeResult(BaseModel):
    """What a discharge did: the patient (masked), the encounter, and the enrolment if a rule matched."""

    id: str = Field(description="the encounter's id")
    patient_id: str
    patient_label: str
    patient: MaskedPatient
    patient_registered: bool = Field(description="the patient was new to the hospital's follow-up")
    enrolled: bool
    reason: str = Field("", description="why not enrolled (no rule matched)")
    repeated: bool = Field(False, description="this discharge was posted before: nothing was done again")
    enrolment: EnrolmentView | None = None
    plan_name: str = ""
    tasks: int = 0
    department_id: str
    department_name: str = ""
    doctor_id: str
    doctor_name: str = ""


class FhirBundleOut(BaseModel):
    """A FHIR R4 ``Bundle`` of type collection (validated with the R4B models before it is sent)."""

    model_config = ConfigDict(extra="allow")

    resourceType: Literal["Bundle"]
    type: str
    entry: list[dict[str, Any]] = Field(default_factory=list)
