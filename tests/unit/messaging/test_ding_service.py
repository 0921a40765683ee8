"""DING escalation on the in-memory fakes (no AWS): the SMS → call ladder to whoever has not acknowledged,
the alert log (masked, skipped and failed said, never dropped), a sweep that survives a bad timer or a
race with another sweep. ``tests/service/test_ding.py`` keeps the whole path over HTTP, SNS and moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.contracts.notifications import SendNotification
from chalicelib.messaging.domain.records import DingTimerRecord, UnitRecord
from chalicelib.messaging.service import ding, notifications

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import (
    FakeChannel,
    FakeDingStore,
    FakeNotificationStore,
    FakePersonalData,
    FakePush,
    NotificationTables,
)

T = "t-ding"
# The head nurse of 急诊科 (the emergency department above the ER ward), bound by the directory.
SENDER = Principal(tenant=T, user="sender", roles=frozenset({"head_nurse"}), staff_id="s-lead")
KEYS = FakePersonalData()


@pytest.fixture
def dings() -> FakeDingStore:
    tables = NotificationTables()
    tables.units[T] = [UnitRecord("emergency", None, "department"), UnitRecord("er", "emergency", "ward")]
    tables.add_staff(T, "s-lead", "emergency", "head_nurse", name="李护士长")
    store = FakeDingStore(tables)
    for staff_id, mobile in (
        ("s-quick", "13900000001"),
        ("s-slow", "13900000002"),
        ("s-nophone", None),
    ):
        tables.add_staff(T, staff_id, "er", "doctor")
        if mobile:
            store.mobiles[(T, staff_id)] = KEYS.encrypt(T, mobile)
    return store


def send_ding(store: FakeDingStore, call_after: int | None = 15, tenant: str = T) -> tuple[str, datetime]:
    notes = FakeNotificationStore(tenant, store.tables)
    body = {
        "title": "抢救室需要支援",
        "body": "请立即到抢救室",
        "to": {"department_ids": ["er"]},
        "ding": {"sms_after_minutes": 5, "call_after_minutes": call_after},
    }
    who = Principal(tenant=tenant, user="sender", roles=frozenset({"head_nurse"}), staff_id="s-lead")
    sent = notifications.send(who, SendNotification.model_validate(body), "req-1", store=notes)
    fan_out = FakeNotificationStore(tenant, store.tables)
    envelope = NOTIFICATION_SENT.envelope(
        tenant, NotificationSent(notification_id=sent.id, recipient_count=3)
    )
    notifications.fan_out(envelope, UnitOfWork("messaging"), store=fan_out, push=FakePush())
    fan_out.commit()
    return sent.id, sent.created_at


def ack(store: FakeDingStore, user: str, nid: str) -> None:
    # Over HTTP the directory binds the sign-in to the staff id (shared.standing); here: s-<user>.
    me = Principal(tenant=T, user=user, roles=frozenset({"doctor"}), staff_id=f"s-{user}")
    notifications.mark(me, nid, "ack", "req-2", store=FakeNotificationStore(T, store.tables))


def sweep(store: FakeDingStore, at: datetime, channel: FakeChannel) -> int:
    return ding.sweep(at, store=store, channel=channel, personal_data=KEYS)


def log(store: FakeDingStore, nid: str) -> dict[tuple[str, str], Any]:
    page = ding.alert_log(T, 200, None, store=store)
    return {(e.staff_id, e.channel): e for e in page.items if e.notification_id == nid}


def test_the_ladder_alerts_the_unacknowledged_only_sms_then_call_then_stops(dings: FakeDingStore) -> None:
    nid, sent = send_ding(dings)
    ack(dings, "quick", nid)
    channel = FakeChannel()
    assert sweep(dings, sent + timedelta(minutes=1), channel) == 0  # nothing due yet
    assert channel.sent == [] and log(dings, nid) == {}

    assert sweep(dings, sent + timedelta(minutes=6), channel) == 2
    # a fixed text naming the sender and the app: never the title (it could carry a phishing link)
    assert channel.sent == [
        ("sms", "13900000002", "【未来医院】李护士长给您发来一条紧急工作通知，请打开未来医院确认。")
    ]
    sms = log(dings, nid)
    assert (sms[("s-slow", "sms")].status, sms[("s-slow", "sms")].to) == ("sent", "139****0002")
    assert sms[("s-slow", "sms")].detail == "sms-1"
    skipped = sms[("s-nophone", "sms")]
    assert (skipped.status, skipped.detail, skipped.to) == ("skipped", "no mobile on record", None)
    assert ("s-quick", "sms") not in sms
    assert dings.tables.dings[(T, nid)][0] == sent + timedelta(minutes=15)  # the call step is next

    assert sweep(dings, sent + timedelta(minutes=16), channel) == 2
    assert channel.sent[-1][:2] == ("call", "13900000002") and "抢救室" not in channel.sent[-1][2]
    assert "李护士长" in channel.sent[-1][2]
    calls = {k: e.status for k, e in log(dings, nid).items() if k[1] == "call"}
    assert calls == {("s-slow", "call"): "sent", ("s-nophone", "call"): "skipped"}
    assert (T, nid) not in dings.tables.dings  # the ladder is finished
    assert sweep(dings, sent + timedelta(minutes=60), channel) == 0
    assert len(log(dings, nid)) == 4 and len(channel.sent) == 2


def test_without_a_call_step_the_timer_ends_after_the_sms(dings: FakeDingStore) -> None:
    nid, sent = send_ding(dings, call_after=None)
    sweep(dings, sent + timedelta(minutes=5), FakeChannel())
    assert (T, nid) not in dings.tables.dings
    assert {k[1] for k in log(dings, nid)} == {"sms"}


def test_once_everyone_has_acknowledged_the_timer_ends_without_alerts(dings: FakeDingStore) -> None:
    nid, sent = send_ding(dings)
    for user in ("quick", "slow", "nophone"):
        ack(dings, user, nid)
    channel = FakeChannel()
    assert sweep(dings, sent + timedelta(minutes=6), channel) == 0
    assert channel.sent == [] and log(dings, nid) == {} and (T, nid) not in dings.tables.dings


def test_a_failed_alert_is_logged_and_the_others_still_go_out(dings: FakeDingStore) -> None:
    dings.tables.add_staff(T, "s-other", "er", "doctor")
    dings.mobiles[(T, "s-other")] = KEYS.encrypt(T, "13900000003")
    nid, sent = send_ding(dings)
    channel = FakeChannel(failing=("13900000001",))
    assert sweep(dings, sent + timedelta(minutes=6), channel) == 4
    entries = log(dings, nid)
    assert (entries[("s-quick", "sms")].status, entries[("s-quick", "sms")].detail) == (
        "failed",
        "TimeoutError",
    )
    assert sorted(phone for _, phone, _ in channel.sent) == ["13900000002", "13900000003"]


def test_a_late_sweep_calls_at_once_and_a_raced_or_broken_timer_does_not_stop_the_others(
    dings: FakeDingStore,
) -> None:
    nid, sent = send_ding(dings)
    other, _ = send_ding(dings)
    broken, _ = send_ding(dings)
    del dings.tables.notifications[(T, broken)]  # a timer whose notification cannot be read
    late = sent + timedelta(minutes=30)
    timer = next(t for t in dings.due(late, 10) if t.notification_id == nid)
    ding.escalate(timer, late, store=dings, channel=FakeChannel(), personal_data=KEYS)
    assert dings.tables.dings[(T, timer.notification_id)][0] == late  # the call is due now, not in the past
    with pytest.raises(Conflict):  # the same sms step again: another sweep moved it on meanwhile
        ding.escalate(timer, late, store=dings, channel=FakeChannel(), personal_data=KEYS)
    channel = FakeChannel()
    sweep(dings, late, channel)
    assert (T, nid) not in dings.tables.dings  # its call went out: the ladder is finished
    assert dings.tables.dings[(T, other)][0] == late and dings.tables.ding_steps[(T, other)] == "call"
    assert (T, broken) in dings.tables.dings and (T, broken) not in dings.tables.ding_steps  # next sweep


def test_the_alert_log_pages_and_is_the_hospitals_own(dings: FakeDingStore) -> None:
    _, sent = send_ding(dings)
    sweep(dings, sent + timedelta(minutes=16), FakeChannel())
    first = ding.alert_log(T, 1, None, store=dings)
    rest = ding.alert_log(T, 10, first.next_cursor, store=dings)
    assert len(first.items + rest.items) == 3  # three people's SMS
    assert ding.alert_log("t-other", 10, None, store=dings).items == []


def test_stop_removes_the_timer(dings: FakeDingStore) -> None:
    nid, sent = send_ding(dings)
    ding.stop(T, nid, store=dings)
    ding.stop(T, nid, store=dings)  # nothing there: nothing happens
    assert sweep(dings, sent + timedelta(minutes=6), FakeChannel()) == 0


def test_timers_of_every_hospital_are_swept(dings: FakeDingStore) -> None:
    dings.tables.units["t-b"] = [UnitRecord("emergency", None), UnitRecord("er", "emergency", "ward")]
    dings.tables.add_staff("t-b", "s-lead", "emergency", "head_nurse")  # no name on record
    dings.tables.add_staff("t-b", "s-b", "er", "doctor")
    dings.mobiles[("t-b", "s-b")] = KEYS.encrypt("t-b", "13900000009")
    send_ding(dings)
    _, sent = send_ding(dings, tenant="t-b")
    channel = FakeChannel()
    sweep(dings, sent + timedelta(minutes=6), channel)
    assert (
        "sms",
        "13900000009",
        "【未来医院】同事给您发来一条紧急工作通知，请打开未来医院确认。",
    ) in channel.sent
    assert [e.staff_id for e in ding.alert_log("t-b", 10, None, store=dings).items] == ["s-b"]


def test_due_timers_are_soonest_first_and_limited(dings: FakeDingStore) -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for n in range(3):
        dings.tables.dings[(T, f"n{n}")] = (now - timedelta(minutes=n), now, None)
    assert [t.notification_id for t in dings.due(now, 2)] == ["n2", "n1"]
    assert dings.due(now - timedelta(minutes=3), 10) == []
    assert dings.due(now, 1) == [DingTimerRecord(T, "n2", "sms", now - timedelta(minutes=2), now, None)]


def test_the_alert_log_names_each_person_alerted(dings: FakeDingStore) -> None:
    """Read from the same directory record as their sealed mobile (no read more), kept on the log line."""
    dings.names.update({(T, "s-quick"): "周医生", (T, "s-slow"): "吴医生", (T, "s-nophone"): "郑医生"})
    _, sent_at = send_ding(dings, call_after=None)
    sweep(dings, sent_at + timedelta(minutes=5), FakeChannel())
    page = ding.alert_log(T, 50, None, store=dings)
    assert sorted((a.staff_id, a.name, a.status, a.to) for a in page.items) == [
        ("s-nophone", "郑医生", "skipped", None),
        ("s-quick", "周医生", "sent", "139****0001"),
        ("s-slow", "吴医生", "sent", "139****0002"),
    ]
