"""The hospital's shift catalogue: listed by any member of staff, changed by a hospital admin."""

from __future__ import annotations

from datetime import time
from typing import Literal

from chalicelib.scheduling.contracts.shifts import ShiftCatalogue, ShiftType, ShiftTypeFields
from chalicelib.scheduling.domain import ward_rules
from chalicelib.scheduling.domain.ports import Store, Transaction
from chalicelib.scheduling.domain.setup import ShiftDef
from chalicelib.scheduling.service import wiring

from shared.auth import Principal
from shared.errors import RuleViolation

MAX_CODE = 16


def shift_def(code: str, fields: ShiftTypeFields) -> ShiftDef:
    return ShiftDef(
        code=code,
        name=fields.name,
        start=time.fromisoformat(fields.start),
        end=time.fromisoformat(fields.end),
        colour=fields.colour,
        skill=fields.skill,
        max_consecutive=fields.max_consecutive,
    )


def shift_view(shift: ShiftDef, source: Literal["ward", "hospital", "default"]) -> ShiftType:
    return ShiftType(
        code=shift.code,
        name=shift.name,
        start=shift.start.strftime("%H:%M"),
        end=shift.end.strftime("%H:%M"),
        hours=shift.hours,
        crosses_midnight=shift.end <= shift.start and shift.end != time(0),
        night=shift.night,
        colour=shift.colour,
        skill=shift.skill,
        max_consecutive=shift.max_consecutive,
        source=source,
    )


def list_shift_types(principal: Principal, store: Store | None = None) -> ShiftCatalogue:
    """The catalogue (one Query); the built-in one, marked ``default``, until the hospital defines any."""
    shifts, source = ward_rules.catalogue((store or wiring.store(principal.tenant)).shift_types.all())
    return ShiftCatalogue(source=source, items=[shift_view(s, source) for s in shifts])


def _code(code: str) -> str:
    if len(code) > MAX_CODE:
        raise RuleViolation("a shift code is at most 16 letters, digits, - or _", field="code")
    return code


def put_shift_type(
    principal: Principal,
    code: str,
    change: ShiftTypeFields,
    request_id: str,
    store: Store | None = None,
    uow: Transaction | None = None,
) -> ShiftType:
    """Create or replace the shift type ``code`` (one transaction with its audit record). The first one
    a hospital defines replaces the built-in catalogue: define every shift the wards run."""
    shift = shift_def(_code(code), change)
    if store is None or uow is None:
        store, uow = wiring.writer(principal, request_id)
    store.shift_types.put(shift)
    uow.audit("shift_type.put", "shift_type", code, after=change.model_dump(mode="json"))
    uow.commit()
    return shift_view(shift, "hospital")


def delete_shift_type(
    principal: Principal,
    code: str,
    request_id: str,
    store: Store | None = None,
    uow: Transaction | None = None,
) -> None:
    """Remove a shift type (NotFound if the hospital has none of that code). Wards that overrode it keep
    their own; a ward's demand or succession naming it no longer applies and is flagged on its next save."""
    if store is None or uow is None:
        store, uow = wiring.writer(principal, request_id)
    store.shift_types.remove(_code(code))
    uow.audit("shift_type.delete", "shift_type", code)
    uow.commit()
