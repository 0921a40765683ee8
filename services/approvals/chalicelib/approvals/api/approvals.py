"""Approval routes: preview, submit, read, act, the operation record, and batch-approve (``act`` on each)."""

from __future__ import annotations

from chalicelib.approvals.contracts.approvals import (
    Approval,
    ApprovalAction,
    BatchApprove,
    BatchOutcome,
    OperationRecord,
    Preview,
    SubmitApproval,
)
from chalicelib.approvals.service import approvals as service

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("approvals", __name__)
GET = {"GetItem": 1}
STAFF = ("staff",)
# The template and the submitter's directory entry; each approver rule of the flow adds the reads it needs
# (a department head: 2 GetItem; a role: 1 Query; the Nth supervisor: N GetItem; on duty: 1 Query).
RESOLVE = {"GetItem": 2}
# The deputies of the approvers a change assigns tasks to, in one read; and the people a form's staff
# pickers or a transfer/add-sign name, checked to be active staff, in one more.
DEPUTIES = {"BatchGetItem": 1}
NAMED = {"BatchGetItem": 1}
# An approval (or a page of its record) as people read it: the display names of everyone it names, in
# one batch read of the directory (service.approvals.NAMED_PER_READ people at most).
NAMES = {"BatchGetItem": 1}
# A leave submitted (or resubmitted) reads the submitter's leave book from its first day on: one Query.
LEAVE_BOOK = {"Query": 1}
# A form naming files reads their records in one more batch (and checks each new one is in S3 with a
# HeadObject, which is not the table's); binding them is part of the change's one transaction.
NAMED_DEPUTIES_AND_FILES = {"BatchGetItem": 3}


@api.route(
    "/approvals/preview",
    "POST",
    summary="Preview the resolved approval path before submitting",
    body=SubmitApproval,
    response=Preview,
    kinds=STAFF,
    # the form's staff pickers checked (NAMED), then the route's people named (NAMES): two batch reads
    budget={**RESOLVE, "BatchGetItem": NAMED["BatchGetItem"] + NAMES["BatchGetItem"]},
)
def preview(ctx: RequestContext, body: SubmitApproval) -> Preview:
    return service.preview(ctx.principal, body)


@api.route(
    "/approvals",
    "POST",
    summary="Submit an approval",
    body=SubmitApproval,
    response=Approval,
    status=201,
    kinds=STAFF,
    idempotent=True,
    budget={
        **RESOLVE,
        "BatchGetItem": NAMED_DEPUTIES_AND_FILES["BatchGetItem"] + NAMES["BatchGetItem"],
        **LEAVE_BOOK,
        "TransactWriteItems": 1,
    },
)
def submit(ctx: RequestContext, body: SubmitApproval) -> Approval:
    return service.submit(ctx.principal, body, ctx.request_id, ctx.headers.get("idempotency-key"))


@api.route(
    "/approvals/{instance_id}",
    summary="Get an approval (its people named)",
    response=Approval,
    kinds=("staff", "service", "partner"),
    scopes=("approvals:read",),  # a partner app's, with the hospital's consent
    budget={**GET, **NAMES},
)
def get_approval(ctx: RequestContext, instance_id: str) -> Approval:
    return service.get_approval(ctx.principal, instance_id)


@api.route(
    "/approvals/{instance_id}/actions",
    "POST",
    summary="Act: approve, reject, transfer, add_sign, return, withdraw, resubmit, comment, urge or cancel",
    body=ApprovalAction,
    response=Approval,
    kinds=STAFF,
    idempotent=True,
    # the approval, and the approver's delegation when acting for them (on_behalf_of); a resubmitted
    # form's files as on submit; the names it answers
    budget={
        "GetItem": 2,
        "BatchGetItem": NAMED_DEPUTIES_AND_FILES["BatchGetItem"] + NAMES["BatchGetItem"],
        **LEAVE_BOOK,
        "TransactWriteItems": 1,
    },
)
def act(ctx: RequestContext, instance_id: str, body: ApprovalAction) -> Approval:
    return service.act(ctx.principal, instance_id, body, ctx.request_id, ctx.headers.get("idempotency-key"))


@api.route(
    "/approvals/{instance_id}/records",
    summary="The approval's operation record (append-only)",
    query=ListQuery,
    response=Page[OperationRecord],
    budget={"GetItem": 1, "Query": 1, **NAMES},
)
def records(ctx: RequestContext, instance_id: str, query: ListQuery) -> Page[OperationRecord]:
    return service.records(ctx.principal, instance_id, query.limit, query.cursor)


@api.route(
    "/batch-approve",
    "POST",
    summary="Approve several approvals at once (each result reported)",
    body=BatchApprove,
    response=BatchOutcome,
    kinds=STAFF,
    idempotent=True,
    # each approval is its own read and transaction (at most 50 per call)
    budget={"GetItem": 50, "BatchGetItem": 50, "TransactWriteItems": 50},
)
def batch_approve(ctx: RequestContext, body: BatchApprove) -> BatchOutcome:
    return service.batch_approve(ctx.principal, body, ctx.request_id, ctx.headers.get("idempotency-key"))
