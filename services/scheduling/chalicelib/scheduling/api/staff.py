"""Scheduling's staff: the directory's people as rostering sees them."""

from __future__ import annotations

from chalicelib.scheduling.contracts.staff import RosterStaff
from chalicelib.scheduling.service import staff

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
    return staff.list_staff(ctx.principal, query.limit, query.cursor)
