"""Approvals' consumers: a roster period submitted by scheduling starts its 排班审批, a nurse's swap its 换班;
the period withdrawn or the swap cancelled there withdraws that approval.

Each function imports the service module it needs when it runs: every Lambda function of the service
loads this module, and one consumer should not start up with the others' code (see ``shared.app``).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.consumer import consume_batch
from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

ROSTER_SUBMITTED = Subscription(
    service="approvals",
    name="roster-submitted",
    source="scheduling",
    event_types=("roster.submitted",),
    # the approval (started already?), the template by its code (claim, template), the wards' units, the
    # directory for the route (the submitter, her supervisor, the department's head: GetItems), her name
    # and the approvers' deputies (BatchGets); the approval with its lists, timer, record, events and audit
    # (or the failure's event) with the marker
    budget={"GetItem": 9, "BatchGetItem": 2, "TransactWriteItems": 1},
)
SWAP_REQUESTED = Subscription(
    service="approvals",
    name="swap-requested",
    source="scheduling",
    event_types=("roster.swap.requested",),
    # as roster-submitted: the approval (started already?), the template, the directory for the route
    # (the nurse, the colleague, the head nurses of her unit, its head), her name and the approvers'
    # deputies; the approval with its lists, timer, record, events and audit (or the failure) with the marker
    budget={"GetItem": 9, "Query": 2, "BatchGetItem": 2, "TransactWriteItems": 1},
)
ROSTER_WITHDRAWN = Subscription(
    service="approvals",
    name="roster-withdrawn",
    source="scheduling",
    event_types=("roster.withdrawn",),
    # the approval; if still pending, the withdrawal with its record, lists, timer, events and audit
    # with the marker
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
SWAP_CANCELLED = Subscription(
    service="approvals",
    name="swap-cancelled",
    source="scheduling",
    event_types=("roster.swap.cancelled",),
    # as roster-withdrawn
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
SUBSCRIPTIONS = (ROSTER_SUBMITTED, SWAP_REQUESTED, ROSTER_WITHDRAWN, SWAP_CANCELLED)


@consumers.on_sqs_message(queue=ROSTER_SUBMITTED.queue_name, batch_size=10)
def on_roster_submitted(event: Any) -> dict[str, Any]:
    """A head nurse submitted a roster period: its 排班审批 starts (or the failure is answered)."""
    from chalicelib.approvals.service import roster

    return consume_batch(event.to_dict(), ROSTER_SUBMITTED, roster.start_approval)


@consumers.on_sqs_message(queue=SWAP_REQUESTED.queue_name, batch_size=10)
def on_swap_requested(event: Any) -> dict[str, Any]:
    """A nurse proposed a swap in scheduling: its 换班 starts (or the failure is answered)."""
    from chalicelib.approvals.service import swap

    return consume_batch(event.to_dict(), SWAP_REQUESTED, swap.start_approval)


@consumers.on_sqs_message(queue=ROSTER_WITHDRAWN.queue_name, batch_size=10)
def on_roster_withdrawn(event: Any) -> dict[str, Any]:
    """A head nurse withdrew a submitted roster period: its 排班审批, if still pending, is withdrawn."""
    from chalicelib.approvals.service import roster

    return consume_batch(event.to_dict(), ROSTER_WITHDRAWN, roster.withdraw_approval)


@consumers.on_sqs_message(queue=SWAP_CANCELLED.queue_name, batch_size=10)
def on_swap_cancelled(event: Any) -> dict[str, Any]:
    """A nurse cancelled her swap in scheduling: its 换班, if still pending, is withdrawn."""
    from chalicelib.approvals.service import swap

    return consume_batch(event.to_dict(), SWAP_CANCELLED, swap.withdraw_approval)
