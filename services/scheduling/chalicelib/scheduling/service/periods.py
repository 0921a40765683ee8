"""Roster periods: create, list, the grid, hand edits, submit/withdraw, approval decisions, publish, versions.

Every use case takes ``store=`` (a ``PeriodStore``) and ``directory=``; left out, ``wiring`` gives the
DynamoDB ones. Changes are one unit of work each: the header (conditioned on its ``revision``), the rows
that changed, the wards' list entries when the state changed, the outbox event and the audit record.

**The solve seam** (``ProblemSource``, used by the auto-roster jobs):

- ``period_problem(tenant, period_id, keep_pinned, keep_published_days, today)`` → ``(RosterProblem,
  Roster, revision)``: the period as the engine's problem (setup, nurses, calendar, approved leave, the
  history carried in from the previous published period) with the current cells as the roster. With
  ``keep_pinned`` the pinned cells are pins; with ``keep_published_days`` every day before ``today`` of
  the live published version is pinned as it was published (days off too). A ward whose setup asks for
  fairness over months gets its nurses' running totals and the fairness weight (``service/fairness.py``).
- ``save_roster(tenant, period_id, base_revision, roster, note)`` → the new revision: the roster becomes
  the draft's cells (a published period becomes a draft again; its version stays live), unless the
  draft moved on from ``base_revision`` — then ``Conflict``, and the job keeps its result for the head
  nurse to apply: manual work is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from chalicelib.scheduling.contracts import periods as api
from chalicelib.scheduling.domain import amendments as amend
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import requests as wishes
from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.periods import Cell, NurseRow, PeriodRecord, Snapshot
from chalicelib.scheduling.domain.ports import Directory, PeriodSummary
from chalicelib.scheduling.domain.problem import RosterNurse, resolved
from chalicelib.scheduling.domain.requests import RosterRequest
from chalicelib.scheduling.domain.roster.evaluate import Evaluation, evaluate
from chalicelib.scheduling.domain.roster.model import Pin, Roster, RosterProblem
from chalicelib.scheduling.domain.setup import CalendarDay, ShiftDef, WardSetup
from chalicelib.scheduling.service import access, inputs, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import ROSTER_DECIDED
from shared.events.published.scheduling import (
    ROSTER_PUBLISHED,
    ROSTER_SUBMITTED,
    ROSTER_WITHDRAWN,
    NurseChange,
    RosterPublished,
    RosterSubmitted,
    RosterWithdrawn,
)
from shared.observability import logger as make_logger
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, Problem

logger = make_logger("periods")
LEAVE_PAGE = 200


def _store(principal: Principal, request_id: str | None, store: PeriodStore | None) -> PeriodStore:
    return store or wiring.period_store(principal, request_id)


# --- what a period is rostered by (the ward setup's reads) ---------------------------------------------


@dataclass(frozen=True)
class Inputs:
    setups: list[WardSetup]
    nurses: list[RosterNurse]
    calendar: Mapping[date, CalendarDay]


def ward_inputs(tenant: str, ward_ids: Sequence[str], start: date, end: date, store: PeriodStore) -> Inputs:
    """The wards' setups, their nurses and the calendar: the one place periods read the ward setup
    (``service/inputs.py``: per ward its item and the catalogue, its nurses; the calendar once)."""
    return Inputs(
        [inputs.ward_setup(store, w) for w in ward_ids],
        inputs.ward_nurses(store, ward_ids, start),
        inputs.calendar(store, start, end),
    )


# --- reading a period -------------------------------------------------------------------------------


def _grid(store: PeriodStore, period_id: str) -> tuple[PeriodRecord, list[NurseRow]]:
    period, rows = store.periods.grid(period_id)
    if period is None:
        raise NotFound("roster period")
    return period, rows


def _sheet(store: PeriodStore, period_id: str) -> tuple[PeriodRecord, list[NurseRow], list[RosterRequest]]:
    """The grid's one Query with the nurses' requests."""
    period, rows, requests = store.periods.sheet(period_id)
    if period is None:
        raise NotFound("roster period")
    return period, rows, requests


def local_today() -> date:
    return now_utc().astimezone(rules.HOSPITAL_TZ).date()


def deadline(period: PeriodRecord) -> date:
    created = period.created_at.astimezone(rules.HOSPITAL_TZ).date()
    return wishes.deadline_of(period.start, created, period.request_deadline)


def _header(store: PeriodStore, period_id: str) -> PeriodRecord:
    period = store.periods.get(period_id)
    if period is None:
        raise NotFound("roster period")
    return period


def _reader(principal: Principal, period: PeriodRecord, directory: Directory) -> None:
    """A period is read by whoever may read one of its wards."""
    refused: Forbidden | None = None
    for ward in period.ward_ids:
        try:
            access.require_reader(principal, ward, directory)
            return
        except Forbidden as exc:
            refused = exc
        except NotFound:
            continue  # a ward removed from the directory since: the others decide
    raise refused or Forbidden(
        "a ward's roster is read by its rosterers, its department head and its own staff"
    )


def _rosterer(principal: Principal, period: PeriodRecord, directory: Directory) -> None:
    access.require_rosterer_all(principal, period.ward_ids, directory)


@dataclass
class Context:
    """A period as the rules see it: the problem, its shift types, every nurse's row (empty ones too)."""

    period: PeriodRecord
    problem: RosterProblem
    shifts: tuple[ShiftDef, ...]
    rows: dict[str, NurseRow]
    setups: list[WardSetup]
    leave: list[tuple[str, date]]
    calendar: Mapping[date, CalendarDay]
    requests: list[RosterRequest]


def _leave(store: PeriodStore, first: date, last: date) -> list[tuple[str, date]]:
    records = []
    cursor: str | None = None
    while True:
        page, cursor = store.leave.overlapping(None, Window(first, last), LEAVE_PAGE, cursor)
        records += [(r.staff_id, r.start, r.end) for r in page]
        if cursor is None:
            break
    return rules.leave_days(records, first, last)


def _previous(store: PeriodStore, period: PeriodRecord) -> Snapshot | None:
    """The live version of the period of the same wards that ends the day before this one starts."""
    for other in store.periods.around(period.ward_ids[0], period.start, period.end):
        if other.id != period.id and other.end == period.start - timedelta(days=1) and other.version > 0:
            return store.versions.get(other.id, other.version)
    return None


def _context(
    tenant: str,
    period: PeriodRecord,
    rows: Sequence[NurseRow],
    store: PeriodStore,
    requests: Sequence[RosterRequest] = (),
) -> Context:
    """The period as the rules see it; with ``requests`` (from ``_sheet``) the problem weighs them (S4)."""
    inputs = ward_inputs(tenant, period.ward_ids, period.start, period.end, store)
    known = {n.staff_id for n in inputs.nurses}
    # A nurse who left the ward but has cells in the period stays on it (her cells are still judged).
    nurses = list(inputs.nurses) + [
        RosterNurse(r.staff_id, r.staff_name, r.ward_id, r.grade) for r in rows if r.staff_id not in known
    ]
    previous = _previous(store, period)
    history = (
        rules.carried_history(previous.cells, previous.end, (previous.end - previous.start).days + 1)
        if previous is not None
        else None
    )
    leave = _leave(store, period.start, period.end)
    by_ward = {s.ward_id: s for s in inputs.setups}
    setups = [by_ward.get(w, WardSetup(w)) for w in period.ward_ids]
    problem, shifts = rules.problem_of(
        period, setups, nurses, calendar=inputs.calendar, leave=leave, history=history
    )
    if requests:
        problem = replace(problem, requests=tuple(wishes.to_engine(problem, requests)))
    by_id = {r.staff_id: r for r in rows}
    all_rows = {
        n.staff_id: by_id.get(n.staff_id) or NurseRow(n.staff_id, n.name, n.ward_id, n.grade) for n in nurses
    }
    return Context(period, problem, shifts, all_rows, setups, leave, inputs.calendar, list(requests))


def _period_view(p: PeriodRecord, today: date | None = None) -> api.Period:
    closes = deadline(p)
    return api.Period(
        id=p.id,
        ward_ids=list(p.ward_ids),
        ward_names=list(p.ward_names),
        name=p.name,
        title=rules.title(p.ward_names, p.start, p.end, p.version),
        start=p.start,
        end=p.end,
        state=p.state,
        state_name=rules.STATE_NAMES[p.state],
        revision=p.revision,
        version=p.version,
        submitted_revision=p.submitted_revision,
        approval_instance_id=p.approval_instance_id or None,
        decision_reason=p.decision_reason or None,
        published_at=p.published_at,
        published_by=p.published_by or None,
        published_by_name=p.published_by_name or None,
        created_at=p.created_at,
        request_deadline=closes,
        requests_open=wishes.is_open(p.state, closes, today or local_today()),
    )


def _costs(ev: Evaluation) -> list[api.RuleCost]:
    return [
        api.RuleCost(rule=c.rule, rule_name=c.rule_name, cost=c.cost, hard=c.hard) for c in rules.costs(ev)
    ]


def _shift_view(s: ShiftDef) -> api.ShiftType:
    return api.ShiftType(code=s.code, name=s.name, start=s.start, end=s.end, colour=s.colour, skill=s.skill)


# --- create, list, delete ---------------------------------------------------------------------------


def create_period(
    principal: Principal,
    body: api.CreatePeriod,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Period:
    """A new draft for a ward or a group of wards; refused when it overlaps another period of one of them."""
    rules.check_span(body.start, body.end)
    if body.request_deadline is not None and body.request_deadline > body.end:
        raise RuleViolation("the request deadline is after the period ends", field="request_deadline")
    wards = access.require_rosterer_all(principal, body.ward_ids, directory or wiring.directory())
    store = _store(principal, request_id, store)
    for ward in wards:
        for other in store.periods.around(ward.id, body.start, body.end):
            if other.start <= body.end and other.end >= body.start:
                raise Conflict(
                    f"{ward.name} already has the roster period {other.name} "
                    f"({other.start.isoformat()} to {other.end.isoformat()})"
                )
    names = tuple(w.name for w in wards)
    period = PeriodRecord(
        id=wiring.new_id(),
        ward_ids=tuple(w.id for w in wards),
        ward_names=names,
        name=body.name or rules.title(names, body.start, body.end),
        start=body.start,
        end=body.end,
        state="draft",
        revision=0,
        version=0,
        created_at=now_utc(),
        created_by=principal.staff,
        request_deadline=body.request_deadline,
    )
    store.periods.add(period)
    store.uow.audit("roster.create", "roster_period", period.id, after={"name": period.name})
    store.uow.commit()
    return _period_view(period)


def list_periods(
    principal: Principal,
    query: api.PeriodQuery,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> Page[api.Period]:
    access.require_reader(principal, query.ward_id, directory or wiring.directory())
    store = store or wiring.period_store(principal, None)
    return Page[api.Period].of(store.periods.of_ward(query.ward_id, query.limit, query.cursor), _period_view)


def delete_period(
    principal: Principal,
    period_id: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> None:
    """Only a draft never published goes (a published period's versions are the record of who worked)."""
    store = _store(principal, request_id, store)
    period, rows, requests = _sheet(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    if period.version > 0 or period.state != "draft":
        raise Conflict("only a draft that was never published can be deleted")
    store.periods.remove(period, [r.staff_id for r in rows])
    for wish in requests:
        store.requests.remove(wish)
    store.uow.audit("roster.delete", "roster_period", period.id, before={"name": period.name})
    store.uow.commit()


# --- the grid -------------------------------------------------------------------------------------------


def grid(
    principal: Principal,
    period_id: str,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Grid:
    store = store or wiring.period_store(principal, None)
    period, rows, requests = _sheet(store, period_id)
    everyone = access.read_rostering(principal, period.ward_ids, directory or wiring.directory())
    ctx = _context(principal.tenant, period, rows, store, requests)
    return _grid_view(ctx, None if everyone else principal.staff)


def request_views(ctx: Context, roster: Roster, requests: Sequence[RosterRequest]) -> list[api.RosterRequest]:
    """Each request with its verdict on ``roster`` (domain/requests.verdict)."""
    names = {s.code: s.name for s in ctx.shifts}
    pinned = {(p.nurse, p.day) for p in rules.pins_of(ctx.problem, ctx.rows.values())}
    out = []
    for r in sorted(requests, key=lambda x: (x.day, x.staff_name)):
        v = wishes.verdict(ctx.problem, roster, r, pinned)
        out.append(
            api.RosterRequest(
                id=r.id,
                staff_id=r.staff_id,
                staff_name=r.staff_name,
                date=r.day,
                kind=r.kind,
                kind_name=wishes.KIND_NAMES[r.kind],
                shift=r.shift,
                shift_name=names.get(r.shift, r.shift) if r.shift else None,
                priority=r.priority,
                priority_name=wishes.PRIORITY_NAMES.get(r.priority, str(r.priority)),
                reason=r.reason,
                status=v.status,
                status_name=wishes.STATUS_NAMES[v.status],
                why=v.why,
                why_name=v.why_name,
                created_at=r.created_at,
            )
        )
    return out


def _grid_view(ctx: Context, only: str | None = None) -> api.Grid:
    """The grid; with ``only`` (a staff id) the requests shown are that nurse's alone."""
    problem = ctx.problem
    roster = rules.roster_of(problem, ctx.rows.values())
    ev = evaluate(problem, roster)
    shown = [r for r in ctx.requests if only is None or r.staff_id == only]
    views: dict[str, list[api.RosterRequest]] = {}
    for view in request_views(ctx, roster, shown):
        views.setdefault(view.staff_id, []).append(view)
    names = {s.code: s.name for s in ctx.shifts}
    contracts = {c.id: c.name for s in ctx.setups for c in resolved(s, len(problem.nurses)).contracts}
    away: dict[str, list[date]] = {}
    for staff_id, day in ctx.leave:
        away.setdefault(staff_id, []).append(day)
    nurses = []
    for n in problem.nurses:
        row = ctx.rows[n.id]
        nurses.append(
            api.GridNurse(
                staff_id=n.id,
                name=row.staff_name or n.name,
                ward_id=n.ward,
                grade=n.grade or None,
                contract=n.contract,
                contract_name=contracts.get(n.contract, n.contract),
                cells={
                    d: api.Cell(
                        shift=c.shift, shift_name=names.get(c.shift, c.shift), skill=c.skill, pinned=c.pinned
                    )
                    for d, c in sorted(row.cells.items())
                },
                on_leave=sorted(away.get(n.id, [])),
                requests=views.get(n.id, []),
            )
        )
    nurses.sort(
        key=lambda x: (
            ctx.period.ward_ids.index(x.ward_id) if x.ward_id in ctx.period.ward_ids else 99,
            x.name,
        )
    )
    cover = rules.coverage(problem, roster)
    return api.Grid(
        period=_period_view(ctx.period),
        shifts=[_shift_view(s) for s in ctx.shifts],
        nurses=nurses,
        coverage=[
            api.CoverageCell(
                day=c.day,
                shift=c.shift,
                shift_name=names.get(c.shift, c.shift),
                skill=c.skill,
                count=c.count,
                minimum=c.minimum,
                optimal=c.optimal,
                open=c.open,
                below_minimum=c.below_minimum,
            )
            for c in cover
        ],
        open_shifts=sum(c.open for c in cover),
        below_minimum=sum(c.below_minimum for c in cover),
        cost=ev.cost,
        costs=_costs(ev),
    )


# --- editing a draft ----------------------------------------------------------------------------------


def revision_from(body_revision: int | None, if_match: str | None) -> int | None:
    """The revision the caller saw: the body's, else the If-Match header's ('"3"', 'W/"3"' or '3')."""
    if body_revision is not None:
        return body_revision
    if not if_match or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise RuleViolation("If-Match holds the period's revision, a number", field="If-Match")
    return int(text)


def _reopened(period: PeriodRecord) -> PeriodRecord:
    """The period after a change of its cells: a draft one revision on (a published one becomes a draft
    again, its version staying live)."""
    return replace(period, state="draft", revision=period.revision + 1)


def edit_cells(
    principal: Principal,
    period_id: str,
    body: api.EditCells,
    if_match: str | None = None,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.EditResult:
    """Set, clear or pin cells, all at once: refused (422, every fault with its rule, nurse and day) when
    a change breaks a hard rule an edit is judged by (``domain/periods.py``); soft costs it adds come back
    as warnings."""
    store = _store(principal, request_id, store)
    ctx = editable(principal, store, period_id, revision_from(body.revision, if_match), directory)
    changes = [rules.Change(c.staff_id, c.date, c.shift, c.pinned, c.skill) for c in body.changes]
    return change_cells(store, ctx, changes, lambda refused: _refusal(refused, changes))


def editable(
    principal: Principal,
    store: PeriodStore,
    period_id: str,
    revision: int | None,
    directory: Directory | None = None,
) -> Context:
    """The period as its rules see it, once the caller may change it, it may be changed, and it is at
    ``revision`` (else 403, 409, 409). The nurses' requests weigh in (a change refusing one warns of
    its cost)."""
    period, rows, requests = _sheet(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    rules.require_editable(period)
    rules.require_revision(period, revision)
    return _context(principal.tenant, period, rows, store, requests)


def change_cells(
    store: PeriodStore,
    ctx: Context,
    changes: Sequence[rules.Change],
    refusal: Callable[[rules.EditRefused], Problem],
    action: str = "roster.edit",
    note: Mapping[str, object] | None = None,
) -> api.EditResult:
    """The one path a draft's cells change by (a hand edit, an imported spreadsheet): judged by the hard
    rules an edit is refused for (``refusal`` says where each fault is), then saved (``save_rows``)."""
    names = {k: r.staff_name for k, r in ctx.rows.items()}
    try:
        after_rows = rules.apply_changes(ctx.problem, ctx.shifts, ctx.rows, changes, names)
    except rules.EditRefused as refused:
        raise refusal(refused) from refused
    return save_rows(store, ctx, after_rows, action, {**(note or {}), "changes": len(changes)})


def save_rows(
    store: PeriodStore,
    ctx: Context,
    after_rows: Mapping[str, NurseRow],
    action: str,
    audit: Mapping[str, object],
) -> api.EditResult:
    """Rows already judged by the hard rules, saved as the draft's next revision (conditioned on the one
    read) with only the rows that changed, audited as ``action``; the soft costs the change added come
    back as warnings, with the cost per rule."""
    period = ctx.period
    names = {k: r.staff_name for k, r in ctx.rows.items()}
    before = evaluate(ctx.problem, rules.roster_of(ctx.problem, ctx.rows.values()))
    after = evaluate(ctx.problem, rules.roster_of(ctx.problem, after_rows.values()))
    changed = [r for k, r in after_rows.items() if dict(r.cells) != dict(ctx.rows[k].cells)]
    updated = _reopened(period)
    store.periods.save(updated, period.revision, changed, relist=updated.state != period.state)
    moved = amend.moves(ctx.rows, after_rows, {s.code: s.name for s in ctx.shifts})
    store.uow.audit(
        action,
        "roster_period",
        period.id,
        before={"revision": period.revision, "state": period.state},
        after={**audit, "revision": updated.revision, **amend.audit_cells(moved)},
    )
    store.uow.commit()
    return api.EditResult(
        period=_period_view(updated),
        warnings=[
            api.EditWarning(
                rule=w.rule,
                rule_name=w.rule_name,
                cost=w.cost,
                staff_id=w.staff_id,
                staff_name=names.get(w.staff_id) if w.staff_id else None,
            )
            for w in rules.warnings(before, after)
        ],
        cost=after.cost,
        costs=_costs(after),
    )


def _refusal(refused: rules.EditRefused, changes: Sequence[rules.Change]) -> Problem:
    where = {(c.staff_id, c.day): i for i, c in enumerate(changes)}
    errors = [
        FieldError(f"changes[{where.get((f.staff_id, f.day), 0)}]", f.text(), f.rule) for f in refused.faults
    ]
    return Problem(
        422,
        "roster-rule-violated",
        "Roster rule violated",
        f"the edit breaks a hard rule: {refused.faults[0].text()}",
        errors,
    )


# --- submit, withdraw, the approval's decision --------------------------------------------------------


def _summary(ctx: Context) -> str:
    roster = rules.roster_of(ctx.problem, ctx.rows.values())
    ev = evaluate(ctx.problem, roster)
    cover = rules.coverage(ctx.problem, roster)
    below = sum(c.below_minimum for c in cover)
    parts = [
        f"{len(ctx.problem.nurses)}名护士",
        f"{len(roster.assignments)}个班次",
        f"空缺{sum(c.open for c in cover)}个",
    ]
    if below:
        parts.append(f"低于最低人数{below}处")
    hard = ev.hard_violations - ev.hard["H2"]
    if hard:
        parts.append(f"违反硬性规则{hard}处")
    parts.append(f"成本{ev.cost}")
    return "，".join(parts)


def submit(
    principal: Principal,
    period_id: str,
    body: api.Revisioned,
    if_match: str | None = None,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Period:
    """draft → submitted: approvals starts its 排班审批 from ``roster.submitted``."""
    store = _store(principal, request_id, store)
    period, rows, requests = _sheet(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    rules.require_state(period, "draft")
    rules.require_revision(period, revision_from(body.revision, if_match))
    ctx = _context(principal.tenant, period, rows, store, requests)
    if any(s.skip_approval for s in ctx.setups):
        raise Conflict("this ward publishes without approval: publish the roster directly")
    if period.version > 0 and period.submitted_revision == period.revision:
        pass  # resubmitting what was sent back unchanged is allowed: the approver decides again
    updated = replace(period, state="submitted", submitted_revision=period.revision, decision_reason="")
    store.periods.save(updated, period.revision, [], relist=True)
    store.uow.emit(
        ROSTER_SUBMITTED.envelope(
            principal.tenant,
            RosterSubmitted(
                period_id=period.id,
                revision=period.revision,
                ward_ids=list(period.ward_ids),
                title=rules.title(period.ward_names, period.start, period.end, period.version + 1),
                submitter=principal.staff,
                start=period.start,
                end=period.end,
                summary=_summary(ctx),
            ),
        )
    )
    store.uow.audit("roster.submit", "roster_period", period.id, after={"revision": period.revision})
    store.uow.commit()
    return _period_view(updated)


def withdraw(
    principal: Principal,
    period_id: str,
    body: api.Revisioned,
    if_match: str | None = None,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Period:
    """submitted or approved → draft, one revision on, so that the approval's decision on what was
    submitted is ignored when it comes. A submitted one also says ``roster.withdrawn`` (the revision
    submitted) in the same transaction: approvals withdraws that 排班审批, and its approvers no longer see
    it pending (an approved one's approval has ended already: nothing to withdraw)."""
    store = _store(principal, request_id, store)
    period = _header(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    rules.require_state(period, "submitted", "approved")
    rules.require_revision(period, revision_from(body.revision, if_match))
    updated = replace(period, state="draft", revision=period.revision + 1)
    store.periods.save(updated, period.revision, [], relist=True)
    if period.state == "submitted" and period.submitted_revision is not None:
        withdrawn = RosterWithdrawn(
            period_id=period.id, revision=period.submitted_revision, by=str(principal.staff)
        )
        store.uow.emit(ROSTER_WITHDRAWN.envelope(principal.tenant, withdrawn))
    store.uow.audit("roster.withdraw", "roster_period", period.id, after={"revision": updated.revision})
    store.uow.commit()
    return _period_view(updated)


def record_decision(envelope: EventEnvelope, uow: UnitOfWork, store: PeriodStore | None = None) -> None:
    """approval.roster.decided → a submitted period whose submitted revision matches moves to approved,
    or back to draft with the reason shown on its header. Anything else (a period withdrawn, edited,
    resubmitted or deleted since, or unknown) is acknowledged and ignored: the decision was about a
    roster that no longer waits for it."""
    data = ROSTER_DECIDED.parse(envelope)
    store = store or wiring.consumer_period_store(envelope.tenant, uow)
    period = store.periods.get(data.period_id)
    if period is None or period.state != "submitted" or period.submitted_revision != data.revision:
        logger.info(
            "roster decision ignored",
            extra={"period_id": data.period_id, "revision": data.revision, "outcome": data.outcome},
        )
        return
    if data.outcome == "approved":
        updated = replace(period, state="approved", approval_instance_id=data.instance_id, decision_reason="")
    else:
        reason = (
            data.reason
            or {"rejected": "审批未通过", "withdrawn": "审批已撤回", "failed": "审批未能发起"}[data.outcome]
        )
        # a new round, one revision on (as a withdrawal is): resubmitting the same cells is another
        # submission, so approvals starts another approval for it rather than finding the ended one
        updated = replace(
            period,
            state="draft",
            revision=period.revision + 1,
            approval_instance_id=data.instance_id,
            decision_reason=reason,
        )
    store.periods.save(updated, period.revision, [], relist=True)


# --- publish and versions -------------------------------------------------------------------------------


def _snapshot(ctx: Context, version: int, by: str, by_name: str, at: object) -> Snapshot:
    rows = [r for r in ctx.rows.values() if r.cells]
    return Snapshot(
        period_id=ctx.period.id,
        version=version,
        revision=ctx.period.revision,
        ward_ids=ctx.period.ward_ids,
        ward_names=ctx.period.ward_names,
        start=ctx.period.start,
        end=ctx.period.end,
        published_at=at,  # type: ignore[arg-type]
        published_by=by,
        published_by_name=by_name,
        shifts=ctx.shifts,
        names={r.staff_id: r.staff_name for r in rows},
        wards={r.staff_id: r.ward_id for r in rows},
        cells={r.staff_id: {d: Cell(c.shift, c.skill) for d, c in r.cells.items()} for r in rows},
    )


def publish(
    principal: Principal,
    period_id: str,
    body: api.Revisioned,
    if_match: str | None = None,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Period:
    """approved (or a draft of a ward that skips approval) → published, version n+1: a snapshot and ONE
    ``roster.published`` naming the nurses whose shifts moved since version n (all of them on version 1).
    A retry finds the period published and refuses (409), and the version's snapshot is create-only, so
    no retry makes two versions."""
    store = _store(principal, request_id, store)
    period, rows = _grid(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    rules.require_revision(period, revision_from(body.revision, if_match))
    if period.state == "published":
        raise Conflict("the roster period is published already: change it to publish a new version")
    ctx = _context(principal.tenant, period, rows, store)
    skips = all(s.skip_approval for s in ctx.setups)
    if period.state == "draft" and not skips:
        raise Conflict("the roster period is draft: submit it for approval before publishing")
    rules.require_state(period, "approved", "draft")
    at = now_utc()
    version = period.version + 1
    snapshot = _snapshot(ctx, version, principal.staff or "", principal.staff_name or "", at)
    before = store.versions.get(period.id, period.version) if period.version else None
    changes = rules.changes_between(before, snapshot)
    updated = replace(
        period,
        state="published",
        version=version,
        published_at=at,
        published_by=principal.staff,
        published_by_name=principal.staff_name or "",
        decision_reason="",
    )
    store.periods.save(updated, period.revision, [], relist=True)
    store.versions.add(snapshot)
    cover = rules.coverage(ctx.problem, rules.roster_of(ctx.problem, ctx.rows.values()))
    store.uow.emit(
        ROSTER_PUBLISHED.envelope(
            principal.tenant,
            RosterPublished(
                period_id=period.id,
                version=version,
                ward_ids=list(period.ward_ids),
                title=rules.title(period.ward_names, period.start, period.end, version),
                start=period.start,
                end=period.end,
                published_by=principal.staff,
                changes=[NurseChange(staff_id=s, lines=lines) for s, lines in changes],
                below_minimum=sum(c.below_minimum for c in cover),
                open_shifts=sum(c.open for c in cover),
            ),
        )
    )
    moved = amend.snapshot_moves(before, snapshot) if before is not None else []
    store.uow.audit(
        "roster.publish",
        "roster_period",
        period.id,
        before={"version": period.version} if before is not None else None,
        after={"version": version, **amend.audit_cells(moved)},
    )
    store.uow.commit()
    return _period_view(updated)


def _readable(
    principal: Principal, period_id: str, store: PeriodStore, directory: Directory | None
) -> PeriodRecord:
    period = _header(store, period_id)
    _reader(principal, period, directory or wiring.directory())
    return period


def list_versions(
    principal: Principal,
    period_id: str,
    query: api.VersionQuery,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> Page[api.VersionSummary]:
    store = store or wiring.period_store(principal, None)
    _readable(principal, period_id, store, directory)
    return Page[api.VersionSummary].of(
        store.versions.page(period_id, query.limit, query.cursor),
        lambda s: api.VersionSummary(
            version=s.version,
            revision=s.revision,
            published_at=s.published_at,
            published_by=s.published_by,
            published_by_name=s.published_by_name or None,
        ),
    )


def _number(version: str | int) -> int:
    text = str(version)
    if not text.isdigit() or len(text) > 4:
        raise NotFound("roster version")
    return int(text)


def _version(store: PeriodStore, period_id: str, number: int) -> Snapshot:
    snapshot = store.versions.get(period_id, number) if number > 0 else None
    if snapshot is None:
        raise NotFound("roster version")
    return snapshot


def get_version(
    principal: Principal,
    period_id: str,
    version: str | int,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Version:
    store = store or wiring.period_store(principal, None)
    _readable(principal, period_id, store, directory)
    s = _version(store, period_id, _number(version))
    return api.Version(
        version=s.version,
        revision=s.revision,
        published_at=s.published_at,
        published_by=s.published_by,
        published_by_name=s.published_by_name or None,
        period_id=s.period_id,
        title=rules.title(s.ward_names, s.start, s.end, s.version),
        shifts=[_shift_view(x) for x in s.shifts],
        nurses=[
            api.VersionNurse(
                staff_id=k,
                name=s.names.get(k, ""),
                ward_id=s.wards.get(k, ""),
                shifts={d: c.shift for d, c in sorted(v.items())},
            )
            for k, v in sorted(s.cells.items(), key=lambda kv: s.names.get(kv[0], kv[0]))
        ],
    )


def version_diff(
    principal: Principal,
    period_id: str,
    version: str | int,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.VersionDiff:
    """What moved in a version against the one before (on version 1: every shift)."""
    store = store or wiring.period_store(principal, None)
    _readable(principal, period_id, store, directory)
    number = _number(version)
    after = _version(store, period_id, number)
    before = store.versions.get(period_id, number - 1) if number > 1 else None
    names = {**(before.names if before else {}), **after.names}
    return api.VersionDiff(
        period_id=period_id,
        version=number,
        against=number - 1 if before is not None else 0,
        nurses=[
            api.NurseDiff(staff_id=s, name=names.get(s, ""), lines=lines)
            for s, lines in rules.changes_between(before, after)
        ],
    )


# --- the solve seam (ProblemSource) ---------------------------------------------------------------------


def summary(tenant: str, period_id: str, store: PeriodStore | None = None) -> PeriodSummary:
    """``ProblemSource.describe``: the period's wards (who may solve it), name and draft revision (one
    GetItem of its header); NotFound when the hospital has no such period."""
    period = _header(store or wiring.tenant_period_store(tenant), period_id)
    return PeriodSummary(period.id, period.name, period.ward_ids, period.revision)


def period_problem(
    tenant: str,
    period_id: str,
    keep_pinned: bool,
    keep_published_days: bool,
    today: date,
    store: PeriodStore | None = None,
) -> tuple[RosterProblem, Roster, int]:
    """``ProblemSource.load`` (see the module docstring)."""
    store = store or wiring.tenant_period_store(tenant)
    period, rows, requests = _sheet(store, period_id)
    ctx = _context(tenant, period, rows, store, requests)  # the nurses' requests weigh in (S4)
    pins: list[Pin] = rules.pins_of(ctx.problem, ctx.rows.values()) if keep_pinned else []
    if keep_published_days and period.version > 0:
        live = store.versions.get(period.id, period.version)
        if live is not None:
            pins = [p for p in pins if ctx.problem.date_of(p.day) >= today]
            pins += _published_pins(ctx.problem, live, today)
    problem = ctx.problem.with_pins(pins)
    # --- fairness over months (service/fairness.py): a ward that asked for it balances against its
    # nurses' running totals of earlier published periods; the draft's roster is judged as before
    from chalicelib.scheduling.service import fairness

    problem = fairness.over_time(store, period, problem, ctx.setups[0])
    # ---
    return problem, rules.roster_of(problem, ctx.rows.values()), period.revision


def _published_pins(problem: RosterProblem, live: Snapshot, today: date) -> list[Pin]:
    out = []
    for n in problem.nurses:
        mine = live.cells.get(n.id, {})
        for d in range(problem.num_days):
            day = problem.date_of(d)
            if day >= today:
                break
            cell = mine.get(day)
            out.append(Pin(n.id, d, cell.shift if cell else None, cell.skill if cell else None))
    return out


def save_roster(
    tenant: str,
    period_id: str,
    base_revision: int,
    roster: Roster,
    note: str,
    store: PeriodStore | None = None,
) -> int:
    """``ProblemSource.save`` (see the module docstring): the new revision, or ``Conflict``."""
    store = store or wiring.tenant_period_store(tenant)
    period, rows = _grid(store, period_id)
    if period.revision != base_revision:
        raise Conflict(f"the roster period is at revision {period.revision}, not {base_revision}; reload it")
    rules.require_editable(period)
    by_id = {r.staff_id: r for r in rows}
    wanted = {a.nurse for a in roster.assignments} - set(by_id)
    if wanted:
        ctx = _context(tenant, period, rows, store)
        for staff_id in wanted:
            if staff_id in ctx.rows:
                by_id[staff_id] = ctx.rows[staff_id]
    unknown = {a.nurse for a in roster.assignments} - set(by_id)
    if unknown:
        raise RuleViolation("the roster names nurses who are not in the period", field="roster")
    cells: dict[str, dict[date, Cell]] = {k: {} for k in by_id}
    for a in roster.assignments:
        day = period.start + timedelta(days=a.day)
        was = by_id[a.nurse].cells.get(day)
        keep_pin = was is not None and was.pinned and was.shift == a.shift and was.skill == a.skill
        cells[a.nurse][day] = Cell(a.shift, a.skill, keep_pin)
    changed = [replace(r, cells=cells[k]) for k, r in by_id.items() if dict(r.cells) != cells[k]]
    updated = _reopened(period)
    store.periods.save(updated, period.revision, changed, relist=updated.state != period.state)
    store.uow.audit(
        "roster.solve",
        "roster_period",
        period.id,
        after={
            "revision": updated.revision,
            "note": note,
            "cells_moved": len(amend.moves(by_id, by_id | {r.staff_id: r for r in changed}, {})),
        },
    )
    store.uow.commit()
    return updated.revision


# --- the on-duty read model, and reading it -----------------------------------------------------------------


def project_published(envelope: EventEnvelope, uow: UnitOfWork, store: PeriodStore | None = None) -> None:
    """roster.published → the on-duty items of each ward × day × shift of that version and each nurse's
    shifts, replacing what the period's earlier version wrote (shifts that no longer exist go). Applying
    a version again, or an older one after a newer, changes nothing."""
    data = ROSTER_PUBLISHED.parse(envelope)
    store = store or wiring.consumer_period_store(envelope.tenant, uow)
    held, duty_keys, staff_keys = store.duty.applied(data.period_id)
    if held >= data.version:
        return
    snapshot = store.versions.get(data.period_id, data.version)
    if snapshot is None:  # written in the same transaction as the event: a bug, so retried then the DLQ
        raise LookupError(f"version {data.version} of roster period {data.period_id} is not stored")
    store.duty.replace(
        data.period_id,
        data.version,
        rules.duty_shifts(snapshot),
        rules.my_shifts(snapshot),
        snapshot.start,
        (duty_keys, staff_keys),
    )


def on_duty(
    principal: Principal,
    query: api.OnDutyQuery,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.OnDuty:
    """Who is on duty on a ward at a time (default now), by name: any member of staff of the hospital may
    ask (to reach the ward)."""
    at = query.at or now_utc()
    if at.tzinfo is None:
        raise RuleViolation("give the time with its time zone", field="at")
    units = (directory or wiring.directory()).units(principal.tenant)
    ward = units.get(query.ward_id)
    if ward is None:
        raise NotFound("ward")
    store = store or wiring.period_store(principal, None)
    shifts = store.duty.on_duty(query.ward_id, at)
    people = [
        api.OnDutyPerson(
            staff_id=staff_id,
            name=s.staff_names[i] if i < len(s.staff_names) else "",
            shift=s.shift,
            shift_name=s.shift_name or s.shift,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
        )
        for s in sorted(shifts, key=lambda x: x.starts_at)
        for i, staff_id in enumerate(s.staff_ids)
    ]
    return api.OnDuty(ward_id=ward.id, ward_name=ward.name, at=at, known=bool(shifts), people=people)


def my_shifts(
    principal: Principal, query: api.MyShiftsQuery, store: PeriodStore | None = None
) -> api.MyShifts:
    """The caller's published shifts in [from, to] (one Query)."""
    if query.to < query.from_:
        raise RuleViolation("the window ends before it starts", field="to")
    if (query.to - query.from_).days + 1 > rules.LONGEST_PERIOD:
        raise RuleViolation("ask for at most 62 days at a time", field="to")
    store = store or wiring.period_store(principal, None)
    return api.MyShifts(
        items=[
            api.MyShift(
                date=s.day,
                shift=s.shift,
                shift_name=s.shift_name,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                ward_id=s.ward_id,
                ward_name=s.ward_name,
            )
            for s in store.duty.my_shifts(principal.staff, query.from_, query.to)
        ]
    )


# --- the header's settings ------------------------------------------------------------------------------


def change_period(
    principal: Principal,
    period_id: str,
    body: api.ChangePeriod,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Period:
    """Set the request deadline (null: back to the default). Not a change of the draft: the revision
    stays (the header is still conditioned on it), the wards' list entries follow."""
    store = _store(principal, request_id, store)
    period = _header(store, period_id)
    _rosterer(principal, period, directory or wiring.directory())
    if body.request_deadline is not None and body.request_deadline > period.end:
        raise RuleViolation("the request deadline is after the period ends", field="request_deadline")
    updated = replace(period, request_deadline=body.request_deadline)
    store.periods.save(updated, period.revision, [], relist=True)
    store.uow.audit(
        "roster.deadline",
        "roster_period",
        period.id,
        before={"request_deadline": deadline(period).isoformat()},
        after={"request_deadline": deadline(updated).isoformat()},
    )
    store.uow.commit()
    return _period_view(updated)
