"""followup.alert.raised → a work notification to the doctor (a DING when urgent), on messaging's fakes:
what the doctor reads, who is told, one notification per event, nobody to tell is said."""

from __future__ import annotations

import pytest
from chalicelib.messaging.service import notifications

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import FOLLOWUP_ALERT_RAISED, AlertRaised
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, FakePush, NotificationTables

T = "t-followup"
TITLE = "随访异常：张* 收缩压 182 mmHg（>160）"


@pytest.fixture
def tables() -> NotificationTables:
    t = NotificationTables()
    t.add_staff(T, "doc", "card", "doctor", name="李医生")
    t.add_staff(T, "col", "card", "doctor", name="王医生")
    return t


def raised(notify: list[str], urgent: bool) -> EventEnvelope:
    data = AlertRaised(
        alert_id="p1-a1",
        patient_id="p1",
        patient_label="张*",
        task_id="p1-a1",
        department_id="card",
        notify=notify,
        title=TITLE,
        urgent=urgent,
    )
    return FOLLOWUP_ALERT_RAISED.envelope(T, data)


def consume(tables: NotificationTables, envelope: EventEnvelope) -> FakeNotificationStore:
    consumer = FakeNotificationStore(T, tables)
    notifications.from_followup_alert(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    return consumer


def doctor(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset({"doctor"}), staff_id=staff_id)


def test_an_urgent_alert_is_a_ding_to_the_doctor_naming_the_patient_masked(
    tables: NotificationTables,
) -> None:
    envelope = raised(["doc"], urgent=True)
    consume(tables, envelope)
    [record] = tables.notifications.values()
    assert (record.recipient_ids, record.ding, record.ack_required, record.sender_name) == (
        ["doc"],
        True,
        True,
        "随访",
    )
    assert (T, record.id) in tables.dings  # its SMS and call steps follow unless acknowledged
    [entry] = notifications.inbox(doctor("doc"), 20, None, store=FakeNotificationStore(T, tables)).items
    assert entry.title == TITLE
    view = notifications.read(
        doctor("doc"), entry.notification_id, "r", store=FakeNotificationStore(T, tables)
    )
    assert "张*" in view.body and "随访工作台" in view.body
    assert notifications.inbox(doctor("col"), 20, None, store=FakeNotificationStore(T, tables)).items == []
    retry = FakeNotificationStore(T, tables)
    with pytest.raises(Conflict):  # a retried event sends nothing twice
        notifications.from_followup_alert(envelope, UnitOfWork("messaging"), store=retry)
        retry.commit()
    assert len(tables.notifications) == 1


def test_a_plain_alert_tells_the_department_doctors_without_a_ding(tables: NotificationTables) -> None:
    consume(tables, raised(["doc", "col", "ghost"], urgent=False))
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["col", "doc"] and not record.ding and not tables.dings


def test_nobody_to_tell_sends_nothing_and_says_so(
    tables: NotificationTables, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = consume(tables, raised(["ghost"], urgent=True))
    assert consumer.uow.published == [] and not tables.notifications
    assert "follow-up alert with nobody to tell" in [r.getMessage() for r in caplog.records]
