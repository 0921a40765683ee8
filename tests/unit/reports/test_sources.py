"""The daily figures' sources: each counted event type adds to the right measure on the right local day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from chalicelib.reports import consumers
from chalicelib.reports.domain import sources
from chalicelib.reports.domain.measures import MEASURES
from chalicelib.reports.service import figures

from shared.events.envelope import EventEnvelope, UnknownSchema
from shared.events.published import CATALOG
from shared.events.published.approvals import INSTANCE_EVENTS, REMINDED, InstanceEvent, TaskEvent
from shared.events.published.followup import (
    CONSULTATION_ANSWERED,
    FOLLOWUP_TASK_DUE,
    REFERRAL_REQUESTED,
    ConsultationEvent,
    ReferralEvent,
)
from shared.events.published.followup import TaskEvent as FollowupTask
from shared.events.published.marketplace import WEBHOOK_DELIVERY_FAILING, DeliveryFailing
from shared.events.published.messaging import (
    DING_ESCALATED,
    NOTIFICATION_ACKNOWLEDGED,
    NOTIFICATION_READ,
    NOTIFICATION_SENT,
    STAFF_CREATED,
    DingEscalated,
    NotificationReceipt,
    NotificationSent,
    StaffChanged,
)
from shared.events.published.scheduling import ROSTER_PUBLISHED, RosterPublished
from tests.unit.reports.fakes import MemoryStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATE = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)  # 00:30 on 6 December in Shanghai


def _at(envelope: EventEnvelope, when: datetime) -> EventEnvelope:
    return envelope.model_copy(update={"time": when})


def _apply(store: MemoryStore, *envelopes: EventEnvelope, zone: ZoneInfo = SHANGHAI) -> None:
    for envelope in envelopes:
        with store.uow:
            figures.record(envelope, store, zone)
            store.uow.commit()


def _instance(name: str, submitted_at: datetime | None = None) -> EventEnvelope:
    data = InstanceEvent(
        instance_id="i1",
        template_id="t1",
        template_code="leave",
        submitter="s1",
        status=name,
        submitted_at=submitted_at,
    )
    return INSTANCE_EVENTS[name].envelope("h1", data)


def test_the_day_is_the_events_time_in_the_hospitals_zone() -> None:
    store = MemoryStore("h1")
    _apply(store, _at(STAFF_CREATED.envelope("h1", StaffChanged(staff_id="s", department_id="d")), LATE))
    assert store.days.get(date(2026, 12, 5)) is None
    assert store.days.get(date(2026, 12, 6)).value("staff.joined") == 1  # type: ignore[union-attr]
    other = MemoryStore("h2")
    _apply(
        other,
        _at(STAFF_CREATED.envelope("h2", StaffChanged(staff_id="s", department_id="d")), LATE),
        zone=ZoneInfo("Europe/Berlin"),
    )
    assert other.days.get(date(2026, 12, 5)).value("staff.joined") == 1  # type: ignore[union-attr]


def test_an_approval_decided_counts_its_outcome_and_its_turnaround_in_hours() -> None:
    store = MemoryStore("h1")
    submitted = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    _apply(
        store,
        _at(_instance("submitted"), submitted),
        _at(_instance("approved", submitted), datetime(2026, 12, 5, 4, 30, tzinfo=UTC)),
        _at(_instance("rejected", submitted), datetime(2026, 12, 5, 2, 0, tzinfo=UTC)),
        _at(_instance("withdrawn"), submitted),  # not counted
    )
    day = store.days.get(date(2026, 12, 5))
    assert day is not None
    assert day.values == {
        "approvals.submitted": 1,
        "approvals.approved": 1,
        "approvals.rejected": 1,
        "approvals.decided": 2,
    }
    assert sorted(day.samples["approvals.turnaround_hours"]) == [1.0, 3.5]


def test_an_overdue_task_counts_once_when_it_is_reminded() -> None:
    store = MemoryStore("h1")
    task = TaskEvent(instance_id="i", template_code="leave", step_id="s1", staff_id="a")
    _apply(store, _at(REMINDED.envelope("h1", task), LATE))
    assert store.days.get(date(2026, 12, 6)).value("approvals.overdue_tasks") == 1  # type: ignore[union-attr]
    assert "approval.task.escalated" not in sources.SOURCES  # it was reminded first: counted then


def test_a_read_counts_on_the_day_the_notification_was_sent() -> None:
    store = MemoryStore("h1")
    sent_at = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 23:00 on the 4th in Shanghai
    sent = NotificationSent(notification_id="n1", recipient_count=3, ack_required=True)
    receipt = NotificationReceipt(notification_id="n1", staff_id="s1", sent_at=sent_at)
    _apply(
        store,
        _at(NOTIFICATION_SENT.envelope("h1", sent), sent_at),
        _at(NOTIFICATION_READ.envelope("h1", receipt), LATE),
        _at(NOTIFICATION_ACKNOWLEDGED.envelope("h1", receipt), LATE),
    )
    day = store.days.get(date(2026, 12, 4))
    assert day is not None and day.values == {
        "messaging.notifications_sent": 1,
        "messaging.notification_recipients": 3,
        "messaging.ack_requested": 3,
        "messaging.notifications_read": 1,
        "messaging.notifications_acknowledged": 1,
    }
    assert store.days.get(date(2026, 12, 6)) is None


def test_ding_escalations_by_channel() -> None:
    store = MemoryStore("h1")
    _apply(
        store,
        DING_ESCALATED.envelope("h1", DingEscalated(notification_id="n", staff_id="a", channel="sms")),
        DING_ESCALATED.envelope("h1", DingEscalated(notification_id="n", staff_id="b", channel="sms")),
        DING_ESCALATED.envelope("h1", DingEscalated(notification_id="n", staff_id="a", channel="phone")),
    )
    (day,) = store.days.between(date(2000, 1, 1), date(2100, 1, 1))
    assert day.values == {"messaging.ding_sms": 2, "messaging.ding_phone": 1}


def _referral(direction: str, side: str) -> EventEnvelope:
    data = ReferralEvent(
        referral_id="r",
        direction=direction,
        consortium_id="c",
        from_hospital_id="town",
        to_hospital_id="h1",
        side=side,
        state="requested",
        urgency="routine",
        patient_label="张*",
    )
    return REFERRAL_REQUESTED.envelope("h1" if side == "to" else "town", data)


def test_referrals_by_direction_each_side_under_its_own_hospital() -> None:
    tables = MemoryStore("h1").tables
    here, town = MemoryStore("h1", tables), MemoryStore("town", tables)
    _apply(here, _referral("up", "to"))
    _apply(town, _referral("up", "from"), _referral("down", "from"))
    (mine,) = here.days.between(date(2000, 1, 1), date(2100, 1, 1))
    (theirs,) = town.days.between(date(2000, 1, 1), date(2100, 1, 1))
    assert mine.values == {"referral.up": 1}
    assert theirs.values == {"referral.up": 1, "referral.down": 1}


def test_consultations_answered_and_on_time() -> None:
    store = MemoryStore("h1")

    def answered(on_time: bool | None) -> EventEnvelope:
        data = ConsultationEvent(
            consultation_id="c",
            scope="local",
            from_hospital_id="h1",
            to_hospital_id="h1",
            side="from",
            urgency="ordinary",
            patient_label="王*",
            on_time=on_time,
        )
        return CONSULTATION_ANSWERED.envelope("h1", data)

    _apply(store, answered(True), answered(False), answered(None))
    (day,) = store.days.between(date(2000, 1, 1), date(2100, 1, 1))
    assert day.values == {"referral.consultations_answered": 3, "referral.consultations_on_time": 1}


def test_a_rosters_shortfall_counts_when_its_first_version_is_published() -> None:
    store = MemoryStore("h1")

    def published(version: int, below: int) -> EventEnvelope:
        data = RosterPublished(
            period_id="p",
            version=version,
            ward_ids=["w"],
            title="t",
            start=date(2027, 1, 1),
            end=date(2027, 1, 31),
            published_by="hn",
            below_minimum=below,
            open_shifts=below + 2,
        )
        return ROSTER_PUBLISHED.envelope("h1", data)

    _apply(store, published(1, 4), published(2, 3))
    (day,) = store.days.between(date(2000, 1, 1), date(2100, 1, 1))
    assert day.values == {"scheduling.shortfall_shifts": 4}


def test_followup_and_partner_deliveries() -> None:
    store = MemoryStore("h1")
    task = FollowupTask(
        task_id="t", patient_id="p", kind="call", title="t", due=date(2026, 12, 5), department_id="d"
    )
    failing = DeliveryFailing(
        installation_id="in", app_id="a", app_name="排班助手", event_type="staff.created", message_id="m"
    )
    _apply(
        store,
        FOLLOWUP_TASK_DUE.envelope("h1", task),
        WEBHOOK_DELIVERY_FAILING.envelope("h1", failing),
    )
    (day,) = store.days.between(date(2000, 1, 1), date(2100, 1, 1))
    assert day.values == {"followup.due": 1, "marketplace.deliveries_failing": 1}


def test_an_event_of_another_schema_is_refused_before_any_effect() -> None:
    store = MemoryStore("h1")
    bad = STAFF_CREATED.envelope("h1", StaffChanged(staff_id="s", department_id="d"))
    with pytest.raises(UnknownSchema):
        _apply(store, bad.model_copy(update={"schema_version": 99}))
    with pytest.raises(UnknownSchema):
        _apply(store, bad.model_copy(update={"type": "nothing.known"}))
    assert store.tables.days == {}


def test_every_counted_type_is_subscribed_and_nothing_else() -> None:
    subscribed = {t for sub in consumers.SUBSCRIPTIONS for t in sub.event_types}
    assert subscribed == set(sources.SOURCES)
    for sub in consumers.SUBSCRIPTIONS:
        for t in sub.event_types:
            assert CATALOG[t].source == sub.source, (t, sub.source)


def test_every_event_measure_has_a_source_or_is_said_to_have_none() -> None:
    """Every measure not set by the census is added to by some event."""
    from shared.events.published import event_type

    reached: set[str] = set()
    for name, source in sources.SOURCES.items():
        model = event_type(name).data_model  # type: ignore[union-attr]
        fields = {
            k: v
            for k, v in _SAMPLES.items()
            if k in model.model_fields  # type: ignore[attr-defined]
        }
        data = model.model_construct(**fields)  # type: ignore[attr-defined]
        envelope = EventEnvelope(source="x", type=name, tenant="h1", data={})
        for c in source(data, envelope, SHANGHAI):
            reached |= set(c.counts) | set(c.samples)
    wanted = {m.name for m in MEASURES if m.kind != "census"}
    # a second sample of the outcome-dependent sources
    reached |= {"referral.down", "messaging.ding_phone"}
    assert wanted - reached == set()


_SAMPLES = {
    "submitted_at": datetime(2026, 12, 5, tzinfo=UTC),
    "recipient_count": 2,
    "ack_required": True,
    "sent_at": datetime(2026, 12, 5, tzinfo=UTC),
    "channel": "sms",
    "version": 1,
    "below_minimum": 1,
    "direction": "up",
    "on_time": True,
}
