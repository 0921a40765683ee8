"""What every service's timers share: the clock a scheduled run works to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def scheduled_at(event: Any) -> datetime:
    """The time EventBridge ran the schedule (the event's ``time``): the sweep's clock. In AWS it is the
    moment of the run; ``fh dev`` can run a sweep ahead of its clock (``POST /_dev/schedules/{name}``),
    and a test can fire one at a given time (``stack.runner.fire_schedule``). Now when the event has none."""
    try:
        return datetime.strptime(event.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (AttributeError, TypeError, ValueError):
        return datetime.now(UTC)
