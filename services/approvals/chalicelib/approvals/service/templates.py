"""Form templates: create, publish a new version, read (any version), list, install the built-ins."""

from __future__ import annotations

import json

from chalicelib.approvals.adapters import dynamodb
from chalicelib.approvals.adapters.dynamodb import TemplateCodeClaim, TemplateItem, TemplateVersionItem
from chalicelib.approvals.contracts.templates import (
    CreateTemplate,
    PublishTemplate,
    Template,
    TemplateBody,
    TemplateSummary,
)
from chalicelib.approvals.domain import builtin_templates, flow, forms
from chalicelib.approvals.service._common import SERVICE, field_problem, now, template_item

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.uow import UnitOfWork


def _definition(body: TemplateBody) -> str:
    errors = forms.check_fields(body.fields) + flow.check_flow(body.flow, body.fields)
    if errors:
        raise field_problem(errors)
    return json.dumps(
        {"fields": [f.model_dump() for f in body.fields], "flow": body.flow.model_dump()}, ensure_ascii=False
    )


def _template(item: TemplateItem, definition: str | None = None) -> Template:
    data = json.loads(definition or item.definition)
    return Template(
        id=item.sk,
        code=item.code,
        name=item.name,
        category=item.category,
        description=item.description,
        version=item.version,
        builtin=item.builtin,
        fields=data["fields"],
        flow=data["flow"],
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def create_template(
    principal: Principal, cmd: CreateTemplate, request_id: str | None, builtin_template: bool = False
) -> Template:
    tenant = principal.tenant
    template_id = new_id()
    code = cmd.code or f"c{template_id.lower()}"[:40]
    definition = _definition(cmd)
    item = TemplateItem(
        TemplateItem.partition(tenant),
        template_id,
        entity="template",
        tenant=tenant,
        code=code,
        name=cmd.name,
        category=cmd.category,
        description=cmd.description,
        builtin=builtin_template,
        definition=definition,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item)
        uow.create(
            TemplateVersionItem(
                TemplateVersionItem.partition(tenant, template_id),
                TemplateVersionItem.sort_key(1),
                entity="template-version",
                tenant=tenant,
                name=cmd.name,
                definition=definition,
            )
        )
        uow.create(
            TemplateCodeClaim(
                TemplateCodeClaim.partition(tenant),
                code,
                entity="template-code",
                tenant=tenant,
                template_id=template_id,
            ),
            on_conflict=Conflict(f"template code {code} is already taken"),
        )
        uow.audit("template.create", "approval-template", template_id, after=json.loads(definition))
        uow.commit()  # the transaction sets the item's version (1), as for every save
    return _template(item)


def publish_template(
    principal: Principal, template_id: str, cmd: PublishTemplate, request_id: str
) -> Template:
    tenant = principal.tenant
    item = template_item(tenant, template_id)
    if item.version != cmd.version:
        raise Conflict(f"the template is at version {item.version}, not {cmd.version}")
    before = json.loads(item.definition)
    definition = _definition(cmd)
    item.name, item.category, item.description, item.definition = (
        cmd.name,
        cmd.category,
        cmd.description,
        definition,
    )
    item.updated_at = now()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item, on_conflict=Conflict("the template changed meanwhile; reload and retry"))
        uow.create(
            TemplateVersionItem(
                TemplateVersionItem.partition(tenant, template_id),
                TemplateVersionItem.sort_key(cmd.version + 1),
                entity="template-version",
                tenant=tenant,
                name=cmd.name,
                definition=definition,
            ),
            on_conflict=Conflict("the template changed meanwhile; reload and retry"),
        )
        uow.audit(
            "template.publish", "approval-template", template_id, before=before, after=json.loads(definition)
        )
        uow.commit()  # the transaction moves the item to cmd.version + 1
    return _template(item)


def get_template(principal: Principal, template_id: str) -> Template:
    return _template(template_item(principal.tenant, template_id))


def get_template_version(principal: Principal, template_id: str, version: int) -> Template:
    item = template_item(principal.tenant, template_id)
    old = dynamodb.template_version(principal.tenant, template_id, version)
    if old is None:
        raise NotFound("template version")
    template = _template(item, old.definition)
    return template.model_copy(update={"version": version, "name": old.name})


def list_templates(principal: Principal, limit: int, cursor: str | None) -> Page[TemplateSummary]:
    templates, next_cursor = dynamodb.templates_page(principal.tenant, limit, cursor)
    items = [
        TemplateSummary(
            id=i.sk, code=i.code, name=i.name, category=i.category, version=i.version, builtin=i.builtin
        )
        for i in templates
    ]
    return Page[TemplateSummary](items=items, next_cursor=next_cursor)


def install_builtins(principal: Principal, fallback_staff_id: str, request_id: str) -> list[TemplateSummary]:
    """The templates a hospital gets on day one; installing again skips the codes it already has."""
    made: list[TemplateSummary] = []
    for builtin in builtin_templates.templates(fallback_staff_id):
        template = CreateTemplate(
            code=builtin.code,
            name=builtin.name,
            category=builtin.category,
            fields=builtin.fields,
            flow=builtin.flow,
        )
        try:
            created = create_template(principal, template, request_id, builtin_template=True)
        except Conflict:
            continue
        made.append(TemplateSummary(**created.model_dump(include=set(TemplateSummary.model_fields))))
    return made
