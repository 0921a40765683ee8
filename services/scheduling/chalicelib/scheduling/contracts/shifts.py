"""The hospital's shift catalogue as scheduling serves it: shift types in, shift types out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9_-]{1,16}$"
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class ShiftTypeFields(BaseModel):
    """What a shift type is, besides its code."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=20, description="白班, 小夜, 大夜, 值班…", examples=["白班"])
    start: str = Field(pattern=HHMM, description="local time HH:MM", examples=["08:00"])
    end: str = Field(
        pattern=HHMM,
        description="local time HH:MM; at or before the start: it ends the next day",
        examples=["16:00"],
    )
    colour: str = Field("#4a90d9", pattern=r"^#[0-9A-Fa-f]{6}$", description="on the grid")
    skill: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="the skill or grade it needs: nurse, senior (N2–N4), head_nurse or a certificate type; "
        "none: any nurse",
    )
    max_consecutive: int | None = Field(
        None, ge=1, le=14, description="at most this many in a row (e.g. 大夜 3)"
    )


class ShiftTypeChange(ShiftTypeFields):
    """A shift type to create or replace (``PUT /shift-types/{code}``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "值班", "start": "08:00", "end": "08:00", "colour": "#d0021b"}]
        },
    )


class ShiftType(BaseModel):
    """A shift type as a ward or the hospital uses it."""

    code: str
    name: str
    start: str = Field(description="local time HH:MM")
    end: str = Field(description="local time HH:MM (the next day when at or before the start)")
    hours: float = Field(description="derived from start and end")
    crosses_midnight: bool
    night: bool = Field(description="runs past midnight or starts between 20:00 and 06:00")
    colour: str
    skill: str | None = None
    max_consecutive: int | None = None
    source: Literal["ward", "hospital", "default"] = Field(
        description="ward: the ward's own or its override; hospital: the catalogue; default: the built-in "
        "catalogue, until the hospital defines one"
    )


class ShiftCatalogue(BaseModel):
    """The hospital's shift types (``source`` default: none defined yet, these are the built-in ones)."""

    source: Literal["hospital", "default"]
    items: list[ShiftType]
