"""The reports service's timers."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

schedules = Blueprint(__name__)


# Every Monday at 02:00 UTC (10:00 in China): the week's history joins the point-in-time exports.
@schedules.schedule("cron(0 2 ? * MON *)", name="reports-history-export")
def reports_history_export(event: Any) -> None:
    from chalicelib.reports.service import history

    history.export_history()
