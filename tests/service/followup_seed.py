"""Patients and tasks on moto for follow-up's HTTP tests and the quality gates' recipes, written through
the store (as registration and enrolment would), so a test of links and results does not depend on
those routes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.tasks import Task

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork

SEEDER = "seed-his"


def _write(tenant: str, change: Any) -> None:
    principal = Principal(tenant=tenant, user=SEEDER, kind="service", scopes=frozenset({"followup:intake"}))
    with UnitOfWork("followup", principal, "seed") as uow:
        change(DynamoStore(tenant, uow, principal))
        uow.commit()


def seed_patient(
    tenant: str, department_id: str, name_mask: str = "张*", department_name: str = "心内科"
) -> str:
    """A patient of ``department_id`` (sealed values are placeholders: these tests never reveal them)."""
    pid = f"p{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC)
    patient = Patient(
        id=pid,
        masked={"name": name_mask, "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed", "id_number": "sealed", "mobile": "sealed"},
        id_number_index=uuid.uuid4().hex,
        mobile_index=uuid.uuid4().hex,
        sex="male",
        birth_date=date(1958, 3, 1),
        department_id=department_id,
        department_name=department_name,
        created_at=now,
        updated_at=now,
    )
    _write(tenant, lambda s: s.patients.add(patient, Conflict("taken")))
    return pid


def seed_task(
    tenant: str,
    patient_id: str,
    department_id: str,
    doctor_id: str = "",
    doctor_name: str = "",
    kind: str = "questionnaire",
    detail: dict[str, Any] | None = None,
    label: str = "张*",
) -> str:
    """An open task of the patient due today (a plan step, as enrolment makes them)."""
    task = Task(
        id=f"{patient_id}-{uuid.uuid4().hex[:10]}",
        patient_id=patient_id,
        patient_label=label,
        kind=kind,  # type: ignore[arg-type]
        title="高血压家庭血压监测" if kind == "questionnaire" else "复查化验",
        due=datetime.now(UTC).date(),
        department_id=department_id,
        department_name="心内科",
        doctor_id=doctor_id,
        doctor_name=doctor_name,
        detail=detail if detail is not None else {"questionnaire_code": "hypertension-bp"},
        created_at=datetime.now(UTC),
    )
    _write(tenant, lambda s: s.tasks.add(task))
    return task.id


def read_task(tenant: str, task_id: str) -> Task | None:
    return DynamoStore(tenant).tasks.get(task_id)
