"""The ward-wall grid as a spreadsheet: export (a presigned download of the xlsx) and import."""

from __future__ import annotations

from chalicelib.scheduling.contracts import periods as period_models
from chalicelib.scheduling.contracts import sheets as models
from chalicelib.scheduling.service import sheets

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
route = api.route
STAFF = ("staff",)
# The grid's reads (api/periods.py GRID); a published version adds its snapshot (one GetItem).
GRID = {"Query": 7, "GetItem": 3}


@route(
    "/periods/{period_id}/export.xlsx",
    summary="The period as the ward's wall grid (xlsx, A4 landscape): a presigned download "
    "(?version= a published version; default the draft)",
    query=models.ExportQuery,
    response=models.SheetDownload,
    kinds=STAFF,
    budget={"Query": 7, "GetItem": 4},
)
def export_sheet(ctx: RequestContext, period_id: str, query: models.ExportQuery) -> models.SheetDownload:
    return sheets.export(ctx.principal, period_id, query)


@route(
    "/periods/{period_id}/import",
    "POST",
    summary="Import the grid from a spreadsheet in the export's layout (If-Match: the revision): checked "
    "whole, every fault by its cell (C7); a clean file becomes the draft's next revision",
    body=models.ImportSheet,
    response=period_models.EditResult,
    kinds=STAFF,
    budget={**GRID, "TransactWriteItems": 1},
)
def import_sheet(ctx: RequestContext, period_id: str, body: models.ImportSheet) -> period_models.EditResult:
    return sheets.import_sheet(ctx.principal, period_id, body, ctx.headers.get("if-match"), ctx.request_id)
