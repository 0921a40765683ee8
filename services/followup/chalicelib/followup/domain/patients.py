"""A patient under follow-up, as the service keeps them: personal identifiers sealed, masks beside them.

Name, resident ID number, mobile and address are kept only **sealed** (``sealed[field]``, encrypted per
field under a data key bound to the tenant) and **masked** (``张*``, ``110105********002X``,
``138****5678``, ``北京市朝阳区****``); lists, exports, events and logs use the masks, and the full value
comes back only through the audited reveal. Exact look-ups go by **blind index** (``id_number_index``,
``mobile_index``: an HMAC made inside KMS), never by scanning. Sex and birth date are kept plain: the
board shows an age, and neither identifies a person alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.personal import mask_mobile, mask_resident_id

SEALED_FIELDS = ("name", "id_number", "mobile", "address")
SealedField = Literal["name", "id_number", "mobile", "address"]
Purpose = Literal["followup", "research"]
PURPOSES: tuple[Purpose, ...] = ("followup", "research")
Sex = Literal["male", "female"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class InvalidResidentId(ValueError):
    pass


def resident_id_check(number: str) -> str:
    """The GB 11643 check character of an 18-character resident ID number's first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11]


def parse_resident_id(value: str) -> tuple[str, date, Sex]:
    """A resident ID number (GB 11643-1999), normalised (upper-case X), with the birth date and sex it
    encodes; raises ``InvalidResidentId`` saying what is wrong (never echoing the number)."""
    number = value.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidResidentId("a resident ID number has 17 digits and a check digit or X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidResidentId("the resident ID number's birth date is not a date") from exc
    if born.year < 1900 or born > date.today():
        raise InvalidResidentId("the resident ID number's birth date is not a date")
    if resident_id_check(number) != number[17]:
        raise InvalidResidentId("the resident ID number's check digit is wrong")
    return number, born, "male" if int(number[16]) % 2 else "female"


def mask_address(address: str) -> str:
    """``北京市朝阳区建国路88号`` → ``北京市朝阳区****``: the district at most, never the street."""
    return (address[:6] if len(address) > 6 else address[:2]) + "****"


def mask_patient_name(name: str) -> str:
    """``张建国`` → ``张*``: the family name's first character only, whatever the name's length."""
    return (name.strip()[:1] or "") + "*"


def masks(name: str, id_number: str, mobile: str, address: str) -> dict[str, str]:
    return {
        "name": mask_patient_name(name),
        "id_number": mask_resident_id(id_number),
        "mobile": mask_mobile(mobile) if mobile else "",
        "address": mask_address(address) if address else "",
    }


class Consent(BaseModel):
    """The patient's consent to one purpose: given or refused, when, recorded by whom; withdrawal keeps
    the record (``withdrawn_at``)."""

    model_config = ConfigDict(frozen=True)

    purpose: Purpose
    given: bool
    at: datetime
    recorded_by: str
    recorded_by_name: str = ""
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.given and self.withdrawn_at is None


class Patient(BaseModel):
    """A patient of this hospital (the tenant) under follow-up."""

    model_config = ConfigDict(frozen=True)

    id: str
    masked: dict[str, str] = Field(description="name, id_number, mobile, address, masked")
    sealed: dict[str, str] = Field(description="name, id_number, mobile, address, each encrypted")
    id_number_index: str
    mobile_index: str = ""
    sex: Sex
    birth_date: date
    department_id: str = Field(description="the department following the patient (the latest discharge's)")
    department_name: str = ""
    departments: list[str] = Field(
        default_factory=list,
        description="every department that follows the patient (a later discharge elsewhere adds one)",
    )
    team_ids: list[str] = Field(default_factory=list, description="care teams the patient signed with")
    consents: dict[str, Consent] = Field(default_factory=dict)
    retention_until: date | None = Field(None, description="when the record is purged (set at the end)")
    state: Literal["active", "purged"] = "active"
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def label(self) -> str:
        """The patient as lists, events and notifications name them: the masked name."""
        return self.masked.get("name", "*")

    def followed_by(self) -> set[str]:
        """The departments whose staff reach the patient."""
        return {self.department_id, *self.departments}

    def refuses(self, purpose: Purpose) -> bool:
        """The patient refused this purpose, or withdrew their consent to it (a record says so)."""
        consent = self.consents.get(purpose)
        return consent is not None and not consent.active

    def consents_to(self, purpose: Purpose) -> bool:
        consent = self.consents.get(purpose)
        return consent is not None and consent.active

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class AccessEntry(BaseModel):
    """One line of a patient's access log: who read or changed what, when, and why."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str
    actor_name: str = ""
    actor_kind: str = "staff"
    action: str = Field(
        description="e.g. read:record, read:results, reveal:mobile, export:fhir, patient.registered"
    )
    reason: str = ""


class RetentionPolicy(BaseModel):
    """How long the hospital keeps a patient's follow-up after it was registered or last changed."""

    model_config = ConfigDict(frozen=True)

    years: int
    updated_by: str = ""
    updated_by_name: str = ""
    revision: int = 0


def purged(patient: Patient, at: datetime) -> Patient:
    """What is left of a purged patient: a tombstone without any personal value, sealed or masked."""
    return patient.model_copy(
        update={
            "masked": {"name": "已清除", "id_number": "", "mobile": "", "address": ""},
            "sealed": {},
            "id_number_index": f"purged-{patient.id}",
            "mobile_index": "",
            "team_ids": [],
            "consents": {},
            "state": "purged",
            "updated_at": at,
        }
    )
