"""The director's daily report (院长日报) ready: its leaders told by a work notification.

``report.daily.ready`` (the reports service's, under the hospital's tenant, at 07:00 local) names the
leaders resolved when the morning came; those who left since are dropped (their standing, a BatchGetItem
per 100). The notification's title is the event's, its body the headline lines and then the link to the
full report (a notification has no link field: the app opens the path with the reader's token). Its id
derives from the event's, so a retry sends nothing twice; nobody active to tell is logged.
"""

from __future__ import annotations

from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.domain.ports import NotificationStore
from chalicelib.messaging.domain.records import NotificationRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.events.envelope import EventEnvelope
from shared.events.published.reports import DAILY_REPORT_READY
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

logger = observability.logger("messaging")
SENDER_NAME = "院长日报"


def body(lines: list[str], link: str) -> str:
    return "\n".join([*lines, f"查看完整日报：{link}"])


def from_daily_report(
    envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None
) -> None:
    """report.daily.ready → one work notification to the leaders still active."""
    data = DAILY_REPORT_READY.parse(envelope)
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify)) if data.notify else []
    if not recipients:
        logger.warning(
            "a daily report with nobody active to tell",
            extra={"event_id": envelope.id, "day": data.day.isoformat(), "notify": data.notify[:20]},
        )
        return
    record = NotificationRecord(
        id=f"dr-{envelope.id}"[:64],
        sender="service:reports",
        title=data.title,
        body=body(data.lines, data.link),
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name=SENDER_NAME,
    )
    store.notifications.create(record)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant, NotificationSent(notification_id=record.id, recipient_count=len(recipients))
        )
    )
