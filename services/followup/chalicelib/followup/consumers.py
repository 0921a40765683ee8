"""Follow-up's consumers: its own events move the KPI counters.

Each function imports the service module it needs when it runs: every Lambda function of the service loads
this module, and one consumer should not start up with the others' code (see ``shared.app``).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.consumer import consume_batch
from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

KPI_COUNTERS = Subscription(
    service="followup",
    name="kpi-counters",
    source="followup",
    event_types=("followup.enrolled", "followup.task.done", "followup.task.missed", "followup.alert.raised"),
    # the hospital's record (its time zone: the day a task was done, an alert raised); the counters' ADD
    # with the inbox marker
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
SUBSCRIPTIONS = (KPI_COUNTERS,)


@consumers.on_sqs_message(queue=KPI_COUNTERS.queue_name, batch_size=10)
def on_followup_event(event: Any) -> dict[str, Any]:
    """A patient enrolled, a task done or missed, an alert raised: the department's month counts it."""
    from chalicelib.followup.service import kpis

    return consume_batch(event.to_dict(), KPI_COUNTERS, kpis.count)
