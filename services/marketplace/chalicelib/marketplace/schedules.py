"""The marketplace's timers: the webhook sweep (every minute, the deliveries due in every hospital)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.observability import for_service

schedules = Blueprint(__name__)


@schedules.schedule("rate(1 minute)", name="marketplace-webhook-sweep")
def send_due_webhooks(event: Any) -> dict[str, int]:
    """Every minute: each webhook delivery due (a retry, or one a crashed sender left) sent, once."""
    from chalicelib.marketplace.service import dispatch  # when the sweep runs (see shared.app)

    sent = dispatch.sweep()
    for_service("marketplace").metrics.add_metric(name="WebhooksAttempted", unit="Count", value=sent)
    return {"sent": sent}
