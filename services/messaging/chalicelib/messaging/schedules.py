"""Messaging's timers: the DING escalation sweep and the certificate reminders.

Each function imports the service module it needs when it runs (see ``consumers``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service
from shared.schedules import scheduled_at

schedules = Blueprint(__name__)


@schedules.schedule("rate(1 minute)", name="ding-escalation-sweep")
def escalate_due_dings(event: Any) -> dict[str, int]:
    """Every minute: SMS, then call, whoever has not acknowledged a DING whose step is due."""
    from chalicelib.messaging.service import ding

    alerts = ding.sweep(scheduled_at(event))
    for_service("messaging").metrics.add_metric(name="DingAlerts", unit="Count", value=alerts)
    return {"alerts": alerts}


@schedules.schedule("cron(0 1 * * ? *)", name="certificate-reminders")
def remind_expiring_certificates(event: Any) -> dict[str, int]:
    """Daily: announce certificates that expire within 30 days."""
    from chalicelib.messaging.service import certificates

    published = certificates.sweep(datetime.now(UTC).date())
    for_service("messaging").metrics.add_metric(name="CertificatesExpiring", unit="Count", value=published)
    return {"published": published}
