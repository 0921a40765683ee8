"""The rules of reading leave: who may see whose, and which windows a query may ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.auth import Principal
from shared.errors import Forbidden, RuleViolation

# Who may see other people's leave (to roster around it); everyone sees their own.
LEAVE_READERS = ("hospital_admin", "department_head", "head_nurse", "scheduler")
LONGEST_LEAVE = timedelta(days=366)  # a window query reaches back this far for leave still running
LONGEST_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Window:
    """Leave overlapping [first, last]: it started on or after ``starts_from`` (at most LONGEST_LEAVE
    before the window) and by ``last``, and it ends on or after ``first``."""

    first: date
    last: date

    @property
    def starts_from(self) -> date:
        return self.first - LONGEST_LEAVE


def window(principal: Principal, staff_id: str | None, first: date, last: date) -> Window:
    """The window a leave query may read, or the reason it may not."""
    if last < first:
        raise RuleViolation("the window ends before it starts", field="to")
    if last - first > LONGEST_WINDOW:
        raise RuleViolation("ask for at most a year at a time", field="to")
    if staff_id != principal.staff and not principal.has_any_role(LEAVE_READERS):
        raise Forbidden("only your own leave, unless you roster others")
    return Window(first, last)


def check_leave(start: date, end: date, instance_id: str) -> None:
    if end < start:
        raise ValueError(f"leave {instance_id} ends before it starts")  # retried, then the DLQ
