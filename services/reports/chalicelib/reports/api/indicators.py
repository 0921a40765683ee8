"""The indicator catalogue, a range of days' values, and the xlsx export of a range."""

from __future__ import annotations

from chalicelib.reports.contracts import census as file_models
from chalicelib.reports.contracts import indicators as models
from chalicelib.reports.service import indicators

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("reports", __name__)
READERS = ("hospital_leader", "hospital_admin")


@api.route(
    "/indicators",
    summary="The indicators: code, name, area, numerator/denominator × factor, unit, how a range is "
    "aggregated, definition",
    response=models.Catalogue,
    kinds=("staff", "service", "partner"),
    scopes=("report:census:write",),
)
def list_indicators(ctx: RequestContext) -> models.Catalogue:
    return indicators.catalogue()


@api.route(
    "/range",
    summary="Indicators over a range of days (at most 366): each over the whole range and day by day",
    query=models.RangeQuery,
    response=models.RangeOut,
    roles=READERS,
    kinds=("staff",),
    budget={"Query": 1},
)
def indicator_range(ctx: RequestContext, query: models.RangeQuery) -> models.RangeOut:
    return indicators.range_of(ctx.principal, query)


@api.route(
    "/export",
    summary="A range of days as xlsx (indicators by day, and their definitions): a presigned download",
    query=models.ExportQuery,
    response=file_models.Download,
    roles=READERS,
    kinds=("staff",),
    budget={"Query": 1},
)
def export_range(ctx: RequestContext, query: models.ExportQuery) -> file_models.Download:
    return indicators.export(ctx.principal, query)
