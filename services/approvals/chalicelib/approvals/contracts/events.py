"""The events approvals publishes: their types and payloads live in the published catalog
(``shared.events.published.approvals``), where their consumers parse them with the same models;
``create_app(event_types=...)`` exports ``EVENT_TYPES`` from here.

Events are thin: ids, codes and statuses, never form contents (except the leave facts and the roster
period scheduling needs).
"""

from __future__ import annotations

from shared.events.published.approvals import (
    APPROVALS_EVENTS,
    CC,
    ESCALATED,
    INSTANCE_EVENTS,
    LEAVE_APPROVED,
    LEAVE_CANCELLED,
    REMINDED,
    ROSTER_DECIDED,
    SWAP_DECIDED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    URGED,
    CarbonCopied,
    InstanceEvent,
    LeaveApproved,
    LeaveCancelled,
    RosterDecided,
    SwapDecided,
    TaskEscalated,
    TaskEvent,
    Urged,
)

EVENT_TYPES = APPROVALS_EVENTS

__all__ = [
    "CC",
    "ESCALATED",
    "EVENT_TYPES",
    "INSTANCE_EVENTS",
    "LEAVE_APPROVED",
    "LEAVE_CANCELLED",
    "REMINDED",
    "ROSTER_DECIDED",
    "SWAP_DECIDED",
    "TASK_ASSIGNED",
    "TASK_COMPLETED",
    "URGED",
    "CarbonCopied",
    "InstanceEvent",
    "LeaveApproved",
    "LeaveCancelled",
    "RosterDecided",
    "SwapDecided",
    "TaskEscalated",
    "TaskEvent",
    "Urged",
]
