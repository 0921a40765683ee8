"""Care teams (家庭医生团队), signed residents and visit notes: requests and responses."""

from __future__ import annotations

from datetime import datetime

from chalicelib.followup.domain.teams import MAX_MEMBERS, NoteKind, TeamRole
from pydantic import BaseModel, ConfigDict, Field

from shared.pages import ListQuery, Page

ID = r"^[A-Za-z0-9_-]{1,64}$"


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: str = Field(pattern=ID)
    role: TeamRole = Field(description="doctor, nurse, or public_health (公卫人员)")


class NewTeam(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "城东家庭医生团队", "department_id": "d1", "members": []}]},
    )

    name: str = Field(min_length=1, max_length=60)
    department_id: str = Field(pattern=ID)
    members: list[Member] = Field(default_factory=list, max_length=MAX_MEMBERS)


class SetMembers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[Member] = Field(max_length=MAX_MEMBERS)
    revision: int = Field(ge=0, description="the team's revision as read (a stale one is a 409)")


class TeamMemberView(BaseModel):
    staff_id: str
    name: str
    role: TeamRole


class Team(BaseModel):
    id: str
    name: str
    department_id: str
    department_name: str
    members: list[TeamMemberView]
    created_by: str
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    revision: int


class TeamList(Page[Team]):
    pass


class SignResident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: str = Field(pattern=ID)


class Resident(BaseModel):
    team_id: str
    team_name: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    department_id: str
    department_name: str
    signed_by: str
    signed_by_name: str
    signed_at: datetime


class ResidentList(Page[Resident]):
    pass


class NewNote(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "上门随访：血压 138/86，用药规律", "kind": "home"}]},
    )

    text: str = Field(min_length=1, max_length=4000)
    kind: NoteKind = Field(description="visit (门诊随访), phone (电话随访) or home (上门随访)")
    team_id: str | None = Field(
        None, pattern=ID, description="the care team it is shared in (only its members read it)"
    )


class Note(BaseModel):
    id: str
    patient_id: str
    patient_label: str
    kind: NoteKind
    text: str
    team_id: str
    team_name: str
    author_id: str
    author_name: str
    created_at: datetime


class NoteList(Page[Note]):
    pass


class TeamsQuery(ListQuery):
    pass
