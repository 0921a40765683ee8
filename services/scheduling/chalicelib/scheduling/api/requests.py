"""Nurses' requests for a roster period: file one, list them, withdraw one."""

from __future__ import annotations

from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.service import requests

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
# The period's partition with its requests (one Query) and what the rules need to judge them: the
# grid's reads (api/periods.GRID).
GRID = {"Query": 7, "GetItem": 3}


@route(
    "/periods/{period_id}/requests",
    "POST",
    summary="File a request (day off, not a shift, a shift) for a day of the period, until its deadline",
    body=models.FileRequest,
    response=models.RosterRequest,
    status=201,
    kinds=STAFF,
    idempotent=True,
    budget={**GRID, "TransactWriteItems": 1},
)
def file_request(ctx: RequestContext, period_id: str, body: models.FileRequest) -> models.RosterRequest:
    return requests.file_request(ctx.principal, period_id, body, ctx.request_id)


@route(
    "/periods/{period_id}/requests",
    summary="The period's requests (everyone's for its rosterers, her own for a nurse), granted or not",
    response=models.RequestList,
    kinds=STAFF,
    budget=GRID,
)
def list_requests(ctx: RequestContext, period_id: str) -> models.RequestList:
    return requests.list_requests(ctx.principal, period_id)


@route(
    "/periods/{period_id}/requests/{request_id}",
    "DELETE",
    summary="Withdraw a request (a nurse her own, before the deadline)",
    status=204,
    kinds=STAFF,
    budget={"Query": 2, "GetItem": 1, "TransactWriteItems": 1},
)
def withdraw_request(ctx: RequestContext, period_id: str, request_id: str) -> None:
    requests.withdraw_request(ctx.principal, period_id, request_id, ctx.request_id)
