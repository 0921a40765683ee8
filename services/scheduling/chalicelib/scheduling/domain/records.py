"""What scheduling keeps: its projection of the directory's staff and the approved leave it rosters around."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.scheduling.domain.problem import Certificate


@dataclass(frozen=True)
class StaffRecord:
    """A member of staff as scheduling knows them: the directory's current state, projected."""

    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    projected_at: datetime
    nurse_grade: str | None = None  # 护理层级 N0–N4
    roles: tuple[str, ...] = ()
    certificates: tuple[Certificate, ...] = ()  # each grants the skill named by its type until it expires
    status: str = "active"  # active or on_leave (someone who left is not in the projection)


@dataclass(frozen=True)
class Unit:
    """A unit of the hospital's directory (院区/科室/病区/小组) as rostering sees it: a ward is one."""

    id: str
    name: str
    kind: str = "ward"
    parent_id: str | None = None
    head_id: str | None = None  # the unit's head (科主任/护士长), as the directory sets it


@dataclass(frozen=True)
class LeaveRecord:
    """Approved leave (one approval): the person is unavailable from ``start``'s ``start_half`` to
    ``end``'s ``end_half`` (am 上午 / pm 下午; whole days unless said), both included. Cancelled leave
    (销假) is kept with ``cancelled_at`` and no longer makes anyone unavailable."""

    staff_id: str
    instance_id: str
    leave_type: str
    start: date
    end: date
    recorded_at: datetime
    start_half: str = "am"
    end_half: str = "pm"
    days: float | None = None
    cancelled_at: datetime | None = None
    staff_name: str = ""  # as the directory named them when the leave was approved ("": not known)
