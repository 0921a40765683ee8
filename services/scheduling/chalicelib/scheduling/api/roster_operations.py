"""The engine's operations on a period's draft: copy a block (区域复制), lay a rotation, explain a nurse."""

from __future__ import annotations

from chalicelib.scheduling.contracts import roster_operations as models
from chalicelib.scheduling.service import roster_operations as operations

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
# What reading a period costs (as its grid, api/periods.py): its partition, the ward's setup, nurses and
# calendar, the previous published period, approved leave, the access policy.
GRID = {"Query": 7, "GetItem": 3}


@route(
    "/periods/{period_id}/copy",
    "POST",
    summary="Copy a block of days to other start dates (区域复制), from this or another period of the ward, "
    "to the same nurses or another ward's (If-Match: the revision); judged like an edit",
    body=models.CopyBlock,
    response=models.OperationResult,
    kinds=STAFF,
    # and, from another period, its partition (one Query) and who may read it (the units, one Query;
    # the caller's record, one GetItem)
    budget={"Query": GRID["Query"] + 2, "GetItem": GRID["GetItem"] + 1, "TransactWriteItems": 1},
)
def copy_block(ctx: RequestContext, period_id: str, body: models.CopyBlock) -> models.OperationResult:
    return operations.copy_block(
        ctx.principal,
        period_id,
        body,
        ctx.headers.get("if-match"),
        ctx.request_id,
        ctx.headers.get("accept-language"),
    )


@route(
    "/periods/{period_id}/rotation",
    "POST",
    summary="Lay a rotation pattern (e.g. D D P P N N off off) over some or all nurses, each at her offset "
    "(If-Match: the revision); pinned cells and leave days are kept; judged like an edit",
    body=models.Rotation,
    response=models.OperationResult,
    kinds=STAFF,
    budget={**GRID, "TransactWriteItems": 1},
)
def rotation(ctx: RequestContext, period_id: str, body: models.Rotation) -> models.OperationResult:
    return operations.rotation(
        ctx.principal,
        period_id,
        body,
        ctx.headers.get("if-match"),
        ctx.request_id,
        ctx.headers.get("accept-language"),
    )


@route(
    "/periods/{period_id}/nurses/{staff_id}/explain",
    summary="Why a nurse's roster looks as it does: her shifts, hours, nights, weekends and what each soft "
    "rule costs (for the ward's rosterers and herself)",
    response=models.Explanation,
    kinds=STAFF,
    budget=GRID,
)
def explain(ctx: RequestContext, period_id: str, staff_id: str) -> models.Explanation:
    return operations.explain(ctx.principal, period_id, staff_id, ctx.headers.get("accept-language"))
