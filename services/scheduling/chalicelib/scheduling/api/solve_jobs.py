"""Auto-roster jobs: start a solve of a period, follow it, cancel it or stop it keeping its best, apply a
kept result."""

from __future__ import annotations

from chalicelib.scheduling.contracts.solve_jobs import ApplyRequest, SolveJobView, SolveRequest
from chalicelib.scheduling.service import solve_jobs

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("scheduling", __name__)
STAFF = ("staff",)


@api.route(
    "/periods/{period_id}/solve",
    "POST",
    summary="Auto-roster a period: a job that solves in a function of its own (202; follow its Location); "
    "409 names the job already solving it",
    body=SolveRequest,
    response=SolveJobView,
    status=202,
    kinds=STAFF,
    idempotent=True,
    location="/periods/{period_id}/jobs/{id}",
    # the period (its wards), the rostering policy (the hospital's units; the caller's record unless a
    # role decides), the period's lock; the job and the lock in one transaction
    budget={"GetItem": 3, "Query": 1, "TransactWriteItems": 1},
)
def start_solve(ctx: RequestContext, period_id: str, body: SolveRequest) -> SolveJobView:
    return solve_jobs.start(ctx.principal, period_id, body)


@api.route(
    "/periods/{period_id}/jobs/{job_id}",
    summary="A solve job: state, percent, best cost over time, the cost per rule, the draft revision it "
    "made, or why it failed",
    response=SolveJobView,
    kinds=STAFF,
    budget={"GetItem": 2, "Query": 1},  # the job; the rostering policy (units; the caller's record)
)
def get_solve_job(ctx: RequestContext, period_id: str, job_id: str) -> SolveJobView:
    return solve_jobs.get(ctx.principal, period_id, job_id, ctx.headers.get("accept-language"))


@api.route(
    "/periods/{period_id}/jobs",
    summary="A period's solve jobs, newest first",
    query=ListQuery,
    response=Page[SolveJobView],
    kinds=STAFF,
    budget={"GetItem": 2, "Query": 2},  # the period; the policy (units; the caller's record); the jobs
)
def list_solve_jobs(ctx: RequestContext, period_id: str, query: ListQuery) -> Page[SolveJobView]:
    return solve_jobs.list_jobs(
        ctx.principal, period_id, query.limit, query.cursor, ctx.headers.get("accept-language")
    )


@api.route(
    "/periods/{period_id}/jobs/{job_id}/cancel",
    "POST",
    summary="Cancel a solve job: a queued one at once, a running one at its next heartbeat (nothing kept)",
    response=SolveJobView,
    kinds=STAFF,
    # the job; a queued one ends with its lock (one transaction), a running one is asked (one update)
    # (and the rostering policy: the units; the caller's record)
    budget={"GetItem": 2, "Query": 1, "TransactWriteItems": 1, "UpdateItem": 1},
)
def cancel_solve_job(ctx: RequestContext, period_id: str, job_id: str) -> SolveJobView:
    return solve_jobs.cancel(ctx.principal, period_id, job_id, ctx.headers.get("accept-language"))


@api.route(
    "/periods/{period_id}/jobs/{job_id}/stop",
    "POST",
    summary="Stop a solve job and keep its best roster so far: it ends at its next heartbeat and the "
    "roster becomes the result, as a finished job's (a queued job keeps the first roster it finds)",
    response=SolveJobView,
    kinds=STAFF,
    # the job; the rostering policy (the units; the caller's record); the job asked (one update)
    budget={"GetItem": 2, "Query": 1, "UpdateItem": 1},
)
def stop_solve_job(ctx: RequestContext, period_id: str, job_id: str) -> SolveJobView:
    return solve_jobs.stop(ctx.principal, period_id, job_id, ctx.headers.get("accept-language"))


@api.route(
    "/periods/{period_id}/jobs/{job_id}/apply",
    "POST",
    summary="Apply a result kept because the draft changed while solving: it becomes the draft, on purpose",
    body=ApplyRequest,
    response=SolveJobView,
    kinds=STAFF,
    idempotent=True,
    # the job, the rostering policy (units; the caller's record), the period; the periods' save reads the
    # grid and what judges it (setup, nurses, calendar, leave, the month before: 6 Query) and writes the
    # new draft revision (one transaction); the job marked applied
    budget={"GetItem": 3, "Query": 7, "TransactWriteItems": 1, "UpdateItem": 1},
)
def apply_solve_job(ctx: RequestContext, period_id: str, job_id: str, body: ApplyRequest) -> SolveJobView:
    return solve_jobs.apply(ctx.principal, period_id, job_id, ctx.headers.get("accept-language"))
