"""Set-up the follow-up HTTP tests share: a department with its staff made through messaging's API, and
patients written through follow-up's store (the registration route is another feature's)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.domain.patients import Patient

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def department(stack: Any, admin: str, name: str) -> str:
    status, made = stack.request("POST", "/messaging/departments", admin, {"name": name})
    assert status == 201, made
    return str(made["id"])


def put_patient(tenant: str, patient_id: str, department_id: str, department_name: str = "") -> Patient:
    """A patient as registration leaves one (masked and sealed), written straight into the store."""
    made = Patient(
        id=patient_id,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed-name", "id_number": "sealed-idn", "mobile": "sealed-mobile"},
        id_number_index=f"idn-{patient_id}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=department_id,
        department_name=department_name,
        created_at=AT,
        updated_at=AT,
    )
    principal = Principal(tenant=tenant, user="registrar", kind="staff", roles=frozenset({"hospital_admin"}))
    with UnitOfWork("followup", principal, "set-up") as uow:
        DynamoStore(tenant, uow, principal).patients.add(made, Conflict("taken"))
        uow.commit()
    return made
