"""A follow-up task: one step of a patient's plan (a call, a questionnaire, a revisit reminder, a lab
check), or an alert to handle, due on a day, for a doctor, a care team or a role of a department.

A task is on three boards at once — its doctor's, its team's and its department's — by state
(``open``, ``done``, ``missed``, ``cancelled``) and due date; "due today" and "overdue" are the open ones
due on or before today. ``window_days`` is how long after ``due`` an open task may still be done before
the daily sweep marks it missed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskKind = Literal["call", "questionnaire", "revisit", "lab", "visit", "alert"]
TaskState = Literal["open", "done", "missed", "cancelled"]
TASK_STATES: tuple[TaskState, ...] = ("open", "done", "missed", "cancelled")
Outcome = Literal["reached", "not_reached", "refused", "lost", "deceased"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "not_reached", "refused", "lost", "deceased")
BoardScope = Literal["doctor", "team", "department"]


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    kind: TaskKind
    title: str
    due: date
    window_days: int = 7
    department_id: str
    department_name: str = ""
    doctor_id: str = ""
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    role: str = Field("", description="the role that does it when no doctor is named (e.g. nurse)")
    enrolment_id: str = ""
    plan_id: str = ""
    step_id: str = ""
    urgent: bool = False
    detail: dict[str, Any] = Field(
        default_factory=dict,
        description="what the step needs: questionnaire_id, lab items and ranges, the alert's result",
    )
    state: TaskState = "open"
    outcome: Outcome | None = None
    outcome_reason: str = ""
    notes: str = ""
    done_by: str = ""
    done_by_name: str = ""
    done_at: datetime | None = None
    created_at: datetime
    revision: int = 0

    def closes_on(self) -> date:
        """The last day it may be done; the next day's sweep marks it missed."""
        return self.due + timedelta(days=self.window_days)

    def board_owners(self) -> dict[BoardScope, str]:
        """The boards it is on: its doctor's, its team's, its department's (the ones it has)."""
        owners: dict[BoardScope, str] = {"department": self.department_id}
        if self.doctor_id:
            owners["doctor"] = self.doctor_id
        if self.team_id:
            owners["team"] = self.team_id
        return owners
