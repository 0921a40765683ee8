"""What a ward has set of its own, how it combines with the hospital's catalogue, and what makes it valid.

A hospital keeps one shift catalogue (none defined: ``setup.default_shifts()``). A ward stores only
what it changed (``WardRules``): its overrides of catalogue shifts and its own shifts (by code), which
of the catalogue's shifts it runs, its forbidden successions, minimum rest, contracts, who is on which
contract, its demand, whether it skips 排班审批 and whether its solves balance fairness over months.
Every part left unset is the hospital's or the default, and is marked so (``Source``), so a head nurse
sees what she set and what she inherited.
Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from chalicelib.scheduling.domain.setup import (
    ContractDef,
    DemandRule,
    FairnessOverTime,
    ShiftDef,
    WardSetup,
    default_contracts,
    default_shifts,
)

from shared.errors import RuleViolation

Source = Literal["ward", "hospital", "default"]
DEFAULT_MIN_REST_HOURS = WardSetup("").min_rest_hours
DEFAULT_CONTRACT = WardSetup("").default_contract


@dataclass(frozen=True)
class WardRules:
    """A ward's own settings (one item); ``None`` (or empty for shifts and nurse contracts): not set."""

    ward_id: str
    shifts: tuple[ShiftDef, ...] = ()  # overrides of catalogue shifts (same code) and the ward's own
    shift_codes: tuple[str, ...] | None = None  # which shifts the ward runs (None: all of them)
    forbidden_successions: tuple[tuple[str, str], ...] | None = None
    min_rest_hours: float | None = None
    contracts: tuple[ContractDef, ...] | None = None
    default_contract: str | None = None
    nurse_contracts: Mapping[str, str] = field(default_factory=dict)  # staff id -> contract id
    demand: tuple[DemandRule, ...] | None = None
    skip_approval: bool | None = None
    fairness: FairnessOverTime | None = None  # fairness over months (None: off, the default)
    version: int = 0  # 0: the ward has never saved a setup
    updated_at: datetime | None = None
    updated_by: str | None = None  # the name of who saved it last


def catalogue(hospital: Sequence[ShiftDef]) -> tuple[tuple[ShiftDef, ...], Source]:
    """The hospital's shift catalogue, or the default one until it defines any."""
    if hospital:
        return tuple(sorted(hospital, key=lambda s: (s.start, s.code))), "hospital"
    return default_shifts(), "default"


def ward_shifts(rules: WardRules, hospital: Sequence[ShiftDef]) -> list[tuple[ShiftDef, Source]]:
    """The shifts as the ward runs them, each with where it comes from: the catalogue's with the
    ward's overrides (by code) and the ward's own, limited to ``shift_codes`` when the ward set them."""
    shifts, source = catalogue(hospital)
    mine = {s.code: s for s in rules.shifts}
    out: list[tuple[ShiftDef, Source]] = [
        (mine[s.code], "ward") if s.code in mine else (s, source) for s in shifts
    ]
    known = {s.code for s in shifts}
    out += [(s, "ward") for s in rules.shifts if s.code not in known]
    if rules.shift_codes is not None:
        wanted = set(rules.shift_codes)
        out = [(s, src) for s, src in out if s.code in wanted]
    return out


def to_setup(rules: WardRules, hospital: Sequence[ShiftDef]) -> WardSetup:
    """The ward's setup for ``problem.build_problem``: the shifts combined, the rest as the ward set it
    (unset parts empty, so ``problem.resolved`` fills in the defaults — demand sized by headcount)."""
    return WardSetup(
        ward_id=rules.ward_id,
        shifts=tuple(s for s, _ in ward_shifts(rules, hospital)),
        forbidden_successions=rules.forbidden_successions or (),
        min_rest_hours=DEFAULT_MIN_REST_HOURS if rules.min_rest_hours is None else rules.min_rest_hours,
        contracts=rules.contracts or (),
        nurse_contracts=dict(rules.nurse_contracts),
        default_contract=rules.default_contract or DEFAULT_CONTRACT,
        demand=rules.demand or (),
        skip_approval=bool(rules.skip_approval),
        fairness=rules.fairness or FairnessOverTime(),
    )


def check(rules: WardRules, hospital: Sequence[ShiftDef], nurses: Collection[str]) -> None:
    """The ward's rules as a whole make sense (RuleViolation naming the field otherwise): every shift,
    succession and demand names a shift the ward runs, contracts are coherent, contract assignments
    name a contract and a nurse of this ward, and a minimum never exceeds its optimal."""
    seen: set[str] = set()
    for i, shift in enumerate(rules.shifts):
        if shift.code in seen:
            raise RuleViolation(f"shift {shift.code} is given twice", field=f"shifts[{i}].code")
        seen.add(shift.code)
    everything = {s.code for s, _ in ward_shifts(WardRules(rules.ward_id, shifts=rules.shifts), hospital)}
    for i, code in enumerate(rules.shift_codes or ()):
        if code not in everything:
            raise RuleViolation(
                f"no shift {code} in the catalogue or the ward's own", field=f"shift_codes[{i}]"
            )
    codes = {s.code for s, _ in ward_shifts(rules, hospital)}
    if not codes:
        raise RuleViolation("a ward runs at least one shift", field="shift_codes")
    for i, (first, then) in enumerate(rules.forbidden_successions or ()):
        for code in (first, then):
            if code not in codes:
                raise RuleViolation(
                    f"no shift {code} in this ward's shifts", field=f"forbidden_successions[{i}]"
                )
    _check_contracts(rules)
    contracts = {c.id for c in rules.contracts or default_contracts()}
    if rules.default_contract is not None and rules.default_contract not in contracts:
        raise RuleViolation(f"no contract {rules.default_contract} in this ward", field="default_contract")
    for staff_id, contract in sorted(rules.nurse_contracts.items()):
        if staff_id not in nurses:
            raise RuleViolation(
                f"{staff_id} is not a nurse of this ward", field=f"nurse_contracts.{staff_id}"
            )
        if contract not in contracts:
            raise RuleViolation(f"no contract {contract} in this ward", field=f"nurse_contracts.{staff_id}")
    slots: set[tuple[str, str, str]] = set()
    for i, rule in enumerate(rules.demand or ()):
        if rule.shift not in codes:
            raise RuleViolation(f"no shift {rule.shift} in this ward's shifts", field=f"demand[{i}].shift")
        if rule.minimum > rule.optimal:
            raise RuleViolation("the minimum is above the optimal", field=f"demand[{i}].minimum")
        slot = (rule.day, rule.shift, rule.skill)
        if slot in slots:
            raise RuleViolation(
                f"the demand for {rule.day} {rule.shift} {rule.skill} is given twice", field=f"demand[{i}]"
            )
        slots.add(slot)


def _check_contracts(rules: WardRules) -> None:
    ids: set[str] = set()
    for i, c in enumerate(rules.contracts or ()):
        if c.id in ids:
            raise RuleViolation(f"contract {c.id} is given twice", field=f"contracts[{i}].id")
        ids.add(c.id)
        for low, high in (
            ("min_shifts_per_week", "max_shifts_per_week"),
            ("min_hours_per_week", "max_hours_per_week"),
            ("min_consecutive_work", "max_consecutive_work"),
            ("min_consecutive_off", "max_consecutive_off"),
        ):
            if getattr(c, low) > getattr(c, high):
                raise RuleViolation(f"{low} is above {high} in this contract", field=f"contracts[{i}].{low}")
