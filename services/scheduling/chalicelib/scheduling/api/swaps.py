"""Swaps and give-aways (换班) on a published roster: propose, list, read, cancel, reverse."""

from __future__ import annotations

from chalicelib.scheduling.contracts import swaps as models
from chalicelib.scheduling.service import swaps

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
# The live version as the rules see it (service/amendments.read_live): the period's partition (one
# Query), its live version (one GetItem), the ward's setup, catalogue, nurses, calendar, the previous
# period and approved leave (api/periods.GRID without the access policy's reads).
LIVE = {"Query": 6, "GetItem": 2}
# A swap (one GetItem) and, for who is not one of its nurses, the access policy (the hospital's units,
# one Query; the caller's record, one GetItem).
ONE = {"Query": 1, "GetItem": 2}


@route(
    "/periods/{period_id}/swaps",
    "POST",
    summary="Propose a swap, a give-away or taking an open shift (换班) on the published roster",
    body=models.ProposeSwap,
    response=models.Swap,
    status=201,
    kinds=STAFF,
    idempotent=True,
    budget={"Query": LIVE["Query"] + 1, "GetItem": LIVE["GetItem"], "TransactWriteItems": 1},  # + the swaps
)
def propose_swap(ctx: RequestContext, period_id: str, body: models.ProposeSwap) -> models.Swap:
    return swaps.propose(ctx.principal, period_id, body, ctx.request_id)


@route(
    "/periods/{period_id}/swaps",
    summary="The period's swaps (every one for its rosterers, her own for a nurse), oldest first",
    response=models.SwapList,
    kinds=STAFF,
    budget={"Query": 2, "GetItem": 2},
)
def list_swaps(ctx: RequestContext, period_id: str) -> models.SwapList:
    return swaps.list_swaps(ctx.principal, period_id)


@route(
    "/swaps/{swap_id}",
    summary="A swap: what it moves, and where it stands",
    response=models.Swap,
    kinds=STAFF,
    budget=ONE,
)
def get_swap(ctx: RequestContext, swap_id: str) -> models.Swap:
    return swaps.get_swap(ctx.principal, swap_id)


@route(
    "/swaps/{swap_id}/cancel",
    "POST",
    summary="Call off a swap not decided yet (the nurse who proposed it)",
    response=models.Swap,
    kinds=STAFF,
    budget={"GetItem": 1, "TransactWriteItems": 1},  # the swap: only its proposer goes further
)
def cancel_swap(ctx: RequestContext, swap_id: str) -> models.Swap:
    return swaps.cancel(ctx.principal, swap_id, ctx.request_id)


@route(
    "/swaps/{swap_id}/reverse",
    "POST",
    summary="Reverse an applied swap: the same cells the other way round, through the same approval",
    response=models.Swap,
    status=201,
    kinds=STAFF,
    idempotent=True,
    # + the swap, and the period's swaps
    budget={"Query": LIVE["Query"] + 1, "GetItem": LIVE["GetItem"] + 1, "TransactWriteItems": 1},
)
def reverse_swap(ctx: RequestContext, swap_id: str) -> models.Swap:
    return swaps.reverse(ctx.principal, swap_id, ctx.request_id)
