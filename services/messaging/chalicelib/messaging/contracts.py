"""Messaging's requests, responses and events."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.messaging.domain import ROLES
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events.envelope import EventType

DepartmentKind = Literal["campus", "department", "ward", "team"]
# The pattern says in the schema what the blank check enforces: at least one non-space character.
TEXT = {"min_length": 1, "max_length": 100, "pattern": r"\S"}


class CreateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 心内科", **TEXT)
    kind: DepartmentKind = "department"
    parent_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class Department(BaseModel):
    id: str
    name: str
    kind: DepartmentKind
    parent_id: str | None
    version: int
    created_at: datetime


class CreateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 张三", **TEXT)
    employee_no: str = Field(description="工号, unique within the hospital", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    department_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    title: str | None = Field(None, description="职称, e.g. 主治医师", max_length=50)
    roles: list[str] = Field(
        default_factory=list,
        max_length=20,
        # Documented as the enum the validator below enforces, so clients know the accepted roles.
        json_schema_extra={"items": {"type": "string", "enum": sorted(ROLES)}},
    )

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        from chalicelib.messaging.domain import ROLES

        unknown = sorted(set(value) - ROLES)
        if unknown:
            raise ValueError("unknown roles: " + ", ".join(unknown))
        return sorted(set(value))


class Staff(BaseModel):
    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    roles: list[str]
    status: str
    version: int
    created_at: datetime


class DepartmentCreated(BaseModel):
    department_id: str
    parent_id: str | None = None


class StaffCreated(BaseModel):
    staff_id: str
    department_id: str


DEPARTMENT_CREATED = EventType(
    "department.created", "messaging", DepartmentCreated, description="A department was added"
)
STAFF_CREATED = EventType(
    "staff.created", "messaging", StaffCreated, description="A member of staff was added"
)
EVENT_TYPES = (DEPARTMENT_CREATED, STAFF_CREATED)
