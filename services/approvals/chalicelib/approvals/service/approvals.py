"""Approvals: preview the route, submit, read, act (approve, reject, ...), batch-approve, the record."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalicelib.approvals.contracts.approvals import (
    Approval,
    ApprovalAction,
    BatchApprove,
    BatchOutcome,
    BatchResult,
    NamedCarbonCopy,
    NamedStep,
    OperationRecord,
    Preview,
    PreviewRoute,
    PreviewStep,
    SubmitApproval,
)
from chalicelib.approvals.domain import builtin_templates, engine, flow, forms
from chalicelib.approvals.domain.engine import Command, Instance, Submission
from chalicelib.approvals.domain.ports import Directory, Files, Store
from chalicelib.approvals.domain.records import AttachmentRecord, TemplateRecord
from chalicelib.approvals.service import attachments, wiring
from chalicelib.approvals.service._common import ADMIN_ROLE, field_problem, now, template_of
from chalicelib.approvals.service.instances import StaleApproval, book_for, commit, execute, load

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.http import to_problem
from shared.ids import new_id
from shared.pages import Page

ATTEMPTS = 3
NAMED_PER_READ = 100  # people named per view or page: one BatchGetItem (DynamoDB's 100 keys)


def _names(directory: Directory, people: Iterable[str | None]) -> dict[str, str]:
    """Display names of the people a view names, in one batch read: the first ``NAMED_PER_READ`` of them
    in the order given (the submitter and the approvers first; a view naming more is rare, and the rest
    keep their ids only)."""
    wanted = [p for p in dict.fromkeys(people) if p][:NAMED_PER_READ]
    return directory.names(wanted) if wanted else {}


def _people(inst: Instance) -> list[str | None]:
    """Everyone an approval names, the submitter and the approvers first."""
    people: list[str | None] = [inst.submitter]
    for step in inst.steps:
        people += [t.approver for t in step.tasks]
    for step in inst.steps:
        people += [p for t in step.tasks for p in (t.deputy, t.acted_by)]
    people += [p for step in inst.steps for p in (step.added_by, step.escalate_to)]
    return people + [c.staff_id for c in inst.cc]


def _version_body(store: Store, template: TemplateRecord, version: int) -> tuple[list[Any], Any]:
    definition = template.definition
    if version != template.version:
        old = store.templates.version(template.id, version)
        if old is None:  # versions are create-only: one an approval started with is never gone
            raise LookupError(f"template {template.id} has no version {version}")
        definition = old.definition
    data = json.loads(definition)
    return [forms.FormField.model_validate(f) for f in data["fields"]], flow.FlowDefinition.model_validate(
        data["flow"]
    )


def _route(
    principal: Principal, directory: Directory, fields: list[Any], definition: Any, form: dict[str, Any]
) -> flow.Route:
    errors = forms.validate_form(fields, form)
    if errors:
        raise field_problem(errors)
    _require_active(directory, forms.staff_references(fields, form))
    return flow.resolve_route(definition, form, principal.staff, directory)


def _require_active(directory: Directory, references: list[tuple[str, str]]) -> None:
    """Everyone a form or an action names is an active member of this hospital's staff: a phantom (another
    hospital's id, someone who left, a typo) would hold the approval up with nobody to act."""
    if not references:
        return
    inactive = directory.inactive({staff_id for _, staff_id in references})
    errors = [
        (where, f"{staff_id} is not an active member of this hospital's staff")
        for where, staff_id in references
        if staff_id in inactive
    ]
    if errors:
        raise field_problem(errors)


def preview(
    principal: Principal, body: SubmitApproval, store: Store | None = None, directory: Directory | None = None
) -> Preview:
    store = store or wiring.store(principal)
    template = template_of(store, body.template_id)
    fields, definition = _version_body(store, template, template.version)
    directory = directory or wiring.directory(principal.tenant)
    route = _route(principal, directory, fields, definition, body.form)
    names = _names(directory, [p for step in route.steps for p in (*step.approvers, step.escalate_to)])
    steps = [
        PreviewStep(
            **step.model_dump(),
            approver_names=[names.get(a) for a in step.approvers],
            escalate_to_name=names.get(step.escalate_to or ""),
        )
        for step in route.steps
    ]
    return Preview(
        template_id=template.id,
        template_version=template.version,
        route=PreviewRoute(**{**route.model_dump(), "steps": steps}),
        days=forms.form_days(body.form),
    )


def submit(
    principal: Principal,
    body: SubmitApproval,
    request_id: str,
    key: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
    files: Files | None = None,
) -> Approval:
    store = store or wiring.store(principal, request_id)
    template = template_of(store, body.template_id)
    directory = directory or wiring.directory(principal.tenant)
    after, version = start(principal, template, body.form, body.title, key, store, directory, files)
    return _approval(after, version, _names(directory, _people(after)))


def start(
    principal: Principal,
    template: TemplateRecord,
    form: dict[str, Any],
    title: str | None,
    key: str | None,
    store: Store,
    directory: Directory,
    files: Files | None = None,
    instance_id: str | None = None,
) -> tuple[Instance, int]:
    """Start an approval of ``template``'s current version as ``principal`` (the submitter): the form
    checked, the route resolved, the instance committed with its lists, timers and events. A new id
    unless ``instance_id`` is given (a start keyed by what it is for: another with that id is a
    Conflict on commit). Raises the form's 422 or the route's rule violation before anything is staged."""
    fields, definition = _version_body(store, template, template.version)
    route = _route(principal, directory, fields, definition, form)
    instance_id = instance_id or new_id()
    bind = attachments.to_bind(store, files, fields, form, principal.staff, instance_id)
    submission = Submission(
        instance_id=instance_id,
        template_id=template.id,
        template_version=template.version,
        template_code=template.code,
        title=title or builtin_templates.default_title(template.code, template.name, form),
        withdraw=definition.withdraw,
        skip_just_approved=definition.skip_just_approved,
        submitter_name=principal.staff_name or "",  # as the directory's sign-in names them now
    )
    command = Command(
        action="submit",
        actor=principal.staff,
        at=now(),
        key=key,
        form=form,
        route=route,
        submission=submission,
    )
    command, after = execute(store, None, command)
    for attempt in range(ATTEMPTS):
        # A leave is checked against the submitter's book; another of theirs landing meanwhile is
        # re-checked on the fresh book (an overlap is then 409, anything else goes through).
        book = book_for(store, None, after)
        try:
            return after, commit(store, None, after, command, book, bind)
        except StaleApproval:
            if book is None or attempt == ATTEMPTS - 1:
                raise
            continue
    raise StaleApproval("your leave changed meanwhile; reload and retry")


def _visible(principal: Principal, inst: Instance) -> bool:
    if principal.kind == "partner":  # an app the hospital consented to reading its approvals
        return "approvals:read" in principal.scopes
    return ADMIN_ROLE in principal.roles or principal.staff in inst.participants()


def get_approval(
    principal: Principal, instance_id: str, store: Store | None = None, directory: Directory | None = None
) -> Approval:
    stored = load(store or wiring.store(principal), instance_id)
    if not _visible(principal, stored.instance):
        raise NotFound("approval")  # as if it did not exist: no probing other people's requests
    people = _names(directory or wiring.directory(principal.tenant), _people(stored.instance))
    return _approval(stored.instance, stored.version, people)


def act(
    principal: Principal,
    instance_id: str,
    body: ApprovalAction,
    request_id: str,
    key: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
    files: Files | None = None,
    with_names: bool = True,
) -> Approval:
    """Apply one action; a lost race is retried on fresh state unless the caller sent ``version``.
    The approval it answers names its people (one batch read), unless ``with_names`` is False."""
    store = store or wiring.store(principal, request_id)
    for attempt in range(ATTEMPTS):
        bind: list[AttachmentRecord] = []
        stored = load(store, instance_id)
        before = stored.instance
        standing_in = body.on_behalf_of not in (None, principal.staff)
        if not _visible(principal, before) and not (
            standing_in and _delegated(principal, store, str(body.on_behalf_of))
        ):
            raise NotFound("approval")
        if body.version is not None and body.version != stored.version:
            raise Conflict(f"the approval is at version {stored.version}, not {body.version}")
        command = Command(
            action=body.action,
            actor=principal.staff,
            at=now(),
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
                store,
                template_of(store, before.submission.template_id),
                before.submission.template_version,
            )
            form = body.form if body.form is not None else before.form
            directory = directory or wiring.directory(principal.tenant)
            command = command.model_copy(
                update={"form": form, "route": _route(principal, directory, fields, definition, form)}
            )
            # only the submitter resubmits (the engine refuses anyone else before anything is bound)
            if principal.staff == before.submitter:
                bind = attachments.to_bind(store, files, fields, form, before.submitter, instance_id)
        if body.action == "cancel":
            command = command.model_copy(update={"as_admin": ADMIN_ROLE in principal.roles})
        if body.action in ("transfer", "add_sign") and attempt == 0:
            directory = directory or wiring.directory(principal.tenant)
            named = [("to", body.to)] if body.action == "transfer" and body.to else []
            named += (
                [(f"staff_ids.{n}", s) for n, s in enumerate(body.staff_ids)]
                if body.action == "add_sign"
                else []
            )
            _require_active(directory, named)
        command = engine.acting_as(before, command)
        if command.on_behalf_of is not None and command.on_behalf_of != principal.staff:
            _may_stand_in(principal, before, command.on_behalf_of)
        if command.on_behalf_of is not None and not engine.deputy_of(
            before, command.on_behalf_of, principal.staff
        ):
            _check_deputy(principal, store, command.on_behalf_of)
        command, after = execute(store, before, command)
        if after is not before:
            book = book_for(store, before, after)
            try:
                version = commit(store, stored, after, command, book, bind)
            except StaleApproval:
                if body.version is not None or attempt == ATTEMPTS - 1:
                    raise
                continue
        else:
            version = stored.version  # the same request again: already applied
        if not with_names:
            return _approval(after, version, {})
        return _approval(
            after, version, _names(directory or wiring.directory(principal.tenant), _people(after))
        )
    raise StaleApproval("the approval changed meanwhile; reload and retry")


def _may_stand_in(principal: Principal, before: Instance, approver: str) -> None:
    """A deputy acts on the approver's pending tasks only, and never on their own request."""
    if before.submitter == principal.staff:
        raise Forbidden("you may not act on your own request, as a deputy or otherwise")
    if approver not in before.pending_approvers():
        if not _visible(principal, before):
            raise NotFound("approval")
        raise Forbidden("the approver you stand in for has no task pending on this approval")


def _delegated(principal: Principal, store: Store, approver: str) -> bool:
    """Whether ``approver`` has named the caller their deputy for a period covering now."""
    delegation = store.deputies.get(approver)
    return delegation is not None and delegation.deputy == principal.staff and delegation.covers(now())


def _check_deputy(principal: Principal, store: Store, approver: str) -> None:
    """A deputy acts for an approver only while the approver's delegation to them runs; it is recorded."""
    if not _delegated(principal, store, approver):
        raise Forbidden("you may act for someone only while you are their deputy (代理人)")


def batch_approve(
    principal: Principal,
    body: BatchApprove,
    request_id: str,
    key: str | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> BatchOutcome:
    """Each approval on its own (one failing does not stop the others); with an Idempotency-Key each one
    is keyed too, so a retry after a crash half-way approves none twice."""
    store = store or wiring.store(principal, request_id)
    results = []
    for instance_id in dict.fromkeys(body.instance_ids):
        try:
            act(
                principal,
                instance_id,
                ApprovalAction(action="approve", comment=body.comment),
                request_id,
                f"batch:{key}:{instance_id}" if key else None,
                store=store,
                directory=directory,
                with_names=False,  # the outcome lists statuses, not the approvals
            )
            results.append(BatchResult(instance_id=instance_id, status=200))
        except (DomainError, problems.Problem) as exc:
            problem = to_problem(exc)
            results.append(BatchResult(instance_id=instance_id, status=problem.status, detail=str(exc)))
    return BatchOutcome(results=results)


def _named_in_detail(command: Command) -> list[str]:
    """Who a record's detail names: a transfer's new approver, those added to sign, deputies."""
    deputies = [p for pair in command.deputies.items() for p in pair]
    return [p for p in (command.to, *command.staff_ids, *deputies) if p]


def records(
    principal: Principal,
    instance_id: str,
    limit: int,
    cursor: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> Page[OperationRecord]:
    """The operation record, each line naming its people (the whole page in one batch read)."""
    store = store or wiring.store(principal)
    if not _visible(principal, load(store, instance_id).instance):
        raise NotFound("approval")
    page, next_cursor = store.records.page(instance_id, limit, cursor)
    people: list[str | None] = [r.command.actor for r in page]
    people += [r.command.on_behalf_of for r in page]
    people += [p for r in page for p in _named_in_detail(r.command)]
    names = _names(directory or wiring.directory(principal.tenant), people)
    out = []
    for r in page:
        c = r.command
        detail = c.model_dump(
            mode="json",
            exclude={"action", "actor", "at", "key", "on_behalf_of", "comment", "attachments"},
            exclude_defaults=True,
        )
        out.append(
            OperationRecord(
                seq=r.seq,
                action=c.action,
                actor=c.actor,
                actor_name=names.get(c.actor),
                on_behalf_of=c.on_behalf_of,
                on_behalf_of_name=names.get(c.on_behalf_of) if c.on_behalf_of else None,
                at=c.at,
                comment=c.comment,
                attachments=c.attachments,
                detail=detail,
                names={p: names[p] for p in _named_in_detail(c) if p in names},
            )
        )
    return Page[OperationRecord](items=out, next_cursor=next_cursor)


def _named_step(step: engine.StepState, names: dict[str, str]) -> NamedStep:
    tasks = [
        {
            **task.model_dump(),
            "approver_name": names.get(task.approver),
            "deputy_name": names.get(task.deputy) if task.deputy else None,
            "acted_by_name": names.get(task.acted_by) if task.acted_by else None,
        }
        for task in step.tasks
    ]
    named = {
        "tasks": tasks,
        "added_by_name": names.get(step.added_by) if step.added_by else None,
        "escalate_to_name": names.get(step.escalate_to) if step.escalate_to else None,
    }
    return NamedStep.model_validate({**step.model_dump(), **named})


def _approval(inst: Instance, version: int, names: dict[str, str]) -> Approval:
    """The approval as people read it: every staff id with the display name beside it (``names``)."""
    step = inst.current_step()
    return Approval(
        id=inst.id,
        template_id=inst.submission.template_id,
        template_version=inst.submission.template_version,
        template_code=inst.submission.template_code,
        title=inst.submission.title,
        submitter=inst.submitter,
        submitter_name=names.get(inst.submitter) or inst.submission.submitter_name or None,
        status=inst.status,
        form=inst.form,
        days=forms.form_days(inst.form),
        steps=[_named_step(s, names) for s in inst.steps],
        current_step=step.id if step else None,
        pending_approvers=inst.pending_approvers(),
        cc=[NamedCarbonCopy(**c.model_dump(), name=names.get(c.staff_id)) for c in inst.cc],
        round=inst.round,
        version=version,
        submitted_at=inst.submitted_at,
        updated_at=inst.updated_at,
        finished_at=inst.finished_at,
        cancelled_at=inst.cancelled_at,
    )
