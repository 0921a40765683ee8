"""The director's daily report on the fakes: ``report.daily.ready`` → one work notification to the leaders
still active, its body the headline lines and then the link; a retried event sends nothing twice; nobody
left to tell is logged, never an error."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.messaging.service import notifications, report_notices

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.reports import DAILY_REPORT_READY, DailyReportReady
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotificationStore, FakePush, NotificationTables

T = "t-report"
LINES = ["门诊人次 1,234（较前日 +5.2%，较上周同日 −1.0%）", "急诊人次 未上报"]


@pytest.fixture
def tables() -> NotificationTables:
    t = NotificationTables()
    t.add_staff(T, "dir", "office", "hospital_leader", name="王院长")
    t.add_staff(T, "vice", "office", "doctor", name="赵副院长")
    return t


def ready(*notify: str) -> EventEnvelope:
    data = DailyReportReady(
        day=date(2026, 12, 5),
        notify=list(notify),
        title="院长日报 · 12月5日",
        lines=LINES,
        link="/reports/daily/2026-12-05/page",
    )
    return DAILY_REPORT_READY.envelope(T, data)


def leader(staff_id: str) -> Principal:
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset({"hospital_leader"}), staff_id=staff_id)


def test_the_leaders_read_the_headline_and_the_link(tables: NotificationTables) -> None:
    envelope = ready("dir", "vice", "gone")
    consumer = FakeNotificationStore(T, tables)
    report_notices.from_daily_report(envelope, UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    for sent in consumer.uow.published:
        fan = FakeNotificationStore(T, tables)
        notifications.fan_out(sent, UnitOfWork("messaging"), store=fan, push=FakePush())
        fan.commit()
    [record] = tables.notifications.values()
    assert record.recipient_ids == ["dir", "vice"]  # one who left since is not told
    [entry] = notifications.inbox(leader("dir"), 20, None, store=FakeNotificationStore(T, tables)).items
    assert entry.title == "院长日报 · 12月5日" and entry.sender_name == "院长日报"
    view = notifications.read(
        leader("dir"), entry.notification_id, "req", store=FakeNotificationStore(T, tables)
    )
    assert view.body.splitlines() == [*LINES, "查看完整日报：/reports/daily/2026-12-05/page"]

    retry = FakeNotificationStore(T, tables)
    with pytest.raises(Conflict):  # a retried event sends nothing twice
        report_notices.from_daily_report(envelope, UnitOfWork("messaging"), store=retry)
        retry.commit()


def test_nobody_active_to_tell_sends_nothing(tables: NotificationTables) -> None:
    consumer = FakeNotificationStore(T, tables)
    report_notices.from_daily_report(ready("gone"), UnitOfWork("messaging"), store=consumer)
    consumer.commit()
    assert tables.notifications == {} and consumer.uow.published == []
