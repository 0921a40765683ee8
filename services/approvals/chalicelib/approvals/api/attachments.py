"""Files for approval forms: upload one (a presigned PUT), open one of an approval (a presigned GET)."""

from __future__ import annotations

from chalicelib.approvals.contracts.attachments import DownloadLink, UploadRequest, UploadTicket
from chalicelib.approvals.service import attachments as service

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("approvals", __name__)


@api.route(
    "/attachments",
    "POST",
    summary="Upload a file for a form: its record and a presigned PUT (PDF, Word, Excel, PowerPoint, "
    "JPEG, PNG or OFD; at most 20 MB)",
    body=UploadRequest,
    response=UploadTicket,
    status=201,
    kinds=("staff",),
    budget={"PutItem": 1},  # the record, create-only; presigning calls nothing
)
def request_upload(ctx: RequestContext, body: UploadRequest) -> UploadTicket:
    return service.request_upload(ctx.principal, body)


@api.route(
    "/approvals/{instance_id}/attachments/{attachment_id}",
    summary="Open one of the approval's files: a presigned GET (the people on the approval; audited)",
    response=DownloadLink,
    # the approval, the file's record, and the audit record (one create-only PutItem)
    budget={"GetItem": 2, "PutItem": 1},
)
def download(ctx: RequestContext, instance_id: str, attachment_id: str) -> DownloadLink:
    return service.download(ctx.principal, instance_id, attachment_id)
