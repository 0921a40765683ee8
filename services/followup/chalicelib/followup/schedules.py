"""Follow-up's timers (thin: each calls its use case): the task sweep (due today announced, past their
window marked missed), the retention purge, and the sweep that returns unhandled revisit claims to their
department's pool."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service
from shared.schedules import scheduled_at

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


@schedules.schedule("rate(1 minute)", name="revisit-claim-sweep")
def return_expired_revisit_claims(event: Any) -> dict[str, int]:
    """Every minute: a claim on a revisit request held past its hold, unhandled, goes back to the pool."""
    from chalicelib.followup.service import revisits  # when the sweep runs (see shared.app)

    returned = revisits.return_expired_claims(datetime.now(UTC))
    for_service("followup").metrics.add_metric(name="RevisitClaimsReturned", unit="Count", value=returned)
    return {"returned": returned}


@schedules.schedule("cron(0 19 * * ? *)", name="followup-lifelong-extension")
def extend_lifelong_plans(event: Any) -> dict[str, int]:
    """Every night (03:00 in China): lifelong enrolments (a kidney transplant's) whose tasks would run
    out within ten months get their next tasks, a year ahead again, on the plan version they started on."""
    from chalicelib.followup.service import intake  # when the sweep runs (see shared.app)

    made = intake.extend_everywhere(intake.today())
    for_service("followup").metrics.add_metric(name="LifelongTasksMade", unit="Count", value=made)
    return {"made": made}


@schedules.schedule("rate(1 minute)", name="followup-sla-sweep")
def fire_sla_timers(event: Any) -> dict[str, int]:
    """Every minute: the SLA timers due in every hospital (a referral unanswered, a consultation's
    reminder or escalation) fired, each once."""
    from chalicelib.followup.service import timers  # when the sweep runs (see shared.app)

    fired = timers.fire_due(scheduled_at(event))
    for_service("followup").metrics.add_metric(name="SlaTimersFired", unit="Count", value=fired)
    return {"fired": fired}
