"""Plan routes (admins write, clinical staff read) and the enrolment rules (admins)."""

from __future__ import annotations

from chalicelib.followup.contracts.plans import (
    CreatePlan,
    PlanSummary,
    PlanView,
    PublishPlan,
    PutRules,
    RulesView,
)
from chalicelib.followup.service import plans as service

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("followup", __name__)
ADMIN = ("hospital_admin",)
STAFF = ("staff",)
# A clinical reader's own directory record (an admin's is not read).
READER = {"GetItem": 1}


@api.route(
    "/plans",
    summary="List follow-up plans: the built-ins and the hospital's own",
    kinds=STAFF,
    query=ListQuery,
    response=Page[PlanSummary],
    budget={**READER, "Query": 1},
)
def list_plans(ctx: RequestContext, query: ListQuery) -> Page[PlanSummary]:
    return service.list_plans(ctx.principal, query.limit, query.cursor)


@api.route(
    "/plans",
    "POST",
    summary="Create a follow-up plan (version 1)",
    body=CreatePlan,
    response=PlanView,
    status=201,
    roles=ADMIN,
    idempotent=True,
    location="/plans/{id}",
    budget={"TransactWriteItems": 1},
)
def create_plan(ctx: RequestContext, body: CreatePlan) -> PlanView:
    return service.create_plan(ctx.principal, body, ctx.request_id)


@api.route(
    "/plans/{plan_id}",
    summary="Get a plan's current version",
    kinds=STAFF,
    response=PlanView,
    budget={"GetItem": 2},
)
def get_plan(ctx: RequestContext, plan_id: str) -> PlanView:
    return service.get_plan(ctx.principal, plan_id)


@api.route(
    "/plans/{plan_id}",
    "PUT",
    summary="Publish a new version of a plan (enrolments keep the version they started with)",
    body=PublishPlan,
    response=PlanView,
    roles=ADMIN,
    idempotent=True,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def publish_plan(ctx: RequestContext, plan_id: str, body: PublishPlan) -> PlanView:
    return service.publish_plan(ctx.principal, plan_id, body, ctx.request_id)


@api.route(
    "/plans/{plan_id}/versions/{number}",
    summary="Get one version of a plan, as it was published",
    kinds=STAFF,
    response=PlanView,
    budget={"GetItem": 2},
)
def get_plan_version(ctx: RequestContext, plan_id: str, number: str) -> PlanView:
    return service.get_plan_version(ctx.principal, plan_id, service.version_number(number))


@api.route(
    "/enrolment-rules",
    summary="The enrolment rules (in order; the first match wins), or the built-in defaults",
    response=RulesView,
    roles=ADMIN,
    budget={"GetItem": 1, "Query": 2},
)
def get_rules(ctx: RequestContext) -> RulesView:
    return service.get_rules(ctx.principal)


@api.route(
    "/enrolment-rules",
    "PUT",
    summary="Replace the enrolment rules (version: the one replaced; 0 replaces the defaults)",
    body=PutRules,
    response=RulesView,
    roles=ADMIN,
    idempotent=True,
    budget={"GetItem": 1, "Query": 2, "TransactWriteItems": 1},
)
def put_rules(ctx: RequestContext, body: PutRules) -> RulesView:
    return service.put_rules(ctx.principal, body, ctx.request_id)
