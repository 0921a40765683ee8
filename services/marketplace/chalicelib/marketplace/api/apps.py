"""A partner's apps and their versions (the partner console)."""

from __future__ import annotations

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.service import apps

from shared.errors import NotFound
from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
PARTNER = ("partner",)


def version_number(number: str) -> int:
    if not number.isdigit() or len(number) > 6:
        raise NotFound("app version")
    return int(number)


@route(
    "/apps",
    "POST",
    summary="Register an app with its manifest (version 1, a draft)",
    body=models.ManifestIn,
    response=models.AppView,
    status=201,
    kinds=PARTNER,
    idempotent=True,
    budget={"GetItem": 1, "TransactWriteItems": 1},  # the partner's profile (its name)
)
def create_app(ctx: RequestContext, body: models.ManifestIn) -> models.AppView:
    return apps.create_app(ctx.principal, body, ctx.request_id)


@route(
    "/apps",
    summary="The partner's own apps, newest first",
    query=models.AppsQuery,
    response=models.AppList,
    kinds=PARTNER,
    budget={"Query": 1},
)
def list_apps(ctx: RequestContext, query: models.AppsQuery) -> models.AppList:
    return apps.list_apps(ctx.principal, query)


@route(
    "/apps/{app_id}",
    summary="One of the partner's apps with its versions and their states",
    response=models.AppView,
    kinds=PARTNER,
    budget={"GetItem": 1},
)
def get_app(ctx: RequestContext, app_id: str) -> models.AppView:
    return apps.get_app(ctx.principal, app_id)


@route(
    "/apps/{app_id}/versions",
    "POST",
    summary="A new draft version of the app with a new manifest",
    body=models.ManifestIn,
    response=models.AppView,
    status=201,
    kinds=PARTNER,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def add_version(ctx: RequestContext, app_id: str, body: models.ManifestIn) -> models.AppView:
    return apps.add_version(ctx.principal, app_id, body, ctx.request_id)


@route(
    "/apps/{app_id}/versions/{number}/submit",
    "POST",
    summary="Submit a draft version for review (draft → in_review)",
    response=models.AppView,
    kinds=PARTNER,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def submit_version(ctx: RequestContext, app_id: str, number: str) -> models.AppView:
    return apps.submit(ctx.principal, app_id, version_number(number), ctx.request_id)
