"""Messaging's HTTP routes: thin — validate, call the service layer, return its model."""

from __future__ import annotations

from chalicelib.messaging import service
from chalicelib.messaging.contracts import CreateDepartment, CreateStaff, Department, Staff

from shared.http import ListQuery, Page, RequestContext, ServiceAPI

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}


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
    return service.create_department(ctx.principal, body, ctx.request_id)


@api.route(
    "/departments", summary="List departments", query=ListQuery, response=Page[Department], budget=LIST
)
def list_departments(ctx: RequestContext, query: ListQuery) -> Page[Department]:
    return service.list_departments(ctx.principal, query.limit, query.cursor)


@api.route("/departments/{department_id}", summary="Get a department", response=Department, budget=GET)
def get_department(ctx: RequestContext, department_id: str) -> Department:
    return service.get_department(ctx.principal, department_id)


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
    return service.create_staff(ctx.principal, body, ctx.request_id)


@api.route("/staff", summary="List staff", query=ListQuery, response=Page[Staff], budget=LIST)
def list_staff(ctx: RequestContext, query: ListQuery) -> Page[Staff]:
    return service.list_staff(ctx.principal, query.limit, query.cursor)


@api.route("/staff/{staff_id}", summary="Get a member of staff", response=Staff, budget=GET)
def get_staff(ctx: RequestContext, staff_id: str) -> Staff:
    return service.get_staff(ctx.principal, staff_id)
