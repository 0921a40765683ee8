"""Late leave, sick calls and repairs: report a sick call, list a period's disruptions, ask for a repair
(a job), see who can cover, accept or reject a proposal, dismiss a disruption."""

from __future__ import annotations

from chalicelib.scheduling.contracts import repairs as models
from chalicelib.scheduling.contracts.solve_jobs import SolveJobView
from chalicelib.scheduling.service import repairs

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
ONE = "/periods/{period_id}/disruptions/{disruption_id}"
# The period's header (one GetItem), the rostering policy (the hospital's units, one Query; the caller's
# record, one GetItem unless an admin), the disruption (one GetItem).
CHECKED = {"GetItem": 3, "Query": 1}


@route(
    "/periods/{period_id}/absences",
    "POST",
    summary="A sick call: the nurse is absent on a day (today or later) of the live roster; her cells that "
    "day are flagged for repair and the ward's rosterers told (by a rosterer, or the nurse herself)",
    body=models.ReportAbsence,
    response=models.DisruptionView,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # the header, the policy (units; the caller), the live version; the rosterers to tell (units, the
    # ward's staff); the disruption, her absence and the event in one transaction
    budget={"GetItem": 3, "Query": 3, "TransactWriteItems": 1},
)
def report_absence(ctx: RequestContext, period_id: str, body: models.ReportAbsence) -> models.DisruptionView:
    return repairs.report_absence(ctx.principal, period_id, body, ctx.request_id)


@route(
    "/periods/{period_id}/disruptions",
    summary="A period's disruptions (late leave, sick calls), open or not, with their proposals",
    query=ListQuery,
    response=Page[models.DisruptionView],
    kinds=STAFF,
    budget={"GetItem": 2, "Query": 2},  # the header, the policy (units; the caller), the disruptions
)
def list_disruptions(ctx: RequestContext, period_id: str, query: ListQuery) -> Page[models.DisruptionView]:
    return repairs.list_disruptions(
        ctx.principal, period_id, query.limit, query.cursor, ctx.headers.get("accept-language")
    )


@route(
    ONE,
    summary="A disruption: the cells flagged and its proposal's diff (nurse, date, shift before → after) "
    "with the cost change",
    response=models.DisruptionView,
    kinds=STAFF,
    budget=CHECKED,
)
def get_disruption(ctx: RequestContext, period_id: str, disruption_id: str) -> models.DisruptionView:
    return repairs.get_disruption(ctx.principal, period_id, disruption_id, ctx.headers.get("accept-language"))


@route(
    ONE + "/repair",
    "POST",
    summary="Propose a repair: a job re-solves the disruption's days only, everything else as the live "
    "version has it (202; follow its Location); its result becomes the disruption's proposal",
    body=models.RepairRequest,
    response=SolveJobView,
    status=202,
    kinds=STAFF,
    idempotent=True,
    location="/periods/{period_id}/jobs/{id}",
    # CHECKED; the period's solve lock; the job with the lock (one transaction), then the proposal
    budget={"GetItem": 4, "Query": 1, "TransactWriteItems": 2},
)
def start_repair(
    ctx: RequestContext, period_id: str, disruption_id: str, body: models.RepairRequest
) -> SolveJobView:
    return repairs.start_repair(ctx.principal, period_id, disruption_id, body, ctx.request_id)


@route(
    ONE + "/candidates",
    summary="Who can cover the disruption's cells now: nurses free that day with the skill, not on leave, "
    "breaking no hard rule, cheapest first (no solve)",
    response=models.Candidates,
    kinds=STAFF,
    # the grid (one Query), the policy, the disruption, the live version, and what judges it (setup and
    # catalogue, nurses, calendar, leave, the month before: 5 Query, 2 GetItem)
    budget={"GetItem": 5, "Query": 7},
)
def candidates(ctx: RequestContext, period_id: str, disruption_id: str) -> models.Candidates:
    return repairs.candidates(ctx.principal, period_id, disruption_id)


@route(
    ONE + "/accept",
    "POST",
    summary="Accept the proposal (or a candidate): the live roster's next version at once, the disruption "
    "resolved with it; another live version than the one given is a 409 (ask for a new proposal)",
    body=models.AcceptRepair,
    response=models.DisruptionView,
    kinds=STAFF,
    idempotent=True,
    # CHECKED and the live version (a candidate); the amendment: the grid, the live version and what
    # judges it (5 Query, 2 GetItem); the version, the draft, the disruption, event and audit in one
    # transaction
    budget={"GetItem": 7, "Query": 7, "TransactWriteItems": 1},
)
def accept(
    ctx: RequestContext, period_id: str, disruption_id: str, body: models.AcceptRepair
) -> models.DisruptionView:
    return repairs.accept(ctx.principal, period_id, disruption_id, body, ctx.request_id)


@route(
    ONE + "/reject",
    "POST",
    summary="Reject the proposal: the disruption stays open (ask again, or accept a candidate)",
    response=models.DisruptionView,
    kinds=STAFF,
    budget={**CHECKED, "TransactWriteItems": 1},
)
def reject(ctx: RequestContext, period_id: str, disruption_id: str) -> models.DisruptionView:
    return repairs.reject(ctx.principal, period_id, disruption_id, ctx.request_id)


@route(
    ONE + "/dismiss",
    "POST",
    summary="Dismiss a disruption: nothing to repair after all; the roster stays as it is",
    response=models.DisruptionView,
    kinds=STAFF,
    budget={**CHECKED, "TransactWriteItems": 1},
)
def dismiss(ctx: RequestContext, period_id: str, disruption_id: str) -> models.DisruptionView:
    return repairs.dismiss(ctx.principal, period_id, disruption_id, ctx.request_id)
