"""SLA timers (a referral's answer due, a consultation's reminder and escalation): records, free of AWS.

A timer is an item, written in the same transaction as the change that starts it and removed in the one
that answers it (or fires it), so a restart or a crashed sweep loses none: the sweep
(``service/timers.py``, every minute) finds what is due through a system-wide sparse index and hands
each timer to its feature's ``on_timer``, which fires it at most once — its transaction deletes the
timer on the condition that it is still there, so of two overlapping sweeps one applies it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

TimerKind = Literal["referral", "consultation"]


class SlaTimer(BaseModel):
    """One step of one subject's SLA: ``kind`` names the feature, ``subject_id`` its record,
    ``step`` what firing does (``remind``, ``escalate``, … — the feature's words), ``due_at`` when."""

    kind: TimerKind
    subject_id: str
    step: str
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}#{self.subject_id}#{self.step}"
