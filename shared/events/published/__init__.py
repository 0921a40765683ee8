"""The published event catalog: every event type a service emits, with its payload model.

A producer emits these types (its ``contracts/events.py`` takes them from here) and a consumer parses
them with the same model (``TYPE.parse(envelope)``), so producer and consumer cannot drift apart
without a test noticing, and services still never import each other. ``fh schemas`` publishes their
JSON Schemas for partners. A consumer meeting a type or schema version it does not know fails that
message alone (``shared.events.consumer.check_payload``): retried, then the DLQ, never half-applied.

Import the producer's module (``shared.events.published.messaging``) for its types and models.
"""

from __future__ import annotations

from typing import Any

from shared.events.envelope import EventType
from shared.events.published.approvals import APPROVALS_EVENTS
from shared.events.published.followup import FOLLOWUP_EVENTS
from shared.events.published.marketplace import MARKETPLACE_EVENTS
from shared.events.published.messaging import MESSAGING_EVENTS
from shared.events.published.reports import REPORTS_EVENTS
from shared.events.published.scheduling import SCHEDULING_EVENTS

CATALOG: dict[str, EventType[Any]] = {
    t.name: t
    for t in (
        *MESSAGING_EVENTS,
        *APPROVALS_EVENTS,
        *SCHEDULING_EVENTS,
        *FOLLOWUP_EVENTS,
        *MARKETPLACE_EVENTS,
        *REPORTS_EVENTS,
    )
}


def event_type(name: str) -> EventType[Any] | None:
    return CATALOG.get(name)
