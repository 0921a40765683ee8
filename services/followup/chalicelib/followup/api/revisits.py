"""Chronic revisits (慢病复诊): requests into a department's pool, claimed by one doctor (抢单), closed."""

from __future__ import annotations

from chalicelib.followup.contracts import revisits as models
from chalicelib.followup.service import revisits

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)
route = api.route
STAFF = ("staff",)
# A request for the clinical staff of its department (service/access.Reach): the request (one GetItem),
# the units the caller reaches (their record, one GetItem; the hospital's units, one Query).
ONE = {"GetItem": 2, "Query": 1}


@route(
    "/revisits",
    "POST",
    summary="Ask for a chronic revisit (a partner app, a service, or staff on the patient's behalf)",
    body=models.NewRevisit,
    response=models.RevisitView,
    status=201,
    kinds=("staff", "service", "partner"),
    scopes=("followup:revisits:write",),  # a partner app's; staff and services are authorised by role
    idempotent=True,
    # the patient; for staff the access policy (their record; their teams, the units); the department (the
    # units), its doctors
    budget={"GetItem": 2, "Query": 4, "TransactWriteItems": 1},
)
def create_revisit(ctx: RequestContext, body: models.NewRevisit) -> models.RevisitView:
    return revisits.create(ctx.principal, body, ctx.request_id)


@route(
    "/revisits",
    summary="A department's revisit requests in a state (the pool by default), oldest first",
    query=models.RevisitsQuery,
    response=models.RevisitList,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 2},  # the units the caller reaches; one Query a page
)
def list_revisits(ctx: RequestContext, query: models.RevisitsQuery) -> models.RevisitList:
    return revisits.list_revisits(ctx.principal, query)


@route(
    "/revisits/{revisit_id}/claim",
    "POST",
    summary="Claim a revisit request (抢单): exactly one doctor wins; the others get 409 naming who",
    response=models.RevisitView,
    kinds=STAFF,
    # the request as ONE; a loser reads it again to say who has it (a transaction conflict under real
    # DynamoDB, rare, reads it and the policy again before retrying)
    budget={"GetItem": ONE["GetItem"] + 1, "Query": ONE["Query"], "TransactWriteItems": 1},
)
def claim_revisit(ctx: RequestContext, revisit_id: str) -> models.RevisitView:
    return revisits.claim(ctx.principal, revisit_id, ctx.request_id)


@route(
    "/revisits/{revisit_id}/release",
    "POST",
    summary="Give a claimed revisit request back to the pool (its claimant)",
    response=models.RevisitView,
    kinds=STAFF,
    # the request as ONE; the department's doctors to tell again
    budget={"GetItem": ONE["GetItem"], "Query": ONE["Query"] + 1, "TransactWriteItems": 1},
)
def release_revisit(ctx: RequestContext, revisit_id: str) -> models.RevisitView:
    return revisits.release(ctx.principal, revisit_id, ctx.request_id)


@route(
    "/revisits/{revisit_id}/close",
    "POST",
    summary="Close a claimed revisit request: renewed, booked, called or declined (its claimant)",
    body=models.CloseRevisit,
    response=models.RevisitView,
    kinds=STAFF,
    budget={"GetItem": ONE["GetItem"], "Query": ONE["Query"], "TransactWriteItems": 1},
)
def close_revisit(ctx: RequestContext, revisit_id: str, body: models.CloseRevisit) -> models.RevisitView:
    return revisits.close(ctx.principal, revisit_id, body, ctx.request_id)
