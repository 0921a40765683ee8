"""Scheduling's repositories, the same checks on the DynamoDB adapters (on moto) and on the in-memory
fakes the service-layer tests use: a fake that drifts from the adapter fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.scheduling.adapters.dynamodb import DynamoStore
from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord

from shared.auth import Principal
from shared.errors import RuleViolation
from shared.persistence.uow import UnitOfWork
from tests.unit.scheduling.fakes import FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# A store for a tenant, and how to run a change on it: (tenant) -> (store for reads, write(fn)).
Opener = Callable[[str], tuple[Any, Callable[[Callable[[Any], None]], None]]]


def _dynamo(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    def write(change: Callable[[Any], None]) -> None:
        principal = Principal(tenant=tenant, user="service:scheduling", kind="service")
        with UnitOfWork("scheduling", principal, "test") as uow:
            change(DynamoStore(tenant, uow))
            uow.commit()

    return DynamoStore(tenant), write


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    store = FakeStore(tenant, tables=_TABLES)

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def person(n: int, name: str | None = None) -> StaffRecord:
    return StaffRecord(f"s{n:02d}", name or f"护士{n}", f"E{n}", "d1", None, AT)


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_staff_put_replaces_remove_removes_and_pages_cover_everyone_once(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: [s.staff.put(person(n)) for n in range(5)])
    write(lambda s: s.staff.put(person(1, "改名")))
    write(lambda s: s.staff.remove("s03"))
    write(lambda s: s.staff.remove("never-there"))
    rows = all_pages(lambda cursor: store.staff.page(2, cursor))
    assert [(r.id, r.name) for r in rows] == [
        ("s00", "护士0"),
        ("s01", "改名"),
        ("s02", "护士2"),
        ("s04", "护士4"),
    ]
    assert rows[0] == person(0)


def test_staff_of_another_tenant_and_its_cursors_stay_apart(opener: Opener) -> None:
    mine, other = f"t-{uuid.uuid4().hex[:10]}", f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(mine)
    write(lambda s: [s.staff.put(person(n)) for n in range(3)])
    other_store, _ = opener(other)
    assert other_store.staff.page(10, None) == ([], None)
    _, cursor = store.staff.page(1, None)
    assert cursor is not None
    with pytest.raises(RuleViolation):
        other_store.staff.page(1, cursor)


def test_nothing_is_written_without_a_commit(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, _ = opener(tenant)
    if isinstance(store, FakeStore):
        with store.uow:
            store.staff.put(person(1))
    else:
        with UnitOfWork("scheduling", None, "test") as uow:
            DynamoStore(tenant, uow).staff.put(person(1))
    assert store.staff.page(10, None)[0] == []


def leave(staff: str, instance: str, start: str, end: str) -> LeaveRecord:
    start_day, end_day = date.fromisoformat(start), date.fromisoformat(end)
    return LeaveRecord(staff, instance, "年假", start_day, end_day, AT, staff_name=f"员工{staff}")


def test_leave_overlapping_a_window_by_person_and_by_hospital(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    records = [
        leave("s1", "over", "2026-11-01", "2026-11-30"),
        leave("s1", "running", "2026-11-20", "2026-12-03"),
        leave("s2", "inside", "2026-12-10", "2026-12-12"),
        leave("s1", "last-day", "2026-12-31", "2027-01-02"),
        leave("s2", "after", "2027-01-01", "2027-01-05"),
        leave("s2", "long-ago", "2025-01-01", "2025-02-01"),
    ]
    write(lambda s: [s.leave.put(r) for r in records])
    write(lambda s: s.leave.put(records[1]))  # the same approval again
    december = Window(date(2026, 12, 1), date(2026, 12, 31))
    everyone = all_pages(lambda cursor: store.leave.overlapping(None, december, 2, cursor))
    assert [r.instance_id for r in everyone] == ["running", "inside", "last-day"]
    assert everyone[0] == records[1]
    s1 = all_pages(lambda cursor: store.leave.overlapping("s1", december, 1, cursor))
    assert [r.instance_id for r in s1] == ["running", "last-day"]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.leave.overlapping(None, december, 10, None) == ([], None)


def test_leave_cancelled_before_or_after_its_approval_stays_cancelled_and_out_of_the_window(
    opener: Opener,
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    half = LeaveRecord("s1", "half", "事假", date(2026, 12, 7), date(2026, 12, 8), AT, "pm", "am", 1.0)
    write(lambda s: s.leave.put(half))
    december = Window(date(2026, 12, 1), date(2026, 12, 31))
    assert store.leave.overlapping("s1", december, 10, None)[0] == [half]
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    write(lambda s: s.leave.cancel(half, AT))
    write(lambda s: s.leave.cancel(half, later))  # again: the first time stays
    write(lambda s: s.leave.put(half))  # the approval again (redriven): still cancelled
    assert store.leave.overlapping("s1", december, 10, None) == ([], None)
    assert store.leave.overlapping(None, december, 10, None) == ([], None)
    early = leave("s2", "early", "2026-12-20", "2026-12-21")
    write(lambda s: s.leave.cancel(early, AT))  # the cancellation first
    write(lambda s: s.leave.put(early))
    assert store.leave.overlapping(None, december, 10, None) == ([], None)
