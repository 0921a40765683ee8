"""Follow-up's referrals (双向转诊) and consultations (会诊) as work notifications to the staff they name.

Each ``referral.*`` and ``consultation.*`` event comes once per hospital side, under that hospital's
tenant, and its ``notify`` names staff of that hospital only: this consumer tells the active ones among
them, with the event's own line (``title``, the patient by the masked name only) and a body that says
what to do. ``urgent`` makes it a DING (its SMS and call steps at the hospital's policy minima). A new
request and an overdue one must be acknowledged. An event that names nobody (a state change the other
side made, told to no one here) does nothing; one whose people have all left is logged and counted.
Messaging does not import follow-up: it reads the event's published contract only.
"""

from __future__ import annotations

from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.domain.ports import NotificationStore
from chalicelib.messaging.domain.records import NotificationRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import CONSULTATION_EVENTS, REFERRAL_EVENTS
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"
logger = observability.logger(SERVICE)

REFERRAL_SENDER_NAME = "转诊"
CONSULTATION_SENDER_NAME = "会诊"
NOTICE_TYPES: tuple[str, ...] = tuple(t.name for t in (*REFERRAL_EVENTS, *CONSULTATION_EVENTS))
_PARSERS = {t.name: t for t in (*REFERRAL_EVENTS, *CONSULTATION_EVENTS)}

# What each event asks of the people it names (the title says what happened, to whom: masked).
BODIES = {
    "referral.requested": "有新的转诊申请，请在转诊工作台处理。",
    "referral.accepted": "转诊申请已被接收，请告知患者按时前往接收医院就诊。",
    "referral.rejected": "转诊申请被拒绝，请在转诊工作台查看原因并另行安排。",
    "referral.arrived": "转诊患者已到院。",
    "referral.no_show": "转诊患者未按时到院，请联系患者了解情况。",
    "referral.completed": "转诊已完成，请在转诊工作台查看诊疗结果并安排后续随访。",
    "referral.cancelled": "转诊申请已被转出医院撤回。",
    "referral.overdue": "转诊申请已超过时限未处理，请立即处理。",
    "consultation.requested": "有新的会诊邀请，请在会诊工作台处理。",
    "consultation.accepted": "会诊邀请已被接受。",
    "consultation.answered": "会诊意见已提交，请在会诊工作台查看。",
    "consultation.reminded": "会诊即将超过时限，请尽快处理。",
    "consultation.overdue": "会诊已超过时限未处理，请立即处理。",
    "consultation.cancelled": "会诊申请已被撤回。",
}
ACK_REQUIRED = frozenset(
    {"referral.requested", "referral.overdue", "consultation.requested", "consultation.overdue"}
)


def from_referral_event(
    envelope: EventEnvelope, uow: UnitOfWork, store: NotificationStore | None = None
) -> None:
    """referral.* / consultation.* → one work notification to the active staff among ``notify`` (a
    BatchGetItem per 100 for their standing), a DING when ``urgent`` (one GetItem: the hospital's
    minima). The id derives from the event's, so a retry sends nothing twice; an empty ``notify`` does
    nothing; people who have all left are logged and counted, never silent."""
    data = _PARSERS[envelope.type].parse(envelope)
    if not data.notify:
        return  # this side has no one to tell about this change
    store = store or wiring.consumer_notifications(envelope.tenant, uow)
    recipients = sorted(store.audience.active(data.notify))
    referral = envelope.type.startswith("referral.")
    subject = data.referral_id if referral else data.consultation_id
    if not recipients:
        logger.warning(
            "referral or consultation notice with nobody to tell",
            extra={"event_id": envelope.id, "type": envelope.type, "id": subject, "notify": data.notify[:20]},
        )
        observability.for_service(SERVICE).metrics.add_metric(
            name="ReferralNoticesUntold", unit="Count", value=1
        )
        return
    now = now_utc()
    sender_name = REFERRAL_SENDER_NAME if referral else CONSULTATION_SENDER_NAME
    record = NotificationRecord(
        id=f"rf-{envelope.id}"[:64],
        sender="service:followup",
        title=data.title or f"{sender_name}：{data.patient_label}",
        body=f"患者 {data.patient_label}：{BODIES[envelope.type]}" + ("（紧急）" if data.urgent else ""),
        created_at=now,
        recipient_ids=recipients,
        ack_required=envelope.type in ACK_REQUIRED or data.urgent,
        ding=data.urgent,
        sender_name=sender_name,
    )
    store.notifications.create(record)
    if data.urgent:
        policy = store.notifications.policy()
        store.notifications.start_ding(record.id, policy.sms_min_minutes, policy.call_min_minutes, now)
    store.emit(
        NOTIFICATION_SENT.envelope(
            envelope.tenant,
            NotificationSent(
                notification_id=record.id, recipient_count=len(recipients), ack_required=record.ack_required
            ),
        )
    )
