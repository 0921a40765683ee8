"""The partner organisation's profile (the partner console)."""

from __future__ import annotations

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.service import apps

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
PARTNER = ("partner",)


@route(
    "/partner",
    "PUT",
    summary="Set the partner organisation's profile (name in Chinese, contact, website)",
    body=models.PartnerIn,
    response=models.Partner,
    kinds=PARTNER,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def put_partner(ctx: RequestContext, body: models.PartnerIn) -> models.Partner:
    return apps.put_partner(ctx.principal, body, ctx.request_id)


@route(
    "/partner",
    summary="The partner organisation's profile",
    response=models.Partner,
    kinds=PARTNER,
    budget={"GetItem": 1},
)
def get_partner(ctx: RequestContext) -> models.Partner:
    return apps.get_partner(ctx.principal)
