"""Auto-roster jobs: ``POST …/solve`` queues a job and starts its worker in an invocation of its own;
the worker (``run_job``) solves, beating every few seconds; the sweep fails the jobs whose beat stopped.

The problem, the draft and the new revision go through the periods' ``ProblemSource`` (``source=``);
the jobs through ``SolveJobs`` (``jobs=``); the worker's invocation through ``SolverLauncher``
(``launcher=``); the solve through ``RosterEngine`` (``engine=``). Left out, ``service/wiring.py`` gives
the real ones. ``now``/``clock`` are the caller's, so the tests set the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.scheduling.contracts.solve_jobs import CostPoint, SolveJobView, SolveRequest
from chalicelib.scheduling.domain import solve_jobs as rules
from chalicelib.scheduling.domain.ports import (
    Directory,
    EngineOutcome,
    LiveJobs,
    PeriodSummary,
    ProblemSource,
    RosterEngine,
    SolveJobs,
    SolverLauncher,
)
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.solve_jobs import SolveJob, SolveSettings
from chalicelib.scheduling.service import access, wiring

from shared import i18n, observability
from shared.auth import Principal
from shared.errors import Conflict, NotFound, TransientStoreError
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc

logger = observability.logger("scheduling.solve")
HOSPITAL_TIME = ZoneInfo("Asia/Shanghai")  # "today" for the published days a solve keeps
SWEEP_BATCH = 100
Clock = Callable[[], datetime]


def _require_rosterer(principal: Principal, ward_ids: tuple[str, ...], directory: Directory | None) -> None:
    """The one rostering policy (``service/access.py``): only the rosterers of every ward of the period."""
    access.require_rosterer_all(principal, ward_ids, directory or wiring.directory())


def reason_in(reason: str, lang: str) -> str:
    """A job's reason in the reader's language, with what it carries translated too: an infeasible
    problem's shortages one by one, the message a solver failure quotes."""
    for template, separator in ((rules.INFEASIBLE_SHORT, "; "), (rules.SOLVER_ERROR, None)):
        prefix = template.format("")
        if lang == i18n.ZH and reason.startswith(prefix):
            inner = reason.removeprefix(prefix)
            parts = inner.split(separator) if separator else [inner]
            said = "；".join(i18n.translate(part, lang) for part in parts)
            return i18n.translate(template, lang).replace("{}", said)
    return i18n.translate(reason, lang)


def view(job: SolveJob, language_header: str | None = None) -> SolveJobView:
    lang = i18n.language(language_header)
    return SolveJobView(
        id=job.id,
        period_id=job.period_id,
        period_name=job.period_name or None,
        state=job.state,
        percent=100 if job.state == "succeeded" else job.percent,
        time_limit=job.settings.time_limit,
        keep_pinned=job.settings.keep_pinned,
        keep_published_days=job.settings.keep_published_days,
        mode=job.settings.mode,
        days=list(job.settings.days),
        disruption_id=job.settings.disruption_id or None,
        created_at=job.created_at,
        created_by=job.created_by,
        created_by_name=job.created_by_name or None,
        started_at=job.started_at,
        heartbeat_at=job.heartbeat_at,
        ended_at=job.ended_at,
        cancel_requested=job.cancel_requested,
        stop_requested=job.stop_requested,
        stop_requested_by=job.stop_requested_by or None,
        progress=[CostPoint(seconds=t, cost=c) for t, c in job.progress],
        cost=job.cost,
        cost_by_rule=dict(job.cost_by_rule),
        base_revision=job.base_revision,
        revision=job.revision,
        result=job.result,
        reason=reason_in(job.reason, lang) or None,
    )


def _job(
    jobs: SolveJobs, principal: Principal, period_id: str, job_id: str, directory: Directory | None
) -> SolveJob:
    job = jobs.get(period_id, job_id)
    if job is None:
        raise NotFound("solve job")
    _require_rosterer(principal, job.ward_ids, directory)
    return job


# ---- the routes' use cases ---------------------------------------------------------------------------------


def start(
    principal: Principal,
    period_id: str,
    request: SolveRequest,
    *,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
    source: ProblemSource | None = None,
    launcher: SolverLauncher | None = None,
    now: datetime | None = None,
) -> SolveJobView:
    """Queue a solve of the period and start its worker; 409 naming the live job if there is one."""
    jobs = jobs or wiring.solve_jobs(principal.tenant)
    period = (source or wiring.problem_source()).describe(principal.tenant, period_id)
    _require_rosterer(principal, period.ward_ids, directory)
    settings = SolveSettings(
        request.time_limit, request.keep_pinned, request.keep_published_days, request.mode
    )
    return view(queue(principal, period, settings, jobs, launcher, now))


def queue(
    principal: Principal,
    period: PeriodSummary,
    settings: SolveSettings,
    jobs: SolveJobs,
    launcher: SolverLauncher | None = None,
    now: datetime | None = None,
) -> SolveJob:
    """Store a queued job of ``period`` (the caller authorised) and start its worker; 409 naming the live
    job if there is one (a period solves one job at a time, a repair's too)."""
    running = jobs.running(period.period_id)
    if running is not None:
        raise Conflict(rules.SOLVE_RUNNING.format(running))
    job = SolveJob(
        id=new_id(),
        period_id=period.period_id,
        period_name=period.name,
        ward_ids=period.ward_ids,
        settings=settings,
        state="queued",
        created_at=now or now_utc(),
        created_by=principal.staff,
        created_by_name=principal.staff_name or "",
        base_revision=period.revision,
    )
    jobs.create(job)
    try:
        (launcher or wiring.solver_launcher()).launch(principal.tenant, period.period_id, job.id)
    except Exception as exc:
        logger.exception("the solver could not be started", extra={"job_id": job.id})
        failed = replace(job, state="failed", ended_at=now_utc(), reason=rules.NOT_LAUNCHED)
        jobs.finish(job, failed)
        raise TransientStoreError(rules.NOT_LAUNCHED) from exc
    return job


def get(
    principal: Principal,
    period_id: str,
    job_id: str,
    language_header: str | None = None,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
) -> SolveJobView:
    return view(
        _job(jobs or wiring.solve_jobs(principal.tenant), principal, period_id, job_id, directory),
        language_header,
    )


def list_jobs(
    principal: Principal,
    period_id: str,
    limit: int,
    cursor: str | None,
    language_header: str | None = None,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
    source: ProblemSource | None = None,
) -> Page[SolveJobView]:
    """The period's jobs, newest first."""
    period = (source or wiring.problem_source()).describe(principal.tenant, period_id)
    _require_rosterer(principal, period.ward_ids, directory)
    return Page[SolveJobView].of(
        (jobs or wiring.solve_jobs(principal.tenant)).page(period_id, limit, cursor),
        lambda job: view(job, language_header),
    )


def cancel(
    principal: Principal,
    period_id: str,
    job_id: str,
    language_header: str | None = None,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
    now: datetime | None = None,
) -> SolveJobView:
    """A queued job is cancelled at once; a running one is asked to stop, and stops at its next beat
    keeping nothing. Cancelling a job that asked already changes nothing; an ended job is a 409."""
    jobs = jobs or wiring.solve_jobs(principal.tenant)
    job = _job(jobs, principal, period_id, job_id, directory)
    if job.state == "queued":
        who = principal.staff_name or principal.staff
        ended = replace(job, state="cancelled", ended_at=now or now_utc(), reason=rules.CANCELLED.format(who))
        if jobs.finish(job, ended):
            return view(ended, language_header)
        job = jobs.get(period_id, job_id) or job  # a worker took it meanwhile: ask it to stop
    if job.state == "running":
        if not job.cancel_requested and not jobs.request_cancel(job):
            job = jobs.get(period_id, job_id) or job
            if job.state != "running":
                raise Conflict(rules.ALREADY_ENDED.format(job.state))
        return view(replace(job, cancel_requested=True), language_header)
    raise Conflict(rules.ALREADY_ENDED.format(job.state))


def stop(
    principal: Principal,
    period_id: str,
    job_id: str,
    language_header: str | None = None,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
) -> SolveJobView:
    """Stop and keep the best: a running job ends its search at its next beat and its best roster so
    far is the result (saved, kept or proposed like a finished job's); a queued one keeps the first
    roster its search finds. Asking again changes nothing; an ended job is a 409."""
    jobs = jobs or wiring.solve_jobs(principal.tenant)
    job = _job(jobs, principal, period_id, job_id, directory)
    if job.live and job.stop_requested:
        return view(job, language_header)
    if job.live:
        asked = jobs.request_stop(job, principal.staff_name or principal.staff)
        if asked is not None:
            return view(asked, language_header)
        job = jobs.get(period_id, job_id) or job  # it ended meanwhile
    raise Conflict(rules.NOTHING_TO_STOP.format(job.state))


def apply(
    principal: Principal,
    period_id: str,
    job_id: str,
    language_header: str | None = None,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
    source: ProblemSource | None = None,
) -> SolveJobView:
    """Make a kept result (the draft changed while it solved) the draft, on purpose: a new revision over
    whatever the draft is now. Applying it again returns the job and changes nothing."""
    jobs = jobs or wiring.solve_jobs(principal.tenant)
    job = _job(jobs, principal, period_id, job_id, directory)
    if job.result == "applied":
        return view(job, language_header)
    if job.result != "kept":
        raise Conflict(rules.NOT_KEPT.format(job.result or job.state))
    source = source or wiring.problem_source()
    current = source.describe(principal.tenant, period_id)
    note = rules.APPLIED_NOTE.format(job.id, principal.staff_name or principal.staff)
    revision = source.save(principal.tenant, period_id, current.revision, Roster(job.kept), note)
    if not jobs.mark_applied(job, revision):
        job = jobs.get(period_id, job_id) or job
        return view(job, language_header)
    return view(replace(job, result="applied", revision=revision), language_header)


# ---- the worker -------------------------------------------------------------------------------------------


def _local_today(at: datetime) -> date:
    return at.astimezone(HOSPITAL_TIME).date()


def _end(jobs: SolveJobs, job: SolveJob, ended: SolveJob) -> str:
    if not jobs.finish(job, ended):
        logger.warning("the job was ended by someone else first", extra={"job_id": job.id})
        return "lost"
    return ended.state


def _failed(jobs: SolveJobs, job: SolveJob, at: datetime, reason: str) -> str:
    return _end(jobs, job, replace(job, state="failed", ended_at=at, reason=reason))


def run_job(
    tenant: str,
    period_id: str,
    job_id: str,
    *,
    jobs: SolveJobs | None = None,
    directory: Directory | None = None,
    source: ProblemSource | None = None,
    engine: RosterEngine | None = None,
    clock: Clock = now_utc,
    beat_seconds: float = rules.HEARTBEAT.total_seconds(),
) -> str:
    """Run one queued job to its end; returns how it ended (``succeeded``, ``failed``, ``cancelled``;
    ``skipped`` when it was not queued — another worker has it, or it was cancelled or swept; ``lost``
    when the sweep or a cancel ended it while this worker ran)."""
    jobs = jobs or wiring.solve_jobs(tenant)
    queued = jobs.get(period_id, job_id)
    if queued is None or queued.state != "queued":
        logger.info("nothing to run", extra={"job_id": job_id, "state": queued.state if queued else None})
        return "skipped"
    job = jobs.start(queued, clock())
    if job is None:
        return "skipped"
    source = source or wiring.problem_source()
    ended = _run(tenant, period_id, job, jobs, source, engine, clock, beat_seconds)
    if job.settings.mode == "repair" and ended in ("failed", "cancelled", "lost"):
        _abandon(tenant, period_id, job, jobs, source)
    return ended


def _abandon(tenant: str, period_id: str, job: SolveJob, jobs: SolveJobs, source: ProblemSource) -> None:
    """A repair that ended without a result: its disruption's proposal says so (and why), so the head
    nurse asks again or takes a candidate instead of waiting."""
    ended = jobs.get(period_id, job.id)
    reason = ended.reason if ended is not None else ""
    try:
        source.abandon(tenant, period_id, job.settings.disruption_id, job.id, reason)
    except Conflict:
        logger.info("the disruption no longer waits for this repair", extra={"job_id": job.id})


def _run(
    tenant: str,
    period_id: str,
    job: SolveJob,
    jobs: SolveJobs,
    source: ProblemSource,
    engine: RosterEngine | None,
    clock: Clock,
    beat_seconds: float,
) -> str:
    settings = job.settings
    try:
        if settings.mode == "repair":
            problem, current, base = source.load_repair(
                tenant, period_id, settings.disruption_id, settings.days
            )
        else:
            problem, current, base = source.load(
                tenant, period_id, settings.keep_pinned, settings.keep_published_days, _local_today(clock())
            )
    except Exception as exc:
        logger.exception("the problem could not be loaded", extra={"job_id": job.id})
        return _failed(jobs, job, clock(), rules.SOLVER_ERROR.format(_said(exc)))
    job = replace(job, base_revision=base)
    try:
        run = (engine or wiring.engine()).start(problem, current, settings.mode, settings.time_limit)
    except Exception as exc:
        logger.exception("the solve could not start", extra={"job_id": job.id})
        return _failed(jobs, job, clock(), rules.SOLVER_ERROR.format(_said(exc)))
    stopping = job.stop_requested  # asked while queued: the first roster the search finds is the result
    if stopping:
        run.finish()
    try:
        while True:
            outcome = run.wait(beat_seconds)
            progress = rules.thin(run.progress())
            if outcome is not None:
                job = replace(job, progress=progress)
                break
            elapsed = (clock() - (job.started_at or clock())).total_seconds()
            stored = jobs.beat(job, clock(), rules.percent(elapsed, settings.time_limit), progress)
            if stored is None:  # the sweep failed it (we were silent too long): nothing to keep
                run.stop()
                return "lost"
            job = replace(stored, base_revision=base)
            if stored.cancel_requested:
                run.stop()
                return _cancelled(jobs, job, clock())
            if stored.stop_requested and not stopping:  # end the search; its best comes back next
                run.finish()
                stopping = True
    except BaseException:
        run.stop()
        raise
    return _finish(tenant, period_id, jobs, source, job, problem, outcome, base, clock)


def _cancelled(jobs: SolveJobs, job: SolveJob, at: datetime) -> str:
    return _end(jobs, job, replace(job, state="cancelled", ended_at=at, reason=rules.CANCELLED_RUNNING))


def _said(exc: BaseException) -> str:
    """An exception as a line in a job's reason: its message where it has one (ours say what to do)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (text or type(exc).__name__)[:200]


def _finish(
    tenant: str,
    period_id: str,
    jobs: SolveJobs,
    source: ProblemSource,
    job: SolveJob,
    problem: RosterProblem,
    outcome: EngineOutcome,
    base: int,
    clock: Clock,
) -> str:
    if outcome.roster is None:
        if outcome.error == "infeasible":
            return _failed(jobs, job, clock(), rules.infeasible_reason(problem))
        return _failed(jobs, job, clock(), rules.SOLVER_ERROR.format(outcome.message))
    latest = jobs.get(period_id, job.id)
    if latest is not None and latest.cancel_requested:  # asked to stop as it finished: keep nothing
        return _cancelled(jobs, replace(job, heartbeat_at=latest.heartbeat_at), clock())
    if latest is not None:
        job = replace(job, heartbeat_at=latest.heartbeat_at)
    evaluation = evaluate(problem, outcome.roster)
    stopped = ""
    if outcome.stopped:
        if latest is not None:
            job = replace(job, stop_requested=True, stop_requested_by=latest.stop_requested_by)
        after = (clock() - (job.started_at or clock())).total_seconds()
        stopped = rules.STOPPED.format(job.stop_requested_by or "?", round(after))
    scored = replace(
        job,
        state="succeeded",
        percent=100,
        cost=evaluation.cost,
        cost_by_rule=rules.cost_by_rule(evaluation.soft, evaluation.hard),
        base_revision=base,
        reason=stopped,
    )
    if job.settings.mode == "repair":  # the result is the disruption's proposal, never the draft
        try:
            source.propose(tenant, period_id, job.settings.disruption_id, job.id, base, outcome.roster)
        except Conflict:
            return _end(jobs, job, replace(scored, ended_at=clock(), reason=rules.REPAIR_GONE))
        return _end(jobs, job, replace(scored, ended_at=clock(), result="proposed"))
    try:
        revision = source.save(tenant, period_id, base, outcome.roster, rules.SAVED_NOTE.format(job.id))
    except Conflict:
        now_at = _current_revision(source, tenant, period_id)
        reason = rules.DRAFT_CHANGED.format(base, now_at if now_at is not None else "?")
        kept = replace(
            scored, ended_at=clock(), result="kept", reason=reason, kept=outcome.roster.assignments
        )
        return _end(jobs, job, kept)
    except Exception as exc:
        logger.exception("the result could not be saved", extra={"job_id": job.id})
        failed = replace(
            scored,
            state="failed",
            percent=job.percent,
            ended_at=clock(),
            reason=rules.SOLVER_ERROR.format(_said(exc)),
        )
        return _end(jobs, job, failed)
    return _end(jobs, job, replace(scored, ended_at=clock(), result="saved", revision=revision))


def _current_revision(source: ProblemSource, tenant: str, period_id: str) -> int | None:
    try:
        return source.describe(tenant, period_id).revision
    except Exception:  # noqa: BLE001 - only for the reason's wording
        return None


# ---- the sweep --------------------------------------------------------------------------------------------


def sweep(
    now: datetime,
    live: LiveJobs | None = None,
    stores: Callable[[str], SolveJobs] = wiring.solve_jobs,
) -> int:
    """Fail every hospital's jobs whose heartbeat stopped (or that no worker took), with the reason;
    returns how many. A job that beat after the index was read is left alone (the end is conditional
    on the beat it saw)."""
    failed = 0
    for tenant, job in (live or wiring.live_jobs()).stale(now, SWEEP_BATCH):
        if job.stale_at() > now:
            continue
        ended = replace(job, state="failed", ended_at=now, reason=job.stale_reason())
        if stores(tenant).finish(job, ended):
            failed += 1
            logger.warning("a solve job's worker stopped", extra={"job_id": job.id, "tenant": tenant})
    return failed
