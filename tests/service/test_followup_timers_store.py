"""SLA timers' repository and the sweep's due index: the same checks on the DynamoDB adapter (on moto) and
on the in-memory fake the use-case tests run on, so a fake that drifts fails here — and a timer is an
item, so a restart (a new process, a new store) still finds it due."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.adapters.timers import DynamoDueTimers
from chalicelib.followup.domain.timers import SlaTimer

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeDueTimers, FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FIRED = Conflict("fired")
Write = Callable[[Callable[[Any], None]], None]
Opener = Callable[[str], tuple[Any, Write, Any]]


def _principal(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="system:followup", kind="service", staff_name="随访系统")


def _dynamo(tenant: str) -> tuple[Any, Write, Any]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return DynamoStore(tenant, None, _principal(tenant), "test"), write, DynamoDueTimers()


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Write, Any]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write, FakeDueTimers(_TABLES)


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def timer(subject: str, step: str, minutes: int) -> SlaTimer:
    return SlaTimer(kind="consultation", subject_id=subject, step=step, due_at=AT + timedelta(minutes=minutes))


def _mine(due: list[tuple[str, SlaTimer]], *tenants: str) -> list[tuple[str, str]]:
    return [(tenant, t.key) for tenant, t in due if tenant in tenants]


def test_due_timers_are_found_across_hospitals_oldest_first_and_not_before_time(opener: Opener) -> None:
    a, b = f"t-{uuid.uuid4().hex[:8]}", f"t-{uuid.uuid4().hex[:8]}"
    store_a, write_a, due = opener(a)
    _, write_b, _ = opener(b)
    write_a(lambda s: (s.timers.put(timer("c1", "remind", 5)), s.timers.put(timer("c1", "escalate", 10))))
    write_b(lambda s: s.timers.put(timer("c2", "escalate", 7)))

    assert _mine(due.due(AT + timedelta(minutes=4), 100), a, b) == []
    assert _mine(due.due(AT + timedelta(minutes=10), 100), a, b) == [
        (a, "consultation#c1#remind"),
        (b, "consultation#c2#escalate"),
        (a, "consultation#c1#escalate"),
    ]
    assert [t.step for t in store_a.timers.of_subject("consultation", "c1")] == ["escalate", "remind"]


def test_a_timer_fires_once_and_a_removed_or_moved_one_not_at_all(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    store, write, due = opener(tenant)
    first = timer("c3", "escalate", 10)
    write(lambda s: s.timers.put(first))
    write(lambda s: s.timers.fire(first, FIRED))
    with pytest.raises(Conflict):  # a second, overlapping sweep
        write(lambda s: s.timers.fire(first, FIRED))
    assert store.timers.of_subject("consultation", "c3") == []

    write(lambda s: s.timers.put(first))
    moved = timer("c3", "escalate", 30)
    write(lambda s: s.timers.put(moved))  # the SLA was moved: the old reading no longer fires it
    with pytest.raises(Conflict):
        write(lambda s: s.timers.fire(first, FIRED))
    write(lambda s: s.timers.remove(moved))
    assert _mine(due.due(AT + timedelta(hours=1), 100), tenant) == []
