"""Public holidays and 调休 working days (the chinesecalendar package, and the hospital's own days)."""

from __future__ import annotations

from chalicelib.scheduling.contracts.calendar import CalendarChange, CalendarQuery, CalendarYear, SpecialDay
from chalicelib.scheduling.service import calendar

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
ADMIN = ("hospital_admin",)


@api.route(
    "/calendar",
    summary="A year's public holidays and 调休 working days, and whether anyone has given them yet",
    query=CalendarQuery,
    response=CalendarYear,
    kinds=("staff",),
    budget={"Query": 1},
)
def calendar_year(ctx: RequestContext, query: CalendarQuery) -> CalendarYear:
    return calendar.calendar_year(ctx.principal, query.year, ctx.headers.get("accept-language"))


@api.route(
    "/calendar/{date}",
    "PUT",
    summary="Set a day as a public holiday or a 调休 working day (e.g. next year's, once announced)",
    body=CalendarChange,
    response=SpecialDay,
    roles=ADMIN,
    kinds=("staff",),
    budget={"TransactWriteItems": 1},
)
def put_day(ctx: RequestContext, date: str, body: CalendarChange) -> SpecialDay:
    return calendar.put_day(ctx.principal, date, body, ctx.request_id)


@api.route(
    "/calendar/{date}",
    "DELETE",
    summary="Remove the hospital's own entry for a day (the package's applies again)",
    status=204,
    roles=ADMIN,
    kinds=("staff",),
    budget={"TransactWriteItems": 1},
)
def delete_day(ctx: RequestContext, date: str) -> None:
    calendar.delete_day(ctx.principal, date, ctx.request_id)
