"""Scheduling's HTTP routes."""

from __future__ import annotations

from chalicelib.scheduling import service
from chalicelib.scheduling.contracts import Leave, LeaveQuery, RosterStaff

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/staff",
    summary="Staff known to scheduling",
    query=ListQuery,
    response=Page[RosterStaff],
    budget={"Query": 1},
)
def list_staff(ctx: RequestContext, query: ListQuery) -> Page[RosterStaff]:
    return service.list_staff(ctx.principal, query.limit, query.cursor)


@api.route(
    "/leave",
    summary="Approved leave overlapping a window (?staff_id=&from=&to=): when people are unavailable",
    query=LeaveQuery,
    response=Page[Leave],
    kinds=("staff",),
    budget={"Query": 1},
)
def list_leave(ctx: RequestContext, query: LeaveQuery) -> Page[Leave]:
    return service.list_leave(ctx.principal, query)
