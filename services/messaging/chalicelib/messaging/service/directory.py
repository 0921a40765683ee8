"""The directory's use cases: departments, staff and the audit trail, each change in one unit of work."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import DepartmentItem, EmployeeNumberClaim, StaffItem
from chalicelib.messaging.contracts.directory import (
    AuditEntry,
    Certificate,
    CreateDepartment,
    CreateStaff,
    Department,
    MoveDepartment,
    RevealedMobile,
    Staff,
    StaffQuery,
    UpdateDepartment,
    UpdateStaff,
)
from chalicelib.messaging.contracts.events import (
    DEPARTMENT_CREATED,
    DEPARTMENT_MOVED,
    DEPARTMENT_UPDATED,
    STAFF_CREATED,
    STAFF_LEFT,
    STAFF_UPDATED,
    DepartmentChanged,
    StaffChanged,
)
from chalicelib.messaging.domain import directory as domain
from chalicelib.messaging.service import certificates

from shared.audit import record_access
from shared.auth import Principal
from shared.crypto import get_blind_index, get_cipher
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from shared.personal import mask_mobile

SERVICE = "messaging"
ADMIN = "hospital_admin"
MAX_DEPTH = domain.MAX_DEPTH  # the deepest unit tree (and supervisor chain) the rules walk
STALE = Conflict("this record was changed by someone else; reload it and try again")


def _department(item: DepartmentItem) -> Department:
    return Department(
        id=item.sk,
        name=item.name,
        kind=item.kind,
        parent_id=item.parent_id,
        head_id=item.head_id,
        version=item.version,
        created_at=item.created_at,
    )


def _certificates_json(certs: list[Certificate]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in certs], ensure_ascii=False)


def _staff(item: StaffItem) -> Staff:
    return Staff(
        id=item.sk,
        name=item.name,
        employee_no=item.employee_no,
        department_id=item.department_id,
        title=item.title,
        nurse_grade=item.nurse_grade,
        roles=list(item.roles or []),
        supervisor_id=item.supervisor_id,
        mobile=item.mobile_masked,
        user_id=item.user_id,
        certificates=json.loads(item.certificates or "[]"),
        status=item.status,
        version=item.version,
        created_at=item.created_at,
    )


def _snapshot(item: StaffItem | DepartmentItem) -> dict[str, Any]:
    """What the audit trail keeps of a record: its fields, with personal data only as masked."""
    data = {k: v for k, v in item.attribute_values.items() if k not in ("mobile_encrypted", "mobile_index")}
    snapshot: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return snapshot


# --- departments -------------------------------------------------------------------------------


def _parent(tenant: str, parent_id: str | None) -> domain.ParentUnit | None:
    if not parent_id:
        return None
    found = dynamodb.get_department(tenant, parent_id)
    if found is None:
        raise RuleViolation("no such parent unit", field="parent_id")
    return domain.ParentUnit(found.sk, found.kind, found.parent_id)


def _check_parent_exists(uow: UnitOfWork, tenant: str, parent_id: str | None) -> None:
    if parent_id:
        # The parent must still exist when we commit (it may be removed meanwhile).
        uow.check(
            DepartmentItem,
            DepartmentItem.partition(tenant),
            parent_id,
            DepartmentItem.pk.exists(),
            on_conflict=RuleViolation("no such parent unit", field="parent_id"),
        )


def create_department(principal: Principal, cmd: CreateDepartment, request_id: str) -> Department:
    tenant = principal.tenant
    domain.check_placement(cmd.kind, _parent(tenant, cmd.parent_id))
    item = DepartmentItem(
        DepartmentItem.partition(tenant),
        new_id(),
        entity="department",
        tenant=tenant,
        name=cmd.name,
        kind=cmd.kind,
        parent_id=cmd.parent_id,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item)
        _check_parent_exists(uow, tenant, cmd.parent_id)
        uow.emit(
            DEPARTMENT_CREATED.envelope(
                tenant, DepartmentChanged(department_id=item.sk, parent_id=cmd.parent_id)
            )
        )
        uow.audit("department.create", "department", item.sk, after=_snapshot(item))
        uow.commit()  # the transaction sets the new item's version (1)
    return _department(item)


def _load_department(tenant: str, department_id: str, version: int) -> DepartmentItem:
    item = dynamodb.get_department(tenant, department_id)
    if item is None:
        raise NotFound("department")
    if item.version != version:
        raise STALE
    return item


def update_department(
    principal: Principal, department_id: str, cmd: UpdateDepartment, request_id: str
) -> Department:
    tenant = principal.tenant
    item = _load_department(tenant, department_id, cmd.version)
    before = _snapshot(item)
    changes = cmd.model_dump(exclude_unset=True, exclude={"version"})
    if "name" in changes and changes["name"] is None:
        raise RuleViolation("name cannot be removed", field="name")
    head = None
    if changes.get("head_id"):
        head = dynamodb.get_staff(tenant, changes["head_id"])
        if head is None or head.status == "left":
            raise RuleViolation("no such active member of staff", field="head_id")
    for key, value in changes.items():
        setattr(item, key, value)
    item.updated_at = now_utc()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item, on_conflict=STALE)
        uow.emit(
            DEPARTMENT_UPDATED.envelope(
                tenant, DepartmentChanged(department_id=item.sk, parent_id=item.parent_id)
            )
        )
        uow.audit("department.update", "department", item.sk, before=before, after=_snapshot(item))
        uow.commit()
    return _department(item)


def move_department(
    principal: Principal, department_id: str, cmd: MoveDepartment, request_id: str
) -> Department:
    tenant = principal.tenant
    item = _load_department(tenant, department_id, cmd.version)
    before = _snapshot(item)
    domain.check_placement(item.kind, _parent(tenant, cmd.parent_id))
    domain.check_move(item.sk, cmd.parent_id, lambda unit_id: _parent(tenant, unit_id))
    item.parent_id = cmd.parent_id
    item.updated_at = now_utc()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item, on_conflict=STALE)
        _check_parent_exists(uow, tenant, cmd.parent_id)
        uow.emit(
            DEPARTMENT_MOVED.envelope(
                tenant, DepartmentChanged(department_id=item.sk, parent_id=cmd.parent_id)
            )
        )
        uow.audit("department.move", "department", item.sk, before=before, after=_snapshot(item))
        uow.commit()
    return _department(item)


def get_department(principal: Principal, department_id: str) -> Department:
    item = dynamodb.get_department(principal.tenant, department_id)
    if item is None:
        raise NotFound("department")
    return _department(item)


def list_departments(principal: Principal, limit: int, cursor: str | None) -> Page[Department]:
    items, next_cursor = dynamodb.department_page(principal.tenant, limit, cursor)
    return Page[Department](items=[_department(i) for i in items], next_cursor=next_cursor)


# --- staff -------------------------------------------------------------------------------------


def _set_mobile(item: StaffItem, tenant: str, mobile: str | None) -> None:
    if mobile is None:
        item.mobile_encrypted = item.mobile_masked = item.mobile_index = None
        return
    item.mobile_encrypted = get_cipher().encrypt(tenant, mobile)
    item.mobile_masked = mask_mobile(mobile)
    item.mobile_index = get_blind_index().digest(tenant, "mobile", mobile)


def _check_department(uow: UnitOfWork, tenant: str, department_id: str) -> None:
    uow.check(
        DepartmentItem,
        DepartmentItem.partition(tenant),
        department_id,
        DepartmentItem.pk.exists(),
        on_conflict=RuleViolation("no such department", field="department_id"),
    )


def _check_supervisor(tenant: str, staff_id: str, supervisor_id: str | None) -> None:
    if supervisor_id is None:
        return
    supervisor = dynamodb.get_staff(tenant, supervisor_id)
    if supervisor is None or supervisor.status == "left":
        raise RuleViolation("no such active member of staff", field="supervisor_id")
    chain = [s.sk for s in dynamodb.supervisor_chain(tenant, supervisor_id, levels=domain.MAX_DEPTH)]
    domain.check_supervisor(staff_id, supervisor_id, chain)


def create_staff(principal: Principal, cmd: CreateStaff, request_id: str) -> Staff:
    tenant = principal.tenant
    staff_id = new_id()
    _check_supervisor(tenant, staff_id, cmd.supervisor_id)
    item = StaffItem(
        StaffItem.partition(tenant),
        staff_id,
        entity="staff",
        tenant=tenant,
        name=cmd.name,
        employee_no=cmd.employee_no,
        department_id=cmd.department_id,
        title=cmd.title,
        nurse_grade=cmd.nurse_grade,
        roles=cmd.roles,
        supervisor_id=cmd.supervisor_id,
        search_blob=domain.search_blob(cmd.name, cmd.employee_no),
        user_id=cmd.user_id,
        certificates=_certificates_json(cmd.certificates),
    )
    if cmd.user_id:
        item.gsi1pk, item.gsi1sk = dynamodb.user_index_key(tenant), cmd.user_id
    _set_mobile(item, tenant, cmd.mobile)
    claim = EmployeeNumberClaim(
        EmployeeNumberClaim.partition(tenant),
        cmd.employee_no,
        entity="staffno",
        tenant=tenant,
        staff_id=staff_id,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item)
        uow.create(claim, on_conflict=Conflict(f"employee number {cmd.employee_no} is already taken"))
        _check_department(uow, tenant, cmd.department_id)
        certificates.keep_in_step(uow, tenant, staff_id, "[]", json.loads(item.certificates))
        uow.emit(
            STAFF_CREATED.envelope(tenant, StaffChanged(staff_id=staff_id, department_id=cmd.department_id))
        )
        uow.audit("staff.create", "staff", staff_id, after=_snapshot(item))
        uow.commit()  # the transaction sets the new item's version (1)
    return _staff(item)


def _load_staff(tenant: str, staff_id: str, version: int | None = None) -> StaffItem:
    item = dynamodb.get_staff(tenant, staff_id)
    if item is None:
        raise NotFound("staff")
    if version is not None and item.version != version:
        raise STALE
    return item


def update_staff(principal: Principal, staff_id: str, cmd: UpdateStaff, request_id: str) -> Staff:
    tenant = principal.tenant
    item = _load_staff(tenant, staff_id, cmd.version)
    if item.status == "left":
        raise Conflict("this member of staff has left; their record is kept as history")
    before = _snapshot(item)
    changes = cmd.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("name", "department_id", "roles"):
        if required in changes and changes[required] is None:
            raise RuleViolation(f"{required} cannot be removed", field=required)
    if "supervisor_id" in changes:
        _check_supervisor(tenant, staff_id, changes["supervisor_id"])
    if "mobile" in changes:
        _set_mobile(item, tenant, changes.pop("mobile"))
    certificates_before = item.certificates
    if "certificates" in changes:
        item.certificates = _certificates_json(cmd.certificates or [])
        changes.pop("certificates")
    for key, value in changes.items():
        setattr(item, key, value)
    item.search_blob = domain.search_blob(item.name, item.employee_no)
    item.updated_at = now_utc()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item, on_conflict=STALE)
        if "department_id" in changes:
            _check_department(uow, tenant, item.department_id)
        if item.certificates != certificates_before:
            certificates.keep_in_step(
                uow, tenant, staff_id, certificates_before, json.loads(item.certificates)
            )
        uow.emit(
            STAFF_UPDATED.envelope(tenant, StaffChanged(staff_id=staff_id, department_id=item.department_id))
        )
        uow.audit("staff.update", "staff", staff_id, before=before, after=_snapshot(item))
        uow.commit()
    return _staff(item)


def leave_staff(principal: Principal, staff_id: str, version: int, request_id: str) -> Staff:
    """Someone leaves: the record stays as history, their roles (and so their access) are revoked."""
    tenant = principal.tenant
    item = _load_staff(tenant, staff_id, version)
    domain.check_can_leave(item.status)
    before = _snapshot(item)
    item.status, item.roles, item.left_at, item.updated_at = "left", [], now_utc(), now_utc()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(item, on_conflict=STALE)
        uow.emit(
            STAFF_LEFT.envelope(tenant, StaffChanged(staff_id=staff_id, department_id=item.department_id))
        )
        uow.audit("staff.leave", "staff", staff_id, before=before, after=_snapshot(item))
        uow.commit()
    return _staff(item)


def get_staff(principal: Principal, staff_id: str) -> Staff:
    return _staff(_load_staff(principal.tenant, staff_id))


def list_staff(principal: Principal, query: StaffQuery) -> Page[Staff]:
    search = domain.search_key(query.q) if query.q else None
    items, next_cursor = dynamodb.staff_page(
        principal.tenant, query.limit, query.cursor, search, query.department_id, query.status
    )
    return Page[Staff](items=[_staff(i) for i in items], next_cursor=next_cursor)


def reveal_mobile(principal: Principal, staff_id: str, request_id: str) -> RevealedMobile:
    """The full mobile number: only to the person themselves and to admins, and always audited."""
    item = _load_staff(principal.tenant, staff_id)
    if ADMIN not in principal.roles and (not item.user_id or item.user_id != principal.user):
        raise Forbidden("only the person themselves or a hospital admin may see the full number")
    record_access(principal, "staff", staff_id, ["mobile"], request_id)
    mobile = get_cipher().decrypt(principal.tenant, item.mobile_encrypted) if item.mobile_encrypted else None
    return RevealedMobile(staff_id=staff_id, mobile=mobile)


def my_colleagues(principal: Principal, limit: int, cursor: str | None) -> Page[Staff]:
    me = dynamodb.staff_for_user(principal.tenant, principal.user)
    if me is None:
        raise NotFound("staff record for this user")
    return list_staff(
        principal, StaffQuery(limit=limit, cursor=cursor, department_id=me.department_id, status="active")
    )


def audit_trail(
    principal: Principal, resource_type: str, resource_id: str, limit: int, cursor: str | None
) -> Page[AuditEntry]:
    records, next_cursor = dynamodb.audit_page(principal.tenant, resource_type, resource_id, limit, cursor)
    return Page[AuditEntry](
        items=[
            AuditEntry(
                at=r.at,
                actor=r.actor,
                action=r.action,
                resource_type=r.resource_type,
                resource_id=r.resource_id,
                before=json.loads(r.before) if r.before else None,
                after=json.loads(r.after) if r.after else None,
                request_id=r.request_id,
            )
            for r in records
        ],
        next_cursor=next_cursor,
    )
