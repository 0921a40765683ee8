"""Follow-up's figures per department and month (the indicators a hospital is judged on), each a numerator
over a denominator, from counters its own events move.

A task counts in the month of its **due date** (the hospital's calendar) once it is concluded — done or
missed; an open task is not counted yet, a cancelled one (the patient died) never:

- **follow-up rate** (随访率) = tasks done with outcome ``reached`` / tasks due in the month (done + missed);
- **on-time rate** (及时率) = tasks done on or before their due date (the hospital's day of the done event) /
  tasks done;
- **lost-to-follow-up rate** (失访率) = tasks done with outcome ``lost`` / tasks due in the month;
- **abnormal results found** (异常发现) = ``followup.alert.raised`` in the month (the hospital's day it was
  raised) / tasks done in the month.

``enrolled`` (patients enrolled whose discharge date is in the month) is shown beside them: the cohort the
month's tasks come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

COUNTERS = ("enrolled", "done", "missed", "reached", "on_time", "lost", "alerts")


@dataclass(frozen=True)
class Counts:
    """One department's counters for one month (all zero when nothing happened)."""

    enrolled: int = 0
    done: int = 0
    missed: int = 0
    reached: int = 0
    on_time: int = 0
    lost: int = 0
    alerts: int = 0

    @property
    def due(self) -> int:
        return self.done + self.missed


@dataclass(frozen=True)
class Figure:
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        """The ratio to four places, or None over an empty denominator (not 0: nothing was measured)."""
        return round(self.numerator / self.denominator, 4) if self.denominator else None


def figures(counts: Counts) -> dict[str, Figure]:
    return {
        "followup_rate": Figure(counts.reached, counts.due),
        "on_time_rate": Figure(counts.on_time, counts.done),
        "lost_rate": Figure(counts.lost, counts.due),
        "abnormal_results": Figure(counts.alerts, counts.done),
    }


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def on_done(outcome: str, due: date, done_on: date) -> dict[str, int]:
    """What a task done moves, in its due month."""
    moves = {"done": 1}
    if outcome == "reached":
        moves["reached"] = 1
    if outcome == "lost":
        moves["lost"] = 1
    if done_on <= due:
        moves["on_time"] = 1
    return moves
