"""Follow-up's timers (thin: each calls its use case): the task sweep (due today announced, past their
window marked missed) and the retention purge."""

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


@schedules.schedule("cron(30 18 * * ? *)", name="followup-retention-purge")
def purge_expired_patients(event: Any) -> dict[str, int]:
    """Every night (02:30 in China): purge, in every hospital, the patients whose retention ended."""
    from chalicelib.followup.service import patients  # when the sweep runs (see shared.app)

    purged = patients.purge_everywhere()
    for_service("followup").metrics.add_metric(name="PatientsPurged", unit="Count", value=purged)
    return {"purged": purged}
