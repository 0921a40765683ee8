"""Approvals' service layer: templates, submissions and actions, each change in one unit of work."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.approvals import builtin
from chalicelib.approvals.adapters import (
    BoxItem,
    DelegationItem,
    DirectoryAdapter,
    InstanceItem,
    RecordItem,
    TemplateCodeClaim,
    TemplateItem,
    TemplateVersionItem,
    delegation_of,
    delegations_of,
    delete,
    page,
    timer_item,
)
from chalicelib.approvals.contracts import (
    CC,
    ESCALATED,
    INSTANCE_EVENTS,
    LEAVE_APPROVED,
    REMINDED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    URGED,
    Approval,
    ApprovalAction,
    BatchApprove,
    BatchOutcome,
    BatchResult,
    CarbonCopied,
    CreateTemplate,
    Deputy,
    InboxItem,
    InboxQuery,
    InstanceEvent,
    LeaveApproved,
    OperationRecord,
    Preview,
    PublishTemplate,
    SetDeputy,
    SubmitApproval,
    TaskEscalated,
    TaskEvent,
    Template,
    TemplateBody,
    TemplateSummary,
    Urged,
)
from chalicelib.approvals.domain import deputies, engine, flow, forms
from chalicelib.approvals.domain.engine import Command, Instance, Submission
from pynamodb.exceptions import DoesNotExist

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.http import to_problem
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.uow import UnitOfWork

SERVICE = "approvals"
ADMIN_ROLE = "hospital_admin"
ATTEMPTS = 3


class StaleApproval(Conflict):
    """The instance changed between our read and our write."""


def _now() -> datetime:
    return datetime.now(UTC)


def _field_problem(errors: list[tuple[str, str]]) -> Exception:
    return problems.validation_failed([problems.FieldError(f, m, "rule") for f, m in errors])


# ---- templates -------------------------------------------------------------------------------------


def _definition(body: TemplateBody) -> str:
    errors = forms.check_fields(body.fields) + flow.check_flow(body.flow, body.fields)
    if errors:
        raise _field_problem(errors)
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
        uow.commit()
    item.version = 1
    return _template(item)


def _get_template(tenant: str, template_id: str) -> TemplateItem:
    try:
        return TemplateItem.get(TemplateItem.partition(tenant), template_id)
    except DoesNotExist:
        raise NotFound("template") from None


def publish_template(
    principal: Principal, template_id: str, cmd: PublishTemplate, request_id: str
) -> Template:
    tenant = principal.tenant
    item = _get_template(tenant, template_id)
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
    item.updated_at = _now()
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
        uow.commit()
    item.version = cmd.version + 1
    return _template(item)


def get_template(principal: Principal, template_id: str) -> Template:
    return _template(_get_template(principal.tenant, template_id))


def get_template_version(principal: Principal, template_id: str, version: int) -> Template:
    item = _get_template(principal.tenant, template_id)
    try:
        old = TemplateVersionItem.get(
            TemplateVersionItem.partition(principal.tenant, template_id),
            TemplateVersionItem.sort_key(version),
        )
    except DoesNotExist:
        raise NotFound("template version") from None
    template = _template(item, old.definition)
    return template.model_copy(update={"version": version, "name": old.name})


def list_templates(principal: Principal, limit: int, cursor: str | None) -> Page[TemplateSummary]:
    from shared.http import query_page

    templates, next_cursor = query_page(TemplateItem, TemplateItem.partition(principal.tenant), limit, cursor)
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
    for template in builtin.templates(fallback_staff_id):
        try:
            created = create_template(principal, template, request_id, builtin_template=True)
        except Conflict:
            continue
        made.append(TemplateSummary(**created.model_dump(include=set(TemplateSummary.model_fields))))
    return made


# ---- instances -------------------------------------------------------------------------------------


def _version_body(principal: Principal, template: TemplateItem, version: int) -> tuple[list[Any], Any]:
    definition = template.definition
    if version != template.version:
        definition = TemplateVersionItem.get(
            TemplateVersionItem.partition(principal.tenant, template.sk),
            TemplateVersionItem.sort_key(version),
        ).definition
    data = json.loads(definition)
    return [forms.FormField.model_validate(f) for f in data["fields"]], flow.FlowDefinition.model_validate(
        data["flow"]
    )


def _route(principal: Principal, fields: list[Any], definition: Any, form: dict[str, Any]) -> flow.Route:
    errors = forms.validate_form(fields, form)
    if errors:
        raise _field_problem(errors)
    return flow.resolve_route(definition, form, principal.staff, DirectoryAdapter(principal.tenant))


def preview(principal: Principal, body: SubmitApproval) -> Preview:
    template = _get_template(principal.tenant, body.template_id)
    fields, definition = _version_body(principal, template, template.version)
    route = _route(principal, fields, definition, body.form)
    return Preview(template_id=template.sk, template_version=template.version, route=route)


def submit(principal: Principal, body: SubmitApproval, request_id: str, key: str | None) -> Approval:
    template = _get_template(principal.tenant, body.template_id)
    fields, definition = _version_body(principal, template, template.version)
    route = _route(principal, fields, definition, body.form)
    submission = Submission(
        instance_id=new_id(),
        template_id=template.sk,
        template_version=template.version,
        template_code=template.code,
        title=body.title or template.name,
        withdraw=definition.withdraw,
        skip_just_approved=definition.skip_just_approved,
    )
    command = Command(
        action="submit",
        actor=principal.staff,
        at=_now(),
        key=key,
        form=body.form,
        route=route,
        submission=submission,
    )
    command, after = execute(principal.tenant, None, command)
    item = InstanceItem(
        InstanceItem.partition(principal.tenant),
        after.id,
        entity="approval",
        tenant=principal.tenant,
        template_id=template.sk,
        submitter=principal.staff,
        status=after.status,
        state=after.model_dump_json(),
    )
    commit(principal, request_id, item, None, after, command, create=True)
    return _approval(after, 1)


def load(tenant: str, instance_id: str) -> tuple[InstanceItem, Instance]:
    try:
        item = InstanceItem.get(InstanceItem.partition(tenant), instance_id)
    except DoesNotExist:
        raise NotFound("approval") from None
    return item, Instance.model_validate_json(item.state)


def _visible(principal: Principal, inst: Instance) -> bool:
    return ADMIN_ROLE in principal.roles or principal.staff in inst.participants()


def get_approval(principal: Principal, instance_id: str) -> Approval:
    item, inst = load(principal.tenant, instance_id)
    if not _visible(principal, inst):
        raise NotFound("approval")  # as if it did not exist: no probing other people's requests
    return _approval(inst, item.version)


def act(
    principal: Principal, instance_id: str, body: ApprovalAction, request_id: str, key: str | None
) -> Approval:
    """Apply one action; a lost race is retried on fresh state unless the caller sent ``version``."""
    for attempt in range(ATTEMPTS):
        item, before = load(principal.tenant, instance_id)
        standing_in = body.on_behalf_of not in (None, principal.staff)
        if not _visible(principal, before) and not (
            standing_in and _delegated(principal, str(body.on_behalf_of))
        ):
            raise NotFound("approval")
        if body.version is not None and body.version != item.version:
            raise Conflict(f"the approval is at version {item.version}, not {body.version}")
        command = Command(
            action=body.action,
            actor=principal.staff,
            at=_now(),
            key=key,
            on_behalf_of=body.on_behalf_of,
            comment=body.comment,
            attachments=body.attachments,
            to=body.to,
            staff_ids=body.staff_ids,
            position=body.position,
            target_step=body.target_step,
        )
        if body.action == "resubmit":
            fields, definition = _version_body(
                principal,
                _get_template(principal.tenant, before.submission.template_id),
                before.submission.template_version,
            )
            form = body.form if body.form is not None else before.form
            command = command.model_copy(
                update={"form": form, "route": _route(principal, fields, definition, form)}
            )
        command = engine.acting_as(before, command)
        if command.on_behalf_of is not None and not engine.deputy_of(
            before, command.on_behalf_of, principal.staff
        ):
            _check_deputy(principal, command.on_behalf_of)
        command, after = execute(principal.tenant, before, command)
        if after is before:
            return _approval(before, item.version)  # the same request again: already applied
        item.status, item.state, item.updated_at = after.status, after.model_dump_json(), command.at
        try:
            commit(principal, request_id, item, before, after, command)
        except StaleApproval:
            if body.version is not None or attempt == ATTEMPTS - 1:
                raise
            continue
        return _approval(after, item.version + 1)
    raise StaleApproval("the approval changed meanwhile; reload and retry")


def _delegated(principal: Principal, approver: str) -> bool:
    """Whether ``approver`` has named the caller their deputy for a period covering now."""
    item = delegation_of(principal.tenant, approver)
    return item is not None and item.deputy_id == principal.staff and item.delegation().covers(_now())


def _check_deputy(principal: Principal, approver: str) -> None:
    """A deputy acts for an approver only while the approver's delegation to them runs; it is recorded."""
    if not _delegated(principal, approver):
        raise Forbidden("you may act for someone only while you are their deputy (代理人)")


def execute(tenant: str, before: Instance | None, command: Command) -> tuple[Command, Instance]:
    """Run the engine; the tasks it assigns go to their approvers' deputies too, which the command
    then names, so the operation record replays to the same state."""
    command = engine.acting_as(before, command)
    after = engine.execute(before, command)
    if after is before:
        return command, after
    fresh = {c.staff_id for c in engine.changes(before, after) if c.kind == "task_assigned"}
    if fresh:
        found = deputies.deputies_at(delegations_of(tenant, fresh), fresh, command.at)
        if found:
            command = command.model_copy(update={"deputies": found})
            after = engine.execute(before, command)
    return command, after


# ---- deputies --------------------------------------------------------------------------------------


def _deputy(item: DelegationItem) -> Deputy:
    d = item.delegation()
    return Deputy(
        approver=d.approver,
        deputy_id=d.deputy,
        start=d.start,
        end=d.end,
        reason=d.reason,
        active=d.covers(_now()),
    )


def set_deputy(principal: Principal, body: SetDeputy, request_id: str) -> Deputy:
    from shared import directory

    now = _now()
    delegation = deputies.Delegation(
        approver=principal.staff,
        deputy=body.deputy_id,
        start=body.start or now,
        end=body.end,
        reason=body.reason,
    )
    errors = deputies.check_delegation(delegation, now)
    if errors:
        raise _field_problem(errors)
    staff = directory.get_staff(principal.tenant, body.deputy_id)
    if staff is None or staff.status == "left":
        raise _field_problem([("deputy_id", "no such member of staff in this hospital")])
    item = DelegationItem(
        DelegationItem.partition(principal.tenant),
        principal.staff,
        entity="deputy",
        tenant=principal.tenant,
        deputy_id=delegation.deputy,
        start=delegation.start,
        end=delegation.end,
        reason=delegation.reason,
        set_at=now,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item)
        uow.audit("deputy.set", "approval-deputy", principal.staff, after=delegation.model_dump(mode="json"))
        uow.commit()
    return _deputy(item)


def get_deputy(principal: Principal) -> Deputy:
    item = delegation_of(principal.tenant, principal.staff)
    if item is None:
        raise NotFound("deputy")
    return _deputy(item)


def clear_deputy(principal: Principal, request_id: str) -> None:
    """Clearing is idempotent: no deputy set is already the state asked for."""
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        delete(uow, DelegationItem(DelegationItem.partition(principal.tenant), principal.staff))
        uow.audit("deputy.clear", "approval-deputy", principal.staff)
        uow.commit()


def batch_approve(
    principal: Principal, body: BatchApprove, request_id: str, key: str | None = None
) -> BatchOutcome:
    """Each approval on its own (one failing does not stop the others); with an Idempotency-Key each one
    is keyed too, so a retry after a crash half-way approves none twice."""
    results = []
    for instance_id in dict.fromkeys(body.instance_ids):
        try:
            act(
                principal,
                instance_id,
                ApprovalAction(action="approve", comment=body.comment),
                request_id,
                f"batch:{key}:{instance_id}" if key else None,
            )
            results.append(BatchResult(instance_id=instance_id, status=200))
        except (DomainError, problems.Problem) as exc:
            problem = to_problem(exc)
            results.append(BatchResult(instance_id=instance_id, status=problem.status, detail=str(exc)))
    return BatchOutcome(results=results)


def records(principal: Principal, instance_id: str, limit: int, cursor: str | None) -> Page[OperationRecord]:
    _, inst = load(principal.tenant, instance_id)
    if not _visible(principal, inst):
        raise NotFound("approval")
    from shared.http import query_page

    page, next_cursor = query_page(
        RecordItem, RecordItem.partition(principal.tenant, instance_id), limit, cursor
    )
    out = []
    for r in page:
        c = Command.model_validate_json(r.command)
        detail = c.model_dump(
            mode="json",
            exclude={"action", "actor", "at", "key", "on_behalf_of", "comment", "attachments"},
            exclude_defaults=True,
        )
        out.append(
            OperationRecord(
                seq=int(r.sk),
                action=c.action,
                actor=c.actor,
                on_behalf_of=c.on_behalf_of,
                at=c.at,
                comment=c.comment,
                attachments=c.attachments,
                detail=detail,
            )
        )
    return Page[OperationRecord](items=out, next_cursor=next_cursor)


def inbox(principal: Principal, box: str, query: InboxQuery) -> Page[InboxItem]:
    condition = None
    if query.template_id:
        condition = BoxItem.template_id == query.template_id
    if query.status:
        by_status = BoxItem.status == query.status
        condition = by_status if condition is None else condition & by_status
    items, next_cursor = page(
        BoxItem,
        BoxItem.partition(principal.tenant, box, principal.staff),
        query.limit,
        query.cursor,
        condition,
    )
    return Page[InboxItem](
        items=[
            InboxItem(
                instance_id=i.instance_id,
                template_id=i.template_id,
                template_code=i.template_code,
                title=i.title,
                submitter=i.submitter,
                status=i.status,
                at=i.at,
            )
            for i in items
        ],
        next_cursor=next_cursor,
    )


# ---- the write path --------------------------------------------------------------------------------


def _approval(inst: Instance, version: int) -> Approval:
    step = inst.current_step()
    return Approval(
        id=inst.id,
        template_id=inst.submission.template_id,
        template_version=inst.submission.template_version,
        template_code=inst.submission.template_code,
        title=inst.submission.title,
        submitter=inst.submitter,
        status=inst.status,
        form=inst.form,
        steps=inst.steps,
        current_step=step.id if step else None,
        pending_approvers=inst.pending_approvers(),
        cc=inst.cc,
        round=inst.round,
        version=version,
        submitted_at=inst.submitted_at,
        updated_at=inst.updated_at,
        finished_at=inst.finished_at,
    )


def _box_items(tenant: str, inst: Instance) -> dict[tuple[str, str], BoxItem]:
    out = {}
    for entry in engine.inbox(inst):
        partition = BoxItem.partition(tenant, entry.box, entry.staff_id)
        sort = f"{entry.sort}#{inst.id}"
        out[(partition, sort)] = BoxItem(
            partition,
            sort,
            entity="box",
            tenant=tenant,
            instance_id=inst.id,
            template_id=inst.submission.template_id,
            template_code=inst.submission.template_code,
            title=inst.submission.title,
            submitter=inst.submitter,
            status=inst.status,
            at=entry.sort,
        )
    return out


def commit(
    principal: Principal,
    request_id: str | None,
    item: InstanceItem,
    before: Instance | None,
    after: Instance,
    command: Command,
    create: bool = False,
) -> None:
    tenant = principal.tenant
    stale = StaleApproval("the approval changed meanwhile; reload and retry")
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        if create:
            uow.create(item)
        else:
            uow.save(item, on_conflict=stale)  # the version attribute makes this conditional
        uow.create(
            RecordItem(
                RecordItem.partition(tenant, after.id),
                f"{after.records:06d}",
                entity="approval-record",
                tenant=tenant,
                action=command.action,
                actor=command.actor,
                command=command.model_dump_json(),
            ),
            on_conflict=stale,
        )
        old = _box_items(tenant, before) if before is not None else {}
        new = _box_items(tenant, after)
        for key, entry in old.items():
            if key not in new:
                delete(uow, entry)
        for key, entry in new.items():
            if key not in old or old[key].status != entry.status:
                uow.save(entry)
        # The SLA timers follow the state in the same transaction: none is lost, none outlives its task.
        old_timers = {t.key: t for t in engine.timers(before)} if before is not None else {}
        new_timers = {t.key: t for t in engine.timers(after)}
        for timer_key, timer in old_timers.items():
            if timer_key not in new_timers:
                delete(uow, timer_item(tenant, after.id, timer))
        for timer_key, timer in new_timers.items():
            if old_timers.get(timer_key) != timer:
                uow.save(timer_item(tenant, after.id, timer))
        for event in _events(tenant, before, after, command):
            uow.emit(event)
        uow.audit(
            f"approval.{command.action}",
            "approval",
            after.id,
            before={"status": before.status, "form": before.form} if before else None,
            after={"status": after.status, "form": after.form, "comment": command.comment},
        )
        uow.commit()


def _events(tenant: str, before: Instance | None, after: Instance, command: Command) -> list[Any]:
    code = after.submission.template_code
    out = []
    cc: dict[str, list[str]] = {}
    for change in engine.changes(before, after):
        if change.kind == "instance":
            out.append(
                INSTANCE_EVENTS[change.status].envelope(
                    tenant,
                    InstanceEvent(
                        instance_id=after.id,
                        template_id=after.submission.template_id,
                        template_code=code,
                        submitter=after.submitter,
                        status=after.status,
                    ),
                )
            )
        elif change.kind == "cc":
            cc.setdefault(change.status, []).append(change.staff_id)
        else:
            event = TASK_ASSIGNED if change.kind == "task_assigned" else TASK_COMPLETED
            data = TaskEvent(
                instance_id=after.id,
                template_code=code,
                step_id=change.step_id,
                staff_id=change.staff_id,
                outcome=change.status or None,
            )
            out.append(event.envelope(tenant, data))
    for when, people in cc.items():
        out.append(
            CC.envelope(
                tenant,
                CarbonCopied(instance_id=after.id, template_code=code, staff_ids=people, when=when),
            )
        )
    step = after.current_step()
    if command.action == "remind" and step is not None:
        data = TaskEvent(
            instance_id=after.id, template_code=code, step_id=step.id, staff_id=str(command.approver)
        )
        out.append(REMINDED.envelope(tenant, data))
    if command.action == "escalate" and step is not None:
        moved = command.to if command.to and step.open_task(command.to) is not None else None
        escalated = TaskEscalated(
            instance_id=after.id,
            template_code=code,
            step_id=step.id,
            staff_id=str(command.approver),
            escalated_to=moved,
        )
        out.append(ESCALATED.envelope(tenant, escalated))
    if command.action == "urge":
        out.append(
            URGED.envelope(
                tenant, Urged(instance_id=after.id, template_code=code, staff_ids=after.pending_approvers())
            )
        )
    if (
        code == builtin.LEAVE
        and after.status == "approved"
        and (before is None or before.status != "approved")
    ):
        period = after.form.get("period") or {}
        out.append(
            LEAVE_APPROVED.envelope(
                tenant,
                LeaveApproved(
                    instance_id=after.id,
                    staff_id=after.submitter,
                    leave_type=str(after.form.get("leave_type", "")),
                    start=str(period.get("start", "")),
                    end=str(period.get("end", "")),
                ),
            )
        )
    return out
