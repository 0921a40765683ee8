"""Fairness over months: a ward's ledger of nights, weekends, public holidays, shifts and hours."""

from __future__ import annotations

from chalicelib.scheduling.contracts.fairness import FairnessLedger, LedgerQuery
from chalicelib.scheduling.service import fairness

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/wards/{ward_id}/fairness",
    summary="Per nurse and published period of a window (?from=&to=, a year at most): nights, weekends, "
    "public holidays, shifts and hours from the live versions, the totals, and the spread per contract "
    "(the ward's rosterers and heads every nurse; a nurse of the ward her own line)",
    query=LedgerQuery,
    response=FairnessLedger,
    kinds=("staff",),
    # the units and the caller's record (who may read); the ward's periods (its list); their live
    # versions (one BatchGetItem per 100: a year of weekly periods is 53); the calendar; the ward's
    # setup item; its staff
    budget={"Query": 4, "GetItem": 2, "BatchGetItem": 1},
)
def fairness_ledger(ctx: RequestContext, ward_id: str, query: LedgerQuery) -> FairnessLedger:
    return fairness.ledger(ctx.principal, ward_id, query)
