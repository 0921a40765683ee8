"""Follow-up's chronic revisit requests (慢病复诊) as work notifications to the department's doctors.

``followup.revisit.requested`` names the doctors of the request's pool (a new request, or one back in the
pool after its claim was released or ran out); each gets a work notification asking them to claim it.
The patient appears by the masked name the event carries (``张*``), never more. Messaging does not import
follow-up: it reads the event's published contract only.
"""

from __future__ import annotations

from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.domain.ports import NotificationStore
from chalicelib.messaging.domain.records import NotificationRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import FOLLOWUP_REVISIT_REQUESTED
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

logger = observability.logger("messaging")


def from_revisit_request(
    envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None
) -> None:
    """followup.revisit.requested → one work notification to the pool's doctors still active (a
    BatchGetItem per 100 for their standing). The id derives from the event's, so a retry sends nothing
    twice; a pool with nobody to tell is logged, never silent."""
    data = FOLLOWUP_REVISIT_REQUESTED.parse(envelope)
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify)) if data.notify else []
    if not recipients:
        logger.warning(
            "revisit request with nobody to tell",
            extra={
                "event_id": envelope.id,
                "revisit_id": data.revisit_id,
                "department_id": data.department_id,
            },
        )
        return
    record = NotificationRecord(
        id=f"rv-{envelope.id}"[:64],
        sender="service:followup",
        title=f"慢病复诊待抢单：{data.patient_label}（{data.summary}）",
        body=f"患者 {data.patient_label} 申请慢病复诊：{data.summary}。请在随访的复诊池中抢单处理，"
        "抢单后请尽快续方、预约或电话联系。",
        created_at=now_utc(),
        recipient_ids=recipients,
        sender_name="随访",
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
