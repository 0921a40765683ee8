"""Fairness over months: a ward's ledger (``GET /scheduling/wards/{ward_id}/fairness``), and the running
totals a solve of a ward that asked for it starts from (``over_time``, called where the periods build
the solve's problem). The counting rules are ``domain/fairness.py``'s.

Who reads the ledger (``service/access.py``): the ward's rosterers and the head of the ward or of a
unit above it (科主任) every nurse's line; a nurse of the ward her own line (with the ward's spreads,
which name nobody).

Costs: the access policy (the hospital's units, one Query; the caller's record, one GetItem unless an
admin); the ward's periods overlapping the window (its list, one Query); their live versions (one
BatchGetItem per 100: a year of weekly periods is 53); the calendar of the window (one Query); the
ward's setup (one GetItem: contracts and the fairness setting); its nurses (one Query). A solve adds
the list and versions of each of its period's wards and the calendar of the window before it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType

from chalicelib.scheduling.contracts import fairness as api
from chalicelib.scheduling.contracts.setup import Fairness
from chalicelib.scheduling.domain import fairness as rules
from chalicelib.scheduling.domain import ward_rules
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.periods import PeriodRecord, Snapshot
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.domain.roster.model import RosterProblem
from chalicelib.scheduling.domain.setup import ContractDef, WardSetup, default_contracts
from chalicelib.scheduling.service import access, inputs, wiring

from shared.auth import Principal
from shared.errors import RuleViolation


def _holidays(store: PeriodStore, first: date, last: date) -> set[date]:
    return {d for d, special in inputs.calendar(store, first, last).items() if special.kind == "holiday"}


def _counts(t: rules.Tally) -> api.Counts:
    return api.Counts(
        nights=t.nights, weekends=t.weekends, holidays=t.holidays, shifts=t.shifts, hours=t.hours
    )


def _spread(s: rules.Spread) -> api.CountSpread:
    return api.CountSpread(low=s.low, high=s.high, spread=s.spread, mean=s.mean)


def ledger(
    principal: Principal,
    ward_id: str,
    query: api.LedgerQuery,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.FairnessLedger:
    """Per nurse and published period overlapping [from, to], her counts from the live version; her
    totals over the window; per contract, the spread of the totals."""
    first = query.from_ or date(inputs.today().year, 1, 1)
    last = query.to or rules.year_from(first)
    if last < first:
        raise RuleViolation(rules.WINDOW_REVERSED, field="to")
    if (last - first).days + 1 > rules.MAX_DAYS:
        raise RuleViolation(rules.WINDOW_TOO_LONG, field="to")
    ward, everyone = access.require_ledger_reader(principal, ward_id, directory or wiring.directory())
    store = store or wiring.period_store(principal, None)
    periods = rules.live_in(store.periods.around(ward_id, first, last), first, last)
    snapshots = {s.period_id: s for s in store.versions.many([(p.id, p.version) for p in periods])}
    holidays = _holidays(store, first, last)
    setting = store.ward_rules.get(ward_id)
    contracts, default = _contracts(setting)
    staff = {r.id: r for r in inputs.rostered(store.staff.of_units([ward_id]))}
    names = {
        **{k: v for s in snapshots.values() for k, v in s.names.items()},
        **{k: r.name for k, r in staff.items()},
    }
    # the nurses of the ward now, and whoever worked on it in the window (since moved or gone)
    ids = set(staff) | {
        k for s in snapshots.values() for k, w in s.wards.items() if w == ward_id and k in s.cells
    }
    totals = {k: rules.tally(snapshots.values(), k, first, last, holidays) for k in ids}
    contract_of = {k: contracts.get(setting.nurse_contracts.get(k, default), contracts[default]) for k in ids}
    shown = sorted(ids) if everyone else [principal.staff] if principal.staff in ids else []
    nurses = [
        api.NurseLedger(
            staff_id=k,
            staff_name=names.get(k, k),
            grade=(staff[k].nurse_grade or None) if k in staff else None,
            contract_id=contract_of[k].id,
            contract_name=contract_of[k].name,
            periods=[
                api.PeriodCounts(
                    period_id=p.id,
                    period_name=p.name,
                    version=p.version,
                    counts=_counts(rules.tally([snapshots[p.id]], k, first, last, holidays)),
                )
                for p in periods
                if p.id in snapshots and k in snapshots[p.id].cells
            ],
            total=_counts(totals[k]),
        )
        for k in shown
    ]
    nurses.sort(key=lambda n: (n.contract_id, n.staff_name, n.staff_id))
    groups = []
    for c in contracts.values():
        members = sorted(k for k in ids if contract_of[k].id == c.id)
        if not members:
            continue
        each = rules.spreads(totals, members)
        groups.append(
            api.GroupSpread(
                contract_id=c.id,
                contract_name=c.name,
                nurses=len(members),
                **{name: _spread(s) for name, s in each.items()},
            )
        )
    return api.FairnessLedger(
        ward_id=ward.id,
        ward_name=ward.name,
        first=first,
        last=last,
        scope="ward" if everyone else "self",
        fairness=Fairness.model_validate(ward_rules.to_setup(setting, ()).fairness, from_attributes=True),
        periods=[
            api.LedgerPeriod(period_id=p.id, period_name=p.name, start=p.start, end=p.end, version=p.version)
            for p in periods
            if p.id in snapshots
        ],
        nurses=nurses,
        groups=groups,
    )


def _contracts(setting: ward_rules.WardRules) -> tuple[dict[str, ContractDef], str]:
    """The ward's contracts and its default one, as ``problem.resolved`` settles them."""
    contracts = {c.id: c for c in setting.contracts or default_contracts()}
    default = setting.default_contract or ward_rules.DEFAULT_CONTRACT
    return contracts, default if default in contracts else next(iter(contracts))


def over_time(
    store: PeriodStore, period: PeriodRecord, problem: RosterProblem, setup: WardSetup
) -> RosterProblem:
    """The solve's problem with each nurse's running totals carried in and the fairness weight on, when
    the ward (the period's first: its rules roster a group) asked for fairness over months; else as it is."""
    setting = setup.fairness
    if not setting.over_time:
        return problem
    weighed = replace(problem, weights=replace(problem.weights, fairness=setting.weight))
    window = rules.running_window(period.start, setting)
    if window is None:
        return weighed
    first, last = window
    listed = [p for ward in period.ward_ids for p in store.periods.around(ward, first, last)]
    periods = rules.live_in(listed, first, last, but=period.id)
    snapshots: list[Snapshot] = store.versions.many([(p.id, p.version) for p in periods]) if periods else []
    holidays = _holidays(store, first, last) if snapshots else set()
    shares = rules.shares(snapshots, first, last, holidays, [n.id for n in problem.nurses])
    return replace(weighed, fair_share=MappingProxyType(shares))
