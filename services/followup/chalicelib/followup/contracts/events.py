"""The events follow-up publishes: their types and payloads live in the published catalog
(``shared.events.published.followup``), where their consumers parse them with the same models;
``create_app(event_types=...)`` exports ``EVENT_TYPES`` from here.

Events are thin: ids, dates and codes, a patient only by id and masked name — never an identifier in full.
"""

from __future__ import annotations

from shared.events.published.followup import FOLLOWUP_EVENTS

EVENT_TYPES = FOLLOWUP_EVENTS
