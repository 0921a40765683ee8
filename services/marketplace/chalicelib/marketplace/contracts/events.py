"""The events the marketplace publishes: their types and payloads live in the published catalog
(``shared.events.published.marketplace``); ``create_app(event_types=...)`` exports ``EVENT_TYPES``
from here."""

from __future__ import annotations

from shared.events.published.marketplace import MARKETPLACE_EVENTS

EVENT_TYPES = MARKETPLACE_EVENTS
