"""Consortium links' (医共体/医联体) requests and responses, and the cross-hospital groups list."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.messaging.contracts.fields import HOSPITAL_ID, TEXT, clean_name
from pydantic import BaseModel, ConfigDict, Field, field_validator

ConsortiumKind = Literal["medical_community", "medical_alliance"]


class CreateConsortium(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 滨江区医共体", **TEXT)
    kind: ConsortiumKind = Field("medical_community", description="医共体 or 医联体")
    hospital_name: str = Field(description="your hospital's name as the members will see it", **TEXT)

    _name = field_validator("name", "hospital_name")(clean_name)


class InviteHospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID, description="the invited hospital's tenant id")
    hospital_name: str | None = Field(
        None, description="how you know it; it names itself on accepting", **TEXT
    )


class AcceptInvitation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_name: str = Field(description="your hospital's name as the members will see it", **TEXT)

    _name = field_validator("hospital_name")(clean_name)


class RemoveHospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID)


class Consortium(BaseModel):
    """A consortium as one hospital sees it: its own role and whether it has joined yet."""

    id: str
    name: str
    kind: ConsortiumKind
    lead_hospital_id: str
    my_role: Literal["lead", "member"]
    my_status: Literal["invited", "active"]
    since: datetime


class ConsortiumMember(BaseModel):
    """A hospital in a consortium: ids and names only (never anything about its staff)."""

    id: str = Field(description="the hospital's tenant id")
    hospital_name: str | None
    role: Literal["lead", "member"]
    status: Literal["invited", "active"]


class ConsortiumGroup(BaseModel):
    """A cross-hospital group in my list (its messages go through /conversations/{id})."""

    id: str
    name: str | None
    consortium_id: str
    home_hospital_id: str = Field(description="the hospital that holds the conversation")
    joined_at: datetime
