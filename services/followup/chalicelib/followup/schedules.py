"""Follow-up's timers: the task sweep (due today announced, past their window marked missed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service

schedules = Blueprint(__name__)


@schedules.schedule("rate(15 minutes)", name="followup-task-sweep")
def sweep_tasks(event: Any) -> dict[str, int]:
    """Every quarter hour: each hospital's day swept once (resumed where the last run stopped)."""
    from chalicelib.followup.service import sweep  # when the sweep runs (see shared.app)

    report = sweep.sweep(datetime.now(UTC))
    metrics = for_service("followup").metrics
    metrics.add_metric(name="TasksAnnounced", unit="Count", value=report.announced)
    metrics.add_metric(name="TasksMissed", unit="Count", value=report.missed)
    return {"announced": report.announced, "missed": report.missed}
