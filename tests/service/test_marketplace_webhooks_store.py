"""The webhook store, the same checks on the DynamoDB adapter (on moto) and on the fake the dispatcher's
tests use: endpoints (create-only, revisions, failing since), messages with their attempts, the log and
the feed in order, the timer claim, the due index, placements and notices."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.marketplace.adapters.webhooks import DynamoDueDeliveries, DynamoWebhooks, Placement
from chalicelib.marketplace.domain.webhooks import Attempt, DeliveryTimer, Endpoint, Message, Notice

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.fakes import MemoryUnitOfWork
from tests.unit.marketplace.fakes import FakeDue, FakeWebhooks, WebhookTables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
_TABLES = WebhookTables()
TAKEN, STALE, LOST = Conflict("taken"), Conflict("stale"), Conflict("lost")


@pytest.fixture(params=["dynamodb", "memory"])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
    yield str(request.param)


def repo(kind: str, tenant: str, uow: Any = None) -> Any:
    if kind == "dynamodb":
        return DynamoWebhooks(tenant, uow)
    return FakeWebhooks(tenant, uow, _TABLES)


def write(kind: str, tenant: str, change: Callable[[Any], object]) -> None:
    if kind == "dynamodb":
        uow: Any = UnitOfWork("marketplace", Principal(tenant=tenant, user="test", kind="service"), "t")
    else:
        uow = MemoryUnitOfWork()
    with uow:
        change(repo(kind, tenant, uow))
        uow.commit()


def endpoint(inst: str) -> Endpoint:
    return Endpoint(
        installation_id=inst,
        app_id="app-1",
        app_name="排班助手",
        partner="p-acme",
        url="https://partner.example/hook",
        events=["staff.*"],
        created_at=AT,
        updated_at=AT,
    )


def message(inst: str, n: int) -> Message:
    return Message(
        id=f"msg_{uuid.uuid4().hex[:20]}",
        installation_id=inst,
        event_id=f"e{n}",
        event_type="staff.created",
        created_at=AT + timedelta(seconds=n),
        envelope={"id": f"e{n}", "type": "staff.created", "data": {}},
    )


def test_endpoints_are_create_only_revisioned_and_keep_failing_since(kind: str) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    write(kind, tenant, lambda r: r.add_endpoint(endpoint("in1"), TAKEN))
    with pytest.raises(Conflict, match="taken"):
        write(kind, tenant, lambda r: r.add_endpoint(endpoint("in1"), TAKEN))
    stored = repo(kind, tenant).endpoint("in1")
    assert stored.revision == 0 and stored.failing_since is None
    write(kind, tenant, lambda r: r.mark_failing("in1", AT))
    write(kind, tenant, lambda r: r.mark_failing("in1", AT + timedelta(hours=1)))  # the first one stays
    stored = repo(kind, tenant).endpoint("in1")
    assert stored.failing_since == AT and stored.revision == 2
    with pytest.raises(Conflict, match="stale"):
        write(kind, tenant, lambda r: r.replace_endpoint(endpoint("in1"), STALE))  # read before: stale
    write(kind, tenant, lambda r: r.clear_failing("in1"))
    assert repo(kind, tenant).endpoint("in1").failing_since is None
    assert [e.installation_id for e in repo(kind, tenant).endpoints()] == ["in1"]
    assert repo(kind, f"t-{uuid.uuid4().hex[:10]}").endpoint("in1") is None


def test_messages_attempts_log_and_feed(kind: str) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    made = [message("in1", n) for n in range(3)]
    for m in made:
        write(kind, tenant, lambda r, m=m: r.add_message(m, TAKEN))
    with pytest.raises(Conflict, match="taken"):
        write(kind, tenant, lambda r: r.add_message(made[0], TAKEN))
    attempt = Attempt(message_id=made[0].id, n=1, at=AT, outcome="failed", status_code=500, latency_ms=4)
    write(kind, tenant, lambda r: r.add_attempt(attempt, "in1"))
    write(kind, tenant, lambda r: r.replace_message(made[0].model_copy(update={"attempts": 1}), STALE))
    got, attempts = repo(kind, tenant).message_with_attempts("in1", made[0].id)
    assert got.attempts == 1 and [a.status_code for a in attempts] == [500]
    rows, cursor = repo(kind, tenant).log("in1", 2, None, True)
    assert [m.id for m in rows] == [made[2].id, made[1].id] and cursor
    rows, _ = repo(kind, tenant).log("in1", 10, None, False, since=AT + timedelta(seconds=1))
    assert [m.id for m in rows] == [made[1].id, made[2].id]
    first, cursor = repo(kind, tenant).feed("in1", 2, None)
    rest, after = repo(kind, tenant).feed("in1", 2, cursor)
    none, still = repo(kind, tenant).feed("in1", 2, after)
    assert [m.id for m in first + rest] == [m.id for m in made] and none == [] and still == after


def test_a_timer_is_claimed_once_and_found_due(kind: str) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    timer = DeliveryTimer(installation_id="in1", message_id=f"msg_{uuid.uuid4().hex[:20]}", due_at=AT)
    write(kind, tenant, lambda r: r.put_timer(timer))
    due = DynamoDueDeliveries() if kind == "dynamodb" else FakeDue(_TABLES)
    assert (tenant, timer) in due.due(AT, 1000)
    claimed = repo(kind, tenant).claim_timer(timer, AT + timedelta(minutes=2))
    assert claimed is not None and repo(kind, tenant).claim_timer(timer, AT + timedelta(minutes=2)) is None
    assert all(t.message_id != timer.message_id for _, t in due.due(AT + timedelta(minutes=1), 1000))
    write(kind, tenant, lambda r: r.reschedule_timer(claimed, AT + timedelta(minutes=5), LOST))
    with pytest.raises(Conflict, match="lost"):
        write(kind, tenant, lambda r: r.finish_timer(claimed, LOST))  # the claim moved on
    assert repo(kind, tenant).timer(timer.message_id).due_at == AT + timedelta(minutes=5)


def test_placements_and_notices_are_the_partners(kind: str) -> None:
    tenant, partner = f"t-{uuid.uuid4().hex[:10]}", f"p-{uuid.uuid4().hex[:10]}"
    place = Placement(installation_id="in9", hospital=tenant, app_id="app-1")
    notice = Notice(
        id="n1",
        partner=partner,
        hospital=tenant,
        installation_id="in9",
        app_id="app-1",
        app_name="排班助手",
        url="https://x.example",
        reason="gone",
        at=AT,
    )
    write(kind, tenant, lambda r: (r.place(partner, place), r.add_notice(notice)))
    assert repo(kind, partner).placement("in9").hospital == tenant
    assert repo(kind, tenant).placement("in9") is None
    rows, _ = repo(kind, partner).notices(10, None)
    assert [n.reason for n in rows] == ["gone"]
