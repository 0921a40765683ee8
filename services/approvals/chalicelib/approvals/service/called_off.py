"""A request called off where it was made ends its approval: a nurse's swap cancelled
(``roster.swap.cancelled``) withdraws its 换班, a roster period withdrawn to draft (``roster.withdrawn``)
its 排班审批.

The withdrawal is the submitter's own ``withdraw`` (records, inbox lines, SLA timers and the "approval
ended" events exactly as when she withdraws it herself), marked ``called_off`` so the template's withdraw
policy does not hold it (``engine._withdraw``), with a comment saying why. Once: an approval already
ended (or never started) is left as it is and logged; the consumer's inbox marker and this state check
make a redelivery apply nothing twice."""

from __future__ import annotations

from typing import Any

from chalicelib.approvals.domain.engine import Command
from chalicelib.approvals.domain.ports import Store
from chalicelib.approvals.service import instances
from chalicelib.approvals.service._common import now

from shared import observability

logger = observability.logger("approvals.called_off")


def withdraw(store: Store, instance_id: str, reason: str, what: dict[str, Any]) -> bool:
    """Withdraw the pending approval ``instance_id`` as its submitter, ``reason`` on its record; joins the
    store's unit of work (a consumer's: committed with its inbox marker). False when there was nothing to
    withdraw (``what``: the request's keys, for the log)."""
    stored = store.approvals.get(instance_id)
    if stored is None:
        logger.info("called off before its approval started: nothing to withdraw", extra=what)
        return False
    before = stored.instance
    if before.status != "pending":
        logger.info("approval already ended: nothing to withdraw", extra={**what, "status": before.status})
        return False
    command = Command(action="withdraw", actor=before.submitter, at=now(), comment=reason, called_off=True)
    command, after = instances.execute(store, before, command)
    instances.commit(store, stored, after, command)
    logger.info("approval withdrawn: its request was called off", extra={**what, "instance": instance_id})
    return True
