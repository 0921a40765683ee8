"""Messaging's service layer: directory commands and queries, each in one unit of work."""

from __future__ import annotations

from chalicelib.messaging import domain
from chalicelib.messaging.adapters import DepartmentItem, EmployeeNumberClaim, StaffItem, list_page
from chalicelib.messaging.contracts import (
    DEPARTMENT_CREATED,
    STAFF_CREATED,
    CreateDepartment,
    CreateStaff,
    Department,
    DepartmentCreated,
    Staff,
    StaffCreated,
)

from shared import directory
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.http import Page
from shared.ids import new_id
from shared.persistence.models import item_attributes
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"


def _department(item: DepartmentItem) -> Department:
    return Department(
        id=item.sk,
        name=item.name,
        kind=item.kind,
        parent_id=item.parent_id,  # type: ignore[arg-type]
        version=item.version,
        created_at=item.created_at,
    )


def _staff(item: StaffItem) -> Staff:
    return Staff(
        id=item.sk,
        name=item.name,
        employee_no=item.employee_no,
        department_id=item.department_id,
        title=item.title,
        roles=list(item.roles or []),
        status=item.status,
        version=item.version,
        created_at=item.created_at,
    )


def create_department(principal: Principal, cmd: CreateDepartment, request_id: str) -> Department:
    tenant = principal.tenant
    parent = None
    if cmd.parent_id:
        found = directory.get_department(tenant, cmd.parent_id)
        if found is None:
            raise RuleViolation("no such parent department", field="parent_id")
        parent = domain.ParentUnit(found.sk, found.kind)
    domain.check_placement(cmd.kind, parent)
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
        if parent is not None:
            # The parent must still exist when we commit (it may be removed meanwhile).
            uow.check(
                DepartmentItem,
                DepartmentItem.partition(tenant),
                parent.id,
                DepartmentItem.pk.exists(),
                on_conflict=RuleViolation("no such parent department", field="parent_id"),
            )
        uow.emit(
            DEPARTMENT_CREATED.envelope(
                tenant, DepartmentCreated(department_id=item.sk, parent_id=cmd.parent_id)
            )
        )
        uow.audit("department.create", "department", item.sk, after=cmd.model_dump())
        uow.commit()
    item.version = 1
    return _department(item)


def get_department(principal: Principal, department_id: str) -> Department:
    item = directory.get_department(principal.tenant, department_id)
    if item is None:
        raise NotFound("department")
    return _department(item)


def list_departments(principal: Principal, limit: int, cursor: str | None) -> Page[Department]:
    items, next_cursor = list_page(DepartmentItem, DepartmentItem.partition(principal.tenant), limit, cursor)
    return Page[Department](items=[_department(i) for i in items], next_cursor=next_cursor)


def create_staff(principal: Principal, cmd: CreateStaff, request_id: str) -> Staff:
    tenant = principal.tenant
    staff_id = new_id()
    item = StaffItem(
        StaffItem.partition(tenant),
        staff_id,
        entity="staff",
        tenant=tenant,
        name=cmd.name,
        employee_no=cmd.employee_no,
        department_id=cmd.department_id,
        title=cmd.title,
        roles=cmd.roles,
    )
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
        uow.check(
            DepartmentItem,
            DepartmentItem.partition(tenant),
            cmd.department_id,
            DepartmentItem.pk.exists(),
            on_conflict=RuleViolation("no such department", field="department_id"),
        )
        uow.emit(
            STAFF_CREATED.envelope(tenant, StaffCreated(staff_id=staff_id, department_id=cmd.department_id))
        )
        uow.audit("staff.create", "staff", staff_id, after=item_attributes(item))
        uow.commit()
    item.version = 1
    return _staff(item)


def get_staff(principal: Principal, staff_id: str) -> Staff:
    item = directory.get_staff(principal.tenant, staff_id)
    if item is None:
        raise NotFound("staff")
    return _staff(item)


def list_staff(principal: Principal, limit: int, cursor: str | None) -> Page[Staff]:
    items, next_cursor = list_page(StaffItem, StaffItem.partition(principal.tenant), limit, cursor)
    return Page[Staff](items=[_staff(i) for i in items], next_cursor=next_cursor)
