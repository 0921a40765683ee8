"""The marketplace's consumers: the webhook dispatcher (one subscription per producing service, every
event type some scope allows) and its own lifecycle events (the installation's endpoint made, changed,
disabled; ``app.*`` delivered to that installation).

Each applies the event once (the inbox marker) — one message per installation, a timer due now — and
then sends the messages at once; a crash before the send loses nothing (the sweep finds the timers).
The event types are listed here literally (no catalog import at start-up);
``tests/unit/marketplace/test_dispatch.py`` checks they are every type some scope allows.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

# The hospital's standing (one Query), its endpoints (one Query, only when an installation may hear
# it); messages, timers and the inbox marker (one transaction). Each message is then sent at once:
# its timer claimed (one UpdateItem) and the attempt recorded (one transaction) — per installation.
FAN_OUT = {"Query": 2, "TransactWriteItems": 1}
PER_DELIVERY = {"UpdateItem": 1.0, "TransactWriteItems": 1.0}


def _sub(source: str, types: tuple[str, ...]) -> Subscription:
    return Subscription(
        service="marketplace",
        name=f"webhooks-{source}",
        source=source,
        event_types=types,
        budget=FAN_OUT,
        per_item=PER_DELIVERY,
    )


MESSAGING = _sub(
    "messaging",
    (
        "department.created",
        "department.updated",
        "department.moved",
        "department.removed",
        "staff.created",
        "staff.updated",
        "staff.left",
    ),
)
APPROVALS = _sub(
    "approvals",
    (
        "approval.instance.submitted",
        "approval.instance.approved",
        "approval.instance.rejected",
        "approval.instance.withdrawn",
        "approval.instance.returned",
        "approval.instance.cancelled",
        "approval.task.assigned",
        "approval.task.completed",
        "approval.task.reminded",
        "approval.task.escalated",
        "approval.instance.urged",
        "approval.instance.cc",
        "approval.leave.approved",
        "approval.leave.cancelled",
        "approval.roster.decided",
        "approval.swap.decided",
    ),
)
SCHEDULING = _sub(
    "scheduling",
    (
        "roster.submitted",
        "roster.published",
        "roster.disrupted",
        "roster.swap.requested",
        "roster.swap.failed",
        "roster.swap.cancelled",
        "roster.withdrawn",
    ),
)
FOLLOWUP = _sub(
    "followup",
    (
        "followup.revisit.requested",
        "followup.revisit.claimed",
        "followup.revisit.closed",
        "referral.requested",
        "referral.accepted",
        "referral.rejected",
        "referral.arrived",
        "referral.no_show",
        "referral.completed",
        "referral.cancelled",
        "referral.overdue",
        "consultation.requested",
        "consultation.accepted",
        "consultation.answered",
        "consultation.reminded",
        "consultation.overdue",
        "consultation.cancelled",
    ),
)
# The installation's endpoint (one GetItem); made or changed, its message and timer, the partner's
# placement, the inbox marker (one transaction); then the message sent at once.
LIFECYCLE = Subscription(
    service="marketplace",
    name="webhooks-lifecycle",
    source="marketplace",
    event_types=("app.installed", "app.upgraded", "app.uninstalled"),
    budget={"GetItem": 1, "TransactWriteItems": 2, "UpdateItem": 1},
)
DISPATCH = (MESSAGING, APPROVALS, SCHEDULING, FOLLOWUP)
SUBSCRIPTIONS = (*DISPATCH, LIFECYCLE)


def _consume(event: Any, subscription: Subscription, lifecycle: bool) -> dict[str, Any]:
    from chalicelib.marketplace.service import dispatch

    return dispatch.consume(event.to_dict(), subscription, lifecycle)


@consumers.on_sqs_message(queue=MESSAGING.queue_name, batch_size=10)
def on_messaging_event(event: Any) -> dict[str, Any]:
    """Directory events to the installations holding directory:read."""
    return _consume(event, MESSAGING, False)


@consumers.on_sqs_message(queue=APPROVALS.queue_name, batch_size=10)
def on_approvals_event(event: Any) -> dict[str, Any]:
    """Approval events to the installations holding approvals:read."""
    return _consume(event, APPROVALS, False)


@consumers.on_sqs_message(queue=SCHEDULING.queue_name, batch_size=10)
def on_scheduling_event(event: Any) -> dict[str, Any]:
    """Roster events to the installations holding roster:read."""
    return _consume(event, SCHEDULING, False)


@consumers.on_sqs_message(queue=FOLLOWUP.queue_name, batch_size=10)
def on_followup_event(event: Any) -> dict[str, Any]:
    """Revisit, referral and consultation events to the installations whose scopes allow them."""
    return _consume(event, FOLLOWUP, False)


@consumers.on_sqs_message(queue=LIFECYCLE.queue_name, batch_size=10)
def on_lifecycle_event(event: Any) -> dict[str, Any]:
    """An app installed, upgraded or uninstalled: its endpoint, and the event delivered to it."""
    return _consume(event, LIFECYCLE, True)
