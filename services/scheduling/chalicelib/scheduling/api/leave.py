"""Approved leave: when people are unavailable."""

from __future__ import annotations

from chalicelib.scheduling.contracts.leave import Leave, LeaveQuery
from chalicelib.scheduling.service import leave

from shared.http import RequestContext, ServiceAPI
from shared.pages import Page

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/leave",
    summary="Approved leave overlapping a window (?staff_id=&from=&to=): when people are unavailable",
    query=LeaveQuery,
    response=Page[Leave],
    kinds=("staff",),
    budget={"Query": 1},
)
def list_leave(ctx: RequestContext, query: LeaveQuery) -> Page[Leave]:
    return leave.list_leave(ctx.principal, query)
