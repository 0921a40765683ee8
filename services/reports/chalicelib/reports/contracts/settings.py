"""The report settings' request and response: who gets the morning report, and when."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SettingsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 0,
                    "leader_roles": ["hospital_leader"],
                    "leaders": [],
                    "send_at": "07:00",
                    "enabled": True,
                }
            ]
        },
    )

    version: int = Field(ge=0, description="the version it replaces (0: the defaults, never saved)")
    leader_roles: list[str] = Field(
        default_factory=lambda: ["hospital_leader"],
        max_length=10,
        description="directory roles whose active holders get the report",
    )
    leaders: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="more staff ids to tell (active staff of this hospital)",
    )
    send_at: str = Field(
        "07:00",
        pattern=r"^(0\d|1[01]):[0-5]\d$",
        description="local time (HH:MM, before 12:00) in the hospital's time zone",
    )
    enabled: bool = True


class Leader(BaseModel):
    id: str
    name: str


class SettingsView(BaseModel):
    version: int
    leader_roles: list[str]
    leaders: list[Leader] = Field(description="the listed leaders, names beside ids")
    send_at: str
    enabled: bool
    timezone: str = Field(description="the hospital's time zone (the directory's hospital record)")
