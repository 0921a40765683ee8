"""Scheduling's event consumers: thin SQS handlers calling the service layer once per event."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.consumer import consume_batch
from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

STAFF_PROJECTION = Subscription(
    service="scheduling",
    name="staff-projection",
    source="messaging",
    event_types=("staff.created", "staff.updated", "staff.left"),
    budget={"GetItem": 1, "TransactWriteItems": 1},  # the projection read, then written with the marker
)
APPROVED_LEAVE = Subscription(
    service="scheduling",
    name="approved-leave",
    source="approvals",
    event_types=("approval.leave.approved",),
    budget={"GetItem": 1, "TransactWriteItems": 1},  # the person's name; the leave item with the marker
)
CANCELLED_LEAVE = Subscription(
    service="scheduling",
    name="cancelled-leave",
    source="approvals",
    event_types=("approval.leave.cancelled",),
    budget={"TransactWriteItems": 1},  # the leave marked cancelled (an update, no read) with the marker
)
ROSTER_DECISIONS = Subscription(
    service="scheduling",
    name="roster-decisions",
    source="approvals",
    event_types=("approval.roster.decided",),
    budget={"GetItem": 1, "TransactWriteItems": 1},  # the period's header; it moves on, with the marker
)
ON_DUTY = Subscription(
    service="scheduling",
    name="on-duty",
    source="scheduling",
    event_types=("roster.published",),
    # what the read model holds of the period and the version published (two GetItems), the marker with
    # the inbox's in one transaction, and the version's items: a BatchWriteItem per 25 of its on-duty
    # shifts, nurses' shift lists and stale items (``per_item``), at least one for each kind
    budget={"GetItem": 2, "TransactWriteItems": 1, "BatchWriteItem": 2},
    per_item={"BatchWriteItem": 1 / 25},
)
LEAVE_DISRUPTIONS = Subscription(
    service="scheduling",
    name="leave-disruptions",
    source="approvals",
    event_types=("approval.leave.approved",),
    # the person's ward and name; the ward's periods around the leave (its list); per published one the
    # leave touches: its live version and whether the disruption is flagged already; the rosterers to
    # tell (the units, the ward's staff); the disruptions and their events with the marker
    budget={"GetItem": 3, "Query": 3, "TransactWriteItems": 1},
)
CANCELLED_LEAVE_DISRUPTIONS = Subscription(
    service="scheduling",
    name="cancelled-leave-disruptions",
    source="approvals",
    event_types=("approval.leave.cancelled",),
    # the person's ward; the ward's periods around the leave (its list); per published one: the leave's
    # disruption; the dismissals, their audit records and the marker in one transaction
    budget={"GetItem": 3, "Query": 1, "TransactWriteItems": 1},
)
SWAP_DECISIONS = Subscription(
    service="scheduling",
    name="swap-decisions",
    source="approvals",
    event_types=("approval.swap.decided",),
    # the swap, the approver's name (the directory), the live version as the rules see it (the period's
    # partition, its version, the ward's setup, catalogue, nurses, calendar, the previous period, leave);
    # the new version, the swap and the marker in one transaction
    budget={"GetItem": 5, "Query": 6, "TransactWriteItems": 1},
)
SUBSCRIPTIONS = (
    STAFF_PROJECTION,
    APPROVED_LEAVE,
    CANCELLED_LEAVE,
    ROSTER_DECISIONS,
    ON_DUTY,
    LEAVE_DISRUPTIONS,
    CANCELLED_LEAVE_DISRUPTIONS,
    SWAP_DECISIONS,
)


@consumers.on_sqs_message(queue=STAFF_PROJECTION.queue_name, batch_size=10)
def on_directory_staff(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import staff  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), STAFF_PROJECTION, staff.project_staff)


@consumers.on_sqs_message(queue=APPROVED_LEAVE.queue_name, batch_size=10)
def on_leave_approved(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import leave  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), APPROVED_LEAVE, leave.record_leave)


@consumers.on_sqs_message(queue=CANCELLED_LEAVE.queue_name, batch_size=10)
def on_leave_cancelled(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import leave  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), CANCELLED_LEAVE, leave.cancel_leave)


@consumers.on_sqs_message(queue=ROSTER_DECISIONS.queue_name, batch_size=10)
def on_roster_decided(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import periods  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), ROSTER_DECISIONS, periods.record_decision)


@consumers.on_sqs_message(queue=ON_DUTY.queue_name, batch_size=1)
def on_roster_published(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import periods  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), ON_DUTY, periods.project_published)


@consumers.on_sqs_message(queue=LEAVE_DISRUPTIONS.queue_name, batch_size=10)
def on_leave_disrupting(event: Any) -> dict[str, Any]:
    """Leave approved after publishing: the live cells it takes are flagged for repair."""
    from chalicelib.scheduling.service import repairs  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), LEAVE_DISRUPTIONS, repairs.flag_leave)


@consumers.on_sqs_message(queue=CANCELLED_LEAVE_DISRUPTIONS.queue_name, batch_size=10)
def on_leave_cancelled_disruptions(event: Any) -> dict[str, Any]:
    """Leave cancelled (销假): the disruptions it flagged and nobody repaired are dismissed."""
    from chalicelib.scheduling.service import repairs  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), CANCELLED_LEAVE_DISRUPTIONS, repairs.drop_cancelled_leave)


@consumers.on_sqs_message(queue=SWAP_DECISIONS.queue_name, batch_size=10)
def on_swap_decided(event: Any) -> dict[str, Any]:
    from chalicelib.scheduling.service import swaps  # when a batch arrives (see shared.app)

    return consume_batch(event.to_dict(), SWAP_DECISIONS, swaps.record_decision)
