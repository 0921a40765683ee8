"""Follow-up's timers (thin: each calls its use case)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service

schedules = Blueprint(__name__)


@schedules.schedule("cron(30 18 * * ? *)", name="followup-retention-purge")
def purge_expired_patients(event: Any) -> dict[str, int]:
    """Every night (02:30 in China): purge, in every hospital, the patients whose retention ended."""
    from chalicelib.followup.service import patients  # when the sweep runs (see shared.app)

    purged = patients.purge_everywhere()
    for_service("followup").metrics.add_metric(name="PatientsPurged", unit="Count", value=purged)
    return {"purged": purged}
