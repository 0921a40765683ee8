"""The platform admins' review of app versions."""

from __future__ import annotations

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.service import apps

from shared.errors import NotFound
from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
REVIEWERS = ("platform_admin",)


def version_number(number: str) -> int:
    if not number.isdigit() or len(number) > 6:
        raise NotFound("app version")
    return int(number)


@route(
    "/reviews",
    summary="Versions waiting for review, oldest first, with their partner's name",
    query=models.AppsQuery,
    response=models.ReviewList,
    roles=REVIEWERS,
    kinds=("staff",),
    budget={"Query": 1},
)
def list_reviews(ctx: RequestContext, query: models.AppsQuery) -> models.ReviewList:
    return apps.list_reviews(ctx.principal, query)


@route(
    "/reviews/{app_id}/{number}/approve",
    "POST",
    summary="Approve a version: the app's listed version becomes the newest approved one",
    response=models.AppView,
    roles=REVIEWERS,
    kinds=("staff",),
    # the queue entry, the app, its catalogue entry; the app, the queue, the catalogue entry and its search
    # tokens and the audit in one transaction
    budget={"GetItem": 3, "TransactWriteItems": 1},
)
def approve_version(ctx: RequestContext, app_id: str, number: str) -> models.AppView:
    return apps.decide(ctx.principal, app_id, version_number(number), True, "", ctx.request_id)


@route(
    "/reviews/{app_id}/{number}/reject",
    "POST",
    summary="Reject a version with the reason (the partner may submit a new version)",
    body=models.Rejection,
    response=models.AppView,
    roles=REVIEWERS,
    kinds=("staff",),
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def reject_version(ctx: RequestContext, app_id: str, number: str, body: models.Rejection) -> models.AppView:
    return apps.decide(ctx.principal, app_id, version_number(number), False, body.reason, ctx.request_id)
