"""Set-up the follow-up HTTP tests and the quality gates share: a department made through messaging's API,
and patients written through follow-up's store as registration leaves them — sealed under the stack's
KMS key, found by blind index, masked — without going through the registration route (another feature's)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.adapters.kms import KmsVault
from chalicelib.followup.domain.patients import Patient, masks, resident_id_check

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def department(stack: Any, admin: str, name: str) -> str:
    status, made = stack.request("POST", "/messaging/departments", admin, {"name": name})
    assert status == 201, made
    return str(made["id"])


def resident_id(born: date | None = None) -> str:
    """A resident ID number with a valid GB 11643 check digit (random serial; a random birth date in the
    1940s unless given — with one date, forty patients of one hospital shared a number one run in two)."""
    born = born or date(1940, 1, 1) + timedelta(days=random.randrange(3650))
    head = f"110105{born:%Y%m%d}{random.randrange(1000):03d}"
    return head + resident_id_check(head + "0")


def put_patient(
    tenant: str,
    patient_id: str,
    department_id: str,
    department_name: str = "",
    team_ids: Sequence[str] = (),
    name: str = "张三",
) -> Patient:
    """A patient as registration leaves one, written straight into the store (and, with ``team_ids``,
    signed with those teams as the teams' signing leaves it)."""
    vault = KmsVault()
    number, mobile, address = resident_id(), f"138{random.randrange(10**8):08d}", "北京市朝阳区建国路88号"
    plain = {"name": name, "id_number": number, "mobile": mobile, "address": address}
    made = Patient(
        id=patient_id,
        masked=masks(name, number, mobile, address),
        sealed={field: vault.seal(tenant, value) for field, value in plain.items()},
        id_number_index=vault.digest(tenant, "resident_id", number),
        mobile_index=vault.digest(tenant, "mobile", mobile),
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=department_id,
        department_name=department_name,
        team_ids=list(team_ids),
        created_at=AT,
        updated_at=AT,
    )
    principal = Principal(tenant=tenant, user="registrar", kind="staff", roles=frozenset({"hospital_admin"}))
    with UnitOfWork("followup", principal, "set-up") as uow:
        store = DynamoStore(tenant, uow, principal)
        store.patients.add(made, Conflict("taken"))
        if team_ids:
            from chalicelib.followup.domain.teams import SignedResident

            for team_id in team_ids:
                store.teams.sign(
                    SignedResident(
                        team_id=team_id,
                        patient_id=patient_id,
                        patient_label=made.label,
                        department_id=department_id,
                        signed_by="registrar",
                        signed_at=AT,
                    ),
                    Conflict("signed"),
                )
        uow.commit()
    return made
