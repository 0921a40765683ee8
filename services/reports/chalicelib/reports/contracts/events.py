"""The events the reports service publishes: their types and payloads live in the published catalog
(``shared.events.published.reports``); ``create_app(event_types=...)`` exports ``EVENT_TYPES`` from here."""

from __future__ import annotations

from shared.events.published.reports import REPORTS_EVENTS

EVENT_TYPES = REPORTS_EVENTS
