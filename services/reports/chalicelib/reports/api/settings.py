"""The morning report's settings: who gets the report, and when (hospital admins)."""

from __future__ import annotations

from chalicelib.reports.contracts import settings as models
from chalicelib.reports.service import settings

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("reports", __name__)
route = api.route
ADMINS = ("hospital_admin",)


@route(
    "/settings",
    summary="The morning report's settings: the leaders told (roles and people), the local time, on or off",
    response=models.SettingsView,
    kinds=("staff",),
    roles=ADMINS,
    # the settings, the hospital's time zone; the listed leaders' names (a BatchGetItem)
    budget={"GetItem": 2, "BatchGetItem": 1},
)
def get_report_settings(ctx: RequestContext) -> models.SettingsView:
    return settings.get_settings(ctx.principal)


@route(
    "/settings",
    "PUT",
    summary="Change the morning report's settings (the version it replaces; 409 if stale, 422 naming "
    "listed leaders who are not active staff)",
    body=models.SettingsIn,
    response=models.SettingsView,
    kinds=("staff",),
    roles=ADMINS,
    # the listed leaders (a BatchGetItem), the settings replaced, the hospital's time zone; the settings
    # and the audit in one transaction
    budget={"GetItem": 2, "BatchGetItem": 1, "TransactWriteItems": 1},
)
def put_report_settings(ctx: RequestContext, body: models.SettingsIn) -> models.SettingsView:
    return settings.put_settings(ctx.principal, body, ctx.request_id)
