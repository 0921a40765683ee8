"""Deputies (代理人): an approver names someone to stand in for them over a period (leave, a trip).

While the period covers the moment a task is assigned, the task goes to the deputy as well, and what the
deputy does on it is recorded as acting for the approver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

LONGEST = timedelta(days=366)


class Delegation(BaseModel):
    approver: str
    deputy: str
    start: datetime
    end: datetime
    reason: str = ""

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


def check_delegation(delegation: Delegation, now: datetime) -> list[tuple[str, str]]:
    """What is wrong with a delegation someone sets for themselves (field, message)."""
    errors = []
    if delegation.deputy == delegation.approver:
        errors.append(("deputy_id", "you cannot be your own deputy"))
    if delegation.end <= delegation.start:
        errors.append(("end", "the period must end after it starts"))
    elif delegation.end <= now:
        errors.append(("end", "the period is already over"))
    elif delegation.end - delegation.start > LONGEST:
        errors.append(("end", "a deputy stands in for at most a year at a time"))
    return errors


def deputies_at(delegations: list[Delegation], approvers: set[str], at: datetime) -> dict[str, str]:
    """approver → deputy for those of ``approvers`` whose delegation covers ``at``."""
    return {d.approver: d.deputy for d in delegations if d.approver in approvers and d.covers(at)}
