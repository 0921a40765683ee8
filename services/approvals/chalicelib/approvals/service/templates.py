"""Form templates: create, publish a new version, read (any version), list, install the built-ins."""

from __future__ import annotations

import json
from dataclasses import replace

from chalicelib.approvals.contracts.templates import (
    CreateTemplate,
    PublishTemplate,
    Template,
    TemplateBody,
    TemplateSummary,
)
from chalicelib.approvals.domain import builtin_templates, flow, forms
from chalicelib.approvals.domain.ports import Store
from chalicelib.approvals.domain.records import TemplateRecord
from chalicelib.approvals.service import wiring
from chalicelib.approvals.service._common import field_problem, now, template_of

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.ids import new_id
from shared.pages import Page


def _definition(body: TemplateBody) -> str:
    errors = forms.check_fields(body.fields) + flow.check_flow(body.flow, body.fields)
    if errors:
        raise field_problem(errors)
    return json.dumps(
        {"fields": [f.model_dump() for f in body.fields], "flow": body.flow.model_dump()}, ensure_ascii=False
    )


def _template(record: TemplateRecord, definition: str | None = None) -> Template:
    data = json.loads(definition or record.definition)
    return Template(
        id=record.id,
        code=record.code,
        name=record.name,
        category=record.category,
        description=record.description,
        version=record.version,
        builtin=record.builtin,
        fields=data["fields"],
        flow=data["flow"],
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def create_template(
    principal: Principal,
    cmd: CreateTemplate,
    request_id: str | None,
    builtin_template: bool = False,
    store: Store | None = None,
) -> Template:
    store = store or wiring.store(principal, request_id)
    template_id = new_id()
    at = now()
    record = TemplateRecord(
        id=template_id,
        code=cmd.code or f"c{template_id.lower()}"[:40],
        name=cmd.name,
        category=cmd.category,
        description=cmd.description,
        builtin=builtin_template,
        definition=_definition(cmd),
        version=1,
        created_at=at,
        updated_at=at,
    )
    with store:
        store.templates.add(record, code_taken=Conflict(f"template code {record.code} is already taken"))
        store.audit("template.create", "approval-template", template_id, after=json.loads(record.definition))
        store.commit()
    return _template(record)


def publish_template(
    principal: Principal, template_id: str, cmd: PublishTemplate, request_id: str, store: Store | None = None
) -> Template:
    store = store or wiring.store(principal, request_id)
    current = template_of(store, template_id)
    if current.version != cmd.version:
        raise Conflict(f"the template is at version {current.version}, not {cmd.version}")
    before = json.loads(current.definition)
    published = replace(
        current,
        name=cmd.name,
        category=cmd.category,
        description=cmd.description,
        definition=_definition(cmd),
        version=cmd.version + 1,
        updated_at=now(),
    )
    with store:
        store.templates.publish(
            published, changed=Conflict("the template changed meanwhile; reload and retry")
        )
        store.audit(
            "template.publish",
            "approval-template",
            template_id,
            before=before,
            after=json.loads(published.definition),
        )
        store.commit()
    return _template(published)


def get_template(principal: Principal, template_id: str, store: Store | None = None) -> Template:
    return _template(template_of(store or wiring.store(principal), template_id))


def get_template_version(
    principal: Principal, template_id: str, version: int, store: Store | None = None
) -> Template:
    store = store or wiring.store(principal)
    current = template_of(store, template_id)
    old = store.templates.version(template_id, version)
    if old is None:
        raise NotFound("template version")
    template = _template(current, old.definition)
    return template.model_copy(update={"version": version, "name": old.name})


def list_templates(
    principal: Principal, limit: int, cursor: str | None, store: Store | None = None
) -> Page[TemplateSummary]:
    return Page[TemplateSummary].of(
        (store or wiring.store(principal)).templates.page(limit, cursor),
        lambda t: TemplateSummary(
            id=t.id, code=t.code, name=t.name, category=t.category, version=t.version, builtin=t.builtin
        ),
    )


def install_builtins(
    principal: Principal, fallback_staff_id: str, request_id: str, store: Store | None = None
) -> list[TemplateSummary]:
    """The templates a hospital gets on day one; installing again skips the codes it already has."""
    store = store or wiring.store(principal, request_id)
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
            created = create_template(principal, template, request_id, builtin_template=True, store=store)
        except Conflict:
            continue
        made.append(TemplateSummary(**created.model_dump(include=set(TemplateSummary.model_fields))))
    return made
