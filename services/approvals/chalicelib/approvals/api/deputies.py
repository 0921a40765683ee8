"""Deputy routes: name, read or clear my deputy (代理人)."""

from __future__ import annotations

from chalicelib.approvals.contracts.deputies import Deputy, SetDeputy
from chalicelib.approvals.service import deputies as service

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("approvals", __name__)
GET = {"GetItem": 1}
STAFF = ("staff",)


@api.route(
    "/deputy",
    "POST",
    summary="Name my deputy (代理人) for a period: my new tasks go to them too, and they act for me",
    body=SetDeputy,
    response=Deputy,
    kinds=STAFF,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def set_deputy(ctx: RequestContext, body: SetDeputy) -> Deputy:
    return service.set_deputy(ctx.principal, body, ctx.request_id)


@api.route(
    "/deputy", summary="My deputy and their period (404: none set)", response=Deputy, kinds=STAFF, budget=GET
)
def get_deputy(ctx: RequestContext) -> Deputy:
    return service.get_deputy(ctx.principal)


@api.route(
    "/deputy",
    "DELETE",
    summary="Clear my deputy (tasks already handed to them stay theirs to act on)",
    status=204,
    kinds=STAFF,
    budget={"TransactWriteItems": 1},
)
def clear_deputy(ctx: RequestContext) -> None:
    service.clear_deputy(ctx.principal, ctx.request_id)
