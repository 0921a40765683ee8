"""What scheduling keeps: its projection of the directory's staff and the approved leave it rosters around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class StaffRecord:
    """A member of staff as scheduling knows them: the directory's current state, projected."""

    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    projected_at: datetime


@dataclass(frozen=True)
class LeaveRecord:
    """Approved leave (one approval): the person is unavailable from ``start`` to ``end``, both included."""

    staff_id: str
    instance_id: str
    leave_type: str
    start: date
    end: date
    recorded_at: datetime
    staff_name: str = ""  # as the directory named them when the leave was approved
