"""The webhook dispatcher on fakes: fan-out by standing, scopes and subscription; retries on the schedule;
410, 429, timeouts, SSRF refusals; a crash mid-batch; uninstall; the 5-day disable; recover."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.marketplace import consumers
from chalicelib.marketplace.adapters.http import Answer
from chalicelib.marketplace.domain import signing
from chalicelib.marketplace.domain.webhooks import SCHEDULE, message_id
from chalicelib.marketplace.service import dispatch

from shared.errors import Conflict
from shared.events.published import CATALOG
from shared.events.published.marketplace import (
    APP_INSTALLED,
    APP_UNINSTALLED,
    InstallationChanged,
)
from shared.events.published.messaging import STAFF_CREATED, StaffChanged
from shared.scopes import LIFECYCLE_EVENTS, SCOPES
from tests.fakes import MemoryUnitOfWork
from tests.unit.marketplace.fakes import FakeDue, WebhookStoreFake, WebhookTables

H = "h-webhooks"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class Standing:
    sk: str
    status: str = "active"
    scopes: list[str] = field(default_factory=lambda: ["directory:read", "events:read"])
    app_id: str = "app-1"


@dataclass
class Receiver:
    """Answers scripted per call (status, headers) or an error; records every POST."""

    script: list[Any] = field(default_factory=list)
    got: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        self.got.append((url, body, headers))
        step = self.script.pop(0) if self.script else 200
        if isinstance(step, Answer):
            return step
        if isinstance(step, tuple):
            return Answer(status=step[0], retry_after=step[1], body="busy")
        return Answer(status=step, body="ok" * 600, latency_ms=3)


class Cipher:
    def encrypt(self, tenant: str, plaintext: str) -> str:
        return f"{tenant}|{plaintext}"

    def decrypt(self, tenant: str, token: str) -> str:
        owner, _, plain = token.partition("|")
        assert owner == tenant
        return plain


@dataclass
class World:
    tables: WebhookTables = field(default_factory=WebhookTables)
    standing: dict[str, list[Standing]] = field(default_factory=dict)
    receiver: Receiver = field(default_factory=Receiver)
    clock: list[datetime] = field(default_factory=lambda: [T0])
    units: list[MemoryUnitOfWork] = field(default_factory=list)

    def unit(self, tenant: str) -> MemoryUnitOfWork:
        uow = MemoryUnitOfWork()
        self.units.append(uow)
        return uow

    @property
    def deps(self) -> dispatch.Deps:
        return dispatch.Deps(
            store=lambda tenant, uow: WebhookStoreFake(tenant, uow, self.tables),  # type: ignore[arg-type,return-value]
            unit=self.unit,
            standing=lambda tenant: self.standing.get(tenant, []),
            sender=self.receiver,
            cipher=Cipher(),
            now=lambda: self.clock[0],
            hospital_name=lambda tenant: "滨江医院",
        )

    def at(self, moment: datetime) -> None:
        self.clock[0] = moment

    def apply(self, envelope: Any, send: bool = True) -> list[dispatch.Planned]:
        """As the consumer: once in a unit of work, then the messages sent at once."""
        uow = self.unit(envelope.tenant)
        lifecycle = envelope.type in LIFECYCLE_EVENTS
        planned = (dispatch.on_lifecycle if lifecycle else dispatch.fan_out)(envelope, uow, self.deps)
        uow.commit()
        if send:
            dispatch.send_all(planned, self.deps)
        return planned

    def install(
        self,
        inst: str,
        events: list[str] | None = None,
        url: str | None = "https://partner.example/hook",
        **kw: Any,
    ) -> None:
        self.standing.setdefault(H, []).append(Standing(inst, **kw))
        self.apply(APP_INSTALLED.envelope(H, change(inst, events, url)))

    def store(self) -> Any:
        return WebhookStoreFake(H, None, self.tables).webhooks

    def sweep(self) -> int:
        return dispatch.sweep(self.clock[0], self.deps, FakeDue(self.tables))

    @property
    def published(self) -> list[Any]:
        return [e for u in self.units for e in u.published]


def change(
    inst: str, events: list[str] | None = None, url: str | None = "https://partner.example/hook"
) -> Any:
    return InstallationChanged(
        installation_id=inst,
        app_id="app-1",
        app_name="护理排班助手",
        partner="p-acme",
        version=1,
        scopes=["directory:read"],
        events=events if events is not None else ["staff.*"],
        webhook_url=url,
        by="admin-1",
    )


def staff_event(n: int = 1) -> Any:
    return STAFF_CREATED.envelope(
        H, StaffChanged(staff_id=f"s{n}", name="林晓", department_id="d1", roles=["nurse"])
    )


@pytest.fixture
def world() -> World:
    w = World()
    w.install("in1")
    return w


def test_install_makes_the_endpoint_and_delivers_app_installed_signed(world: World) -> None:
    endpoint = world.store().endpoint("in1")
    assert endpoint.status == "enabled" and endpoint.url == "https://partner.example/hook"
    ((_, body, headers),) = world.receiver.got
    secret = Cipher().decrypt(H, endpoint.secrets[0].sealed)
    assert secret.startswith("whsec_")
    signing.verify(secret, headers, body, now=T0.timestamp())
    assert headers["content-type"] == "application/json"
    assert b'"type": "app.installed"' in body and b'"source"' not in body
    placement = WebhookStoreFake("p-acme", None, world.tables).webhooks.placement("in1")
    assert placement.hospital == H


def test_an_event_goes_only_where_scopes_standing_and_subscription_allow(world: World) -> None:
    world.install("in2", scopes=["approvals:read"])  # may not hear staff events
    world.install("in3", events=["department.*"])  # did not ask for them
    world.install("in4", status="uninstalled")
    world.receiver.got.clear()
    event = staff_event()
    world.apply(event)
    assert [h["webhook-id"] for _, _, h in world.receiver.got] == [message_id(event.id, "in1")]
    # a redelivered event (past the inbox) makes no second message: the same id is taken
    with pytest.raises(Conflict):
        world.apply(event)


def test_500_then_200_is_delivered_once_with_two_attempts_logged(world: World) -> None:
    world.receiver.got.clear()
    world.receiver.script = [500, 200]
    event = staff_event()
    world.apply(event)
    mid = message_id(event.id, "in1")
    message = world.store().message("in1", mid)
    assert message.state == "pending" and message.next_attempt_at == T0 + SCHEDULE[1]
    world.at(T0 + timedelta(seconds=4))
    assert world.sweep() == 0  # not due yet
    world.at(T0 + timedelta(seconds=5))
    assert world.sweep() == 1
    message, attempts = world.store().message_with_attempts("in1", mid)
    assert message.state == "delivered" and message.attempts == 2
    assert [(a.status_code, a.outcome) for a in attempts] == [(500, "failed"), (200, "delivered")]
    assert len(attempts[1].response) == 1024  # the first 1 KB of the answer
    assert {h["webhook-id"] for _, _, h in world.receiver.got} == {mid}
    assert world.store().timer(mid) is None
    assert world.store().endpoint("in1").failing_since is None  # cleared by the success
    world.at(T0 + timedelta(hours=1))
    assert world.sweep() == 0  # nothing left to send
    # the first failure is one webhook.delivery.failing for the daily report (#27); the retry none
    (failing,) = [e for e in world.published if e.type == "webhook.delivery.failing"]
    assert failing.data == {
        "installation_id": "in1",
        "app_id": failing.data["app_id"],
        "app_name": "护理排班助手",
        "event_type": "staff.created",
        "message_id": mid,
    }


def test_a_message_failing_every_attempt_is_one_failing_event(world: World) -> None:
    world.receiver.script = [500] * 20
    event = staff_event()
    world.apply(event)
    for minutes in (1, 10, 60, 600, 6000, 60000):
        world.at(T0 + timedelta(minutes=minutes))
        world.sweep()
    assert world.store().message("in1", message_id(event.id, "in1")).attempts > 1
    assert [e.type for e in world.published].count("webhook.delivery.failing") == 1


def test_410_disables_the_endpoint_and_tells_hospital_and_partner(world: World) -> None:
    world.receiver.script = [410]
    world.apply(staff_event())
    endpoint = world.store().endpoint("in1")
    assert (endpoint.status, endpoint.reason) == ("disabled", "gone")
    (disabled,) = [e for e in world.published if e.type == "webhook.endpoint.disabled"]
    assert disabled.data["reason"] == "gone" and disabled.data["app_name"] == "护理排班助手"
    (notice,) = WebhookStoreFake("p-acme", None, world.tables).webhooks.notices(10, None)[0]
    assert (notice.reason, notice.hospital_name) == ("gone", "滨江医院")
    world.receiver.got.clear()
    world.apply(staff_event(2))
    assert world.receiver.got == []  # a disabled endpoint is sent nothing (the feed still has it)


@pytest.mark.parametrize("header,delay", [("120", 120), ("Tue, 01 Dec 2026 08:10:00 GMT", 600)])
def test_429_honours_retry_after(world: World, header: str, delay: int) -> None:
    world.receiver.script = [(429, header)]
    event = staff_event()
    world.apply(event)
    timer = world.store().timer(message_id(event.id, "in1"))
    assert timer.due_at == T0 + timedelta(seconds=delay)


def test_a_timeout_is_retried_on_the_schedule(world: World) -> None:
    world.receiver.script = [Answer(error="timed out", latency_ms=15000), Answer(error="timed out"), 200]
    event = staff_event()
    world.apply(event)
    world.at(T0 + timedelta(seconds=5))
    world.sweep()
    mid = message_id(event.id, "in1")
    assert world.store().timer(mid).due_at == T0 + timedelta(seconds=5) + SCHEDULE[2]
    world.at(T0 + timedelta(minutes=6))
    world.sweep()
    message, attempts = world.store().message_with_attempts("in1", mid)
    assert message.state == "delivered" and [a.error for a in attempts] == ["timed out", "timed out", None]


def test_after_the_last_attempt_the_message_has_failed(world: World) -> None:
    world.receiver.script = [503] * len(SCHEDULE)
    event = staff_event()
    world.apply(event)
    moment = T0
    for delay in SCHEDULE[1:]:
        moment += delay
        world.at(moment)
        assert world.sweep() == 1
    message = world.store().message("in1", message_id(event.id, "in1"))
    assert (message.state, message.attempts, message.next_attempt_at) == ("failed", 8, None)
    assert world.store().timer(message.id) is None


def test_a_refused_target_is_logged_and_never_sent(world: World) -> None:
    world.receiver.script = [Answer(refused=True, error="10.0.0.5 is not a public address")]
    event = staff_event()
    world.apply(event)
    _, (attempt,) = world.store().message_with_attempts("in1", message_id(event.id, "in1"))
    assert attempt.outcome == "refused" and "not a public address" in (attempt.error or "")


def test_a_crash_mid_batch_loses_nothing_and_sends_nothing_twice(world: World) -> None:
    world.install("in2")
    world.install("in3")
    world.receiver.got.clear()
    event = staff_event()
    planned = world.apply(event, send=False)
    assert len(planned) == 3
    dispatch.send(planned[0], world.deps)  # then the consumer dies: two messages never sent
    assert world.sweep() == 2  # the sweep finds their timers due
    ids = [h["webhook-id"] for _, _, h in world.receiver.got]
    assert sorted(ids) == sorted(message_id(event.id, i) for i in ("in1", "in2", "in3"))
    assert dispatch.send(planned[1], world.deps) == "lost"  # a late retry of the consumer: claimed
    assert len(world.receiver.got) == 3


def test_a_claimed_timer_is_not_sent_by_an_overlapping_sweep_until_its_lease_ends(world: World) -> None:
    world.receiver.got.clear()
    event = staff_event()
    (planned,) = world.apply(event, send=False)
    # a sender claims it and dies after the POST, before recording the attempt
    claimed = world.store().claim_timer(planned.timer, T0 + dispatch.LEASE)
    assert claimed is not None
    assert world.sweep() == 0
    world.at(T0 + dispatch.LEASE)
    assert world.sweep() == 1  # sent again, with the same webhook-id
    ((_, _, headers),) = world.receiver.got
    assert headers["webhook-id"] == message_id(event.id, "in1")


def test_uninstall_delivers_app_uninstalled_and_nothing_more(world: World) -> None:
    world.standing[H][0].status = "uninstalled"
    world.receiver.got.clear()
    world.apply(APP_UNINSTALLED.envelope(H, change("in1")))
    world.apply(staff_event())
    ((_, body, _),) = world.receiver.got
    assert b'"type": "app.uninstalled"' in body
    endpoint = world.store().endpoint("in1")
    assert (endpoint.status, endpoint.reason) == ("disabled", "uninstalled")


def test_an_endpoint_failing_for_five_days_is_disabled_with_notices(world: World) -> None:
    world.receiver.script = [500] * 100
    world.apply(staff_event(1))
    assert world.store().endpoint("in1").failing_since == T0
    world.at(T0 + timedelta(days=4, hours=23))
    world.apply(staff_event(2))
    assert world.store().endpoint("in1").status == "enabled"
    world.at(T0 + timedelta(days=5))
    world.apply(staff_event(3))
    endpoint = world.store().endpoint("in1")
    assert (endpoint.status, endpoint.reason) == ("disabled", "failing")
    (disabled,) = [e for e in world.published if e.type == "webhook.endpoint.disabled"]
    assert disabled.data["failing_since"].startswith("2026-12-01T08:00")


def test_a_delivery_to_a_disabled_endpoint_left_in_a_timer_is_skipped(world: World) -> None:
    world.receiver.script = [500]
    event = staff_event()
    world.apply(event)
    stored = world.tables.endpoints[(H, "in1")]
    world.tables.endpoints[(H, "in1")] = stored.model_copy(update={"status": "disabled", "reason": "gone"})
    world.receiver.got.clear()
    world.at(T0 + timedelta(seconds=5))
    world.sweep()
    assert world.receiver.got == []
    assert world.store().timer(message_id(event.id, "in1")) is None


def test_the_dispatch_subscriptions_list_every_type_some_scope_allows() -> None:
    listed = {t for sub in consumers.SUBSCRIPTIONS for t in sub.event_types}
    allowed = {n for n in CATALOG if n in LIFECYCLE_EVENTS or any(s.allows_event(n) for s in SCOPES.values())}
    assert listed == allowed
    for sub in consumers.SUBSCRIPTIONS:
        assert all(CATALOG[t].source == sub.source for t in sub.event_types)


def test_the_feed_never_skips_a_message_stamped_earlier_but_recorded_later() -> None:
    """A dispatcher stamps a message, then commits; a newer message may be readable first. The feed holds
    back the last seconds, so a partner polling on from its cursor still reads the older one."""
    from chalicelib.marketplace.contracts.webhooks import FeedQuery
    from chalicelib.marketplace.domain.webhooks import Message
    from chalicelib.marketplace.service import webhooks as service

    from shared.auth import Principal
    from shared.settings_model import Settings

    SETTLE = Settings.model_fields["webhook_feed_settle_seconds"].default  # what a province runs with
    assert SETTLE == 10
    tables = WebhookTables()
    app = Principal(
        H, "app:app-1", "partner", scopes=frozenset({"events:read"}), installation="in1", app="app-1"
    )

    def record(n: int, at: datetime) -> None:
        store = WebhookStoreFake(H, MemoryUnitOfWork(), tables)
        envelope = {"id": f"e{n}", "type": "staff.created", "tenant": H, "data": {"staff_id": f"s{n}"}}
        message = Message(
            id=f"m{n}",
            installation_id="in1",
            event_id=f"e{n}",
            event_type="staff.created",
            created_at=at,
            envelope=envelope,
        )
        store.webhooks.add_message(message, Conflict("taken"))
        store.uow.commit()

    def poll(cursor: str | None, now: datetime) -> tuple[list[str], str | None]:
        page = service.feed(
            app,
            FeedQuery(cursor=cursor),
            store=WebhookStoreFake(H, None, tables),
            now=now,
            settle_seconds=SETTLE,
        )
        return [item.id for item in page.items], page.next_cursor

    record(1, T0)
    record(3, T0 + timedelta(seconds=2))  # committed first, though stamped after m2
    seen, cursor = poll(None, T0 + timedelta(seconds=3))
    assert seen == []  # both are within the last seconds: held back
    record(2, T0 + timedelta(seconds=1))  # the slower dispatcher's commit lands
    seen, cursor = poll(cursor, T0 + timedelta(seconds=12))
    assert seen == ["m1", "m2"]  # m3 is still settling
    seen, cursor = poll(cursor, T0 + timedelta(seconds=60))
    assert seen == ["m3"]
    assert poll(cursor, T0 + timedelta(seconds=61))[0] == []
