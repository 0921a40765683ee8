"""Staff import routes: submit an HR file, read its preview, confirm it, follow the apply."""

from __future__ import annotations

from chalicelib.messaging.contracts.imports import (
    ConfirmImport,
    ImportJob,
    ImportPageQuery,
    ImportPreview,
    StartImport,
)
from chalicelib.messaging.service import imports

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)


@api.route(
    "/imports",
    "POST",
    summary="Upload an HR export (CSV or XLSX): checked whole and previewed; nothing is applied yet",
    body=StartImport,
    response=ImportJob,
    status=202,
    roles=ADMIN,
    idempotent=True,
    budget={"Query": 1, "TransactWriteItems": 1},
)
def start_import(ctx: RequestContext, body: StartImport) -> ImportJob:
    return imports.start(
        ctx.principal, body, ctx.request_id, language_header=ctx.headers.get("accept-language")
    )


@api.route(
    "/imports/{job_id}",
    summary="An import: its counts, progress and one page of rows (create, update before → after, "
    "unchanged, error; once applied, each row's outcome)",
    query=ImportPageQuery,
    response=ImportPreview,
    roles=ADMIN,
    budget={"GetItem": 2},
)
def get_import(ctx: RequestContext, job_id: str, query: ImportPageQuery) -> ImportPreview:
    return imports.get(ctx.principal, job_id, query, language_header=ctx.headers.get("accept-language"))


@api.route(
    "/imports/{job_id}/confirm",
    "POST",
    summary="Apply a previewed import (once; a second confirmation returns the job)",
    body=ConfirmImport,
    response=ImportJob,
    status=202,
    roles=ADMIN,
    idempotent=True,
    # the job; the confirmation and its first slice's event (a confirmation that lost a race to another
    # reads the job once more and returns it)
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def confirm_import(ctx: RequestContext, job_id: str, body: ConfirmImport) -> ImportJob:
    return imports.confirm(
        ctx.principal, job_id, body, ctx.request_id, language_header=ctx.headers.get("accept-language")
    )
