"""A partner app's webhook endpoint disabled (410 Gone, or failing for 5 days): the hospital's admins told.

``webhook.endpoint.disabled`` (the marketplace's, under the hospital's tenant) names the app; each active
``hospital_admin`` of the directory gets one work notification saying which app, why, and what to do
(ask the partner to fix its server; it re-enables the endpoint and recovers what was missed). Messaging
does not import the marketplace: it reads the event's published contract only.
"""

from __future__ import annotations

from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.domain.ports import NotificationStore
from chalicelib.messaging.domain.records import NotificationRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.events.envelope import EventEnvelope
from shared.events.published.marketplace import WEBHOOK_ENDPOINT_DISABLED
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

logger = observability.logger("messaging")
REASONS = {"gone": "接收地址返回 410（已下线）", "failing": "连续 5 天推送失败", "uninstalled": "应用已卸载"}


def admins(tenant: str) -> list[str]:
    """The hospital's active admins (one filtered Query of the staff partition)."""
    from shared.directory import staff_with_role

    return sorted(str(s.sk) for s in staff_with_role(tenant, "hospital_admin"))


def from_endpoint_disabled(
    envelope: EventEnvelope,
    uow: UnitOfWork,
    store: NotificationStore | None = None,
    recipients: list[str] | None = None,
) -> None:
    """webhook.endpoint.disabled → one work notification to the hospital's admins (its id derives from
    the event's, so a retry sends nothing twice); a hospital without an admin is logged."""
    data = WEBHOOK_ENDPOINT_DISABLED.parse(envelope)
    if data.reason == "uninstalled":
        return  # the admin uninstalled it: nothing to tell
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = admins(envelope.tenant) if recipients is None else recipients
    if not recipients:
        logger.warning("webhook endpoint disabled with no admin to tell", extra={"event_id": envelope.id})
        return
    why = REASONS.get(data.reason, data.reason)
    record = NotificationRecord(
        id=f"wh-{envelope.id}"[:64],
        sender="service:marketplace",
        title=f"应用「{data.app_name}」的事件推送已停用",
        body=f"应用「{data.app_name}」（{data.app_id}）的事件推送地址已停用：{why}。"
        "本院事件暂不推送给该应用；请联系应用服务商修复后重新启用，并补发停用期间的事件。",
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name="应用市场",
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )
