"""Staff as scheduling serves them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class HeldCertificate(BaseModel):
    type: str = Field(description="the skill it grants while valid, e.g. ICU专科护士")
    valid_until: date | None = Field(None, description="none: no expiry")


class RosterStaff(BaseModel):
    """A member of staff as scheduling knows them (projected from the directory's events)."""

    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    projected_at: datetime
    nurse_grade: str | None = Field(None, description="护理层级 N0–N4")
    roles: list[str] = Field(default_factory=list)
    certificates: list[HeldCertificate] = Field(default_factory=list)
    status: str = Field("active", description="active, or on_leave (someone who left is not listed)")
