"""The SLA sweep: every minute, the timers due in every hospital, each handed to its feature.

A feature registers its handler in ``HANDLERS`` (the module exposing ``on_timer(tenant, timer, now)``,
imported when a timer of that kind first fires). A handler fires a timer at most once: its transaction
holds ``store.timers.fire(timer, FIRED)`` (deleting the timer on the condition that it is still as read),
so when two sweeps overlap the second's commit raises ``FIRED`` and changes nothing. One timer failing is
logged with its key and left for the next sweep; it never stops the others.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Protocol

from chalicelib.followup.domain.ports import DueTimers
from chalicelib.followup.domain.timers import SlaTimer
from chalicelib.followup.service import wiring

from shared.errors import Conflict
from shared.observability import logger as make_logger

BATCH = 100
MAX_BATCHES = 20  # a minute's sweep fires at most 2,000 timers; the rest wait for the next minute
FIRED = Conflict("this timer has already fired")
logger = make_logger("followup.timers")

HANDLERS: dict[str, str] = {
    "referral": "chalicelib.followup.service.referrals",
    "consultation": "chalicelib.followup.service.consultations",
}


class Handler(Protocol):
    def __call__(self, tenant: str, timer: SlaTimer, now: datetime) -> None: ...


def _handler(kind: str) -> Handler:
    module = importlib.import_module(HANDLERS[kind])
    handler: Handler = module.on_timer
    return handler


def fire_due(now: datetime, due: DueTimers | None = None) -> int:
    """Fire every timer due by ``now`` (in batches of one Query each); how many fired."""
    due = due or wiring.due_timers()
    fired = 0
    failed: set[str] = set()
    for _ in range(MAX_BATCHES):
        found = due.due(now, BATCH)
        batch = [(tenant, timer) for tenant, timer in found if f"{tenant}#{timer.key}" not in failed]
        if not batch:
            break
        for tenant, timer in batch:
            try:
                _handler(timer.kind)(tenant, timer, now)
                fired += 1
            except Conflict:
                continue  # another sweep fired it (or the subject moved on and removed it)
            except Exception:
                failed.add(f"{tenant}#{timer.key}")
                logger.exception("an SLA timer failed to fire", extra={"tenant": tenant, "timer": timer.key})
        if len(found) < BATCH:
            break
    return fired
