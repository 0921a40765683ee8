"""Who may notify whom, how urgently and how often (``domain.notify_policy``), through the use cases on
the fakes: the audience a sender reaches, DING minima and emergency, rates per sender and hospital,
the daily SMS/call budget, fixed alert texts and the audit of sends and policy changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.messaging.contracts.events import NOTIFICATION_SENT, NotificationSent
from chalicelib.messaging.contracts.notifications import NotificationPolicyBody, SendNotification
from chalicelib.messaging.domain import notify_policy as rules
from chalicelib.messaging.domain.records import UnitRecord
from chalicelib.messaging.service import ding, notifications
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.auth import Principal
from shared.errors import Forbidden, RateLimited, RuleViolation
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import (
    FakeChannel,
    FakeDingStore,
    FakeNotificationStore,
    FakePersonalData,
    FakePush,
    NotificationTables,
)

T = "t-policy"
KEYS = FakePersonalData()


def person(staff_id: str, *roles: str) -> Principal:
    """As the HTTP layer hands a bound member of staff over (``shared.standing``)."""
    return Principal(tenant=T, user=f"u-{staff_id}", roles=frozenset(roles), staff_id=staff_id)


NURSE, HEAD, ADMIN = (
    person("s-n0", "nurse"),
    person("s-head", "head_nurse"),
    person("s-admin", "hospital_admin"),
)


@pytest.fixture
def tables() -> NotificationTables:
    """心内科 (d1) with ward w1 (12 nurses, their head nurse), 骨科 (d2) with one nurse."""
    t = NotificationTables()
    t.units[T] = [
        UnitRecord("d1", None, "department"),
        UnitRecord("w1", "d1", "ward"),
        UnitRecord("d2", None, "department"),
    ]
    for n in range(12):
        t.add_staff(T, f"s-n{n}", "w1", "nurse", name=f"护士{n}")
    t.add_staff(T, "s-head", "w1", "nurse", "head_nurse", name="王护士长")
    t.add_staff(T, "s-ortho", "d2", "nurse")
    t.add_staff(T, "s-admin", "d1", "hospital_admin")
    return t


def send(tables: NotificationTables, who: Principal, ding: dict[str, Any] | None = None, **to: Any) -> Any:
    body: dict[str, Any] = {"title": "交班", "body": "请按时交班", "to": to}
    if ding is not None:
        body["ding"] = ding
    return notifications.send(
        who, SendNotification.model_validate(body), "req", store=FakeNotificationStore(T, tables)
    )


def set_policy(tables: NotificationTables, **changes: Any) -> None:
    body = {"broadcast_roles": ["hospital_admin"], "ding_roles": ["hospital_admin", "head_nurse"], **changes}
    notifications.set_policy(
        ADMIN, NotificationPolicyBody(**body), "req", store=FakeNotificationStore(T, tables)
    )


def test_a_nurse_reaches_her_ward_her_department_and_named_colleagues_only(
    tables: NotificationTables,
) -> None:
    assert send(tables, NURSE, department_ids=["w1"]).recipient_count == 13
    assert send(tables, NURSE, department_ids=["d1"], include_sub_departments=True).recipient_count == 14
    assert send(tables, NURSE, staff_ids=["s-ortho"]).recipient_count == 1  # a named colleague anywhere
    with pytest.raises(Forbidden, match="d2 is beyond it"):
        send(tables, NURSE, department_ids=["d2"])
    with pytest.raises(Forbidden, match="by role reaches the whole hospital"):
        send(tables, NURSE, roles=["nurse"])
    set_policy(tables, max_named=3)
    with pytest.raises(Forbidden, match="at most 3 colleagues"):
        send(tables, NURSE, staff_ids=["s-n1", "s-n2", "s-n3", "s-n4"])
    # the hospital admin (a broadcast role) reaches anyone, by unit or role
    assert send(tables, ADMIN, roles=["nurse"]).recipient_count == 14


def test_ding_to_many_is_for_configured_roles_and_never_sooner_than_the_minimum(
    tables: NotificationTables,
) -> None:
    with pytest.raises(Forbidden, match="more than 10 people"):
        send(tables, NURSE, {"sms_after_minutes": 5}, department_ids=["w1"])
    assert send(tables, NURSE, {"sms_after_minutes": 5}, staff_ids=["s-n1", "s-n2"]).ding
    assert send(tables, HEAD, {"sms_after_minutes": 5}, department_ids=["w1"]).recipient_count == 13
    with pytest.raises(RuleViolation) as soon:
        send(tables, HEAD, {"sms_after_minutes": 0, "call_after_minutes": 0}, staff_ids=["s-n1"])
    assert soon.value.field == "ding.sms_after_minutes"
    with pytest.raises(RuleViolation) as soon:
        send(tables, HEAD, {"sms_after_minutes": 5, "call_after_minutes": 6}, staff_ids=["s-n1"])
    assert soon.value.field == "ding.call_after_minutes"
    with pytest.raises(Forbidden, match="emergency DING is not enabled"):
        send(tables, HEAD, {"sms_after_minutes": 0, "emergency": True}, staff_ids=["s-n1"])
    set_policy(tables, emergency_roles=["head_nurse"])  # the admin enables it for head nurses
    assert send(
        tables, HEAD, {"sms_after_minutes": 0, "call_after_minutes": 0, "emergency": True}, staff_ids=["s-n1"]
    ).ding
    with pytest.raises(Forbidden):
        send(tables, NURSE, {"sms_after_minutes": 0, "emergency": True}, staff_ids=["s-n1"])


def test_past_the_hourly_rate_a_sender_gets_a_429_and_the_others_carry_on(tables: NotificationTables) -> None:
    set_policy(tables, per_sender_per_hour=2, per_hospital_per_hour=3)
    send(tables, NURSE, staff_ids=["s-n1"])
    send(tables, NURSE, staff_ids=["s-n1"])
    with pytest.raises(RateLimited, match="2 notifications this hour") as limited:
        send(tables, NURSE, staff_ids=["s-n1"])
    assert 0 < limited.value.retry_after <= 3600
    assert len(tables.notifications) == 2  # the refused one wrote nothing
    send(tables, HEAD, staff_ids=["s-n1"])
    with pytest.raises(RateLimited, match="the hospital has sent 3"):
        send(tables, ADMIN, staff_ids=["s-n1"])


def test_the_daily_sms_and_call_budget_is_shared_and_logged_when_spent(tables: NotificationTables) -> None:
    set_policy(tables, daily_alerts=1)
    dings = FakeDingStore(tables)
    for staff_id, mobile in (("s-n1", "13900000001"), ("s-n2", "13900000002")):
        dings.mobiles[(T, staff_id)] = KEYS.encrypt(T, mobile)
    sent = send(
        tables, HEAD, {"sms_after_minutes": 5, "call_after_minutes": None}, staff_ids=["s-n1", "s-n2"]
    )
    fan_out = FakeNotificationStore(T, tables)
    envelope = NOTIFICATION_SENT.envelope(T, NotificationSent(notification_id=sent.id, recipient_count=2))
    notifications.fan_out(envelope, UnitOfWork("messaging"), store=fan_out, push=FakePush())
    fan_out.commit()
    channel = FakeChannel()
    ding.sweep(sent.created_at + timedelta(minutes=6), store=dings, channel=channel, personal_data=KEYS)
    assert channel.sent == [
        ("sms", "13900000001", "【未来医院】王护士长给您发来一条紧急工作通知，请打开未来医院确认。")
    ]
    logged = {e.staff_id: (e.status, e.detail) for e in ding.alert_log(T, 10, None, store=dings).items}
    assert logged["s-n2"] == ("skipped", "the hospital's daily SMS/call budget is spent")
    with pytest.raises(RateLimited, match="SMS and call budget for today is spent"):
        send(tables, HEAD, {"sms_after_minutes": 5}, staff_ids=["s-n1"])
    assert send(tables, HEAD, staff_ids=["s-n1"]).ding is False  # a plain notification still goes


def test_sends_and_policy_changes_are_audited_and_the_defaults_shown(tables: NotificationTables) -> None:
    shown = notifications.get_policy(ADMIN, store=FakeNotificationStore(T, tables))
    assert (shown.broadcast_roles, shown.emergency_roles, shown.sms_min_minutes) == (
        ["hospital_admin"],
        [],
        5,
    )
    sent = send(tables, HEAD, {"sms_after_minutes": 5}, staff_ids=["s-n1"])
    set_policy(tables, per_sender_per_hour=5)
    actions = [(a, r, i) for a, r, i, _ in tables.audits]
    assert ("notification.send", "notification", sent.id) in actions
    assert ("notification.policy", "notification-policy", "policy") in actions
    after = notifications.get_policy(ADMIN, store=FakeNotificationStore(T, tables))
    assert after.per_sender_per_hour == 5 and after.updated_by == ADMIN.user and after.updated_at is not None
    assert datetime.now(UTC) - after.updated_at < timedelta(minutes=1)


# --- the audience rule, for every hospital shape (hypothesis) ------------------------------------------


KINDS = ("campus", "department", "ward", "team")


@st.composite
def hospitals(draw: Any) -> dict[str, rules.Unit]:
    """A tree of up to 12 units of any kinds (each unit's parent comes before it)."""
    units: dict[str, rules.Unit] = {}
    for n in range(draw(st.integers(1, 12))):
        parent = draw(st.sampled_from([None, *units])) if units else None
        units[f"u{n}"] = rules.Unit(f"u{n}", parent, draw(st.sampled_from(KINDS)))
    return units


@settings(max_examples=300, deadline=None)
@given(
    units=hospitals(),
    data=st.data(),
    roles=st.sets(st.sampled_from(["nurse", "doctor", "head_nurse", "department_head", "hospital_admin"])),
)
def test_no_sender_reaches_past_their_department_unless_they_broadcast(
    units: dict[str, rules.Unit], data: Any, roles: set[str]
) -> None:
    sender_unit = data.draw(st.sampled_from([None, *units]))
    asked = data.draw(st.lists(st.sampled_from(sorted(units)), max_size=4))
    by_role = data.draw(st.lists(st.sampled_from(["nurse", "doctor"]), max_size=1))
    sender = rules.Sender(frozenset(roles), sender_unit)
    policy = rules.DEFAULT
    try:
        rules.check_audience(policy, sender, units, asked, by_role, [])
    except Forbidden:
        assert not roles & policy.broadcast_roles  # a broadcaster is never refused
        return
    if roles & policy.broadcast_roles:
        return
    assert not by_role  # hospital-wide by role: broadcasters only
    home = rules.home_department(units, sender_unit)
    for unit in asked:  # every unit reached lies in the sender's own department (or is it)
        assert home is not None and rules.within(units, unit, home)
        assert units[home].kind == "department" or home == sender_unit
