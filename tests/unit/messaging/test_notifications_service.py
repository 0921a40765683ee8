"""Work notifications' use cases on the in-memory fakes (no AWS): recipient resolution and its errors,
send (with a DING timer), the resumable fan-out, approval notices, the sender's view, inbox, read/ack.

``tests/service/test_notifications.py`` keeps the HTTP surface and the event path on moto;
``tests/service/test_messaging_store.py`` checks the fakes against the DynamoDB store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chalicelib.messaging.contracts.events import NOTIFICATION_READ, NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.contracts.notifications import RecipientQuery, SendNotification
from chalicelib.messaging.domain.approval_notices import (
    APPROVAL_ASSIGNED,
    APPROVAL_ESCALATED,
    APPROVAL_URGED,
    LEAVE_CANCELLED,
)
from chalicelib.messaging.domain.records import Duty, UnitRecord
from chalicelib.messaging.service import notifications

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeNotifications, FakeNotificationStore, FakePush, NotificationTables

T = "t-notify"
# The head nurse of team w2 (her department: d1), as the HTTP layer hands her over (shared.standing).
SENDER = Principal(tenant=T, user="sender", roles=frozenset({"head_nurse"}), staff_id="s-team")
ADMIN = Principal(tenant=T, user="admin", roles=frozenset({"hospital_admin"}))


@pytest.fixture
def tables() -> NotificationTables:
    """A hospital: 心内科 (d1) with ward w1 below it and team w2 below that, 骨科 (d2)."""
    t = NotificationTables()
    t.units[T] = [
        UnitRecord("d1", None, "department"),
        UnitRecord("w1", "d1", "ward"),
        UnitRecord("w2", "w1", "team"),
        UnitRecord("d2", None, "department"),
    ]
    for n in range(3):
        t.add_staff(T, f"s-ward-{n}", "w1", "nurse")
    t.add_staff(T, "s-chief", "d1", "doctor", "department_head")
    t.add_staff(T, "s-team", "w2", "nurse", "head_nurse")
    t.add_staff(T, "s-out", "d2", "nurse")
    return t


def store(tables: NotificationTables, tenant: str = T) -> FakeNotificationStore:
    return FakeNotificationStore(tenant, tables)


def cmd(**to: Any) -> SendNotification:
    extra = to.pop("_extra", {})
    return SendNotification.model_validate({"title": "交班提醒", "body": "请按时交班", "to": to, **extra})


def send(tables: NotificationTables, who: Principal = SENDER, **to: Any) -> Any:
    return notifications.send(who, cmd(**to), "req-1", store=store(tables))


def deliver(tables: NotificationTables, nid: str, push: FakePush | None = None) -> FakeNotificationStore:
    """What the fan-out consumer does: the use case on the consumer's unit of work, then its commit."""
    consumer = store(tables)
    envelope = NOTIFICATION_SENT.envelope(T, NotificationSent(notification_id=nid, recipient_count=0))
    notifications.fan_out(envelope, UnitOfWork("messaging"), store=consumer, push=push or FakePush())
    consumer.commit()
    return consumer


# The sign-ins the directory binds (the hospital above): over HTTP ``shared.standing`` sets the
# principal's staff id from the directory, so a use case sees it on the principal.
BOUND = {f"nurse-{n}": f"s-ward-{n}" for n in range(3)} | {
    "chief": "s-chief",
    "team": "s-team",
    "outsider": "s-out",
}


def as_user(user: str, roles: str = "nurse", staff_id: str | None = None) -> Principal:
    return Principal(tenant=T, user=user, roles=frozenset({roles}), staff_id=staff_id or BOUND.get(user))


# --- recipients -----------------------------------------------------------------------------------


def test_departments_with_or_without_their_subtree(tables: NotificationTables) -> None:
    assert notifications.resolve(store(tables), cmd(department_ids=["d1"]).to, datetime.now(UTC)) == [
        "s-chief"
    ]
    everyone_below = cmd(department_ids=["d1"], include_sub_departments=True).to
    assert notifications.resolve(store(tables), everyone_below, datetime.now(UTC)) == [
        "s-chief",
        "s-team",
        "s-ward-0",
        "s-ward-1",
        "s-ward-2",
    ]


def test_roles_named_staff_and_duty_are_a_union_of_active_staff(tables: NotificationTables) -> None:
    tables.rosters[(T, "w1")] = Duty(("s-ward-1",), True)
    to = cmd(roles=["head_nurse"], staff_ids=["s-out"], on_duty_ward_id="w1").to
    assert notifications.resolve(store(tables), to, datetime.now(UTC)) == ["s-out", "s-team", "s-ward-1"]


@pytest.mark.parametrize(
    ("to", "field", "words"),
    [
        ({"department_ids": ["nope", "d1"]}, "to.department_ids", "no such departments: nope"),
        ({"staff_ids": ["ghost", "s-chief"]}, "to.staff_ids", "not active staff: ghost"),
        ({"roles": ["pharmacist"]}, "to", "resolve to nobody"),
        ({"on_duty_ward_id": "w1"}, "to.on_duty_ward_id", "roster"),
    ],
)
def test_clear_errors_never_silent_drops(tables: NotificationTables, to: Any, field: str, words: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        send(tables, ADMIN, **to)  # an admin may address anyone: only resolution refuses
    assert refused.value.field == field and words in str(refused.value)
    assert tables.notifications == {}


def test_a_roster_that_cannot_say_who_is_on_duty_is_an_error_with_its_reason(
    tables: NotificationTables,
) -> None:
    tables.rosters[(T, "w1")] = Duty((), False, "the roster for this ward is not published")
    with pytest.raises(RuleViolation) as refused:
        send(tables, on_duty_ward_id="w1")
    assert "not published" in str(refused.value)


def test_at_most_max_recipients(tables: NotificationTables, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "MAX_RECIPIENTS", 1)
    with pytest.raises(RuleViolation, match="2 recipients; at most 1"):
        send(tables, staff_ids=["s-chief", "s-out"])


def test_another_hospitals_staff_are_nobody_here(tables: NotificationTables) -> None:
    tables.add_staff("t-other", "s-far", "d1", "nurse")
    with pytest.raises(RuleViolation, match="not active staff: s-far"):
        send(tables, staff_ids=["s-far"])


# --- send and fan-out -----------------------------------------------------------------------------


def test_send_stores_the_notification_and_emits_one_event(tables: NotificationTables) -> None:
    s = store(tables)
    sent = notifications.send(SENDER, cmd(department_ids=["w1"]), "req-1", store=s)
    assert (sent.recipient_count, sent.delivered_count, sent.status, sent.sender) == (
        3,
        0,
        "fanning_out",
        "s-team",  # the staff id the directory binds the sender to, not their sign-in
    )
    assert (sent.ack_required, sent.ding) == (False, False)
    assert [(e.type, e.data) for e in s.uow.published] == [
        ("notification.sent", {"notification_id": sent.id, "recipient_count": 3, "ack_required": False})
    ]
    assert tables.notifications[(T, sent.id)].recipient_ids == ["s-ward-0", "s-ward-1", "s-ward-2"]
    assert tables.dings == {}


def test_a_ding_requires_acknowledgement_and_starts_its_timer(tables: NotificationTables) -> None:
    sent = send(
        tables, staff_ids=["s-chief"], _extra={"ding": {"sms_after_minutes": 5, "call_after_minutes": 15}}
    )
    assert (sent.ack_required, sent.ding) == (True, True)
    due, sent_at, call_after = tables.dings[(T, sent.id)]
    assert (due - sent_at).total_seconds() == 300 and call_after == 15
    assert sent_at == sent.created_at


def test_a_call_before_the_sms_is_refused_before_anything_is_read(tables: NotificationTables) -> None:
    with pytest.raises(RuleViolation) as refused:
        send(
            tables,
            department_ids=["nope"],
            _extra={"ding": {"sms_after_minutes": 10, "call_after_minutes": 5}},
        )
    assert refused.value.field == "ding"


def test_a_send_that_fails_to_commit_leaves_nothing(
    tables: NotificationTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = store(tables)
    sent = notifications.send(SENDER, cmd(staff_ids=["s-chief"]), "req-1", store=s)
    monkeypatch.setattr(notifications, "new_id", lambda: sent.id)  # the same id again: create-only fails
    with pytest.raises(Conflict):
        notifications.send(SENDER, cmd(staff_ids=["s-out"]), "req-2", store=s)
    assert tables.notifications[(T, sent.id)].recipient_ids == ["s-chief"]
    assert len(s.uow.published) == 1


def test_fan_out_delivers_pushes_and_marks_it_delivered(tables: NotificationTables) -> None:
    sent = send(tables, department_ids=["d1"], include_sub_departments=True)
    push = FakePush()
    deliver(tables, sent.id, push)
    assert sorted(s for (t, n, s) in tables.recipients if n == sent.id) == sorted(
        ["s-chief", "s-team", "s-ward-0", "s-ward-1", "s-ward-2"]
    )
    assert push.sent == [
        (T, ("s-chief", "s-team", "s-ward-0", "s-ward-1", "s-ward-2"), "交班提醒", "notification")
    ]
    view = notifications.get(SENDER, sent.id, store=store(tables))
    assert (view.status, view.delivered_count, view.read_count, view.ack_count) == ("delivered", 5, 0, 0)


def test_fan_out_checkpoints_and_a_redelivery_resumes_where_it_stopped(
    tables: NotificationTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "CHECKPOINT_EVERY", 2)
    sent = send(tables, department_ids=["d1"], include_sub_departments=True)  # 5 people
    tables.fail_deliveries_after = 2  # the third batch write is throttled
    with pytest.raises(RuntimeError):
        deliver(tables, sent.id)
    assert tables.calls == ["deliver", "checkpoint:2", "deliver", "checkpoint:4"]
    assert tables.notifications[(T, sent.id)].delivered_count == 4
    assert tables.notifications[(T, sent.id)].status == "fanning_out"  # the consumer's commit never came
    tables.fail_deliveries_after, tables.calls[:] = None, []
    push = FakePush()
    deliver(tables, sent.id, push)
    assert tables.calls == ["deliver"]  # only the last one, and no checkpoint after the end
    assert push.sent == [(T, ("s-ward-2",), "交班提醒", "notification")]
    assert tables.notifications[(T, sent.id)].status == "delivered"
    assert tables.notifications[(T, sent.id)].delivered_count == 5


def test_fan_out_of_an_unknown_notification_fails_the_event(tables: NotificationTables) -> None:
    with pytest.raises(NotFound):
        deliver(tables, "never-sent")


def _approval(event_type: str, **data: Any) -> EventEnvelope:
    """An approvals event as approvals publishes it (its published model), so the consumer parses it."""
    from shared.events.published import event_type as published

    kind = published(event_type)
    assert kind is not None, event_type
    task = {"step_id": "s1", "staff_id": ""} if "staff_ids" not in data else {}
    payload = kind.data_model.model_validate({"template_code": "leave", "instance_id": "i-1", **task, **data})
    return kind.envelope(T, payload).model_copy(update={"id": "ev-1"})


def test_approval_events_become_notices_to_the_approvers(tables: NotificationTables) -> None:
    consumer = store(tables)
    notifications.from_approval(
        _approval(APPROVAL_ASSIGNED, staff_id="s-chief"), UnitOfWork("m"), store=consumer
    )
    consumer.commit()
    notice = tables.notifications[(T, "ap-ev-1")]
    assert (notice.sender, notice.title, notice.recipient_ids, notice.ack_required) == (
        "service:approvals",
        "待审批：leave",
        ["s-chief"],
        False,
    )
    assert [(e.type, e.data["recipient_count"]) for e in consumer.uow.published] == [("notification.sent", 1)]
    escalated = _approval(APPROVAL_ESCALATED, staff_id="s-chief", escalated_to="s-team").model_copy(
        update={"id": "ev-2"}
    )
    notifications.from_approval(escalated, UnitOfWork("m"), store=consumer)
    consumer.commit()
    assert tables.notifications[(T, "ap-ev-2")].recipient_ids == ["s-chief", "s-team"]


def test_cancelled_leave_is_a_notice_to_the_approvers_who_granted_it(tables: NotificationTables) -> None:
    consumer = store(tables)
    leave = {"staff_id": "s-nurse", "leave_type": "年假", "start": "2026-12-07", "end": "2026-12-08"}
    event = _approval(
        LEAVE_CANCELLED,
        **leave,
        start_half="pm",
        end_half="am",
        cancelled_by="s-nurse",
        approvers=["s-head", "s-chief"],
        title="请假",
        submitter="s-nurse",
    )
    notifications.from_approval(event, UnitOfWork("m"), store=consumer)
    consumer.commit()
    notice = tables.notifications[(T, "ap-ev-1")]
    assert notice.recipient_ids == ["s-chief", "s-head"]
    assert notice.title == "销假：请假"  # with the submitter's name when the directory has it
    assert "2026-12-07 下午 至 2026-12-08 上午" in notice.body


def test_an_approval_replayed_past_the_marker_makes_no_second_notice(tables: NotificationTables) -> None:
    first = store(tables)
    notifications.from_approval(
        _approval(APPROVAL_URGED, staff_ids=["s-chief"]), UnitOfWork("m"), store=first
    )
    first.commit()
    again = store(tables)
    notifications.from_approval(
        _approval(APPROVAL_URGED, staff_ids=["s-chief"]), UnitOfWork("m"), store=again
    )
    with pytest.raises(Conflict):
        again.commit()
    assert again.uow.published == [] and len(tables.notifications) == 1


def test_an_approval_event_naming_nobody_is_logged_not_sent(tables: NotificationTables) -> None:
    consumer = store(tables)
    notifications.from_approval(_approval(APPROVAL_ASSIGNED), UnitOfWork("m"), store=consumer)
    consumer.commit()
    assert tables.notifications == {} and consumer.uow.published == []


# --- the sender's view, the inbox, read and ack ---------------------------------------------------


@pytest.fixture
def delivered(tables: NotificationTables) -> str:
    sent = send(tables, department_ids=["d1"], include_sub_departments=True, _extra={"ack_required": True})
    deliver(tables, sent.id)
    return str(sent.id)


def mark(tables: NotificationTables, user: str, nid: str, action: str) -> Any:
    return notifications.mark(as_user(user), nid, action, "req-2", store=store(tables))


def test_reads_and_acks_are_idempotent_and_move_the_counts(
    tables: NotificationTables, delivered: str
) -> None:
    first = mark(tables, "nurse-0", delivered, "read")
    assert first.status == "read" and first.read_at is not None and first.acked_at is None
    assert mark(tables, "nurse-0", delivered, "read") == first  # idempotent, no second count
    acked = mark(tables, "chief", delivered, "ack")  # straight to acknowledged: read and acked at once
    assert acked.status == "acknowledged" and acked.read_at == acked.acked_at
    assert mark(tables, "chief", delivered, "ack") == acked
    assert mark(tables, "chief", delivered, "read") == acked  # reading after acknowledging changes nothing
    later = mark(tables, "nurse-0", delivered, "ack")  # read first, acknowledged later
    assert later.status == "acknowledged" and later.read_at == first.read_at
    view = notifications.get(SENDER, delivered, store=store(tables))
    assert (view.read_count, view.ack_count, view.delivered_count) == (2, 2, 5)


def test_pending_lists_and_paging(tables: NotificationTables, delivered: str) -> None:
    mark(tables, "nurse-0", delivered, "read")
    mark(tables, "chief", delivered, "ack")

    def ids(who: Principal, pending: str | None) -> list[str]:
        out, cursor = [], None
        while True:
            query = RecipientQuery.model_validate({"pending": pending, "limit": 2, "cursor": cursor})
            page = notifications.recipients(who, delivered, query, store=store(tables))
            out += [r.staff_id for r in page.items]
            if (cursor := page.next_cursor) is None:
                return out

    assert ids(SENDER, None) == ["s-chief", "s-team", "s-ward-0", "s-ward-1", "s-ward-2"]
    assert ids(SENDER, "read") == ["s-team", "s-ward-1", "s-ward-2"]
    assert ids(ADMIN, "ack") == ["s-team", "s-ward-0", "s-ward-1", "s-ward-2"]


def test_counts_and_lists_are_the_senders_and_admins_only(tables: NotificationTables, delivered: str) -> None:
    assert notifications.get(ADMIN, delivered, store=store(tables)).id == delivered
    recipient = as_user("nurse-0")
    with pytest.raises(NotFound):
        notifications.get(recipient, delivered, store=store(tables))
    with pytest.raises(NotFound):
        notifications.recipients(recipient, delivered, RecipientQuery(), store=store(tables))
    with pytest.raises(NotFound):
        notifications.get(SENDER, "unknown", store=store(tables))
    elsewhere = Principal(tenant="t-other", user="sender", roles=frozenset({"hospital_admin"}))
    with pytest.raises(NotFound):
        notifications.recipients(elsewhere, delivered, RecipientQuery(), store=store(tables, "t-other"))


def test_the_inbox_is_newest_first_and_only_ones_own(tables: NotificationTables, delivered: str) -> None:
    newer = send(tables, staff_ids=["s-ward-0"])
    deliver(tables, newer.id)
    mark(tables, "nurse-0", delivered, "read")
    for who in (as_user("nurse-0"), as_user("someone", staff_id="s-ward-0")):
        page = notifications.inbox(who, 10, None, store=store(tables))
        assert [(i.notification_id, i.status) for i in page.items] == [
            (newer.id, "delivered"),
            (delivered, "read"),
        ]
        assert page.items[1].ack_required and page.items[1].sender == "s-team"
    first = notifications.inbox(as_user("nurse-0"), 1, None, store=store(tables))
    second = notifications.inbox(as_user("nurse-0"), 1, first.next_cursor, store=store(tables))
    assert [i.notification_id for i in first.items + second.items] == [newer.id, delivered]
    outsider = notifications.inbox(as_user("outsider"), 10, None, store=store(tables))
    assert outsider.items == []


def test_a_caller_without_a_staff_record_or_delivery_gets_404(
    tables: NotificationTables, delivered: str
) -> None:
    with pytest.raises(NotFound, match="staff record"):
        notifications.inbox(as_user("stranger"), 10, None, store=store(tables))
    with pytest.raises(NotFound, match="staff record"):
        mark(tables, "stranger", delivered, "read")
    with pytest.raises(NotFound, match="notification"):
        mark(tables, "outsider", delivered, "read")


def test_a_read_racing_another_change_is_a_conflict_and_counts_nothing(
    tables: NotificationTables, delivered: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = FakeNotifications.recipient

    def read_then_raced(self: FakeNotifications, notification_id: str, staff_id: str) -> Any:
        record = original(self, notification_id, staff_id)
        monkeypatch.setattr(FakeNotifications, "recipient", original)
        mark(tables, "nurse-1", delivered, "ack")  # another device acknowledges meanwhile
        return record

    monkeypatch.setattr(FakeNotifications, "recipient", read_then_raced)
    with pytest.raises(Conflict, match="reload"):
        mark(tables, "nurse-1", delivered, "read")
    view = notifications.get(SENDER, delivered, store=store(tables))
    assert (view.read_count, view.ack_count) == (1, 1)
    page = notifications.recipients(SENDER, delivered, RecipientQuery(pending="ack"), store=store(tables))
    assert "s-ward-1" not in [r.staff_id for r in page.items]


def test_a_recipient_reads_it_whole_which_marks_it_read_and_sees_no_counts(
    tables: NotificationTables,
) -> None:
    sent = send(tables, staff_ids=["s-ward-0", "s-ward-1"])
    deliver(tables, sent.id)
    mine = notifications.read(as_user("nurse-0"), sent.id, "req-3", store=store(tables))
    assert (mine.title, mine.body, mine.my_status, mine.sender) == (
        "交班提醒",
        "请按时交班",
        "read",
        "s-team",
    )
    assert (mine.recipient_count, mine.read_count, mine.ack_count) == (None, None, None)
    assert notifications.read(as_user("nurse-0"), sent.id, "req-4", store=store(tables)).my_status == "read"
    seen = notifications.read(SENDER, sent.id, "req-5", store=store(tables))
    assert (seen.read_count, seen.recipient_count, seen.my_status) == (1, 2, None)
    with pytest.raises(NotFound):
        notifications.read(as_user("outsider"), sent.id, "req-6", store=store(tables))


# --- names where a person reads (#21.4) -----------------------------------------------------------


def test_the_sender_reads_who_has_not_read_by_name_and_recipients_read_who_sent_it(
    tables: NotificationTables,
) -> None:
    """The names are kept on each delivery when it is written (one batch read per 100 recipients), so
    the pending list and the inbox name people without a read per row; ids stay for clients."""
    named = NotificationTables(units=tables.units)
    named.add_staff(T, "s-team", "w2", "nurse", "head_nurse", name="李护士长")
    named.add_staff(T, "s-ward-0", "w1", "nurse", name="陈思雨")
    named.add_staff(T, "s-ward-1", "w1", "nurse", name="王芳")
    sender = Principal(T, "sender", roles=frozenset({"head_nurse"}), staff_id="s-team", staff_name="李护士长")
    sent = notifications.send(sender, cmd(department_ids=["w1"]), "req-1", store=store(named))
    deliver(named, sent.id)
    notifications.mark(as_user("nurse-0"), sent.id, "read", "req-2", store=store(named))

    pending = notifications.recipients(sender, sent.id, RecipientQuery(pending="read"), store=store(named))
    assert [(r.staff_id, r.name) for r in pending.items] == [("s-ward-1", "王芳")]
    everyone = notifications.recipients(sender, sent.id, RecipientQuery(), store=store(named))
    assert [(r.staff_id, r.name) for r in everyone.items] == [("s-ward-0", "陈思雨"), ("s-ward-1", "王芳")]
    inbox = notifications.inbox(as_user("nurse-1"), 10, None, store=store(named))
    assert [(i.sender, i.sender_name) for i in inbox.items] == [("s-team", "李护士长")]
    read = notifications.mark(as_user("nurse-1"), sent.id, "read", "req-3", store=store(named))
    assert (read.staff_id, read.name) == ("s-ward-1", "王芳")  # reading keeps the name on the entry


def test_an_approval_notice_names_its_sender(tables: NotificationTables) -> None:
    consumer = store(tables)
    notifications.from_approval(
        _approval(APPROVAL_ASSIGNED, staff_id="s-chief"), UnitOfWork("m"), store=consumer
    )
    consumer.commit()
    deliver(tables, "ap-ev-1")
    inbox = notifications.inbox(as_user("chief"), 10, None, store=store(tables))
    assert [(i.sender, i.sender_name) for i in inbox.items] == [("service:approvals", "审批")]


# --- receipts for the daily report (#27) ----------------------------------------------------------


def test_only_the_first_read_and_the_first_ack_are_events_naming_the_send_time(
    tables: NotificationTables, delivered: str
) -> None:
    def receipts(user: str, action: str) -> list[tuple[str, str]]:
        s = store(tables)
        notifications.mark(as_user(user), delivered, action, "req-2", store=s)
        return [(e.type, e.data["staff_id"]) for e in s.uow.published]

    assert receipts("nurse-0", "read") == [("notification.read", "s-ward-0")]
    assert receipts("nurse-0", "read") == []  # a repeat read is no second event
    assert receipts("chief", "ack") == [
        ("notification.read", "s-chief"),  # acknowledged unread: read and acknowledged at once
        ("notification.acknowledged", "s-chief"),
    ]
    assert receipts("chief", "ack") == [] and receipts("chief", "read") == []
    s = store(tables)
    notifications.read(as_user("nurse-1"), delivered, "req-3", store=s)
    (event,) = s.uow.published
    assert event.type == "notification.read"  # its day in the report is the day the notification was sent
    assert NOTIFICATION_READ.parse(event).sent_at == tables.notifications[(T, delivered)].created_at
