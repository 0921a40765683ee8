"""Template routes: create, list, read (any version), publish a version, install the built-ins."""

from __future__ import annotations

from chalicelib.approvals.contracts.templates import (
    CreateTemplate,
    InstallBuiltins,
    PublishTemplate,
    Template,
    TemplateQuery,
    TemplateSummary,
)
from chalicelib.approvals.service import templates as service

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("approvals", __name__)
ADMIN = ("hospital_admin",)
LIST = {"Query": 1}


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
    summary="Install the built-in templates (leave, swap, purchase, repair, inspection, 公文流转, 排班审批)",
    body=InstallBuiltins,
    response=list[TemplateSummary],
    status=201,
    roles=ADMIN,
    # one transaction per template, so installing again skips the codes a hospital already has
    budget={"TransactWriteItems": 7},
)
def install_builtins(ctx: RequestContext, body: InstallBuiltins) -> list[TemplateSummary]:
    return service.install_builtins(ctx.principal, body.fallback_staff_id, ctx.request_id)
