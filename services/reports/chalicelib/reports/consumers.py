"""The reports service's consumers: the daily figures kept from every producing service's events.

Each applies an event once (the inbox marker) and adds its contributions to the hospital's day in the
same transaction. One subscription per producing service; the event types are listed here literally (no
catalog import at start-up) and are exactly the ones ``domain/sources.py`` counts — an event the report
does not count is not subscribed (``tests/unit/reports/test_sources.py`` checks the two agree).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.consumer import consume_batch
from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

# The hospital's time zone (one GetItem, remembered by the process); the inbox marker and the day's
# update (an ADD: never read-modify-write) in one transaction.
BUDGET = {"GetItem": 1, "TransactWriteItems": 1}


def _sub(source: str, types: tuple[str, ...]) -> Subscription:
    return Subscription(
        service="reports", name=f"figures-{source}", source=source, event_types=types, budget=BUDGET
    )


APPROVALS = _sub(
    "approvals",
    (
        "approval.instance.submitted",
        "approval.instance.approved",
        "approval.instance.rejected",
        "approval.task.reminded",
    ),
)
MESSAGING = _sub(
    "messaging",
    (
        "notification.sent",
        "notification.read",
        "notification.acknowledged",
        "ding.escalated",
        "staff.created",
        "staff.left",
    ),
)
SCHEDULING = _sub("scheduling", ("roster.published", "roster.disrupted"))
FOLLOWUP = _sub(
    "followup",
    (
        "followup.task.due",
        "followup.task.done",
        "followup.task.missed",
        "followup.alert.raised",
        "referral.requested",
        "referral.rejected",
        "referral.overdue",
        "consultation.answered",
    ),
)
MARKETPLACE = _sub("marketplace", ("webhook.delivery.failing", "webhook.endpoint.disabled"))

SUBSCRIPTIONS: tuple[Subscription, ...] = (APPROVALS, MESSAGING, SCHEDULING, FOLLOWUP, MARKETPLACE)


def _count(envelope: Any, uow: Any) -> None:
    from chalicelib.reports.service import figures

    figures.count(envelope, uow)


@consumers.on_sqs_message(queue=APPROVALS.queue_name, batch_size=10)
def figures_from_approvals(event: Any) -> dict[str, Any]:
    """Approvals submitted, approved, rejected (with the turnaround), overdue tasks."""
    return consume_batch(event.to_dict(), APPROVALS, _count)


@consumers.on_sqs_message(queue=MESSAGING.queue_name, batch_size=10)
def figures_from_messaging(event: Any) -> dict[str, Any]:
    """Work notifications sent, read, acknowledged; DING escalations; staff joined and left."""
    return consume_batch(event.to_dict(), MESSAGING, _count)


@consumers.on_sqs_message(queue=SCHEDULING.queue_name, batch_size=10)
def figures_from_scheduling(event: Any) -> dict[str, Any]:
    """Roster shortfalls at publishing, disruptions."""
    return consume_batch(event.to_dict(), SCHEDULING, _count)


@consumers.on_sqs_message(queue=FOLLOWUP.queue_name, batch_size=10)
def figures_from_followup(event: Any) -> dict[str, Any]:
    """Follow-ups due, done, missed, abnormal; referrals up, down, rejected, overdue; consultations."""
    return consume_batch(event.to_dict(), FOLLOWUP, _count)


@consumers.on_sqs_message(queue=MARKETPLACE.queue_name, batch_size=10)
def figures_from_marketplace(event: Any) -> dict[str, Any]:
    """Partner deliveries failing, endpoints disabled."""
    return consume_batch(event.to_dict(), MARKETPLACE, _count)
