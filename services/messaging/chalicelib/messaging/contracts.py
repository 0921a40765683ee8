"""Messaging's requests, responses and events."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events.envelope import EventType
from shared.personal import normalise_mobile

DepartmentKind = Literal["campus", "department", "ward", "team"]
NurseGrade = Literal["N0", "N1", "N2", "N3", "N4"]
ID = r"^[A-Za-z0-9_-]{1,64}$"
TEXT = {"min_length": 1, "max_length": 100}


def _clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _known_roles(value: list[str]) -> list[str]:
    from chalicelib.messaging.domain import ROLES

    unknown = sorted(set(value) - ROLES)
    if unknown:
        raise ValueError("unknown roles: " + ", ".join(unknown))
    return sorted(set(value))


def _mobile(value: str | None) -> str | None:
    return normalise_mobile(value) if value is not None else None


class CreateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 心内科", **TEXT)
    kind: DepartmentKind = "department"
    parent_id: str | None = Field(None, pattern=ID)

    _name = field_validator("name")(_clean_name)


class UpdateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version you read; a stale one is refused with 409", ge=1)
    name: str | None = Field(None, **TEXT)
    head_id: str | None = Field(None, pattern=ID, description="staff id of the head (科主任/护士长)")

    _name = field_validator("name")(lambda v: _clean_name(v) if v is not None else v)


class MoveDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    parent_id: str | None = Field(None, pattern=ID, description="the new parent; null = top level")


class Department(BaseModel):
    id: str
    name: str
    kind: DepartmentKind
    parent_id: str | None
    head_id: str | None = None
    version: int
    created_at: datetime


class CreateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 张三", **TEXT)
    employee_no: str = Field(description="工号, unique within the hospital", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    department_id: str = Field(pattern=ID)
    title: str | None = Field(None, description="职称, e.g. 主治医师", max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] = Field(default_factory=list, max_length=20)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(None, description="stored encrypted; shown masked", max_length=20)
    user_id: str | None = Field(
        None, description="the identity provider's subject for this person", max_length=128
    )

    _name = field_validator("name")(_clean_name)
    _roles = field_validator("roles")(_known_roles)
    _phone = field_validator("mobile")(_mobile)


class UpdateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    name: str | None = Field(None, **TEXT)
    department_id: str | None = Field(None, pattern=ID)
    title: str | None = Field(None, max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] | None = Field(None, max_length=20)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(None, max_length=20)

    _name = field_validator("name")(lambda v: _clean_name(v) if v is not None else v)
    _roles = field_validator("roles")(lambda v: _known_roles(v) if v is not None else v)
    _phone = field_validator("mobile")(_mobile)


class LeaveStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class Staff(BaseModel):
    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    nurse_grade: str | None = None
    roles: list[str]
    supervisor_id: str | None = None
    mobile: str | None = Field(None, description="masked, e.g. 138****5678")
    user_id: str | None = None
    status: str
    version: int
    created_at: datetime


class StaffQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
    q: str | None = Field(
        None, min_length=1, max_length=50, description="name, pinyin (zhangsan), initials (zs) or 工号"
    )
    department_id: str | None = Field(None, pattern=ID)
    status: Literal["active", "on_leave", "left"] | None = None


class RevealedMobile(BaseModel):
    staff_id: str
    mobile: str | None


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_type: Literal["department", "staff"]
    resource_id: str = Field(pattern=ID)
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    request_id: str | None


class DepartmentChanged(BaseModel):
    department_id: str
    parent_id: str | None = None


class StaffChanged(BaseModel):
    staff_id: str
    department_id: str


DEPARTMENT_CREATED = EventType(
    "department.created", "messaging", DepartmentChanged, description="A unit was added"
)
DEPARTMENT_UPDATED = EventType(
    "department.updated", "messaging", DepartmentChanged, description="A unit changed"
)
DEPARTMENT_MOVED = EventType("department.moved", "messaging", DepartmentChanged, description="A unit moved")
STAFF_CREATED = EventType(
    "staff.created", "messaging", StaffChanged, description="A member of staff was added"
)
STAFF_UPDATED = EventType("staff.updated", "messaging", StaffChanged, description="A member of staff changed")
STAFF_LEFT = EventType(
    "staff.left", "messaging", StaffChanged, description="A member of staff left the hospital"
)
EVENT_TYPES = (
    DEPARTMENT_CREATED,
    DEPARTMENT_UPDATED,
    DEPARTMENT_MOVED,
    STAFF_CREATED,
    STAFF_UPDATED,
    STAFF_LEFT,
)
