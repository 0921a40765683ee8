"""A discharge (the encounter) and the enrolment it starts: a plan at one version, and its tasks.

An **encounter** is the discharge as the HIS (or a member of staff) reported it: diagnoses, department,
procedure, discharge date, responsible doctor and team. It is kept whether a plan matched or not.

An **enrolment** is the patient on a plan at the version it had that day, from the discharge date,
with the responsible doctor and team. Its tasks exist up to ``materialised_to``: the first year at
enrolment; a lifelong plan is extended a year ahead at a time (``extend``), each task keyed on its
ordinal in the plan (``<enrolment_id>-<n>``), so extending twice makes nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.plans import HORIZON_DAYS, Plan, due_on, occurrences
from chalicelib.followup.domain.tasks import Task
from pydantic import BaseModel, ConfigDict, Field


class Encounter(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    source: str = Field(description="how the discharge came: api or fhir")
    source_id: str = Field("", description="the HIS's encounter id, if it gave one")
    diagnoses: list[str]
    department_id: str
    department_name: str = ""
    procedure: str = ""
    procedure_name: str = ""
    discharge_date: date
    doctor_id: str
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    enrolment_id: str = Field("", description="the enrolment it started (empty: no plan matched)")
    created_at: datetime
    created_by: str = ""
    revision: int = 0

    def claim(self) -> Encounter:
        """The copy kept under the discharge's claim: what a re-post answers with, without the
        diagnoses (health data stays in the patient's partition, which a purge deletes)."""
        return self.model_copy(update={"diagnoses": [], "procedure": "", "procedure_name": ""})


class Enrolment(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str
    encounter_id: str
    plan_id: str
    plan_name: str
    plan_version: int
    lifelong: bool = False
    discharge_date: date
    department_id: str
    department_name: str = ""
    doctor_id: str
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    state: Literal["active", "ended"] = "active"
    materialised_to: date = Field(description="tasks exist up to this day; a lifelong plan is extended")
    tasks: int = Field(0, description="how many tasks it has made so far")
    created_at: datetime
    updated_at: datetime
    revision: int = 0

    @property
    def day_reached(self) -> int:
        return (self.materialised_to - self.discharge_date).days


def enrol(
    enrolment_id: str,
    patient: Patient,
    encounter: Encounter,
    plan: Plan,
    at: datetime,
) -> tuple[Enrolment, list[Task]]:
    """The enrolment of ``encounter`` in ``plan`` and its tasks for the first year (or the plan's end)."""
    last = plan.last_day
    horizon = HORIZON_DAYS if last is None else min(HORIZON_DAYS, last)
    enrolment = Enrolment(
        id=enrolment_id,
        patient_id=patient.id,
        patient_label=patient.label,
        encounter_id=encounter.id,
        plan_id=plan.id,
        plan_name=plan.name,
        plan_version=plan.version,
        lifelong=last is None,
        discharge_date=encounter.discharge_date,
        department_id=encounter.department_id,
        department_name=encounter.department_name,
        doctor_id=encounter.doctor_id,
        doctor_name=encounter.doctor_name,
        team_id=encounter.team_id,
        team_name=encounter.team_name,
        materialised_to=due_on(encounter.discharge_date, horizon),
        created_at=at,
        updated_at=at,
    )
    tasks = _tasks(enrolment, plan, 0, horizon, at)
    return enrolment.model_copy(update={"tasks": len(tasks)}), tasks


def extend(enrolment: Enrolment, plan: Plan, today: date, at: datetime) -> tuple[Enrolment, list[Task]]:
    """A lifelong enrolment's tasks up to a year after ``today``, from where it stopped or today, whichever
    is later (none when it is that far already, or is not lifelong)."""
    if not enrolment.lifelong or enrolment.state != "active":
        return enrolment, []
    target = (today + timedelta(days=HORIZON_DAYS) - enrolment.discharge_date).days
    # From where it stopped, but never into the past: an extension that comes late (the nightly run
    # down for months) does not fill the boards with tasks already overdue.
    first = max(enrolment.day_reached + 1, (today - enrolment.discharge_date).days)
    if target < first:
        return enrolment, []
    tasks = _tasks(enrolment, plan, first, target, at)
    extended = enrolment.model_copy(
        update={
            "materialised_to": due_on(enrolment.discharge_date, target),
            "tasks": enrolment.tasks + len(tasks),
            "updated_at": at,
        }
    )
    return extended, tasks


def _tasks(enrolment: Enrolment, plan: Plan, first: int, last: int, at: datetime) -> list[Task]:
    out = []
    for occ in occurrences(plan.steps, first, last):
        step = occ.step
        doctor_id, doctor_name, role = enrolment.doctor_id, enrolment.doctor_name, ""
        if step.assignee == "nurse":
            doctor_id, doctor_name, role = "", "", "nurse"
        elif step.assignee == "team" and enrolment.team_id:
            doctor_id, doctor_name = "", ""
        detail = {**step.detail(), "plan_version": plan.version, "day": occ.day}
        out.append(
            Task(
                id=f"{enrolment.id}-{occ.ordinal}",
                patient_id=enrolment.patient_id,
                patient_label=enrolment.patient_label,
                kind=step.kind,
                title=step.title,
                due=due_on(enrolment.discharge_date, occ.day),
                window_days=step.window_days,
                department_id=enrolment.department_id,
                department_name=enrolment.department_name,
                doctor_id=doctor_id,
                doctor_name=doctor_name,
                team_id=enrolment.team_id,
                team_name=enrolment.team_name,
                role=role,
                enrolment_id=enrolment.id,
                plan_id=plan.id,
                step_id=step.id,
                urgent=step.urgent,
                detail=detail,
                created_at=at,
            )
        )
    return out
