"""The province's catalogue of listed apps, for every hospital's staff."""

from __future__ import annotations

from chalicelib.marketplace.contracts import apps as models
from chalicelib.marketplace.service import apps

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route


@route(
    "/catalogue",
    summary="Listed apps; q searches names in Chinese, full pinyin or initials (排班, paiban, pb)",
    query=models.CatalogueQuery,
    response=models.CatalogueList,
    kinds=("staff",),
    budget={"Query": 1},
)
def list_catalogue(ctx: RequestContext, query: models.CatalogueQuery) -> models.CatalogueList:
    return apps.catalogue(ctx.principal, query)


@route(
    "/catalogue/{app_id}",
    summary="A listed app's manifest as a hospital admin reads it before installing (and installed or not)",
    response=models.CatalogueDetail,
    kinds=("staff",),
    budget={"GetItem": 2},  # the catalogue entry, the hospital's installation claim
)
def get_catalogue_entry(ctx: RequestContext, app_id: str) -> models.CatalogueDetail:
    return apps.catalogue_entry(ctx.principal, app_id)
