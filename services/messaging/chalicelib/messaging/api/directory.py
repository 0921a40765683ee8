"""Directory routes: departments, staff (search, colleagues, the mobile reveal) and the audit trail."""

from __future__ import annotations

from chalicelib.messaging.contracts.directory import (
    AuditEntry,
    AuditQuery,
    CreateDepartment,
    CreateStaff,
    Department,
    DepartmentNode,
    LeaveStaff,
    MoveDepartment,
    RemoveDepartment,
    RevealedMobile,
    Staff,
    StaffQuery,
    UpdateDepartment,
    UpdateStaff,
)
from chalicelib.messaging.service import directory

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}
NAMED_LIST = {"Query": 1, "BatchGetItem": 1}  # and the names of the people the page names
CHANGE = {"GetItem": 1, "TransactWriteItems": 1}
# The directory's reads are also a partner app's, with the hospital's consent (shared/scopes.py): names,
# units, titles and roles — never a mobile number, a sign-in or a certificate (service/directory.py).
DIRECTORY_READERS = ("staff", "service", "partner")
DIRECTORY_READ = ("directory:read",)


@api.route(
    "/departments",
    "POST",
    summary="Create a department, campus, ward or team",
    body=CreateDepartment,
    response=Department,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1, "GetItem": 1},
)
def create_department(ctx: RequestContext, body: CreateDepartment) -> Department:
    return directory.create_department(ctx.principal, body, ctx.request_id)


@api.route(
    "/departments",
    summary="List departments (each head named)",
    query=ListQuery,
    response=Page[Department],
    kinds=DIRECTORY_READERS,
    scopes=DIRECTORY_READ,
    budget=NAMED_LIST,
)
def list_departments(ctx: RequestContext, query: ListQuery) -> Page[Department]:
    return directory.list_departments(ctx.principal, query.limit, query.cursor)


@api.route(
    "/departments/tree",
    summary="The hospital's units nested under their parents (name, kind, head)",
    response=list[DepartmentNode],
    kinds=DIRECTORY_READERS,
    scopes=DIRECTORY_READ,
    budget=NAMED_LIST,  # the hospital's units: one Query; their heads' names: one BatchGetItem
)
def department_tree(ctx: RequestContext) -> list[DepartmentNode]:
    return directory.department_tree(ctx.principal)


@api.route(
    "/departments/{department_id}",
    "DELETE",
    summary="Remove an empty unit (409 saying what it still holds); audited and published",
    query=RemoveDepartment,
    status=204,
    roles=ADMIN,
    # the unit; the hospital's units (children) and a counting Query of its staff (a call per MB of
    # staff records); the removal, its event and audit record
    budget={"GetItem": 1, "Query": 2, "TransactWriteItems": 1},
)
def remove_department(ctx: RequestContext, department_id: str, query: RemoveDepartment) -> None:
    directory.remove_department(ctx.principal, department_id, query.version, ctx.request_id)


@api.route(
    "/departments/{department_id}",
    summary="Get a department",
    response=Department,
    kinds=DIRECTORY_READERS,
    scopes=DIRECTORY_READ,
    budget=GET,
)
def get_department(ctx: RequestContext, department_id: str) -> Department:
    return directory.get_department(ctx.principal, department_id)


@api.route(
    "/departments/{department_id}",
    "PATCH",
    summary="Rename a unit or set its head",
    body=UpdateDepartment,
    response=Department,
    roles=ADMIN,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def update_department(ctx: RequestContext, department_id: str, body: UpdateDepartment) -> Department:
    return directory.update_department(ctx.principal, department_id, body, ctx.request_id)


@api.route(
    "/departments/{department_id}/move",
    "POST",
    summary="Move a unit under another (or to the top)",
    body=MoveDepartment,
    response=Department,
    roles=ADMIN,
    budget={"GetItem": 2 + directory.MAX_DEPTH, "TransactWriteItems": 1},
)
def move_department(ctx: RequestContext, department_id: str, body: MoveDepartment) -> Department:
    return directory.move_department(ctx.principal, department_id, body, ctx.request_id)


@api.route(
    "/staff",
    "POST",
    summary="Add a member of staff",
    body=CreateStaff,
    response=Staff,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1},
)
def create_staff(ctx: RequestContext, body: CreateStaff) -> Staff:
    return directory.create_staff(ctx.principal, body, ctx.request_id)


@api.route(
    "/staff",
    summary="List or search staff (name, pinyin, initials, 工号; by department, status)",
    query=StaffQuery,
    response=Page[Staff],
    kinds=DIRECTORY_READERS,
    scopes=DIRECTORY_READ,
    budget=NAMED_LIST,  # the list, or with q the search index: one Query; supervisors' names: one batch
)
def list_staff(ctx: RequestContext, query: StaffQuery) -> Page[Staff]:
    return directory.list_staff(ctx.principal, query)


@api.route(
    "/staff/me/colleagues",
    summary="Active staff of my department",
    query=ListQuery,
    response=Page[Staff],
    budget={"GetItem": 1, "Query": 1},  # my record (bound by standing), my department's page
)
def my_colleagues(ctx: RequestContext, query: ListQuery) -> Page[Staff]:
    return directory.my_colleagues(ctx.principal, query.limit, query.cursor)


@api.route(
    "/staff/{staff_id}",
    summary="Get a member of staff",
    response=Staff,
    kinds=DIRECTORY_READERS,
    scopes=DIRECTORY_READ,
    budget=GET,
)
def get_staff(ctx: RequestContext, staff_id: str) -> Staff:
    return directory.get_staff(ctx.principal, staff_id)


@api.route(
    "/staff/{staff_id}",
    "PATCH",
    summary="Change a member of staff (department move, roles, supervisor…)",
    body=UpdateStaff,
    response=Staff,
    roles=ADMIN,
    budget=CHANGE,
)
def update_staff(ctx: RequestContext, staff_id: str, body: UpdateStaff) -> Staff:
    return directory.update_staff(ctx.principal, staff_id, body, ctx.request_id)


@api.route(
    "/staff/{staff_id}/leave",
    "POST",
    summary="Record that someone left (keeps history, revokes roles)",
    body=LeaveStaff,
    response=Staff,
    roles=ADMIN,
    budget=CHANGE,
)
def leave_staff(ctx: RequestContext, staff_id: str, body: LeaveStaff) -> Staff:
    return directory.leave_staff(ctx.principal, staff_id, body.version, ctx.request_id)


@api.route(
    "/staff/{staff_id}/mobile",
    summary="The full mobile number (self or admin only; audited)",
    response=RevealedMobile,
    budget={"GetItem": 1, "PutItem": 1},
)
def reveal_mobile(ctx: RequestContext, staff_id: str) -> RevealedMobile:
    return directory.reveal_mobile(ctx.principal, staff_id, ctx.request_id)


@api.route(
    "/audit",
    summary="The before/after trail of a unit or a member of staff",
    query=AuditQuery,
    response=Page[AuditEntry],
    roles=ADMIN,
    budget=LIST,
)
def audit_trail(ctx: RequestContext, query: AuditQuery) -> Page[AuditEntry]:
    return directory.audit_trail(
        ctx.principal, query.resource_type, query.resource_id, query.limit, query.cursor
    )
