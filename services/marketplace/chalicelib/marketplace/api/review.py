"""The platform admins' review of app versions."""

from __future__ import annotations

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.service import apps

from shared.errors import NotFound
from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
REVIEWERS = ("platform_admin",)


def number(version: str) -> int:
    if not version.isdigit() or len(version) > 6:
        raise NotFound("app version")
    return int(version)


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
    "/reviews/{app_id}/{version}/approve",
    "POST",
    summary="Approve a version: the app's listed version becomes the newest approved one",
    response=models.AppView,
    roles=REVIEWERS,
    kinds=("staff",),
    # the queue entry, the app, its catalogue entry; the app, the queue, the catalogue entry and its search
    # tokens and the audit in one transaction
    budget={"GetItem": 3, "TransactWriteItems": 1},
)
def approve_version(ctx: RequestContext, app_id: str, version: str) -> models.AppView:
    return apps.decide(ctx.principal, app_id, number(version), True, "", ctx.request_id)


@route(
    "/reviews/{app_id}/{version}/reject",
    "POST",
    summary="Reject a version with the reason (the partner may submit a new version)",
    body=models.Rejection,
    response=models.AppView,
    roles=REVIEWERS,
    kinds=("staff",),
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def reject_version(ctx: RequestContext, app_id: str, version: str, body: models.Rejection) -> models.AppView:
    return apps.decide(ctx.principal, app_id, number(version), False, body.reason, ctx.request_id)
