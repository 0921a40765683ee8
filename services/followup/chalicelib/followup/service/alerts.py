"""Raising an abnormal-result alert inside the unit of work of the result that found it (a response, a lab
value): the doctor's ``alert`` task and ``followup.alert.raised`` (messaging tells the people it names —
a work notification, a DING when urgent). Whom to tell: the responsible doctor, else the active doctors
of the department following the patient (one Query of the directory)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.followup.domain.ports import Directory, Store
from chalicelib.followup.domain.results import Responsible, alert_task
from chalicelib.followup.domain.tasks import Task

from shared.events.published.followup import (
    FOLLOWUP_ALERT_RAISED,
    FOLLOWUP_TASK_DONE,
    AlertRaised,
    TaskEvent,
)
from shared.ids import new_id

HOSPITAL_TZ = ZoneInfo("Asia/Shanghai")


def _today(now: datetime) -> date:
    """The hospital's date now (an alert is due the day it is raised)."""
    return now.astimezone(HOSPITAL_TZ).date()


def notify_list(store: Store, directory: Directory, responsible: Responsible) -> list[str]:
    """The doctor; else the responsible care team's members; else the department's active doctors (at
    most 20)."""
    if responsible.doctor_id:
        return [responsible.doctor_id]
    if responsible.team_id:
        team = store.teams.get(responsible.team_id)
        if team is not None and team.members:
            return sorted(team.member_ids())[:20]
    doctors = directory.with_role(store.tenant, "doctor", responsible.department_id)
    return [d.id for d in doctors][:20]


def raise_alert(
    store: Store,
    directory: Directory,
    patient_id: str,
    patient_label: str,
    responsible: Responsible,
    findings: list[str],
    urgent: bool,
    source: dict[str, Any],
    now: datetime,
) -> Task:
    """Stage the alert task and its event; returns the task."""
    task = alert_task(
        f"{patient_id}-{new_id()}",
        patient_id,
        patient_label,
        responsible,
        findings,
        urgent,
        source,
        _today(now),
        now,
    )
    store.tasks.add(task)
    store.emit(
        FOLLOWUP_ALERT_RAISED.envelope(
            store.tenant,
            AlertRaised(
                alert_id=task.id,
                patient_id=patient_id,
                patient_label=patient_label,
                task_id=task.id,
                department_id=task.department_id,
                notify=notify_list(store, directory, responsible),
                title=task.title,
                urgent=urgent,
            ),
        )
    )
    return task


def task_done_event(store: Store, task: Task) -> None:
    """``followup.task.done`` for a task just done (staged with it)."""
    store.emit(
        FOLLOWUP_TASK_DONE.envelope(
            store.tenant,
            TaskEvent(
                task_id=task.id,
                patient_id=task.patient_id,
                enrolment_id=task.enrolment_id,
                kind=task.kind,
                title=task.title,
                due=task.due,
                department_id=task.department_id,
                doctor_id=task.doctor_id,
                team_id=task.team_id,
                outcome=task.outcome or "",
            ),
        )
    )
