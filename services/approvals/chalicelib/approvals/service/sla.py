"""The SLA sweep: reminders for overdue approval tasks, then escalation.

Every pending task with an SLA has one timer item (``adapters.dynamodb.SlaTimerItem``), written in the same
transaction as the instance, found here through a sparse due-time index. Firing a timer is an ordinary
engine command (``remind`` / ``escalate`` by the system) committed like any approver's action: the
instance's version condition makes two overlapping sweeps apply it once, and the commit replaces the
timer with the task's next stage (or removes it), so running the sweep again reminds no one twice.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.approvals.adapters.directory import DirectoryAdapter
from chalicelib.approvals.adapters.dynamodb import SlaTimerItem, due_timers
from chalicelib.approvals.domain import engine
from chalicelib.approvals.domain.engine import Command, Instance
from chalicelib.approvals.service import instances
from chalicelib.approvals.service._common import SERVICE

from shared import observability
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.persistence.uow import UnitOfWork

SWEEP_BATCH = 100
logger = observability.logger("approvals.sla")


def _escalation_target(tenant: str, inst: Instance, approver: str) -> str | None:
    """The step's configured target, else the approver's direct supervisor (None: there is nobody)."""
    step = inst.current_step()
    if step is not None and step.escalate_to:
        return str(step.escalate_to)
    chain = DirectoryAdapter(tenant).supervisors(approver, 1)
    return str(chain[0]) if chain else None


def _discard(timer: SlaTimerItem) -> None:
    """A timer the instance no longer calls for (it moved on): drop it, unless it changed meanwhile."""
    with UnitOfWork(SERVICE) as uow:
        uow.delete(timer, condition=SlaTimerItem.stage == timer.stage)
        uow.commit()


def fire(timer: SlaTimerItem, now: datetime) -> bool:
    """Apply one due timer; False when there was nothing (more) to do for it."""
    tenant = timer.tenant
    principal = Principal(tenant=tenant, user=f"service:{SERVICE}", kind="service")
    try:
        item, before = instances.load(tenant, timer.instance_id)
    except NotFound:
        _discard(timer)
        return False
    wanted = {f"{before.id}#{t.key}": t for t in engine.timers(before)}
    current = wanted.get(timer.sk)
    if current is None or current.stage != timer.stage:
        _discard(timer)
        return False
    command = Command(
        action=current.stage,
        actor=engine.SYSTEM,
        at=now,
        key=f"sla:{current.key}:{current.stage}",
        approver=current.approver,
        to=_escalation_target(tenant, before, current.approver) if current.stage == "escalate" else None,
    )
    command, after = instances.execute(tenant, before, command)
    if after is before:
        return False
    item.status, item.state, item.updated_at = after.status, after.model_dump_json(), now
    instances.commit(principal, None, item, before, after, command)
    return True


def sweep(now: datetime) -> int:
    """Fire every SLA timer due by ``now``; returns how many reminders and escalations went out."""
    fired = 0
    for timer in due_timers(now, SWEEP_BATCH):
        try:
            fired += fire(timer, now)
        except Conflict:
            continue  # another sweep or an approver got there first; a timer still due is fired next time
    return fired
