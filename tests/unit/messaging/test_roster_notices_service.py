"""Roster change notices on the fakes: scheduling's ``roster.published`` → one work notification from the
publisher, fanned out to each nurse whose shifts changed, each reading her own lines; nurses who left or
are unknown are skipped (logged, counted), and a retried event sends nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.service import notifications

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.scheduling import (
    ROSTER_PUBLISHED,
    ROSTER_SWAP_FAILED,
    NurseChange,
    RosterPublished,
    SwapFailed,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, FakePush, NotificationTables

T = "t-roster"
TITLE = "心内一病区 2027年1月排班（第2版）"


@pytest.fixture
def tables() -> NotificationTables:
    t = NotificationTables()
    t.add_staff(T, "hn", "w1", "nurse", "head_nurse", name="王护士长")
    for n in range(3):
        t.add_staff(T, f"n{n}", "w1", "nurse", name=f"护士{n}")
    return t


def published(*changes: tuple[str, list[str]]) -> EventEnvelope:
    data = RosterPublished(
        period_id="p-2027-01",
        version=2,
        ward_ids=["w1"],
        title=TITLE,
        start=date(2027, 1, 1),
        end=date(2027, 1, 31),
        published_by="hn",
        changes=[NurseChange(staff_id=s, lines=lines) for s, lines in changes],
    )
    return ROSTER_PUBLISHED.envelope(T, data)


def consume(tables: NotificationTables, envelope: EventEnvelope) -> FakeNotificationStore:
    """The consumer: the use case on its unit of work, then its commit; then the fan-out of what it sent."""
    consumer = FakeNotificationStore(T, tables)
    notifications.from_roster(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    return consumer


def nurse(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset({"nurse"}), staff_id=staff_id)


def test_each_changed_nurse_reads_her_own_lines_from_the_publisher(tables: NotificationTables) -> None:
    envelope = published(
        ("n0", ["1月3日 白班 → 大夜", "1月4日 大夜 → 休"]),
        ("n1", ["1月9日 休 → 小夜"]),
    )
    consumer = consume(tables, envelope)
    assert [(e.type, e.data["recipient_count"]) for e in consumer.uow.published] == [("notification.sent", 2)]
    for staff_id, body in (("n0", "1月3日 白班 → 大夜\n1月4日 大夜 → 休"), ("n1", "1月9日 休 → 小夜")):
        [entry] = notifications.inbox(nurse(staff_id), 20, None, store=FakeNotificationStore(T, tables)).items
        assert (entry.title, entry.sender, entry.sender_name, entry.status) == (
            TITLE,
            "hn",
            "王护士长",
            "delivered",
        )
        view = notifications.read(
            nurse(staff_id), entry.notification_id, "req", store=FakeNotificationStore(T, tables)
        )
        assert (view.title, view.body, view.my_status) == (TITLE, body, "read")
    # n2's shifts did not move: nothing for her
    assert notifications.inbox(nurse("n2"), 20, None, store=FakeNotificationStore(T, tables)).items == []
    # the publisher sees one notification to the two of them, and who has read it
    head = Principal(tenant=T, user="u-hn", roles=frozenset({"head_nurse"}), staff_id="hn")
    [sent] = notifications.sent(head, 20, None, store=FakeNotificationStore(T, tables)).items
    assert (sent.title, sent.recipient_count, sent.delivered_count, sent.read_count) == (TITLE, 2, 2, 2)


def test_a_retried_event_sends_nothing_twice(tables: NotificationTables) -> None:
    envelope = published(("n0", ["1月3日 白班 → 大夜"]))
    consume(tables, envelope)
    with pytest.raises(Conflict):  # past the inbox marker, the notification's own id refuses it
        consume(tables, envelope)
    assert len(tables.notifications) == 1
    assert len(notifications.inbox(nurse("n0"), 20, None, store=FakeNotificationStore(T, tables)).items) == 1


def test_nurses_who_left_or_are_unknown_are_skipped_and_counted(
    tables: NotificationTables, caplog: pytest.LogCaptureFixture
) -> None:
    consume(
        tables, published(("n0", ["1月3日 白班 → 大夜"]), ("gone", ["1月5日 白班 → 休"]), ("ghost", ["x"]))
    )
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["n0"] and set(record.bodies) == {"n0"}
    skipped = [
        r for r in caplog.records if r.getMessage() == "roster change notice skipped: not active staff"
    ]
    assert [r.__dict__["staff_ids"] for r in skipped] == [["ghost", "gone"]]


def test_nobody_left_to_notify_sends_nothing_and_says_so(
    tables: NotificationTables, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = consume(tables, published(("ghost", ["1月3日 白班 → 大夜"])))
    assert tables.notifications == {} and consumer.uow.published == []
    assert "roster published with nobody to notify" in [r.getMessage() for r in caplog.records]


def test_many_changed_nurses_go_out_through_the_fan_out(tables: NotificationTables) -> None:
    for n in range(3, 60):
        tables.add_staff(T, f"n{n}", "w1", "nurse", name=f"护士{n}")
    changes = [(f"n{n}", [f"1月{n % 28 + 1}日 白班 → 小夜"]) for n in range(60)]
    consumer = FakeNotificationStore(T, tables)
    notifications.from_roster(published(*changes), UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    # the consumer writes one notification and one event, however many nurses: the fan-out delivers
    [event] = consumer.uow.published
    assert event.type == "notification.sent" and NOTIFICATION_SENT.parse(event) == NotificationSent(
        notification_id=event.data["notification_id"], recipient_count=60
    )
    assert tables.recipients == {}
    fan = FakeNotificationStore(T, tables)
    notifications.fan_out(event, UnitOfWork("messaging"), store=fan, push=FakePush())
    fan.commit()
    assert len(tables.recipients) == 60
    assert tables.recipients[(T, event.data["notification_id"], "n42")].body == "1月15日 白班 → 小夜"


def swap_failed(*notify: str) -> EventEnvelope:
    data = SwapFailed(
        swap_id="sw-1",
        period_id="p-2027-01",
        title="换班：护士0 ↔ 护士1（1月5日）",
        reason="换班违反硬性规则：护士1 1月5日: 已批准的请假",
        notify=list(notify),
    )
    return ROSTER_SWAP_FAILED.envelope(T, data)


def test_an_approved_swap_that_could_not_be_applied_tells_its_nurses_and_approver_why(
    tables: NotificationTables, caplog: pytest.LogCaptureFixture
) -> None:
    envelope = swap_failed("n0", "n1", "hn", "gone")
    consumer = FakeNotificationStore(T, tables)
    notifications.from_swap_failure(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["hn", "n0", "n1"]  # the one who left is not told
    for staff_id in ("n0", "n1", "hn"):
        [entry] = notifications.inbox(nurse(staff_id), 20, None, store=FakeNotificationStore(T, tables)).items
        assert entry.title == "换班未能生效：换班：护士0 ↔ 护士1（1月5日）" and entry.sender_name == "排班"
        view = notifications.read(
            nurse(staff_id), entry.notification_id, "req", store=FakeNotificationStore(T, tables)
        )
        assert "已批准的请假" in view.body and "排班保持不变" in view.body
    retry = FakeNotificationStore(T, tables)
    with pytest.raises(Conflict):  # a retried event sends nothing twice
        notifications.from_swap_failure(envelope, UnitOfWork("messaging"), store=retry)
        retry.commit()
    consumer = FakeNotificationStore(T, tables)
    notifications.from_swap_failure(swap_failed("ghost"), UnitOfWork("messaging"), store=consumer)
    assert consumer.uow.published == [] and len(tables.notifications) == 1
    assert "failed swap with nobody to tell" in [r.getMessage() for r in caplog.records]
