"""Bundles: sets of listed apps a hospital installs in one step, each consented scope by scope."""

from __future__ import annotations

from chalicelib.marketplace.contracts import installations as models
from chalicelib.marketplace.service import installations

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route


@route(
    "/bundles",
    "POST",
    summary="Make a bundle of listed apps (at most 10: one install writes them in one transaction)",
    body=models.BundleIn,
    response=models.Bundle,
    status=201,
    roles=("platform_admin",),
    kinds=("staff",),
    idempotent=True,
    budget={"BatchGetItem": 1, "TransactWriteItems": 1},
)
def create_bundle(ctx: RequestContext, body: models.BundleIn) -> models.Bundle:
    return installations.create_bundle(ctx.principal, body, ctx.request_id)


@route(
    "/bundles",
    summary="The bundles, each app with its name and what it asks",
    query=models.InstallationsQuery,
    response=models.BundleList,
    kinds=("staff",),
    budget={"Query": 1, "BatchGetItem": 1},
)
def list_bundles(ctx: RequestContext, query: models.InstallationsQuery) -> models.BundleList:
    return installations.list_bundles(ctx.principal, query)


@route(
    "/bundles/{bundle_id}/install",
    "POST",
    summary="Install every app of a bundle, with the consent to each app's listed version; all or nothing",
    body=models.BundleInstallIn,
    response=models.BundleInstalled,
    status=201,
    roles=("hospital_admin",),
    kinds=("staff",),
    idempotent=True,
    # the bundle, the hospital's name; its apps' catalogue entries (one batch); everything in one transaction
    budget={"GetItem": 2, "BatchGetItem": 1, "TransactWriteItems": 1},
)
def install_bundle(
    ctx: RequestContext, bundle_id: str, body: models.BundleInstallIn
) -> models.BundleInstalled:
    return installations.install_bundle(ctx.principal, bundle_id, body, ctx.request_id)
