"""Mobile push through SNS: a person's registered devices are told about new feed items.

The platform applications (APNs, FCM, Baidu — what SNS offers) are configuration:
``FH_PUSH_APPS='{"fcm": "<platform application arn>", ...}'``. A device registers its token once and
becomes an SNS endpoint; delivery then looks devices up 100 people per BatchGetItem. Push is a nudge
to sync, not the delivery itself: a failed push is logged and never holds up a notification.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from pynamodb.attributes import UnicodeAttribute

from shared import aws, observability
from shared.errors import RuleViolation
from shared.persistence.models import TenantItem, table_meta, tenant_key
from shared.settings import get_settings

logger = observability.logger("push")
BATCH_GET = 100
MAX_DEVICES = 5


class DeviceRegistry(TenantItem):
    """One item per person: their devices as JSON {token hash: SNS endpoint arn}, the latest five."""

    Meta = table_meta("messaging")
    endpoints = UnicodeAttribute(default="{}")

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "devices")


def register(tenant: str, staff_id: str, platform: str, token: str) -> str:
    apps = get_settings().push_apps
    if platform not in apps:
        raise RuleViolation(f"push platform '{platform}' is not configured here", field="platform")
    sns = aws.client("sns")
    # Created without attributes, so the same phone token again (a reinstall, another person on a shared
    # phone) returns the existing endpoint instead of "already exists with different attributes"; then
    # it is pointed at this person and re-enabled.
    arn = sns.create_platform_endpoint(PlatformApplicationArn=apps[platform], Token=token)["EndpointArn"]
    sns.set_endpoint_attributes(
        EndpointArn=arn, Attributes={"CustomUserData": f"{tenant}/{staff_id}", "Enabled": "true"}
    )
    device_id = hashlib.sha256(token.encode()).hexdigest()[:16]
    try:
        item = DeviceRegistry.get(DeviceRegistry.partition(tenant), staff_id)
    except DeviceRegistry.DoesNotExist:
        item = DeviceRegistry(DeviceRegistry.partition(tenant), staff_id, entity="devices", tenant=tenant)
    endpoints: dict[str, str] = json.loads(item.endpoints)
    endpoints.pop(device_id, None)
    endpoints[device_id] = str(arn)
    item.endpoints = json.dumps(dict(list(endpoints.items())[-MAX_DEVICES:]))
    item.save()
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
    for start in range(0, len(ids), BATCH_GET):
        keys = [(DeviceRegistry.partition(tenant), staff_id) for staff_id in ids[start : start + BATCH_GET]]
        for registry in DeviceRegistry.batch_get(keys):
            for arn in json.loads(registry.endpoints).values():
                try:
                    aws.client("sns").publish(TargetArn=arn, Message=payload, MessageStructure="json")
                    sent += 1
                except Exception as exc:  # noqa: BLE001 - a dead device must not stop the others
                    logger.warning("push failed", extra={"error": type(exc).__name__})
    return sent
