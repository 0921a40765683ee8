"""Care teams (家庭医生团队): a team of a department, its members (doctor, nurse, public-health worker),
the residents signed with it (签约居民), and the visit notes its members share (随访记录/上门记录).

A team's members reach its signed residents (``service/access.can_reach`` asks the memberships), and a
note written for a team is read by that team's members and its author only: the team is the circle a
note is shared in, and nobody outside it reads it, whatever else they may reach.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TeamRole = Literal["doctor", "nurse", "public_health"]
TEAM_ROLES: tuple[TeamRole, ...] = ("doctor", "nurse", "public_health")
NoteKind = Literal["visit", "phone", "home"]
MAX_MEMBERS = 30  # one change writes the team, every membership added or removed, audit and event at once


class TeamMember(BaseModel):
    model_config = ConfigDict(frozen=True)

    staff_id: str
    name: str = Field(description="the member's name, as the directory had it when the team was set")
    role: TeamRole


class CareTeam(BaseModel):
    """A family-doctor team of a department."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    department_id: str
    department_name: str = ""
    members: list[TeamMember] = Field(default_factory=list)
    created_by: str = ""
    created_by_name: str = ""
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    def member_ids(self) -> set[str]:
        return {m.staff_id for m in self.members}

    def has_member(self, staff_id: str) -> bool:
        return staff_id in self.member_ids()


class SignedResident(BaseModel):
    """A resident signed with a team (签约), kept in the patient's partition and on the team's list."""

    model_config = ConfigDict(frozen=True)

    team_id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    department_id: str
    department_name: str = ""
    signed_by: str
    signed_by_name: str = ""
    signed_at: datetime


class VisitNote(BaseModel):
    """A visit note (随访记录/上门记录) of a patient; written for a team, it is read in that team only."""

    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str
    kind: NoteKind
    text: str
    team_id: str = ""
    team_name: str = ""
    author_id: str
    author_name: str = ""
    created_at: datetime

    def readable_by(self, staff_id: str, teams: set[str]) -> bool:
        """Its author, and for a team's note that team's members; a note for no team is read by anyone
        who reaches the patient (the caller reached them already)."""
        if staff_id == self.author_id:
            return True
        return not self.team_id or self.team_id in teams
