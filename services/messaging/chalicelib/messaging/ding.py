"""DING (urgent) notifications: acknowledgement required, escalating in-app → SMS → voice call.

Each DING stores an escalation timer item; a scheduled sweep finds the due ones through a sparse index
and alerts whoever has not acknowledged yet. Timers live in the table, not in memory, so a restart or a
crashed sweep loses none: an alert is sent before its step is advanced (at least once — a crash in
between re-sends, which for an urgent alert beats silence).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.messaging.channels import get_channel
from chalicelib.messaging.contracts.notifications import AlertRecord, DingPolicy
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared import directory, observability
from shared.crypto import get_cipher
from shared.errors import Conflict
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import Gsi1, TenantItem, now_utc, table_meta, tenant_key
from shared.persistence.uow import UnitOfWork
from shared.personal import mask_mobile

logger = observability.logger("ding")
DUE_INDEX = "dingdue"  # a system index for the sweep; every item it returns names its tenant
SWEEP_BATCH = 100


class DingTimer(TenantItem):
    Meta = table_meta("messaging")
    notification_id = UnicodeAttribute()
    step = UnicodeAttribute()  # sms | call
    due_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute()
    call_after_minutes = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    due = Gsi1()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "ding")


class AlertLogItem(TenantItem):
    """The delivery log of SMS and calls: what went to whom (masked), when, and how it went."""

    Meta = table_meta("messaging")
    notification_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    to_masked = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()

    @staticmethod
    def partition(tenant: str) -> str:
        return tenant_key(tenant, "alerts")


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
    return DingTimer(
        DingTimer.partition(tenant),
        nid,
        entity="ding",
        tenant=tenant,
        notification_id=nid,
        step=step,
        due_at=due,
        sent_at=sent_at,
        call_after_minutes=call_after,
        gsi1pk=DUE_INDEX,
        gsi1sk=f"{due.isoformat()}#{tenant}#{nid}",
    )


def _unacknowledged(tenant: str, notification_id: str) -> list[str]:
    from chalicelib.messaging.notifications import RecipientItem

    return [
        r.sk
        for r in RecipientItem.query(
            RecipientItem.partition(tenant, notification_id),
            filter_condition=RecipientItem.status != "acknowledged",
        )
    ]


def escalate(timer: DingTimer, now: datetime) -> int:
    """Alert the unacknowledged for this step, log each alert, then advance or finish the timer."""
    from chalicelib.messaging.notifications import NotificationItem

    tenant = timer.tenant
    notification = NotificationItem.get(NotificationItem.partition(tenant), timer.notification_id)
    pending = _unacknowledged(tenant, timer.notification_id)
    channel = get_channel()
    text = f"【紧急】{notification.title}：请在应用内确认。"
    logs = []
    for staff_id in pending:
        staff = directory.get_staff(tenant, staff_id)
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
        log.save()
    return len(pending)


def sweep(now: datetime) -> int:
    """Escalate every timer due by ``now``; returns how many alerts were attempted."""
    alerts = 0
    for timer in DingTimer.due.query(DUE_INDEX, DingTimer.gsi1sk <= f"{now.isoformat()}~", limit=SWEEP_BATCH):
        try:
            alerts += escalate(timer, now)
        except Conflict:
            continue  # another sweep advanced it first
        except Exception:  # one timer that cannot be escalated now must not hold up everyone else's
            logger.exception("DING escalation failed; retried next sweep", extra={"timer": timer.gsi1sk})
    return alerts


def alert_log(tenant: str, limit: int, cursor: str | None) -> Page[AlertRecord]:
    from chalicelib.messaging.adapters import list_page

    items, next_cursor = list_page(AlertLogItem, AlertLogItem.partition(tenant), limit, cursor)
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
    try:
        DingTimer.get(DingTimer.partition(tenant), notification_id).delete()
    except DingTimer.DoesNotExist:
        return


__all__ = ["AlertLogItem", "DingTimer", "alert_log", "now_utc", "sweep", "timer_for"]
