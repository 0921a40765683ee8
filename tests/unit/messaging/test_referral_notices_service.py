"""referral.* and consultation.* → a work notification to the staff the event names on its side, on
messaging's fakes: who is told, what they read, a DING when urgent, one notification per event, an event
naming nobody does nothing, people who have all left are said."""

from __future__ import annotations

from typing import Any

import pytest
from chalicelib.messaging.service import notifications, referral_notices

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import (
    CONSULTATION_OVERDUE,
    REFERRAL_ACCEPTED,
    REFERRAL_EVENTS,
    REFERRAL_OVERDUE,
    REFERRAL_REQUESTED,
    ConsultationEvent,
    ReferralEvent,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, FakePush, NotificationTables

T = "t-county"
TITLE = "转诊申请：张* → 心内科（紧急）"


@pytest.fixture
def tables() -> NotificationTables:
    t = NotificationTables()
    t.add_staff(T, "desk", "ref", "referral_desk", name="转诊中心赵")
    t.add_staff(T, "desk2", "ref", "referral_desk", name="转诊中心钱")
    t.add_staff(T, "doc", "card", "doctor", name="李医生")
    return t


def referral(event: Any, notify: list[str], urgent: bool = False, **extra: Any) -> EventEnvelope:
    data = ReferralEvent(
        referral_id="r1",
        direction="up",
        consortium_id="c1",
        from_hospital_id="t-town",
        to_hospital_id=T,
        side="to",
        state=event.name.split(".")[1],
        urgency="urgent" if urgent else "routine",
        patient_label="张*",
        notify=notify,
        urgent=urgent,
        title=TITLE,
        **extra,
    )
    return event.envelope(T, data)


def consume(tables: NotificationTables, envelope: EventEnvelope) -> FakeNotificationStore:
    consumer = FakeNotificationStore(T, tables)
    referral_notices.from_referral_event(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    return consumer


def staff(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset({"doctor"}), staff_id=staff_id)


def test_a_new_referral_tells_the_desk_what_to_do_and_asks_for_an_acknowledgement(
    tables: NotificationTables,
) -> None:
    consume(tables, referral(REFERRAL_REQUESTED, ["desk", "desk2"]))
    [record] = tables.notifications.values()
    assert (record.recipient_ids, record.ding, record.ack_required, record.sender_name) == (
        ["desk", "desk2"],
        False,
        True,
        "转诊",
    )
    assert not tables.dings
    [entry] = notifications.inbox(staff("desk"), 20, None, store=FakeNotificationStore(T, tables)).items
    assert entry.title == TITLE
    view = notifications.read(
        staff("desk"), entry.notification_id, "r", store=FakeNotificationStore(T, tables)
    )
    assert view.body == "患者 张*：有新的转诊申请，请在转诊工作台处理。"
    assert notifications.inbox(staff("doc"), 20, None, store=FakeNotificationStore(T, tables)).items == []


def test_an_overdue_referral_is_a_ding_at_the_hospitals_minima(tables: NotificationTables) -> None:
    envelope = referral(REFERRAL_OVERDUE, ["desk"], urgent=True)
    consume(tables, envelope)
    [record] = tables.notifications.values()
    assert record.ding and record.ack_required and (T, record.id) in tables.dings
    assert "已超过时限未处理，请立即处理" in record.body
    retry = FakeNotificationStore(T, tables)
    with pytest.raises(Conflict):  # a retried event sends nothing twice
        referral_notices.from_referral_event(envelope, UnitOfWork("messaging"), store=retry)
        retry.commit()
    assert len(tables.notifications) == 1


def test_an_accepted_referral_is_news_without_an_acknowledgement(tables: NotificationTables) -> None:
    consume(tables, referral(REFERRAL_ACCEPTED, ["doc", "ghost"]))
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["doc"] and not record.ack_required and not record.ding


def test_an_overdue_consultation_tells_the_on_duty_doctor_by_ding(tables: NotificationTables) -> None:
    data = ConsultationEvent(
        consultation_id="k1",
        scope="local",
        from_hospital_id=T,
        to_hospital_id=T,
        side="to",
        urgency="emergency",
        patient_label="王*",
        notify=["doc"],
        urgent=True,
        title="急会诊超时：王* · 心内科",
    )
    consume(tables, CONSULTATION_OVERDUE.envelope(T, data))
    [record] = tables.notifications.values()
    assert (record.sender_name, record.ding, record.title) == ("会诊", True, "急会诊超时：王* · 心内科")
    assert "会诊已超过时限未处理" in record.body


def test_every_type_has_its_words() -> None:
    assert set(referral_notices.NOTICE_TYPES) == set(referral_notices.BODIES)
    assert {t.name for t in REFERRAL_EVENTS} <= set(referral_notices.BODIES)


def test_an_event_naming_nobody_does_nothing(tables: NotificationTables) -> None:
    consumer = consume(tables, referral(REFERRAL_ACCEPTED, []))
    assert consumer.uow.published == [] and not tables.notifications


def test_people_who_all_left_are_said(tables: NotificationTables, caplog: pytest.LogCaptureFixture) -> None:
    consumer = consume(tables, referral(REFERRAL_REQUESTED, ["ghost"], urgent=True))
    assert consumer.uow.published == [] and not tables.notifications and not tables.dings
    assert "referral or consultation notice with nobody to tell" in [r.getMessage() for r in caplog.records]
