"""Roster periods: create and list them, the grid, hand edits, submit, withdraw, publish, versions."""

from __future__ import annotations

from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.service import periods

from shared.http import RequestContext, ServiceAPI
from shared.pages import Page

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
# What a period's reads cost: the grid (one Query of its partition); the ward's setup (its item, one
# GetItem; the hospital's shift catalogue, one Query), its nurses (one Query) and the calendar (one
# Query); the previous published period (its ward's list, one Query; its live version, one GetItem);
# approved leave (one Query a page); the access policy (the hospital's units, one Query; the caller's
# record, one GetItem unless an admin). A group of wards adds a GetItem and a Query per ward.
GRID = {"Query": 7, "GetItem": 3}


@route(
    "/periods",
    "POST",
    summary="Create a roster period (a draft) for a ward or a group of wards (分组排班), a week or a month",
    body=models.CreatePeriod,
    response=models.Period,
    status=201,
    kinds=STAFF,
    idempotent=True,
    budget={"Query": 2, "GetItem": 1, "TransactWriteItems": 1},
)
def create_period(ctx: RequestContext, body: models.CreatePeriod) -> models.Period:
    return periods.create_period(ctx.principal, body, ctx.request_id)


@route(
    "/periods",
    summary="A ward's roster periods, newest first (?ward_id=)",
    query=models.PeriodQuery,
    response=Page[models.Period],
    kinds=STAFF,
    budget={"Query": 2, "GetItem": 1},
)
def list_periods(ctx: RequestContext, query: models.PeriodQuery) -> Page[models.Period]:
    return periods.list_periods(ctx.principal, query)


@route(
    "/periods/{period_id}",
    summary="The grid: nurses and their cells, coverage per day and shift, open shifts, cost per rule",
    response=models.Grid,
    kinds=STAFF,
    budget=GRID,
)
def get_grid(ctx: RequestContext, period_id: str) -> models.Grid:
    return periods.grid(ctx.principal, period_id)


@route(
    "/periods/{period_id}",
    "DELETE",
    summary="Delete a draft that was never published",
    status=204,
    kinds=STAFF,
    budget={"Query": 2, "GetItem": 1, "TransactWriteItems": 1},
)
def delete_period(ctx: RequestContext, period_id: str) -> None:
    periods.delete_period(ctx.principal, period_id, ctx.request_id)


@route(
    "/periods/{period_id}",
    "PATCH",
    summary="Change the period's settings: the nurses' request deadline",
    body=models.ChangePeriod,
    response=models.Period,
    kinds=STAFF,
    budget={"Query": 1, "GetItem": 2, "TransactWriteItems": 1},
)
def change_period(ctx: RequestContext, period_id: str, body: models.ChangePeriod) -> models.Period:
    return periods.change_period(ctx.principal, period_id, body, ctx.request_id)


@route(
    "/periods/{period_id}/cells",
    "PUT",
    summary="Set, clear or pin cells (If-Match: the revision): hard rules refuse (422), soft ones warn",
    body=models.EditCells,
    response=models.EditResult,
    kinds=STAFF,
    budget={**GRID, "TransactWriteItems": 1},
)
def edit_cells(ctx: RequestContext, period_id: str, body: models.EditCells) -> models.EditResult:
    return periods.edit_cells(ctx.principal, period_id, body, ctx.headers.get("if-match"), ctx.request_id)


@route(
    "/periods/{period_id}/submit",
    "POST",
    summary="Submit the draft for approval (排班审批); a ward that skips approval publishes directly",
    body=models.Revisioned,
    response=models.Period,
    kinds=STAFF,
    budget={**GRID, "TransactWriteItems": 1},
)
def submit(ctx: RequestContext, period_id: str, body: models.Revisioned) -> models.Period:
    return periods.submit(ctx.principal, period_id, body, ctx.headers.get("if-match"), ctx.request_id)


@route(
    "/periods/{period_id}/withdraw",
    "POST",
    summary="Take a submitted or approved period back to draft (to change it)",
    body=models.Revisioned,
    response=models.Period,
    kinds=STAFF,
    budget={"Query": 1, "GetItem": 2, "TransactWriteItems": 1},
)
def withdraw(ctx: RequestContext, period_id: str, body: models.Revisioned) -> models.Period:
    return periods.withdraw(ctx.principal, period_id, body, ctx.headers.get("if-match"), ctx.request_id)


@route(
    "/periods/{period_id}/publish",
    "POST",
    summary="Publish the approved roster (or a draft of a ward that skips approval) as a new version",
    body=models.Revisioned,
    response=models.Period,
    kinds=STAFF,
    idempotent=True,
    budget={**GRID, "GetItem": 4, "TransactWriteItems": 1},  # and the version before, to say what moved
)
def publish(ctx: RequestContext, period_id: str, body: models.Revisioned) -> models.Period:
    return periods.publish(ctx.principal, period_id, body, ctx.headers.get("if-match"), ctx.request_id)


@route(
    "/periods/{period_id}/versions",
    summary="The period's published versions, newest first",
    query=models.VersionQuery,
    response=Page[models.VersionSummary],
    kinds=STAFF,
    budget={"Query": 2, "GetItem": 2},
)
def list_versions(
    ctx: RequestContext, period_id: str, query: models.VersionQuery
) -> Page[models.VersionSummary]:
    return periods.list_versions(ctx.principal, period_id, query)


@route(
    "/periods/{period_id}/versions/{number}",
    summary="One published version: every nurse's shifts as published",
    response=models.Version,
    kinds=STAFF,
    budget={"Query": 1, "GetItem": 3},
)
def get_version(ctx: RequestContext, period_id: str, number: str) -> models.Version:
    return periods.get_version(ctx.principal, period_id, number)


@route(
    "/periods/{period_id}/versions/{number}/diff",
    summary="What moved in a version against the one before, by nurse, in words",
    response=models.VersionDiff,
    kinds=STAFF,
    budget={"Query": 1, "GetItem": 4},
)
def version_diff(ctx: RequestContext, period_id: str, number: str) -> models.VersionDiff:
    return periods.version_diff(ctx.principal, period_id, number)
