"""A roster period's change history (the audit trail of its edits, publishes, swaps and repairs)."""

from __future__ import annotations

from chalicelib.scheduling.contracts import history as models
from chalicelib.scheduling.service import history

from shared.http import RequestContext, ServiceAPI
from shared.pages import Page

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)


@route(
    "/periods/{period_id}/history",
    summary="Who changed the roster, when, and the cells before and after, newest first (the ward's "
    "rosterers and the heads of its units)",
    query=models.HistoryQuery,
    response=Page[models.HistoryEntry],
    kinds=STAFF,
    # the header (GetItem); the access policy (the hospital's units, one Query; the caller's record, one
    # GetItem unless an admin); the period's audit partition (one Query)
    budget={"Query": 2, "GetItem": 2},
)
def period_history(
    ctx: RequestContext, period_id: str, query: models.HistoryQuery
) -> Page[models.HistoryEntry]:
    return history.period_history(ctx.principal, period_id, query, ctx.headers.get("accept-language"))
