"""Follow-up's KPIs per department and month."""

from __future__ import annotations

from chalicelib.followup.contracts import kpis as models
from chalicelib.followup.service import kpis

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("followup", __name__)


@api.route(
    "/kpis",
    summary="A department's follow-up, on-time and lost-to-follow-up rates and abnormal results in a month",
    query=models.KpiQuery,
    response=models.Kpis,
    kinds=("staff",),
    # the caller's record, the hospital's (its time zone, when no month is named) and the counters; the units
    budget={"GetItem": 3, "Query": 1},
)
def get_kpis(ctx: RequestContext, query: models.KpiQuery) -> models.Kpis:
    return kpis.kpis(ctx.principal, query)
