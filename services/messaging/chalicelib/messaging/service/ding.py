"""DING (urgent) notifications: acknowledgement required, escalating in-app → SMS → voice call.

Each DING stores an escalation timer item; a scheduled sweep finds the due ones through a sparse index
and alerts whoever has not acknowledged yet. Timers live in the table, not in memory, so a restart or a
crashed sweep loses none: an alert is sent before its step is advanced (at least once — a crash in
between re-sends, which for an urgent alert beats silence).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.messaging.adapters import dynamodb, sns
from chalicelib.messaging.adapters.dynamodb import AlertLogItem, DingTimer
from chalicelib.messaging.contracts.notifications import AlertRecord, DingPolicy
from chalicelib.messaging.domain.alerts import AlertChannel

from shared import observability
from shared.crypto import get_cipher
from shared.errors import Conflict
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.uow import UnitOfWork
from shared.personal import mask_mobile

logger = observability.logger("ding")
SWEEP_BATCH = 100


def timer_for(tenant: str, notification_id: str, policy: DingPolicy, sent_at: datetime) -> DingTimer:
    return _timer(
        tenant,
        notification_id,
        "sms",
        sent_at + timedelta(minutes=policy.sms_after_minutes),
        sent_at,
        policy.call_after_minutes,
    )


def _timer(
    tenant: str, nid: str, step: str, due: datetime, sent_at: datetime, call_after: int | None
) -> DingTimer:
    return dynamodb.ding_timer(tenant, nid, step, due, sent_at, call_after)


def get_channel() -> AlertChannel:
    return sns.AwsChannel()


def escalate(timer: DingTimer, now: datetime) -> int:
    """Alert the unacknowledged for this step, log each alert, then advance or finish the timer."""
    tenant = timer.tenant
    notification = dynamodb.notification(tenant, timer.notification_id)
    pending = dynamodb.unacknowledged(tenant, timer.notification_id)
    channel = get_channel()
    text = f"【紧急】{notification.title}：请在应用内确认。"
    logs = []
    for staff_id in pending:
        staff = dynamodb.get_staff(tenant, staff_id)
        status, detail, masked = "skipped", "no mobile on record", None
        if staff is not None and staff.mobile_encrypted:
            phone = get_cipher().decrypt(tenant, staff.mobile_encrypted)
            masked = mask_mobile(phone)
            try:
                detail = channel.send_sms(phone, text) if timer.step == "sms" else channel.call(phone, text)
                status = "sent"
            except Exception as exc:  # noqa: BLE001 - logged per recipient; others still get theirs
                status, detail = "failed", type(exc).__name__
        logs.append(
            AlertLogItem(
                AlertLogItem.partition(tenant),
                f"{now.isoformat()}#{new_id()}",
                entity="alert",
                tenant=tenant,
                notification_id=timer.notification_id,
                staff_id=staff_id,
                channel=timer.step,
                to_masked=masked,
                status=status,
                detail=detail,
                at=now,
            )
        )
    with UnitOfWork("messaging") as uow:
        for log in logs[:90]:  # a transaction holds 100 items; larger groups log the rest right after
            uow.create(log)
        if pending and timer.step == "sms" and timer.call_after_minutes is not None:
            due = timer.sent_at + timedelta(minutes=int(timer.call_after_minutes))
            uow.save(
                _timer(tenant, timer.notification_id, "call", max(due, now), timer.sent_at, None),
                condition=DingTimer.step == timer.step,
                on_conflict=Conflict("escalated meanwhile"),
            )
        else:
            uow.delete(timer, condition=DingTimer.step == timer.step)
        uow.commit()
    for log in logs[90:]:
        dynamodb.save(log)
    return len(pending)


def sweep(now: datetime) -> int:
    """Escalate every timer due by ``now``; returns how many alerts were attempted."""
    alerts = 0
    for timer in dynamodb.due_ding_timers(now, SWEEP_BATCH):
        try:
            alerts += escalate(timer, now)
        except Conflict:
            continue  # another sweep advanced it first
        except Exception:  # one timer that cannot be escalated now must not hold up everyone else's
            logger.exception("DING escalation failed; retried next sweep", extra={"timer": timer.gsi1sk})
    return alerts


def alert_log(tenant: str, limit: int, cursor: str | None) -> Page[AlertRecord]:
    items, next_cursor = dynamodb.alert_page(tenant, limit, cursor)
    return Page[AlertRecord](
        items=[
            AlertRecord(
                notification_id=i.notification_id,
                staff_id=i.staff_id,
                channel=i.channel,
                to=i.to_masked,
                status=i.status,
                detail=i.detail,
                at=i.at,
            )
            for i in items
        ],
        next_cursor=next_cursor,
    )


def stop(tenant: str, notification_id: str) -> None:
    """Everyone acknowledged: the timer has nothing left to do (the sweep would also find no one)."""
    dynamodb.delete_ding_timer(tenant, notification_id)
