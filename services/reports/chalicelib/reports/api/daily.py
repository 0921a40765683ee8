"""The director's daily report (院长日报): JSON and the server-rendered page, and the consortium view."""

from __future__ import annotations

from chalicelib.reports.contracts import daily as models
from chalicelib.reports.service import daily

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("reports", __name__)
route = api.route
LEADERS = ("hospital_leader", "hospital_admin")
STAFF = ("staff",)
HTML = "text/html; charset=utf-8"
# The hospital (its name and time zone), the 30 days up to the day, the day a year before.
DAY_BUDGET = {"GetItem": 2, "Query": 1}
# The caller's own link to the consortium and its hospital (time zone, name), the roster, every member's
# day and the day before (at most MAX_MEMBERS = 50 members: 100 keys, one BatchGetItem).
CONSORTIUM_BUDGET = {"GetItem": 2, "Query": 1, "BatchGetItem": 1}


@route(
    "/daily/{day}",
    summary="The hospital's daily report for a day: figures by area with their comparisons and trend",
    response=models.DailyReportView,
    roles=LEADERS,
    kinds=STAFF,
    budget=DAY_BUDGET,
)
def daily_report(ctx: RequestContext, day: str) -> models.DailyReportView:
    return daily.daily_json(ctx.principal, day)


@route(
    "/daily/{day}/page",
    summary="The daily report as a mobile-first HTML page (inline SVG charts, printable on A4)",
    roles=LEADERS,
    kinds=STAFF,
    budget=DAY_BUDGET,
    media_type=HTML,
)
def daily_page(ctx: RequestContext, day: str) -> str:
    return daily.daily_html(ctx.principal, day)


@route(
    "/consortia/{consortium_id}/daily/{day}",
    summary="The lead hospital's consortium view: every active member's headline and overdue figures",
    response=models.ConsortiumReportView,
    roles=LEADERS,
    kinds=STAFF,
    budget=CONSORTIUM_BUDGET,
)
def consortium_report(ctx: RequestContext, consortium_id: str, day: str) -> models.ConsortiumReportView:
    return daily.consortium_json(ctx.principal, consortium_id, day)


@route(
    "/consortia/{consortium_id}/daily/{day}/page",
    summary="The consortium view as an HTML page",
    roles=LEADERS,
    kinds=STAFF,
    budget=CONSORTIUM_BUDGET,
    media_type=HTML,
)
def consortium_page(ctx: RequestContext, consortium_id: str, day: str) -> str:
    return daily.consortium_html(ctx.principal, consortium_id, day)
