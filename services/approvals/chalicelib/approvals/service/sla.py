"""The SLA sweep: reminders for overdue approval tasks, then escalation.

Every pending task with an SLA has one timer (``domain.records.DueTimer``), written in the same transaction
as the instance, found here through a sparse due-time index. Firing a timer is an ordinary engine command
(``remind`` / ``escalate`` by the system) committed like any approver's action: the instance's version
condition makes two overlapping sweeps apply it once, and the commit replaces the timer with the task's
next stage (or removes it), so running the sweep again reminds no one twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.approvals.domain import engine
from chalicelib.approvals.domain.engine import Command, Instance
from chalicelib.approvals.domain.ports import Directory, DueTimers, Store
from chalicelib.approvals.domain.records import DueTimer
from chalicelib.approvals.service import instances, wiring
from chalicelib.approvals.service._common import SERVICE

from shared import observability
from shared.auth import Principal
from shared.errors import Conflict, NotFound

SWEEP_BATCH = 100
logger = observability.logger("approvals.sla")


def _escalation_target(directory: Directory, inst: Instance, approver: str) -> str | None:
    """The step's configured target, else the approver's direct supervisor (None: there is nobody)."""
    step = inst.current_step()
    if step is not None and step.escalate_to:
        return str(step.escalate_to)
    chain = directory.supervisors(approver, 1)
    return str(chain[0]) if chain else None


def _discard(store: Store, timer: DueTimer) -> None:
    """A timer the instance no longer calls for (it moved on): drop it, unless it changed meanwhile."""
    with store:
        store.timers.discard(timer)
        store.commit()


def fire(timer: DueTimer, now: datetime, store: Store, directory: Directory | None = None) -> bool:
    """Apply one due timer with its hospital's store; False when there was nothing (more) to do for it."""
    try:
        stored = instances.load(store, timer.instance_id)
    except NotFound:
        _discard(store, timer)
        return False
    before = stored.instance
    current = {t.key: t for t in engine.timers(before)}.get(timer.key)
    if current is None or current.stage != timer.stage:
        _discard(store, timer)
        return False
    to = None
    if current.stage == "escalate":
        to = _escalation_target(directory or wiring.directory(timer.tenant), before, current.approver)
    command = Command(
        action=current.stage,
        actor=engine.SYSTEM,
        at=now,
        key=f"sla:{current.key}:{current.stage}",
        approver=current.approver,
        to=to,
    )
    command, after = instances.execute(store, before, command)
    if after is before:
        return False
    instances.commit(store, stored, after, command)
    return True


def _service_store(tenant: str) -> Store:
    return wiring.store(Principal(tenant=tenant, user=f"service:{SERVICE}", kind="service"))


def sweep(
    now: datetime,
    timers: DueTimers | None = None,
    stores: Callable[[str], Store] = _service_store,
    directories: Callable[[str], Directory] = wiring.directory,
) -> int:
    """Fire every SLA timer due by ``now``; returns how many reminders and escalations went out.

    The due index spans every hospital: each timer is fired with its own hospital's store (``stores``)
    and directory (``directories``), acting as the service."""
    fired = 0
    for timer in (timers or wiring.due_timers()).due(now, SWEEP_BATCH):
        try:
            fired += fire(timer, now, stores(timer.tenant), directories(timer.tenant))
        except Conflict:
            continue  # another sweep or an approver got there first; a timer still due is fired next time
    return fired
