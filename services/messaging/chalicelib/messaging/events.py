"""Messaging's own consumers: the notification fan-out runs off the ``notification.sent`` event."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]
from chalicelib.messaging import notifications

from shared.events.consumer import Subscription, consume_batch

events = Blueprint(__name__)

FANOUT = Subscription(
    service="messaging", name="notification-fanout", source="messaging", event_types=("notification.sent",)
)
SUBSCRIPTIONS = (FANOUT,)


@events.on_sqs_message(queue=FANOUT.queue_name, batch_size=1)
def on_notification_sent(event: Any) -> dict[str, Any]:
    return consume_batch(event.to_dict(), FANOUT, notifications.fan_out)
