"""A ward's setup: read as it will be used (each part the ward's own or inherited), changed part by part.

Who: ``service/access.py`` — the ward's readers see it, its rosterers change it. A change is validated
as a whole against the catalogue and the ward's nurses, and based on a version (409 when stale).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.scheduling.contracts.setup import (
    ApprovalPart,
    Contract,
    ContractsPart,
    Demand,
    DemandPart,
    Fairness,
    FairnessPart,
    RestPart,
    SetupChange,
    ShiftsPart,
    Succession,
    SuccessionsPart,
    WardNurse,
    WardSetupView,
)
from chalicelib.scheduling.domain import ward_rules
from chalicelib.scheduling.domain.ports import Directory, Store, Transaction
from chalicelib.scheduling.domain.problem import resolved, skills_of
from chalicelib.scheduling.domain.records import StaffRecord
from chalicelib.scheduling.domain.setup import ContractDef, DemandRule, FairnessOverTime, ShiftDef
from chalicelib.scheduling.domain.ward_rules import WardRules
from chalicelib.scheduling.service import access, inputs, shifts, wiring

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.models import now_utc


def get_setup(
    principal: Principal,
    ward_id: str,
    on: date | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> WardSetupView:
    """The ward's setup as it will be used, with its nurses' skills on ``on`` (default today). Reads the
    units and the caller's record (access), the ward's item, the catalogue and the ward's staff."""
    ward = access.require_reader(principal, ward_id, directory or wiring.directory())
    store = store or wiring.store(principal.tenant)
    rules = store.ward_rules.get(ward_id)
    staff = inputs.rostered(store.staff.of_units([ward_id]))
    return _view(ward, rules, store.shift_types.all(), staff, on or inputs.today())


def change_setup(
    principal: Principal,
    ward_id: str,
    change: SetupChange,
    request_id: str,
    store: Store | None = None,
    uow: Transaction | None = None,
    directory: Directory | None = None,
) -> WardSetupView:
    """Apply the parts ``change`` gives, check the whole, save it on its version (one transaction with
    the audit record). A nurse's contract kept for someone no longer of the ward is dropped on save."""
    ward = access.require_rosterer(principal, ward_id, directory or wiring.directory())
    if store is None or uow is None:
        store, uow = wiring.writer(principal, request_id)
    rules = store.ward_rules.get(ward_id)
    if change.version != rules.version:
        raise Conflict("the ward's setup was changed by someone else; reload it and try again")
    hospital = store.shift_types.all()
    staff = inputs.rostered(store.staff.of_units([ward_id]))
    updated = _apply(rules, change, {s.id for s in staff})
    updated = replace(updated, updated_at=now_utc(), updated_by=principal.staff_name)
    ward_rules.check(updated, hospital, {s.id for s in staff})
    store.ward_rules.save(updated, rules.version)
    uow.audit("ward_setup.change", "ward", ward_id, after=change.model_dump(mode="json", exclude_unset=True))
    uow.commit()
    return _view(ward, replace(updated, version=rules.version + 1), hospital, staff, inputs.today())


def _apply(rules: WardRules, change: SetupChange, nurses: set[str]) -> WardRules:
    given = change.model_fields_set
    parts: dict[str, Any] = {}
    if "shifts" in given:
        parts["shifts"] = tuple(shifts.shift_def(s.code, s) for s in change.shifts or ())
    if "shift_codes" in given:
        parts["shift_codes"] = tuple(change.shift_codes) if change.shift_codes is not None else None
    if "forbidden_successions" in given:
        parts["forbidden_successions"] = (
            tuple((s.first, s.then) for s in change.forbidden_successions)
            if change.forbidden_successions is not None
            else None
        )
    if "contracts" in given:
        parts["contracts"] = (
            tuple(ContractDef(**c.model_dump()) for c in change.contracts)
            if change.contracts is not None
            else None
        )
    if "demand" in given:
        parts["demand"] = (
            tuple(DemandRule(**d.model_dump()) for d in change.demand) if change.demand is not None else None
        )
    if "fairness" in given:
        parts["fairness"] = FairnessOverTime(**change.fairness.model_dump()) if change.fairness else None
    for name in ("min_rest_hours", "default_contract", "skip_approval"):
        if name in given:
            parts[name] = getattr(change, name)
    contracts = {k: v for k, v in rules.nurse_contracts.items() if k in nurses}
    if "nurse_contracts" in given:
        if change.nurse_contracts is None:
            contracts = {}
        for staff_id, contract in (change.nurse_contracts or {}).items():
            if contract is None:
                contracts.pop(staff_id, None)
            else:
                contracts[staff_id] = contract
    return replace(rules, **parts, nurse_contracts=contracts)


def _view(
    ward: access.Ward, rules: WardRules, hospital: list[ShiftDef], staff: list[StaffRecord], on: date
) -> WardSetupView:
    runs = ward_rules.ward_shifts(rules, hospital)
    _, catalogue_source = ward_rules.catalogue(hospital)
    full = resolved(ward_rules.to_setup(rules, hospital), len(staff))
    contracts = {c.id: c for c in full.contracts}
    codes = {s.code for s, _ in runs}
    nurses = []
    for record in staff:
        chosen = rules.nurse_contracts.get(record.id)
        contract = contracts[chosen] if chosen in contracts else contracts[full.default_contract]
        nurses.append(
            WardNurse(
                staff_id=record.id,
                name=record.name,
                grade=record.nurse_grade,
                contract_id=contract.id,
                contract_name=contract.name,
                contract_source="ward" if chosen in contracts else "default",
                skills=list(skills_of(inputs.nurse(record, on), on)),
                expired_certificates=[
                    c.type for c in record.certificates if c.valid_until is not None and c.valid_until < on
                ],
            )
        )
    return WardSetupView(
        ward_id=ward.id,
        ward_name=ward.name,
        version=rules.version,
        updated_at=rules.updated_at,
        updated_by_name=rules.updated_by,
        skills_on=on,
        shifts=ShiftsPart(
            source="ward" if rules.shifts or rules.shift_codes is not None else catalogue_source,
            items=[shifts.shift_view(s, source) for s, source in runs],
        ),
        forbidden_successions=SuccessionsPart(
            source=_own(rules.forbidden_successions),
            items=[Succession(first=a, then=b) for a, b in full.forbidden_successions],
        ),
        min_rest=RestPart(source=_own(rules.min_rest_hours), hours=full.min_rest_hours),
        contracts=ContractsPart(
            source=_own(rules.contracts),
            items=[Contract.model_validate(c, from_attributes=True) for c in full.contracts],
            default_contract=full.default_contract,
            default_contract_source=_own(rules.default_contract),
        ),
        demand=DemandPart(
            source=_own(rules.demand),
            items=[Demand.model_validate(d, from_attributes=True) for d in full.demand if d.shift in codes],
        ),
        approval=ApprovalPart(source=_own(rules.skip_approval), skip_approval=full.skip_approval),
        fairness=FairnessPart(
            source=_own(rules.fairness), settings=Fairness.model_validate(full.fairness, from_attributes=True)
        ),
        nurses=nurses,
    )


def _own(value: object) -> Any:
    return "default" if value is None else "ward"
