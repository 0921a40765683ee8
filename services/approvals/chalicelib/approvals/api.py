"""Approvals' HTTP routes: thin — validate, call the service layer, return its model."""

from __future__ import annotations

from chalicelib.approvals import service
from chalicelib.approvals.contracts import (
    Approval,
    ApprovalAction,
    BatchApprove,
    BatchOutcome,
    CreateTemplate,
    Deputy,
    InboxItem,
    InboxQuery,
    InstallBuiltins,
    OperationRecord,
    Preview,
    PublishTemplate,
    SetDeputy,
    SubmitApproval,
    Template,
    TemplateQuery,
    TemplateSummary,
)

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("approvals", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}
STAFF = ("staff",)
# The template and the submitter's directory entry; each approver rule of the flow adds the reads it needs
# (a department head: 2 GetItem; a role: 1 Query; the Nth supervisor: N GetItem; on duty: 1 Query).
RESOLVE = {"GetItem": 2}
# The deputies of the approvers a change assigns tasks to, in one read.
DEPUTIES = {"BatchGetItem": 1}


@api.route(
    "/templates",
    "POST",
    summary="Create a form template with its approval flow (version 1)",
    body=CreateTemplate,
    response=Template,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1},
)
def create_template(ctx: RequestContext, body: CreateTemplate) -> Template:
    return service.create_template(ctx.principal, body, ctx.request_id)


@api.route(
    "/templates", summary="List form templates", query=ListQuery, response=Page[TemplateSummary], budget=LIST
)
def list_templates(ctx: RequestContext, query: ListQuery) -> Page[TemplateSummary]:
    return service.list_templates(ctx.principal, query.limit, query.cursor)


@api.route(
    "/templates/{template_id}",
    summary="Get a template: its current version, or ?version=N",
    query=TemplateQuery,
    response=Template,
    budget={"GetItem": 2},
)
def get_template(ctx: RequestContext, template_id: str, query: TemplateQuery) -> Template:
    if query.version is None:
        return service.get_template(ctx.principal, template_id)
    return service.get_template_version(ctx.principal, template_id, query.version)


@api.route(
    "/templates/{template_id}/versions",
    "POST",
    summary="Publish a new version (running approvals keep theirs)",
    body=PublishTemplate,
    response=Template,
    roles=ADMIN,
    idempotent=True,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def publish_template(ctx: RequestContext, template_id: str, body: PublishTemplate) -> Template:
    return service.publish_template(ctx.principal, template_id, body, ctx.request_id)


@api.route(
    "/templates/builtin",
    "POST",
    summary="Install the built-in templates (leave, shift swap, purchase, repair, inspection, 公文流转)",
    body=InstallBuiltins,
    response=list[TemplateSummary],
    status=201,
    roles=ADMIN,
    # one transaction per template, so installing again skips the codes a hospital already has
    budget={"TransactWriteItems": 6},
)
def install_builtins(ctx: RequestContext, body: InstallBuiltins) -> list[TemplateSummary]:
    return service.install_builtins(ctx.principal, body.fallback_staff_id, ctx.request_id)


@api.route(
    "/approvals/preview",
    "POST",
    summary="Preview the resolved approval path before submitting",
    body=SubmitApproval,
    response=Preview,
    kinds=STAFF,
    budget=RESOLVE,
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
    budget={**RESOLVE, **DEPUTIES, "TransactWriteItems": 1},
)
def submit(ctx: RequestContext, body: SubmitApproval) -> Approval:
    return service.submit(ctx.principal, body, ctx.request_id, ctx.headers.get("idempotency-key"))


@api.route("/approvals/{instance_id}", summary="Get an approval", response=Approval, budget=GET)
def get_approval(ctx: RequestContext, instance_id: str) -> Approval:
    return service.get_approval(ctx.principal, instance_id)


@api.route(
    "/approvals/{instance_id}/actions",
    "POST",
    summary="Act: approve, reject, transfer, add_sign, return, withdraw, resubmit, comment or urge",
    body=ApprovalAction,
    response=Approval,
    kinds=STAFF,
    idempotent=True,
    # the approval, and the approver's delegation when acting for them (on_behalf_of)
    budget={"GetItem": 2, **DEPUTIES, "TransactWriteItems": 1},
)
def act(ctx: RequestContext, instance_id: str, body: ApprovalAction) -> Approval:
    return service.act(ctx.principal, instance_id, body, ctx.request_id, ctx.headers.get("idempotency-key"))


@api.route(
    "/approvals/{instance_id}/records",
    summary="The approval's operation record (append-only)",
    query=ListQuery,
    response=Page[OperationRecord],
    budget={"GetItem": 1, "Query": 1},
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


@api.route(
    "/deputy",
    "POST",
    summary="Name my deputy (代理人) for a period: my new tasks go to them too, and they act for me",
    body=SetDeputy,
    response=Deputy,
    kinds=STAFF,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def set_deputy(ctx: RequestContext, body: SetDeputy) -> Deputy:
    return service.set_deputy(ctx.principal, body, ctx.request_id)


@api.route(
    "/deputy", summary="My deputy and their period (404: none set)", response=Deputy, kinds=STAFF, budget=GET
)
def get_deputy(ctx: RequestContext) -> Deputy:
    return service.get_deputy(ctx.principal)


@api.route(
    "/deputy",
    "DELETE",
    summary="Clear my deputy (tasks already handed to them stay theirs to act on)",
    status=204,
    kinds=STAFF,
    budget={"TransactWriteItems": 1},
)
def clear_deputy(ctx: RequestContext) -> None:
    service.clear_deputy(ctx.principal, ctx.request_id)


def _inbox(box: str, summary: str) -> None:
    def listing(ctx: RequestContext, query: InboxQuery) -> Page[InboxItem]:
        return service.inbox(ctx.principal, box, query)

    listing.__name__ = f"inbox_{box}"  # the OpenAPI operation id
    api.route(f"/inbox/{box}", summary=summary, query=InboxQuery, response=Page[InboxItem], budget=LIST)(
        listing
    )


_inbox("pending", "My pending tasks")
_inbox("submitted", "Approvals I submitted")
_inbox("cc", "Approvals CC'd to me")
_inbox("handled", "Approvals I handled")
