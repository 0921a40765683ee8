"""Push device routes: register a phone."""

from __future__ import annotations

from chalicelib.messaging.contracts.devices import Device, RegisterDevice
from chalicelib.messaging.service import devices

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("messaging", __name__)


@api.route(
    "/devices",
    "POST",
    summary="Register this phone for push notifications",
    body=RegisterDevice,
    response=Device,
    status=201,
    budget={"GetItem": 1, "PutItem": 1},
)
def register_device(ctx: RequestContext, body: RegisterDevice) -> Device:
    return devices.register(ctx.principal, body)
