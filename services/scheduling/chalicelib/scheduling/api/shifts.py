"""The hospital's shift catalogue (白班/小夜/大夜/值班…)."""

from __future__ import annotations

from chalicelib.scheduling.contracts.shifts import ShiftCatalogue, ShiftType, ShiftTypeChange
from chalicelib.scheduling.service import shifts

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)
ADMIN = ("hospital_admin",)


@api.route(
    "/shift-types",
    summary="The hospital's shift types (the built-in catalogue, marked default, until it defines any)",
    response=ShiftCatalogue,
    kinds=("staff",),
    budget={"Query": 1},
)
def list_shift_types(ctx: RequestContext) -> ShiftCatalogue:
    return shifts.list_shift_types(ctx.principal)


@api.route(
    "/shift-types/{code}",
    "PUT",
    summary="Create or replace a shift type of the hospital's catalogue",
    body=ShiftTypeChange,
    response=ShiftType,
    roles=ADMIN,
    kinds=("staff",),
    budget={"TransactWriteItems": 1},
)
def put_shift_type(ctx: RequestContext, code: str, body: ShiftTypeChange) -> ShiftType:
    return shifts.put_shift_type(ctx.principal, code, body, ctx.request_id)


@api.route(
    "/shift-types/{code}",
    "DELETE",
    summary="Remove a shift type from the hospital's catalogue",
    status=204,
    roles=ADMIN,
    kinds=("staff",),
    budget={"TransactWriteItems": 1},
)
def delete_shift_type(ctx: RequestContext, code: str) -> None:
    shifts.delete_shift_type(ctx.principal, code, ctx.request_id)
