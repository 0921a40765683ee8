"""Mobile push: a person's registered phones are told about new feed items.

A device registers its token once and becomes an SNS endpoint (``adapters.sns``); delivery then looks
devices up 100 people per BatchGetItem. Push is a nudge to sync, not the delivery itself: a failed push
is logged and never holds up a notification.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from chalicelib.messaging.adapters import dynamodb, sns
from chalicelib.messaging.adapters.dynamodb import DeviceRegistry
from chalicelib.messaging.contracts.devices import Device, RegisterDevice
from chalicelib.messaging.service import caller

from shared import observability
from shared.auth import Principal
from shared.errors import RuleViolation
from shared.settings import get_settings

logger = observability.logger("push")
MAX_DEVICES = 5


def register(principal: Principal, cmd: RegisterDevice) -> Device:
    """This phone, for the caller's pushes (the latest five devices per person are kept)."""
    staff_id = caller.staff_id(principal)
    return Device(device_id=register_token(principal.tenant, staff_id, cmd.platform, cmd.token))


def register_token(tenant: str, staff_id: str, platform: str, token: str) -> str:
    apps = get_settings().push_apps
    if platform not in apps:
        raise RuleViolation(f"push platform '{platform}' is not configured here", field="platform")
    arn = sns.push_endpoint(apps[platform], token, f"{tenant}/{staff_id}")
    device_id = hashlib.sha256(token.encode()).hexdigest()[:16]
    item = dynamodb.find_devices(tenant, staff_id)
    if item is None:
        item = DeviceRegistry.new(tenant, staff_id)
    endpoints: dict[str, str] = json.loads(item.endpoints)
    endpoints.pop(device_id, None)
    endpoints[device_id] = arn
    item.endpoints = json.dumps(dict(list(endpoints.items())[-MAX_DEVICES:]))
    dynamodb.save(item)
    return device_id


def notify(tenant: str, staff_ids: Iterable[str], title: str, kind: str) -> int:
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
    sent = 0
    for registry in dynamodb.device_registries(tenant, ids):
        for arn in json.loads(registry.endpoints).values():
            try:
                sns.push(arn, payload)
                sent += 1
            except Exception as exc:  # noqa: BLE001 - a dead device must not stop the others
                logger.warning("push failed", extra={"error": type(exc).__name__})
    return sent
