"""A ward's rostering setup: its shifts, rules, contracts, nurses and demand."""

from __future__ import annotations

from chalicelib.scheduling.contracts.setup import SetupChange, SetupQuery, WardSetupView
from chalicelib.scheduling.service import setup

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/wards/{ward_id}/setup",
    summary="A ward's setup as it will be used, each part marked as the ward's own or a default",
    query=SetupQuery,
    response=WardSetupView,
    kinds=("staff",),
    # the units and the caller's record (who may read), the ward's item, the catalogue, its staff
    budget={"Query": 3, "GetItem": 2},
)
def get_setup(ctx: RequestContext, ward_id: str, query: SetupQuery) -> WardSetupView:
    return setup.get_setup(ctx.principal, ward_id, query.on)


@api.route(
    "/wards/{ward_id}/setup",
    "PUT",
    summary="Change parts of a ward's setup (its rosterers; based on its version)",
    body=SetupChange,
    response=WardSetupView,
    kinds=("staff",),
    budget={"Query": 3, "GetItem": 2, "TransactWriteItems": 1},
)
def change_setup(ctx: RequestContext, ward_id: str, body: SetupChange) -> WardSetupView:
    return setup.change_setup(ctx.principal, ward_id, body, ctx.request_id)
