"""Chronic revisit notices on the fakes: follow-up's ``followup.revisit.requested`` → one work notification
to the pool's doctors still active, naming the patient by the masked name only; a retried event sends
nothing twice; a pool with nobody to tell is logged, not silent."""

from __future__ import annotations

import pytest
from chalicelib.messaging.service import notifications, revisit_notices

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import FOLLOWUP_REVISIT_REQUESTED, RevisitEvent
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, FakePush, NotificationTables

T = "t-revisit"


def requested(*notify: str) -> EventEnvelope:
    data = RevisitEvent(
        revisit_id="p1-r1",
        patient_id="p1",
        patient_label="张*",
        department_id="d1",
        notify=list(notify),
        summary="续方：苯磺酸氨氯地平",
    )
    return FOLLOWUP_REVISIT_REQUESTED.envelope(T, data)


def doctor(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset({"doctor"}), staff_id=staff_id)


def test_the_pools_doctors_are_asked_to_claim_it_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tables = NotificationTables()
    for n in range(2):
        tables.add_staff(T, f"doc{n}", "d1", "doctor", name=f"医生{n}")
    envelope = requested("doc0", "doc1", "gone")
    consumer = FakeNotificationStore(T, tables)
    revisit_notices.from_revisit_request(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["doc0", "doc1"]  # the one the directory does not have is not told
    for staff_id in ("doc0", "doc1"):
        [entry] = notifications.inbox(
            doctor(staff_id), 20, None, store=FakeNotificationStore(T, tables)
        ).items
        assert entry.title == "慢病复诊待抢单：张*（续方：苯磺酸氨氯地平）" and entry.sender_name == "随访"
        view = notifications.read(
            doctor(staff_id), entry.notification_id, "req", store=FakeNotificationStore(T, tables)
        )
        assert "抢单" in view.body and "张*" in view.body
    retry = FakeNotificationStore(T, tables)
    with pytest.raises(Conflict):  # a retried event sends nothing twice
        revisit_notices.from_revisit_request(envelope, UnitOfWork("messaging"), store=retry)
        retry.commit()
    nobody = FakeNotificationStore(T, tables)
    revisit_notices.from_revisit_request(requested(), UnitOfWork("messaging"), store=nobody)
    assert nobody.uow.published == [] and len(tables.notifications) == 1
    assert "revisit request with nobody to tell" in [r.getMessage() for r in caplog.records]
