"""History beyond the table: the weekly point-in-time export of the reports table to the history bucket
(``exports/<date>``; Athena reads it). Days leave the table after ``KEEP_DAYS`` (TTL); each weekly export
holds every kept day, so the exports together hold every day ever kept."""

from __future__ import annotations

import logging
from datetime import date

from chalicelib.reports.domain.ports import HistoryExport
from chalicelib.reports.service import wiring

from shared.persistence.models import now_utc

log = logging.getLogger(__name__)


def prefix(on: date) -> str:
    """Where an export of ``on`` lands: the Glue table's partition ``export_date``."""
    return f"exports/{on.isoformat()}"


def export_history(exporter: HistoryExport | None = None, on: date | None = None) -> str | None:
    day = on or now_utc().date()
    started = (exporter or wiring.history()).export(prefix(day))
    log.info("reports history export %s: %s", prefix(day), started or "not started")
    return started
