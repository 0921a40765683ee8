"""Scheduling's timers: the sweep that fails auto-roster jobs whose worker stopped beating."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service

schedules = Blueprint(__name__)


@schedules.schedule("rate(1 minute)", name="solve-job-sweep")
def fail_silent_solve_jobs(event: Any) -> dict[str, int]:
    """Every minute: a job whose heartbeat stopped (or that no worker took) is failed, with the reason."""
    from chalicelib.scheduling.service import solve_jobs  # when the sweep runs (see shared.app)

    failed = solve_jobs.sweep(datetime.now(UTC))
    for_service("scheduling").metrics.add_metric(name="SolveJobsSwept", unit="Count", value=failed)
    return {"failed": failed}
