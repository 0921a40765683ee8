"""Scheduling's HTTP routes."""

from __future__ import annotations

from chalicelib.scheduling import service
from chalicelib.scheduling.contracts import RosterStaff

from shared.http import ListQuery, Page, RequestContext, ServiceAPI

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
