"""One approval instance's write path, shared by every use case that changes one: load it, run the engine
(handing new tasks to deputies), and commit the change with its record, lists, timers and events in one
unit of work."""

from __future__ import annotations

from chalicelib.approvals.adapters import dynamodb
from chalicelib.approvals.adapters.dynamodb import BoxItem, InstanceItem, RecordItem, delete, timer_item
from chalicelib.approvals.domain import deputies, engine
from chalicelib.approvals.domain.engine import Command, Instance
from chalicelib.approvals.service._common import SERVICE
from chalicelib.approvals.service.instance_events import events

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.persistence.uow import UnitOfWork


class StaleApproval(Conflict):
    """The instance changed between our read and our write."""


def load(tenant: str, instance_id: str) -> tuple[InstanceItem, Instance]:
    item = dynamodb.instance(tenant, instance_id)
    if item is None:
        raise NotFound("approval")
    return item, Instance.model_validate_json(item.state)


def execute(tenant: str, before: Instance | None, command: Command) -> tuple[Command, Instance]:
    """Run the engine; the tasks it assigns go to their approvers' deputies too, which the command
    then names, so the operation record replays to the same state."""
    command = engine.acting_as(before, command)
    after = engine.execute(before, command)
    if after is before:
        return command, after
    fresh = {c.staff_id for c in engine.changes(before, after) if c.kind == "task_assigned"}
    if fresh:
        found = deputies.deputies_at(dynamodb.delegations_of(tenant, fresh), fresh, command.at)
        if found:
            command = command.model_copy(update={"deputies": found})
            after = engine.execute(before, command)
    return command, after


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
        for event in events(tenant, before, after, command):
            uow.emit(event)
        uow.audit(
            f"approval.{command.action}",
            "approval",
            after.id,
            before={"status": before.status, "form": before.form} if before else None,
            after={"status": after.status, "form": after.form, "comment": command.comment},
        )
        uow.commit()
