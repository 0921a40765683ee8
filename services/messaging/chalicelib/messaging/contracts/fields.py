"""Field types and checks the feature contracts share: ids, names, roles, mobile numbers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from shared.personal import normalise_mobile

ID = r"^[A-Za-z0-9_-]{1,64}$"

Id = Annotated[str, StringConstraints(pattern=ID)]  # an id inside a list, constrained in the schema too

TEXT: dict[str, Any] = {"min_length": 1, "max_length": 100, "pattern": r"\S"}  # not blank, said in the schema
HOSPITAL_ID = r"^[A-Za-z0-9_-]{1,64}$"


def clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def role_enum(schema: dict[str, Any]) -> None:
    """Documents the roles ``known_roles`` accepts as the items' enum (so clients and fuzzers know)."""
    from chalicelib.messaging.domain.directory import ROLES

    items = {"type": "string", "enum": sorted(ROLES)}
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            branch["items"] = items


def known_roles(value: list[str]) -> list[str]:
    from chalicelib.messaging.domain.directory import ROLES

    unknown = sorted(set(value) - ROLES)
    if unknown:
        raise ValueError("unknown roles: " + ", ".join(unknown))
    return sorted(set(value))


# What normalise_mobile accepts, said in the schema: 11 digits from 1[3-9], spaces/dashes, +86 or 86 first.
MOBILE_INPUT = r"^[ -]*(\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"


def mobile_number(value: str | None) -> str | None:
    return normalise_mobile(value) if value is not None else None
