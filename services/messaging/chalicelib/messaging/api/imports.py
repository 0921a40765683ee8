"""Staff import routes: submit an HR file, follow its job."""

from __future__ import annotations

from chalicelib.messaging.contracts.imports import ImportJob, StartImport
from chalicelib.messaging.service import imports

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}


@api.route(
    "/imports",
    "POST",
    summary="Import staff from an HR export (CSV or XLSX): validated whole, applied with progress",
    body=StartImport,
    response=ImportJob,
    status=202,
    roles=ADMIN,
    idempotent=True,
    budget={"Query": 1, "TransactWriteItems": 1},
)
def start_import(ctx: RequestContext, body: StartImport) -> ImportJob:
    return imports.start(ctx.principal, body, ctx.request_id)


@api.route(
    "/imports/{job_id}", summary="An import job and its progress", response=ImportJob, roles=ADMIN, budget=GET
)
def get_import(ctx: RequestContext, job_id: str) -> ImportJob:
    return imports.get(ctx.principal, job_id)
