"""Writes an onboarding to a province's tables: the tenant record, the administrator's unit and the
administrator, in one transaction with their outbox events and audit records (as messaging would).

Works against whatever DynamoDB the environment points at: a deployed province (credentials + region) or
the local runtime's moto server (``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError

from fh.tenancy import ADMIN_ROLE, Onboarding
from shared.auth import Principal
from shared.directory import (
    PROVINCE_HOSPITALS,
    DepartmentItem,
    EmployeeNumberClaim,
    HospitalItem,
    SignInItem,
    StaffItem,
)
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.ids import new_id
from shared.persistence.models import now_utc, tenant_key
from shared.persistence.uow import UnitOfWork

# Onboarding writes the directory, which messaging owns: its outbox carries the events.
OWNER = "messaging"
# A province-wide index of hospitals (for operators and the sweeps): the only key that does not start with a
# tenant id.
PROVINCE_TENANTS = PROVINCE_HOSPITALS


@dataclass(frozen=True)
class Onboarded:
    tenant: str
    unit_id: str
    admin_id: str


def _event(tenant: str, type_: str, data: dict[str, str | None]) -> EventEnvelope:
    return EventEnvelope(source=OWNER, type=type_, tenant=tenant, data=data)


def _search_entries(admin: StaffItem) -> list[Any]:
    """The admin's search entries, as messaging writes them with every member of staff it adds: found
    by name, pinyin, initials or 工号 from the start."""
    from fh.services import add_service_paths

    add_service_paths()
    from chalicelib.messaging.adapters.dynamodb import search_entries
    from chalicelib.messaging.domain.records import StaffRecord

    record = StaffRecord(
        id=admin.sk,
        name=admin.name,
        employee_no=admin.employee_no,
        department_id=admin.department_id,
        created_at=admin.created_at,
        updated_at=admin.updated_at,
        roles=list(admin.roles),
        user_id=admin.user_id,
        search_tokens=list(admin.search_tokens),
    )
    return list(search_entries(admin.tenant, record, version=1))


def _search_tokens(name: str, employee_no: str) -> list[str]:
    from fh.services import add_service_paths

    add_service_paths()
    from chalicelib.messaging.domain.staff_search import search_tokens

    return list(search_tokens(name, employee_no))


def _hospital(tenant: str, name: str, province: str, timezone: str) -> HospitalItem:
    """The province's record of a hospital (the shared directory's ``HospitalItem``, which messaging
    reads to invite a hospital), also listed province-wide through gsi1."""
    return HospitalItem(
        HospitalItem.partition(tenant),
        tenant,
        entity="tenant",
        tenant=tenant,
        name=name,
        province=province,
        timezone=timezone,
        gsi1pk=PROVINCE_TENANTS,
        gsi1sk=tenant,
    )


def register(tenant: str, name: str, province: str, timezone: str = "Asia/Shanghai") -> None:
    """The province's record of a hospital whose directory is made another way (the local demo seed,
    through the API; tests); an existing record is kept."""
    try:
        _hospital(tenant, name, province, timezone).save(condition=HospitalItem.sk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def onboard(plan: Onboarding, operator: str) -> Onboarded:
    """Create the hospital; a tenant id that exists already is a ``Conflict`` and nothing is written."""
    tenant = plan.tenant
    unit_id, admin_id = new_id(), new_id()
    record = _hospital(tenant, plan.name, plan.province, plan.timezone)
    unit = DepartmentItem(
        DepartmentItem.partition(tenant), unit_id, entity="department", tenant=tenant, name=plan.admin_unit
    )
    admin = StaffItem(
        StaffItem.partition(tenant),
        admin_id,
        entity="staff",
        tenant=tenant,
        name=plan.admin_name,
        employee_no=plan.admin_employee_no,
        department_id=unit_id,
        roles=[ADMIN_ROLE],
        search_tokens=_search_tokens(plan.admin_name, plan.admin_employee_no),
        created_at=now_utc(),
        updated_at=now_utc(),
    )
    if plan.admin_user:
        # Links the administrator to their identity-provider subject, as messaging does for staff.
        admin.user_id = plan.admin_user
        admin.gsi1pk = tenant_key(tenant, "user")
        admin.gsi1sk = plan.admin_user
    claim = EmployeeNumberClaim(
        EmployeeNumberClaim.partition(tenant),
        plan.admin_employee_no,
        entity="staffno",
        tenant=tenant,
        staff_id=admin_id,
    )
    # Her sign-in, as messaging binds one for every member of staff: her token acts as her record, and
    # what she writes carries her name (as every sign-in messaging binds does).
    sign_in = SignInItem.new(
        tenant, plan.admin_user or admin_id, staff_id=admin_id, roles=[ADMIN_ROLE], name=plan.admin_name
    )
    principal = Principal(tenant=tenant, user=f"devops:{operator}", kind="service")
    with UnitOfWork(OWNER, principal, request_id=f"onboard-{tenant}") as uow:
        uow.create(record, on_conflict=Conflict(f"tenant {tenant} already exists"))
        uow.create(unit)
        uow.create(admin)
        uow.create(claim)
        uow.create(sign_in)
        for entry in _search_entries(admin):
            uow.save(entry)
        uow.emit(_event(tenant, "department.created", {"department_id": unit_id, "parent_id": None}))
        uow.emit(_event(tenant, "staff.created", {"staff_id": admin_id, "department_id": unit_id}))
        uow.audit("tenant.create", "tenant", tenant, after={"name": plan.name, "province": plan.province})
        uow.audit("department.create", "department", unit_id, after={"name": plan.admin_unit})
        uow.audit("staff.create", "staff", admin_id, after={"name": plan.admin_name, "roles": [ADMIN_ROLE]})
        uow.commit()
    return Onboarded(tenant=tenant, unit_id=unit_id, admin_id=admin_id)
