"""The engine's operations on a period's draft: copy a block (区域复制), lay a rotation, explain a nurse.

Copy and rotation change the draft the way a hand edit does (``periods.edit_cells``): only the period's
rosterers; the revision the caller saw (body or If-Match, 409 when it moved); a submitted or approved
period is 409, a published one becomes a draft again; the cells they change are judged by the hard rules
an edit is refused for (422 ``roster-rule-violated`` naming the rule, the nurse and the day), soft costs
come back as warnings; the result is the next draft revision, one unit of work. What they leave alone
(leave days, pinned cells) is listed as ``skipped`` (``domain/roster_operations.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from chalicelib.scheduling.contracts import roster_operations as api
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import roster_operations as ops
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.periods import NurseRow, PeriodRecord
from chalicelib.scheduling.domain.ports import Directory
from chalicelib.scheduling.domain.problem import resolved
from chalicelib.scheduling.domain.roster import operations
from chalicelib.scheduling.domain.roster.model import UNLIMITED
from chalicelib.scheduling.service import periods, wiring

from shared import i18n
from shared.auth import Principal
from shared.errors import Forbidden, NotFound, RuleViolation
from shared.problems import FieldError, Problem


def _draft(
    principal: Principal,
    period_id: str,
    revision: int | None,
    if_match: str | None,
    store: PeriodStore,
    directory: Directory,
) -> tuple[PeriodRecord, list[NurseRow]]:
    """The period, if the caller may change it now (the checks of a hand edit, in its order)."""
    period, rows = periods._grid(store, period_id)
    periods._rosterer(principal, period, directory)
    rules.require_editable(period)
    rules.require_revision(period, periods.revision_from(revision, if_match))
    return period, rows


def _refusal(refused: rules.EditRefused, what: str) -> Problem:
    """422 with every fault (its rule as the code, the nurse and the day in words), as an edit's."""
    errors = [FieldError(f"{f.staff_id}/{f.day.isoformat()}", f.text(), f.rule) for f in refused.faults]
    first = refused.faults[0].text()
    detail = (
        f"the copy breaks a hard rule: {first}"
        if what == "copy"
        else f"the rotation breaks a hard rule: {first}"
    )
    return Problem(422, "roster-rule-violated", "Roster rule violated", detail, errors)


def _save(
    principal: Principal,
    ctx: periods.Context,
    store: PeriodStore,
    outcome: ops.Outcome,
    action: str,
    what: str,
    language: str | None,
) -> api.OperationResult:
    """Judge the changed cells by the hard rules of an edit, then save the next draft revision."""
    names = {k: r.staff_name for k, r in ctx.rows.items()}
    by_code = {s.code: s for s in ctx.shifts}
    faults = rules.hard_faults(ctx.problem, outcome.rows, outcome.touched, by_code, names)
    if faults:
        refused = rules.EditRefused(faults)
        raise _refusal(refused, what) from refused
    audit = {"cells": len(outcome.touched), "skipped": len(outcome.skipped)}
    base = periods.save_rows(store, ctx, outcome.rows, action, audit)
    lang = i18n.language(language)
    return api.OperationResult(
        **base.model_dump(),
        changed=len(outcome.touched),
        skipped=[
            api.SkippedCell(
                staff_id=s.staff_id,
                staff_name=s.staff_name,
                date=s.day,
                reason=s.reason,
                reason_name=ops.SKIP_NAMES[s.reason][1 if lang == i18n.ZH else 0],
                wanted=s.wanted,
            )
            for s in outcome.skipped
        ],
    )


def _in(period: PeriodRecord, day: date, field: str) -> None:
    if not period.start <= day <= period.end:
        raise RuleViolation(
            f"{day.isoformat()} is not a day of the roster period "
            f"({period.start.isoformat()} to {period.end.isoformat()})",
            field=field,
        )


def _ward_nurses(
    rows: Mapping[str, NurseRow], ward_ids: Sequence[str], ward: str | None, field: str
) -> list[str]:
    """The staff ids of the grid (of one ward of it, if named), in the grid's order."""
    if ward is not None and ward not in ward_ids:
        raise RuleViolation("the ward is not one of the roster period's wards", field=field)
    order = ops.grid_order(rows, ward_ids)
    return [s for s in order if ward is None or rows[s].ward_id == ward]


# --- copy -------------------------------------------------------------------------------------------------


def copy_block(
    principal: Principal,
    period_id: str,
    body: api.CopyBlock,
    if_match: str | None = None,
    request_id: str | None = None,
    language: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.OperationResult:
    """Copy a block of days to other start dates of this period, from this period or another period of
    the same ward, to the same nurses or another ward's (see ``CopyBlock``)."""
    if body.to < body.from_:
        raise RuleViolation("the block ends before it starts", field="to")
    if (body.to - body.from_).days + 1 > rules.LONGEST_PERIOD:
        raise RuleViolation("a block is at most 62 days", field="to")
    if body.nurse_map is not None and body.match is not None:
        raise RuleViolation("give match or nurse_map, not both", field="nurse_map")
    store = periods._store(principal, request_id, store)
    directory = directory or wiring.directory()
    period, rows = _draft(principal, period_id, body.revision, if_match, store, directory)
    for i, start in enumerate(body.starts):
        _in(period, start, f"starts[{i}]")
    source_rows: dict[str, NurseRow] | None = None
    source_wards: tuple[str, ...] = period.ward_ids
    if body.source_period_id is not None and body.source_period_id != period.id:
        source, their_rows = periods._grid(store, body.source_period_id)
        if not set(source.ward_ids) & set(period.ward_ids):
            raise RuleViolation(
                "copy from a period of the same ward: the source period has none of this period's wards",
                field="source_period_id",
            )
        periods._reader(principal, source, directory)
        _in(source, body.from_, "from")
        _in(source, body.to, "to")
        source_rows = {r.staff_id: r for r in their_rows}
        source_wards = source.ward_ids
    else:
        _in(period, body.from_, "from")
        _in(period, body.to, "to")
    ctx = periods._context(principal.tenant, period, rows, store)
    sources = _ward_nurses(
        source_rows if source_rows is not None else ctx.rows, source_wards, body.from_ward_id, "from_ward_id"
    )
    targets = _ward_nurses(ctx.rows, period.ward_ids, body.to_ward_id, "to_ward_id")
    across = None not in (body.from_ward_id, body.to_ward_id) and body.from_ward_id != body.to_ward_id
    match = body.match or ("position" if across else "same")
    mapping = ops.nurse_mapping(sources, targets, match, body.nurse_map)
    if not mapping:
        raise RuleViolation("no nurse of the source block is a nurse of this period", field="match")
    by_code = {s.code: s for s in ctx.shifts}
    try:
        outcome = ops.copy(
            ctx.problem,
            by_code,
            ctx.rows,
            source_rows,
            body.from_,
            body.to,
            body.starts,
            mapping,
            body.keep_pinned,
        )
    except rules.EditRefused as refused:
        raise _refusal(refused, "copy") from refused
    return _save(principal, ctx, store, outcome, "roster.copy", "copy", language)


# --- rotation ---------------------------------------------------------------------------------------------


def rotation(
    principal: Principal,
    period_id: str,
    body: api.Rotation,
    if_match: str | None = None,
    request_id: str | None = None,
    language: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.OperationResult:
    """Lay a rotation pattern over some or all nurses of the period, each at her offset (see ``Rotation``)."""
    if body.offsets is not None and (body.staff_ids is not None or "stagger" in body.model_fields_set):
        raise RuleViolation("give offsets, or staff_ids and stagger, not both", field="offsets")
    if body.offsets is not None and not body.offsets:
        raise RuleViolation("offsets names no nurse", field="offsets")
    if all(code is None for code in body.pattern):
        raise RuleViolation("the pattern has no shift", field="pattern")
    store = periods._store(principal, request_id, store)
    directory = directory or wiring.directory()
    period, rows = _draft(principal, period_id, body.revision, if_match, store, directory)
    first, last = body.from_ or period.start, body.to or period.end
    _in(period, first, "from")
    _in(period, last, "to")
    if last < first:
        raise RuleViolation("the range ends before it starts", field="to")
    ctx = periods._context(principal.tenant, period, rows, store)
    by_code = {s.code: s for s in ctx.shifts}
    unknown = sorted({c for c in body.pattern if c is not None and c not in by_code})
    if unknown:
        raise RuleViolation(f"the ward has no shift {', '.join(unknown)}", field="pattern")
    if body.offsets is not None:
        offsets = dict(body.offsets)
        named = list(offsets)
    else:
        named = list(body.staff_ids or ops.grid_order(ctx.rows, period.ward_ids))
        offsets = ops.staggered(named, body.stagger, len(body.pattern))
    strangers = [s for s in named if s not in ctx.rows]
    if strangers:
        raise RuleViolation(
            f"{', '.join(strangers)} is not a nurse of this period",
            field="offsets" if body.offsets is not None else "staff_ids",
        )
    if len(set(named)) != len(named):
        raise RuleViolation("a nurse is named twice", field="staff_ids")
    try:
        outcome = ops.rotation(
            ctx.problem, by_code, ctx.rows, body.pattern, offsets, first, last, body.keep_pinned
        )
    except rules.EditRefused as refused:
        raise _refusal(refused, "rotation") from refused
    return _save(principal, ctx, store, outcome, "roster.rotation", "rotation", language)


# --- explain ----------------------------------------------------------------------------------------------


def explain(
    principal: Principal,
    period_id: str,
    staff_id: str,
    language: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Explanation:
    """One nurse's roster explained (operations.explain): read by the period's rosterers and by herself."""
    store = store or wiring.period_store(principal, None)
    period, rows, requests = periods._sheet(store, period_id)
    if principal.staff != staff_id:
        try:
            periods._rosterer(principal, period, directory or wiring.directory())
        except Forbidden as exc:
            raise Forbidden("a nurse's roster is explained to the ward's rosterers and to herself") from exc
    ctx = periods._context(principal.tenant, period, rows, store, requests)  # her requests granted or not
    if staff_id not in ctx.rows or staff_id not in {n.id for n in ctx.problem.nurses}:
        raise NotFound("nurse of the roster period")
    lang = i18n.language(language)
    problem = ctx.problem
    roster = rules.roster_of(problem, ctx.rows.values())
    explained = operations.explain(problem, roster)
    e = explained[staff_id]
    row = ctx.rows[staff_id]
    shifts = {s.code: s for s in ctx.shifts}
    order = {code: i for i, code in enumerate(shifts)}
    names = {code: s.name for code, s in shifts.items()}
    contracts = {c.id: c.name for s in ctx.setups for c in resolved(s, len(problem.nurses)).contracts}
    contract_name = contracts.get(e.contract, e.contract)
    peer = ops.peers(explained, staff_id)
    wards = dict(zip(period.ward_ids, period.ward_names, strict=False))
    costly = sorted(e.costs.items(), key=lambda kv: (-kv[1], kv[0]))
    return api.Explanation(
        period_id=period.id,
        period_name=period.name,
        revision=period.revision,
        staff_id=staff_id,
        staff_name=row.staff_name,
        ward_id=row.ward_id,
        ward_name=wards.get(row.ward_id, ""),
        contract=e.contract,
        contract_name=contract_name,
        assignments=e.assignments,
        assignments_min=e.assignments_allowed[0],
        assignments_max=e.assignments_allowed[1],
        hours=e.hours,
        nights=e.nights,
        nights_allowed=e.nights_allowed if e.nights_allowed < UNLIMITED else None,
        weekends_worked=e.weekends_worked,
        weekends_allowed=e.weekends_allowed,
        requests_granted=e.requests_granted,
        requests_refused=e.requests_refused,
        shifts=[
            api.ShiftCount(
                shift=code,
                shift_name=names.get(code, code),
                count=n,
                hours=n * (shifts[code].hours if code in shifts else 0.0),
            )
            for code, n in sorted(e.shifts.items(), key=lambda kv: order.get(kv[0], len(order)))
        ],
        costs=[api.RuleCostLine(rule=k, rule_name=ops.rule_name(k, lang), cost=v) for k, v in costly],
        cost=e.cost,
        peers=api.Peers(
            nurses=peer.nurses,
            assignments=peer.assignments,
            hours=peer.hours,
            nights=peer.nights,
            weekends_worked=peer.weekends_worked,
        ),
        lines=ops.explain_lines(row.staff_name, contract_name, e, peer, names, lang),
    )
