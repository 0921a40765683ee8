"""DING (urgent) notifications: acknowledgement required, escalating in-app → SMS → voice call.

Each DING stores an escalation timer; a scheduled sweep finds the due ones through a sparse index and
alerts whoever has not acknowledged yet. Timers live in the table, not in memory, so a restart or a
crashed sweep loses none: an alert is sent before its step is advanced (at least once — a crash in
between re-sends, which for an urgent alert beats silence).

Each use case takes the store it works on (``store=``, and ``channel=`` / ``personal_data=`` where it
alerts); left out, ``service/wiring.py`` gives the DynamoDB, SNS/Pinpoint and KMS ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.messaging.contracts.notifications import AlertRecord
from chalicelib.messaging.domain import notify_policy as rules
from chalicelib.messaging.domain.alerts import AlertChannel
from chalicelib.messaging.domain.ports import DingStore, PersonalData
from chalicelib.messaging.domain.records import AlertEntry, DingTimerRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.errors import Conflict, NotFound
from shared.pages import Page
from shared.personal import mask_mobile

logger = observability.logger("ding")
SWEEP_BATCH = 100


def escalate(
    timer: DingTimerRecord,
    now: datetime,
    store: DingStore | None = None,
    channel: AlertChannel | None = None,
    personal_data: PersonalData | None = None,
) -> int:
    """Alert the unacknowledged for this step, log each alert, then advance or finish the timer."""
    tenant = timer.tenant
    store = store or wiring.ding_store()
    sender_name = store.sender_name(tenant, timer.notification_id)
    if sender_name is None:
        raise NotFound("notification")
    pending = store.unacknowledged(tenant, timer.notification_id)
    channel = channel or wiring.alert_channel()
    # Never the sender's words (a title can carry a phishing link): a fixed text naming them and the app.
    text = rules.alert_text(sender_name, "sms" if timer.step == "sms" else "call")
    contacts = {s: store.contact(tenant, s) for s in pending}
    reachable = {s: sealed for s, (_, sealed) in contacts.items()}
    day, _ = rules.day_window(now)
    wanted = sum(1 for sealed in reachable.values() if sealed)
    granted = store.reserve_alerts(tenant, day, wanted, store.policy(tenant).daily_alerts) if wanted else 0
    if granted < wanted:
        logger.warning(
            "daily SMS/call budget reached: alerts skipped",
            extra={"tenant": tenant, "notification": timer.notification_id, "skipped": wanted - granted},
        )
    alerts = []
    for staff_id in pending:
        sealed = reachable[staff_id]
        status, detail, masked = "skipped", "no mobile on record", None
        if sealed and granted <= 0:
            detail = "the hospital's daily SMS/call budget is spent"
        elif sealed:
            granted -= 1
            phone = (personal_data or wiring.personal_data()).decrypt(tenant, sealed)
            masked = mask_mobile(phone)
            try:
                detail = channel.send_sms(phone, text) if timer.step == "sms" else channel.call(phone, text)
                status = "sent"
            except Exception as exc:  # noqa: BLE001 - logged per recipient; others still get theirs
                status, detail = "failed", type(exc).__name__
        name = contacts[staff_id][0]
        alerts.append(
            AlertEntry(timer.notification_id, staff_id, timer.step, masked, status, detail, now, name)
        )
    then = None
    if pending and timer.step == "sms" and timer.call_after_minutes is not None:
        due = timer.sent_at + timedelta(minutes=int(timer.call_after_minutes))
        then = DingTimerRecord(tenant, timer.notification_id, "call", max(due, now), timer.sent_at, None)
    store.escalated(timer, alerts, then)
    return len(pending)


def sweep(
    now: datetime,
    store: DingStore | None = None,
    channel: AlertChannel | None = None,
    personal_data: PersonalData | None = None,
) -> int:
    """Escalate every timer due by ``now``; returns how many alerts were attempted."""
    store = store or wiring.ding_store()
    alerts = 0
    for timer in store.due(now, SWEEP_BATCH):
        try:
            alerts += escalate(timer, now, store=store, channel=channel, personal_data=personal_data)
        except Conflict:
            continue  # another sweep advanced it first
        except Exception:  # one timer that cannot be escalated now must not hold up everyone else's
            logger.exception(
                "DING escalation failed; retried next sweep",
                extra={"timer": f"{timer.due_at.isoformat()}#{timer.tenant}#{timer.notification_id}"},
            )
    return alerts


def alert_log(
    tenant: str, limit: int, cursor: str | None, store: DingStore | None = None
) -> Page[AlertRecord]:
    entries, next_cursor = (store or wiring.ding_store()).alerts(tenant, limit, cursor)
    return Page[AlertRecord](
        items=[
            AlertRecord(
                notification_id=e.notification_id,
                staff_id=e.staff_id,
                name=e.name or None,
                channel=e.channel,
                to=e.to_masked,
                status=e.status,
                detail=e.detail,
                at=e.at,
            )
            for e in entries
        ],
        next_cursor=next_cursor,
    )


def stop(tenant: str, notification_id: str, store: DingStore | None = None) -> None:
    """Everyone acknowledged: the timer has nothing left to do (the sweep would also find no one)."""
    (store or wiring.ding_store()).stop(tenant, notification_id)
