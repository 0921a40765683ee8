"""Late leave, sick calls and repairs (``domain/repairs.py``): flag the live cells a nurse can no longer
work, tell the ward's rosterers, propose a repair (a repair job: those days re-solved, the rest pinned) or
the nurses who can cover, and apply the one the head nurse accepts with ``amendments.amend_live``.

A sick call is kept in the leave read model as one day of 病假 (``absence-<disruption id>``), so every
later problem of the period (edits, solves, swaps, repairs: ``periods._context``) holds her unavailable
that day exactly as approved leave does — no other read on their paths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from chalicelib.scheduling.contracts import repairs as api
from chalicelib.scheduling.contracts.solve_jobs import SolveJobView
from chalicelib.scheduling.domain import amendments as amend
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain import repairs as fix
from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.periods import Cell, NurseRow, PeriodRecord, Snapshot
from chalicelib.scheduling.domain.ports import Directory, PeriodSummary, SolveJobs, SolverLauncher
from chalicelib.scheduling.domain.records import LeaveRecord
from chalicelib.scheduling.domain.repairs import Disruption
from chalicelib.scheduling.domain.roster.model import Pin, Roster, RosterProblem
from chalicelib.scheduling.domain.solve_jobs import SolveSettings
from chalicelib.scheduling.service import periods, solve_jobs, wiring
from chalicelib.scheduling.service.amendments import Actor, amend_live, read_live

from shared import i18n
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import LEAVE_APPROVED, LEAVE_CANCELLED
from shared.events.published.scheduling import ROSTER_DISRUPTED, RosterDisrupted
from shared.observability import logger as make_logger
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.problems import FieldError, Problem

logger = make_logger("repairs")
SICK_LEAVE_TYPE = "病假"


def _store(principal: Principal, request_id: str | None, store: PeriodStore | None) -> PeriodStore:
    return store or wiring.period_store(principal, request_id)


def _live(store: PeriodStore, period: PeriodRecord) -> Snapshot:
    if period.version == 0:
        raise Conflict(fix.NOT_PUBLISHED)
    live = store.versions.get(period.id, period.version)
    if live is None:  # written with the header in one transaction
        raise LookupError(f"version {period.version} of roster period {period.id} is not stored")
    return live


def _disruption(store: PeriodStore, period_id: str, disruption_id: str) -> Disruption:
    found = store.disruptions.get(period_id, disruption_id)
    if found is None:
        raise NotFound("disruption")
    return found


def _by(principal: Principal) -> dict[str, str]:
    """Who made a change, as the period's history names them (like an amendment's record)."""
    return {"by": principal.staff or principal.user, "by_name": principal.staff_name or ""}


def _rostered(
    principal: Principal, store: PeriodStore, period_id: str, directory: Directory | None
) -> PeriodRecord:
    """The period's header, once the caller rosters its wards (the head nurse's work list)."""
    period = periods._header(store, period_id)
    periods._rosterer(principal, period, directory or wiring.directory())
    return period


def view(d: Disruption, language_header: str | None = None) -> api.DisruptionView:
    """The disruption as the head nurse reads it (a failed proposal's reason in her language)."""
    p = d.proposal
    proposal = None
    if p is not None:
        change = (
            p.cost_after - p.cost_before if p.cost_after is not None and p.cost_before is not None else None
        )
        proposal = api.ProposalView(
            state=p.state,
            state_name=fix.PROPOSAL_NAMES[p.state],
            version=p.version,
            job_id=p.job_id or None,
            moves=[
                api.ProposalMove(
                    staff_id=m.staff_id,
                    staff_name=m.staff_name,
                    date=m.day,
                    before=m.before,
                    before_name=m.before_name,
                    after=m.after,
                    after_name=m.after_name,
                )
                for m in p.moves
            ],
            cost_before=p.cost_before,
            cost_after=p.cost_after,
            cost_change=change,
            asked_by=p.asked_by or None,
            asked_by_name=p.asked_by_name or None,
            reason=solve_jobs.reason_in(p.reason, i18n.language(language_header)) or None,
        )
    return api.DisruptionView(
        id=d.id,
        period_id=d.period_id,
        kind=d.kind,
        kind_name=fix.KIND_NAMES[d.kind],
        staff_id=d.staff_id,
        staff_name=d.staff_name,
        cells=[_cell(c) for c in d.cells],
        version=d.version,
        state=d.state,
        state_name=fix.STATE_NAMES[d.state],
        leave_id=d.leave_id or None,
        leave_type=d.leave_type or None,
        reason=d.reason or None,
        created_at=d.created_at,
        created_by=d.created_by or None,
        created_by_name=d.created_by_name or None,
        proposal=proposal,
        resolved_version=d.resolved_version,
        resolved_at=d.resolved_at,
        resolved_by=d.resolved_by or None,
        resolved_by_name=d.resolved_by_name or None,
    )


def _cell(c: fix.Affected) -> api.DisruptedCell:
    return api.DisruptedCell(date=c.day, shift=c.shift, shift_name=c.shift_name or c.shift)


def _announce(
    tenant: str, period: PeriodRecord, d: Disruption, store: PeriodStore, directory: Directory, but: str = ""
) -> None:
    """``roster.disrupted`` to the wards' rosterers (messaging's work notification): the hospital's units
    (one Query) and the wards' staff (one Query a ward)."""
    notify = fix.rosterers(
        directory.units(tenant), store.staff.of_units(period.ward_ids), period.ward_ids, but
    )
    store.uow.emit(
        ROSTER_DISRUPTED.envelope(
            tenant,
            RosterDisrupted(
                period_id=period.id,
                disruption_id=d.id,
                kind=d.kind,
                staff_id=d.staff_id,
                days=list(d.days),
                ward_ids=list(period.ward_ids),
                title=rules.title(period.ward_names, period.start, period.end, period.version),
                notify=notify,
                reported_by=d.created_by if d.kind == "sick" else "",
            ),
        )
    )


# --- flagging -----------------------------------------------------------------------------------------------


def flag_leave(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> None:
    """approval.leave.approved → a disruption on each published period of the nurse's ward whose live
    version has her working on a day of the leave (today or later), and the ward's rosterers told. The
    same leave flagged again (a replayed approval) finds its disruption and adds nothing."""
    data = LEAVE_APPROVED.parse(envelope)
    directory = directory or wiring.directory()
    person = directory.staff(envelope.tenant, data.staff_id)
    if person is None or not person.department_id:
        logger.info("approved leave of someone with no ward", extra={"instance_id": data.instance_id})
        return
    store = store or wiring.consumer_period_store(envelope.tenant, uow)
    today = periods.local_today()
    for period in store.periods.around(person.department_id, data.start, data.end):
        if period.version == 0 or period.end < data.start or period.start > data.end:
            continue
        first, last = max(data.start, period.start, today), min(data.end, period.end)
        if first > last:
            continue  # the leave's days in this period are past: nothing left to repair
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        live = store.versions.get(period.id, period.version)
        if live is None:
            continue
        cells = fix.affected(live, data.staff_id, days)
        if not cells:
            continue
        disruption_id = fix.leave_disruption_id(period.id, data.instance_id)
        if store.disruptions.get(period.id, disruption_id) is not None:
            continue
        d = Disruption(
            id=disruption_id,
            period_id=period.id,
            kind="leave",
            staff_id=data.staff_id,
            staff_name=person.name or live.names.get(data.staff_id, ""),
            cells=cells,
            version=period.version,
            created_at=now_utc(),
            leave_id=data.instance_id,
            leave_type=data.leave_type,
        )
        store.disruptions.add(d)
        _announce(envelope.tenant, period, d, store, directory)


def drop_cancelled_leave(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> None:
    """approval.leave.cancelled (销假) → the disruptions that leave flagged and nobody has repaired yet are
    dismissed: she can work those cells again, so there is nothing left to repair (a proposal still
    solving keeps nothing when it ends). One already resolved stays: its version is live, and the head
    nurse changes it like any roster. A cancellation heard again finds nothing open and does nothing."""
    data = LEAVE_CANCELLED.parse(envelope)
    person = (directory or wiring.directory()).staff(envelope.tenant, data.staff_id)
    if person is None or not person.department_id:
        logger.info("cancelled leave of someone with no ward", extra={"instance_id": data.instance_id})
        return
    store = store or wiring.consumer_period_store(envelope.tenant, uow)
    for period in store.periods.around(person.department_id, data.start, data.end):
        if period.version == 0 or period.end < data.start or period.start > data.end:
            continue
        d = store.disruptions.get(period.id, fix.leave_disruption_id(period.id, data.instance_id))
        if d is None or d.state != "open":
            continue
        store.disruptions.save(replace(d, state="dismissed", revision=d.revision + 1), d.revision)
        store.uow.audit(
            "roster.disruption.dismiss",
            "roster_period",
            period.id,
            after={"disruption_id": d.id, "by": data.cancelled_by, "why": "leave cancelled (销假)"},
        )


def report_absence(
    principal: Principal,
    period_id: str,
    body: api.ReportAbsence,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    today: date | None = None,
) -> api.DisruptionView:
    """A sick call: the nurse is absent on ``body.date`` (today or later) of the live roster. She becomes
    unavailable that day in every later problem of the period (the leave read model), her cells that
    day are flagged and the ward's rosterers told. Reported by a rosterer of the ward, or by the nurse
    herself (her own only); a second report of the same nurse and day is a 409."""
    store = _store(principal, request_id, store)
    directory = directory or wiring.directory()
    period = periods._header(store, period_id)
    own = principal.kind == "staff" and principal.staff == body.staff_id
    if not own:
        periods._rosterer(principal, period, directory)
    live = _live(store, period)
    fix.check_sick_day(live, body.date, today or periods.local_today())
    cells = fix.affected(live, body.staff_id, [body.date])
    if not cells:
        raise RuleViolation(fix.NOT_WORKING, field="date")
    at = now_utc()
    name = live.names.get(body.staff_id, "")
    d = Disruption(
        id=fix.sick_disruption_id(period.id, body.staff_id, body.date),
        period_id=period.id,
        kind="sick",
        staff_id=body.staff_id,
        staff_name=name,
        cells=cells,
        version=period.version,
        created_at=at,
        created_by=principal.staff or "",
        created_by_name=principal.staff_name or "",
        reason=body.reason,
    )
    store.disruptions.add(d)
    store.leave.put(
        LeaveRecord(
            staff_id=body.staff_id,
            instance_id=fix.absence_leave_id(d.id),
            leave_type=SICK_LEAVE_TYPE,
            start=body.date,
            end=body.date,
            recorded_at=at,
            days=1,
            staff_name=name,
        )
    )
    _announce(principal.tenant, period, d, store, directory, but=principal.staff or "")
    store.uow.audit(
        "roster.absence",
        "roster_period",
        period.id,
        after={
            **_by(principal),
            "disruption_id": d.id,
            "staff_id": d.staff_id,
            "staff_name": name,
            "date": body.date.isoformat(),
        },
    )
    store.uow.commit()
    return view(d)


# --- reading -----------------------------------------------------------------------------------------------


def list_disruptions(
    principal: Principal,
    period_id: str,
    limit: int,
    cursor: str | None,
    language_header: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> Page[api.DisruptionView]:
    store = store or wiring.period_store(principal, None)
    _rostered(principal, store, period_id, directory)
    return Page[api.DisruptionView].of(
        store.disruptions.page(period_id, limit, cursor), lambda d: view(d, language_header)
    )


def get_disruption(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    language_header: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.DisruptionView:
    store = store or wiring.period_store(principal, None)
    _rostered(principal, store, period_id, directory)
    return view(_disruption(store, period_id, disruption_id), language_header)


def candidates(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.Candidates:
    """Who can cover the disruption's cells on the live version now (``domain/repairs.candidates``)."""
    store = store or wiring.period_store(principal, None)
    period, rows, requests = periods._sheet(store, period_id)
    periods._rosterer(principal, period, directory or wiring.directory())
    d = _disruption(store, period_id, disruption_id)
    fix.require_open(d)
    live = _live(store, period)
    ctx = periods._context(principal.tenant, period, rows, store, requests)
    found = fix.candidates(ctx.problem, ctx.shifts, amend.live_rows(live, ctx.rows), d)
    return api.Candidates(
        disruption_id=d.id,
        version=period.version,
        staff_id=d.staff_id,
        staff_name=d.staff_name,
        cells=[_cell(c) for c in d.cells],
        candidates=[
            api.Candidate(staff_id=c.staff_id, staff_name=c.staff_name, added_cost=c.added_cost)
            for c in found
        ],
    )


# --- the repair job ---------------------------------------------------------------------------------------


def start_repair(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    body: api.RepairRequest,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
    jobs: SolveJobs | None = None,
    launcher: SolverLauncher | None = None,
) -> SolveJobView:
    """A repair job of the disruption's days (the solver function; the rest pinned as live): its result
    becomes the disruption's proposal. Asking again replaces the proposal (a rejected one too)."""
    store = _store(principal, request_id, store)
    period = _rostered(principal, store, period_id, directory)
    d = _disruption(store, period_id, disruption_id)
    fix.require_open(d)
    if period.version == 0:
        raise Conflict(fix.NOT_PUBLISHED)
    settings = SolveSettings(body.time_limit, True, True, "repair", d.days, d.id)
    summary = PeriodSummary(period.id, period.name, period.ward_ids, period.revision)
    job = solve_jobs.queue(
        principal, summary, settings, jobs or wiring.solve_jobs(principal.tenant), launcher
    )
    asked = (principal.staff or "", principal.staff_name or "")
    proposal = fix.Proposal("solving", period.version, job.id, asked_by=asked[0], asked_by_name=asked[1])
    store.disruptions.save(replace(d, proposal=proposal, revision=d.revision + 1), d.revision)
    store.uow.audit(
        "roster.repair.ask",
        "roster_period",
        period.id,
        after={**_by(principal), "disruption_id": d.id, "job_id": job.id},
    )
    store.uow.commit()
    return solve_jobs.view(job)


def _without_leave_clashes(problem: RosterProblem, pins: Sequence[Pin]) -> list[Pin]:
    """A pinned shift on a day of (other) leave is a day off instead: leave is hard, the pin would make
    the problem infeasible."""
    leave = {(lv.nurse, lv.day) for lv in problem.leave}
    return [Pin(p.nurse, p.day, None) if p.shift and (p.nurse, p.day) in leave else p for p in pins]


def load_repair(
    tenant: str, period_id: str, disruption_id: str, days: Sequence[date], store: PeriodStore | None = None
) -> tuple[RosterProblem, Roster, int]:
    """``ProblemSource.load_repair``: the period's problem with every cell outside ``days`` pinned as the
    live version has it (the disrupted nurse off on ``days``), the others asking to keep their cells on
    ``days`` (``stay_requests``: the fewest moves), the live roster and its version."""
    store = store or wiring.tenant_period_store(tenant)
    period, rows, requests = periods._sheet(store, period_id)
    live = _live(store, period)
    ctx = periods._context(tenant, period, rows, store, requests)
    d = store.disruptions.get(period_id, disruption_id)
    pins = fix.repair_pins(ctx.problem, live, days, d.staff_id if d is not None else "")
    problem = ctx.problem.with_pins(_without_leave_clashes(ctx.problem, pins))
    absent = d.staff_id if d is not None else ""
    stay = fix.stay_requests(problem, live, days, absent)
    problem = replace(problem, requests=(*problem.requests, *stay))
    return problem, rules.roster_of(problem, amend.live_rows(live, ctx.rows).values()), period.version


def _rows_of(problem: RosterProblem, base: Mapping[str, NurseRow], roster: Roster) -> dict[str, NurseRow]:
    ids = {n.id for n in problem.nurses}
    cells: dict[str, dict[date, Cell]] = {k: {} for k in base if k in ids}
    for a in roster.assignments:
        cells.setdefault(a.nurse, {})[problem.date_of(a.day)] = Cell(a.shift, a.skill)
    return {k: replace(r, cells=cells[k]) if k in cells else r for k, r in base.items()}


def propose(
    tenant: str,
    period_id: str,
    disruption_id: str,
    job_id: str,
    version: int,
    roster: Roster,
    store: PeriodStore | None = None,
) -> None:
    """``ProblemSource.propose``: the repaired roster as the disruption's proposal (the cells that move
    against live ``version``, the cost before and after). Conflict when the disruption was resolved,
    dismissed or asked again meanwhile (the job's result is then not kept)."""
    store = store or wiring.tenant_period_store(tenant)
    d = store.disruptions.get(period_id, disruption_id)
    waiting = d is not None and d.state == "open" and d.proposal is not None and d.proposal.state == "solving"
    if d is None or d.proposal is None or not waiting or d.proposal.job_id != job_id:
        raise Conflict("the disruption no longer waits for this repair")
    period, rows, requests = periods._sheet(store, period_id)
    live = store.versions.get(period_id, version)
    if live is None:
        raise Conflict(fix.STALE.format(version, period.version))
    ctx = periods._context(tenant, period, rows, store, requests)
    live_rows = amend.live_rows(live, ctx.rows)
    after = _rows_of(ctx.problem, live_rows, roster)
    asked = (d.proposal.asked_by, d.proposal.asked_by_name)
    proposal = fix.proposal_of(ctx.problem, ctx.shifts, live_rows, after, version, job_id, asked)
    store.disruptions.save(replace(d, proposal=proposal, revision=d.revision + 1), d.revision)
    store.uow.commit()


def abandon(
    tenant: str,
    period_id: str,
    disruption_id: str,
    job_id: str,
    reason: str,
    store: PeriodStore | None = None,
) -> None:
    """``ProblemSource.abandon``: the repair job ended without a result (infeasible, failed, cancelled):
    the proposal is ``failed`` with the job's reason. Conflict when the disruption no longer waits for it."""
    store = store or wiring.tenant_period_store(tenant)
    d = store.disruptions.get(period_id, disruption_id)
    p = d.proposal if d is not None else None
    if d is None or p is None or d.state != "open" or p.state != "solving" or p.job_id != job_id:
        raise Conflict("the disruption no longer waits for this repair")
    failed = replace(p, state="failed", reason=reason)
    store.disruptions.save(replace(d, proposal=failed, revision=d.revision + 1), d.revision)
    store.uow.commit()


# --- accept, reject, dismiss -------------------------------------------------------------------------


def _refusal(refused: rules.EditRefused) -> Problem:
    errors = [FieldError("staff_id", f.text(), f.rule) for f in refused.faults]
    return Problem(
        422,
        "roster-rule-violated",
        "Roster rule violated",
        f"the repair breaks a hard rule: {refused.faults[0].text()}",
        errors,
    )


def accept(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    body: api.AcceptRepair,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.DisruptionView:
    """Apply the proposal (or ``body.staff_id``, a candidate) to the live roster as version n+1
    (``amend_live``: action ``roster.repair``), the disruption resolved with it in the same transaction.
    ``body.version`` is the live version the proposal or candidates were made on: another is a 409 asking
    for a new proposal. A retry of an accepted repair answers the resolved disruption and applies nothing."""
    store = _store(principal, request_id, store)
    period = _rostered(principal, store, period_id, directory)
    d = _disruption(store, period_id, disruption_id)
    if d.state == "resolved":
        return view(d)  # a retry: applied once already
    fix.require_open(d)
    if period.version != body.version:
        raise Conflict(fix.STALE.format(body.version, period.version))
    note: dict[str, object] = {"disruption_id": d.id, "kind": d.kind}
    live = read_live(store, principal.tenant, period_id)  # read once: the candidate check and the amendment
    if body.staff_id is not None:
        theirs = live.version.cells.get(body.staff_id, {})
        if body.staff_id == d.staff_id or any(c.day in theirs for c in d.cells):
            raise RuleViolation(fix.NOT_A_CANDIDATE, field="staff_id")
        changes = fix.cover_changes(d, body.staff_id)
        note["candidate"] = body.staff_id  # named in the audit's cells beside it
    else:
        changes = fix.proposal_changes(fix.ready_proposal(d, body.version))
        note["job_id"] = d.proposal.job_id if d.proposal is not None else ""
    who = (principal.staff or "", principal.staff_name or "")
    done = fix.resolved(d, body.version + 1, who, now_utc())
    store.disruptions.save(done, d.revision)  # committed with the amendment, or not at all
    amend_live(
        store,
        principal.tenant,
        period_id,
        changes,
        Actor(who[0], who[1]),
        "roster.repair",
        note,
        _refusal,
        expected_version=body.version,
        live=live,
    )
    return view(done)


def _close(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    request_id: str | None,
    store: PeriodStore | None,
    directory: Directory | None,
    dismiss: bool,
) -> api.DisruptionView:
    store = _store(principal, request_id, store)
    period = _rostered(principal, store, period_id, directory)
    d = _disruption(store, period_id, disruption_id)
    fix.require_open(d)
    if dismiss:
        after = replace(d, state="dismissed", revision=d.revision + 1)
        action = "roster.disruption.dismiss"
    else:
        if d.proposal is None or d.proposal.state == "rejected":
            raise Conflict(fix.NO_PROPOSAL)
        after = replace(d, proposal=replace(d.proposal, state="rejected"), revision=d.revision + 1)
        action = "roster.repair.reject"
    store.disruptions.save(after, d.revision)
    store.uow.audit(action, "roster_period", period.id, after={**_by(principal), "disruption_id": d.id})
    store.uow.commit()
    return view(after)


def reject(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.DisruptionView:
    """The proposal is rejected; the disruption stays open (ask for a new one, or accept a candidate)."""
    return _close(principal, period_id, disruption_id, request_id, store, directory, dismiss=False)


def dismiss(
    principal: Principal,
    period_id: str,
    disruption_id: str,
    request_id: str | None = None,
    store: PeriodStore | None = None,
    directory: Directory | None = None,
) -> api.DisruptionView:
    """Nothing to repair after all (the ward copes): the disruption is dismissed, the roster unchanged."""
    return _close(principal, period_id, disruption_id, request_id, store, directory, dismiss=True)
