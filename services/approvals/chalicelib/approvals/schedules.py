"""Approvals' timers: the SLA sweep (reminders, then escalation, of overdue tasks)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service
from shared.schedules import scheduled_at

schedules = Blueprint(__name__)


@schedules.schedule("rate(5 minutes)", name="approval-sla-sweep")
def remind_overdue_tasks(event: Any) -> dict[str, int]:
    """Every five minutes: remind approvers of overdue tasks, and escalate those still overdue later."""
    from chalicelib.approvals.service import sla  # when the sweep runs (see shared.app)

    fired = sla.sweep(scheduled_at(event))
    for_service("approvals").metrics.add_metric(name="SlaTimersFired", unit="Count", value=fired)
    return {"fired": fired}
