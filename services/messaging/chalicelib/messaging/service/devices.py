"""Mobile push: a person's registered phones are told about new feed items.

A device registers its token once and becomes an SNS endpoint (``adapters.sns``); delivery then looks
devices up 100 people per BatchGetItem. Push is a nudge to sync, not the delivery itself: a failed push
is logged and never holds up a notification.

Each use case takes the device store (``store=``) and the push service (``endpoints=``); left out,
``service/wiring.py`` gives the DynamoDB and SNS ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from chalicelib.messaging.contracts.devices import Device, RegisterDevice
from chalicelib.messaging.domain.ports import DeviceStore, PushEndpoints
from chalicelib.messaging.service import caller, wiring

from shared import observability
from shared.auth import Principal
from shared.errors import RuleViolation
from shared.settings import get_settings

logger = observability.logger("push")
MAX_DEVICES = 5


def _caller(principal: Principal, store: DeviceStore) -> str:
    """The caller's staff id, as the directory binds their sign-in (``shared.standing``)."""
    return caller.staff_id(principal)


def register(
    principal: Principal,
    cmd: RegisterDevice,
    store: DeviceStore | None = None,
    endpoints: PushEndpoints | None = None,
) -> Device:
    """This phone, for the caller's pushes (the latest five devices per person are kept)."""
    store = store or wiring.device_store(principal.tenant)
    staff_id = _caller(principal, store)
    return Device(
        device_id=register_token(principal.tenant, staff_id, cmd.platform, cmd.token, store, endpoints)
    )


def register_token(
    tenant: str,
    staff_id: str,
    platform: str,
    token: str,
    store: DeviceStore | None = None,
    endpoints: PushEndpoints | None = None,
) -> str:
    apps = get_settings().push_apps
    if platform not in apps:
        raise RuleViolation(f"push platform '{platform}' is not configured here", field="platform")
    store = store or wiring.device_store(tenant)
    arn = (endpoints or wiring.push_endpoints()).endpoint(apps[platform], token, f"{tenant}/{staff_id}")
    device_id = hashlib.sha256(token.encode()).hexdigest()[:16]
    devices = store.endpoints(staff_id)
    devices.pop(device_id, None)
    devices[device_id] = arn
    store.save(staff_id, dict(list(devices.items())[-MAX_DEVICES:]))
    return device_id


def notify(
    tenant: str,
    staff_ids: Iterable[str],
    title: str,
    kind: str,
    store: DeviceStore | None = None,
    endpoints: PushEndpoints | None = None,
) -> int:
    """Push ``title`` to every device of these people; returns how many pushes went out."""
    ids = list(staff_ids)
    payload = json.dumps(
        {
            "default": title,
            "GCM": json.dumps({"notification": {"title": title}, "data": {"kind": kind}}, ensure_ascii=False),
            "APNS": json.dumps({"aps": {"alert": title}, "kind": kind}, ensure_ascii=False),
        },
        ensure_ascii=False,
    )
    store = store or wiring.device_store(tenant)
    endpoints = endpoints or wiring.push_endpoints()
    sent = 0
    for arn in store.endpoints_of(ids):
        try:
            endpoints.push(arn, payload)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - a dead device must not stop the others
            logger.warning("push failed", extra={"error": type(exc).__name__})
    return sent
