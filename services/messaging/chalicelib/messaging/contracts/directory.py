"""The directory's requests and responses: departments, staff, the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from chalicelib.messaging.contracts.fields import (
    ID,
    MOBILE_INPUT,
    TEXT,
    clean_name,
    known_roles,
    mobile_number,
    role_enum,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator

DepartmentKind = Literal["campus", "department", "ward", "team"]

NurseGrade = Literal["N0", "N1", "N2", "N3", "N4"]


class CreateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 心内科", **TEXT)
    kind: DepartmentKind = "department"
    parent_id: str | None = Field(None, pattern=ID)

    _name = field_validator("name")(clean_name)


class UpdateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version you read; a stale one is refused with 409", ge=1)
    name: str | None = Field(None, **TEXT)
    head_id: str | None = Field(None, pattern=ID, description="staff id of the head (科主任/护士长)")

    _name = field_validator("name")(lambda v: clean_name(v) if v is not None else v)


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
    head_name: str | None = Field(None, description="in lists and the tree: the head's display name")
    version: int
    created_at: datetime


class DepartmentNode(BaseModel):
    """A unit in the hospital's tree, with the units under it."""

    id: str
    name: str
    kind: DepartmentKind
    head_id: str | None = None
    head_name: str | None = None
    version: int
    children: list[DepartmentNode] = Field(default_factory=list)


class RemoveDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="the version you read: a stale one is 409")


class Certificate(BaseModel):
    """A licence or qualification (执业证书, 护士执业证, 资格证…); reminded 30 days before it expires."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=50)
    number: str = Field(min_length=1, max_length=64)
    valid_until: date


class CreateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 张三", **TEXT)
    employee_no: str = Field(description="工号, unique within the hospital", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    department_id: str = Field(pattern=ID)
    title: str | None = Field(None, description="职称, e.g. 主治医师", max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=role_enum)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(
        None, description="stored encrypted; shown masked", max_length=20, pattern=MOBILE_INPUT
    )
    user_id: str | None = Field(
        None, description="the identity provider's subject for this person", max_length=128
    )
    certificates: list[Certificate] = Field(default_factory=list, max_length=20)

    _name = field_validator("name")(clean_name)
    _roles = field_validator("roles")(known_roles)
    _phone = field_validator("mobile")(mobile_number)


class UpdateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    name: str | None = Field(None, **TEXT)
    department_id: str | None = Field(None, pattern=ID)
    title: str | None = Field(None, max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] | None = Field(None, max_length=20, json_schema_extra=role_enum)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(None, max_length=20, pattern=MOBILE_INPUT)
    user_id: str | None = Field(
        None,
        description="bind the identity provider's subject to this person (null unbinds it); "
        "a token's staff_id claim is honoured only for the sign-in bound here",
        max_length=128,
    )
    certificates: list[Certificate] | None = Field(None, max_length=20)

    _name = field_validator("name")(lambda v: clean_name(v) if v is not None else v)
    _roles = field_validator("roles")(lambda v: known_roles(v) if v is not None else v)
    _phone = field_validator("mobile")(mobile_number)


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
    supervisor_name: str | None = Field(None, description="in lists: the supervisor's display name")
    mobile: str | None = Field(None, description="masked, e.g. 138****5678")
    user_id: str | None = None
    certificates: list[Certificate] = Field(default_factory=list)
    status: str
    version: int
    created_at: datetime


class StaffQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
    q: str | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="search: the beginning of a name (张), its pinyin (zhang, zhangsan, san), initials (zs) "
        "or 工号; case, spaces and ü/v/yu do not matter. Staff who left only with status=left",
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
    actor_name: str | None = Field(None, description="the member of staff who acted, when it was one")
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    request_id: str | None
