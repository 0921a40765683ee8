"""Who is on duty on a ward now, and a nurse's own published shifts (for her phone)."""

from __future__ import annotations

from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.service import periods

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("scheduling", __name__)


@api.route(
    "/on-duty",
    summary="Who is on duty on a ward at a time (?ward_id=&at=, default now), by name and shift",
    query=models.OnDutyQuery,
    response=models.OnDuty,
    kinds=("staff", "partner"),
    scopes=("roster:read",),  # a partner app's, with the hospital's consent
    budget={"Query": 2},
)
def on_duty(ctx: RequestContext, query: models.OnDutyQuery) -> models.OnDuty:
    return periods.on_duty(ctx.principal, query)


@api.route(
    "/me/shifts",
    summary="My published shifts between two days (?from=&to=), with shift names, times and wards",
    query=models.MyShiftsQuery,
    response=models.MyShifts,
    kinds=("staff",),
    budget={"Query": 1},
)
def my_shifts(ctx: RequestContext, query: models.MyShiftsQuery) -> models.MyShifts:
    return periods.my_shifts(ctx.principal, query)
