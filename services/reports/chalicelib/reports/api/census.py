"""The HIS census routes: a partner app (``report:census:write``) or a hospital admin records days; an
admin uploads a CSV/xlsx file and imports it; the upload template."""

from __future__ import annotations

from datetime import date

from chalicelib.reports.contracts import census as models
from chalicelib.reports.service import census

from shared.errors import RuleViolation
from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("reports", __name__)
ADMIN = ("hospital_admin",)
WRITERS = ("staff", "partner")
SCOPE = ("report:census:write",)
# a year of days: four transactions of at most 99 days (and their audit records)
BATCH = {"GetItem": 1, "TransactWriteItems": 4}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleViolation("must be a date (YYYY-MM-DD)", field="day") from None


@api.route(
    "/census/{day}",
    "PUT",
    summary="Record one day's HIS census (replacing that day's earlier census): a partner app with "
    "report:census:write or a hospital admin",
    body=models.CensusFigures,
    response=models.CensusResult,
    roles=ADMIN,
    kinds=WRITERS,
    scopes=SCOPE,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def put_census_day(ctx: RequestContext, day: str, body: models.CensusFigures) -> models.CensusResult:
    return census.put_day(ctx.principal, _day(day), body, ctx.request_id)


@api.route(
    "/census",
    "POST",
    summary="Record many days' census at once (up to 366), checked whole: one bad row refuses the batch "
    "(422 naming each row and field)",
    body=models.CensusBatch,
    response=models.CensusResult,
    roles=ADMIN,
    kinds=WRITERS,
    scopes=SCOPE,
    idempotent=True,
    budget=BATCH,
)
def post_census(ctx: RequestContext, body: models.CensusBatch) -> models.CensusResult:
    return census.put_days(ctx.principal, body, ctx.request_id)


@api.route(
    "/census/uploads",
    "POST",
    summary="Upload a census spreadsheet (CSV or xlsx): a presigned PUT; then import it",
    body=models.UploadRequest,
    response=models.UploadTicket,
    status=201,
    roles=ADMIN,
    kinds=("staff",),
)
def start_census_upload(ctx: RequestContext, body: models.UploadRequest) -> models.UploadTicket:
    return census.start_upload(ctx.principal, body)


@api.route(
    "/census/uploads/{upload_id}/import",
    "POST",
    summary="Import an uploaded census spreadsheet, checked whole (a bad row: 422 naming its row number "
    "and column); recorded as POST /reports/census",
    body=models.ImportUpload,
    response=models.CensusResult,
    roles=ADMIN,
    kinds=("staff",),
    idempotent=True,
    budget=BATCH,
)
def import_census_upload(
    ctx: RequestContext, upload_id: str, body: models.ImportUpload
) -> models.CensusResult:
    return census.import_upload(ctx.principal, upload_id, ctx.request_id)


@api.route(
    "/census/template",
    summary="The census upload template (xlsx, headers in Chinese): a presigned download",
    response=models.Download,
    roles=ADMIN,
    kinds=("staff",),
)
def census_template(ctx: RequestContext) -> models.Download:
    return census.template(ctx.principal)
