"""A ward's period as the engine's ``RosterProblem``: setup + nurses + calendar + leave + history + pins.

Everything the solver, the validation of a hand edit and the operations (copy, rotation, fill,
explain) see of a period comes from ``build_problem``, so they all judge a roster by the same rules.
Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from chalicelib.scheduling.domain.roster.model import (
    UNLIMITED,
    Contract,
    Demand,
    Leave,
    Nurse,
    NurseHistory,
    Pin,
    RosterProblem,
    ShiftRequest,
    ShiftType,
    Weights,
)
from chalicelib.scheduling.domain.setup import (
    HEAD_NURSE,
    NURSE,
    SENIOR,
    SENIOR_GRADES,
    CalendarDay,
    ContractDef,
    WardSetup,
    day_key,
    default_contracts,
    default_demand,
    default_shifts,
)


@dataclass(frozen=True)
class Certificate:
    """A certificate from the directory (e.g. ICU专科护士): grants the skill named by its type until it
    expires (``valid_until`` None: no expiry)."""

    type: str
    valid_until: date | None = None


@dataclass(frozen=True)
class RosterNurse:
    """A nurse as rostering needs her: who, which ward, grade, roles and certificates (from the directory)."""

    staff_id: str
    name: str
    ward_id: str
    grade: str = ""
    roles: tuple[str, ...] = ()
    certificates: tuple[Certificate, ...] = ()


def skills_of(nurse: RosterNurse, on: date) -> tuple[str, ...]:
    """What a nurse may cover on ``on``: every nurse ``nurse``; grades N2–N4 ``senior``; the head nurse
    ``head_nurse``; each certificate valid that day its type (an expired one grants nothing)."""
    skills = [NURSE]
    if nurse.grade in SENIOR_GRADES:
        skills.append(SENIOR)
    if HEAD_NURSE in nurse.roles:
        skills.append(HEAD_NURSE)
    for cert in nurse.certificates:
        if (cert.valid_until is None or cert.valid_until >= on) and cert.type not in skills:
            skills.append(cert.type)
    return tuple(skills)


def resolved(setup: WardSetup, nurses: int) -> WardSetup:
    """The setup with the defaults filled in where the ward set nothing."""
    shifts = setup.shifts or default_shifts()
    contracts = setup.contracts or default_contracts()
    demand = setup.demand or default_demand(shifts, nurses)
    return WardSetup(
        ward_id=setup.ward_id,
        shifts=shifts,
        forbidden_successions=setup.forbidden_successions,
        min_rest_hours=setup.min_rest_hours,
        contracts=contracts,
        nurse_contracts=setup.nurse_contracts,
        default_contract=setup.default_contract
        if any(c.id == setup.default_contract for c in contracts)
        else contracts[0].id,
        demand=demand,
        skip_approval=setup.skip_approval,
        fairness=setup.fairness,
    )


def _contract(c: ContractDef, days: int) -> Contract:
    weekends = c.max_weekends_per_4_weeks * days / 28
    return Contract(
        id=c.id,
        min_assignments=c.scaled(c.min_shifts_per_week, days, up=False),
        max_assignments=c.scaled(c.max_shifts_per_week, days, up=True),
        min_consecutive_work=c.min_consecutive_work,
        max_consecutive_work=c.max_consecutive_work,
        min_consecutive_off=c.min_consecutive_off,
        max_consecutive_off=c.max_consecutive_off,
        max_working_weekends=max(0, round(weekends)),
        complete_weekends=c.complete_weekends,
        min_hours=c.min_hours_per_week * days / 7,
        max_hours=c.max_hours_per_week * days / 7,
        max_nights=UNLIMITED
        if c.max_nights_per_4_weeks >= 28
        else math.ceil(c.max_nights_per_4_weeks * days / 28 - 1e-9),
    )


def build_problem(
    setup: WardSetup,
    nurses: Sequence[RosterNurse],
    start: date,
    days: int,
    *,
    name: str = "",
    calendar: Mapping[date, CalendarDay] | None = None,
    leave: Iterable[tuple[str, date]] = (),
    history: Mapping[str, NurseHistory] | None = None,
    pins: Iterable[Pin] = (),
    requests: Iterable[ShiftRequest] = (),
    weights: Weights | None = None,
) -> RosterProblem:
    """The engine's problem for ``days`` days from ``start``. ``setup`` is resolved here (defaults
    filled in); ``leave`` lists (staff id, date) days a nurse is away (outside the period: ignored);
    ``history`` carries streaks and totals in from the previous published period; ``pins`` keep cells
    as they are (published days, hand edits)."""
    full = resolved(setup, len(nurses))
    cal = calendar or {}
    contracts = {c.id: _contract(c, days) for c in full.contracts}
    shift_types = tuple(
        ShiftType(
            id=s.code,
            name=s.name,
            start=s.start,
            hours=s.hours,
            night=s.night,
            **({"max_consecutive": s.max_consecutive} if s.max_consecutive else {}),
        )
        for s in full.shifts
    )
    roster_nurses = tuple(
        Nurse(
            id=n.staff_id,
            contract=full.nurse_contracts.get(n.staff_id, full.default_contract)
            if full.nurse_contracts.get(n.staff_id, full.default_contract) in contracts
            else full.default_contract,
            skills=skills_of(n, start),
            name=n.name,
            grade=n.grade,
            ward=n.ward_id,
        )
        for n in nurses
    )
    codes = {s.code for s in full.shifts}
    demand = []
    for d in range(days):
        key = day_key(start + timedelta(days=d), cal)
        for rule in full.demand:
            if rule.day == key and rule.shift in codes:
                demand.append(Demand(d, rule.shift, rule.skill, rule.minimum, rule.optimal))
    skills = tuple(dict.fromkeys([s for n in roster_nurses for s in n.skills] + [x.skill for x in demand]))
    end = start + timedelta(days=days)
    ids = {n.staff_id for n in nurses}
    away = sorted({(staff, day) for staff, day in leave if staff in ids and start <= day < end})
    return RosterProblem(
        name=name or full.ward_id,
        start=start,
        num_days=days,
        shift_types=shift_types,
        skills=skills or (NURSE,),
        contracts=MappingProxyType(contracts),
        nurses=roster_nurses,
        demand=tuple(demand),
        forbidden_successions=frozenset(
            (a, b) for a, b in full.forbidden_successions if a in codes and b in codes
        ),
        min_rest_hours=full.min_rest_hours,
        leave=tuple(Leave(staff, (day - start).days) for staff, day in away),
        requests=tuple(requests),
        pins=tuple(pins),
        history=MappingProxyType(dict(history or {})),
        weights=weights or Weights(),
        holidays=frozenset(  # public holidays (a 调休 working day is not one): fairness's third count
            d
            for d in range(days)
            if (special := cal.get(start + timedelta(days=d))) and special.kind == "holiday"
        ),
    )
