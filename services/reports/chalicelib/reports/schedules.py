"""The reports service's timers (thin: each calls its use case)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service
from shared.schedules import scheduled_at

schedules = Blueprint(__name__)


# Every Monday at 02:00 UTC (10:00 in China): the week's history joins the point-in-time exports.
@schedules.schedule("cron(0 2 ? * MON *)", name="reports-history-export")
def reports_history_export(event: Any) -> None:
    from chalicelib.reports.service import history

    history.export_history()


@schedules.schedule("rate(5 minutes)", name="reports-morning")
def morning_reports(event: Any) -> dict[str, int]:
    """Every five minutes: each hospital whose morning (send_at, 07:00 local by default) has come and whose
    report has not gone yet has its leaders told, once."""
    from chalicelib.reports.service import morning  # when the sweep runs (see shared.app)

    report = morning.sweep(scheduled_at(event))
    metrics = for_service("reports").metrics
    metrics.add_metric(name="MorningReportsSent", unit="Count", value=len(report.sent))
    metrics.add_metric(name="MorningReportsFailed", unit="Count", value=len(report.failed))
    return {"sent": len(report.sent), "untold": len(report.untold), "failed": len(report.failed)}
