"""The reports service's day store: the same checks on the DynamoDB adapter (on moto) and on the
in-memory fake the service-layer tests use, so a fake cannot drift from what it stands in for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chalicelib.reports.adapters.dynamodb import DynamoStore
from chalicelib.reports.domain.days import Contribution

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork
from tests.unit.reports.fakes import MemoryStore, Tables

_TABLES = Tables()
DAY = date(2026, 12, 5)


@pytest.fixture(params=["dynamodb", "memory"])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
    yield str(request.param)


def open_store(kind: str, tenant: str) -> Any:
    if kind == "dynamodb":
        principal = Principal(tenant=tenant, user="service:reports", kind="service")
        return DynamoStore(tenant, UnitOfWork("reports", principal, "test"), principal, "test")
    return MemoryStore(tenant, _TABLES)


def commit(store: Any, write: Any) -> None:
    write(store.days)
    store.uow.commit()


def fresh() -> str:
    return f"hosp-{uuid.uuid4().hex[:10]}"


def test_counts_add_up_and_samples_append_on_a_day_that_did_not_exist(kind: str) -> None:
    tenant = fresh()
    assert open_store(kind, tenant).days.get(DAY) is None
    commit(
        open_store(kind, tenant),
        lambda d: d.add(Contribution(DAY, {"approvals.submitted": 1}, {"approvals.turnaround_hours": [2.5]})),
    )
    commit(
        open_store(kind, tenant),
        lambda d: d.add(
            Contribution(
                DAY, {"approvals.submitted": 2, "approvals.approved": 1}, {"approvals.turnaround_hours": [4]}
            )
        ),
    )
    got = open_store(kind, tenant).days.get(DAY)
    assert got is not None and got.day == DAY
    assert got.values == {"approvals.submitted": 3, "approvals.approved": 1}
    assert got.samples == {"approvals.turnaround_hours": [2.5, 4]}
    assert not got.census_recorded


def test_a_census_replaces_the_days_earlier_census_and_keeps_its_counts(kind: str) -> None:
    tenant = fresh()
    commit(open_store(kind, tenant), lambda d: d.add(Contribution(DAY, {"staff.joined": 2})))
    first = {"census.outpatient_visits": 1200, "census.surgeries": 30}
    commit(open_store(kind, tenant), lambda d: d.set_census(DAY, first, "staff-1"))
    commit(
        open_store(kind, tenant), lambda d: d.set_census(DAY, {"census.outpatient_visits": 1250}, "staff-1")
    )
    got = open_store(kind, tenant).days.get(DAY)
    assert got is not None and got.census_recorded
    assert got.values == {"staff.joined": 2, "census.outpatient_visits": 1250}


def test_a_range_is_the_kept_days_in_order_and_never_another_hospitals(kind: str) -> None:
    tenant, other = fresh(), fresh()
    for d in (date(2026, 12, 3), date(2026, 12, 1), date(2026, 12, 7)):
        commit(open_store(kind, tenant), lambda s, d=d: s.add(Contribution(d, {"staff.left": d.day})))
    commit(open_store(kind, other), lambda s: s.add(Contribution(date(2026, 12, 2), {"staff.left": 9})))
    got = open_store(kind, tenant).days.between(date(2026, 12, 1), date(2026, 12, 5))
    assert [(f.day.day, f.values["staff.left"]) for f in got] == [(1, 1), (3, 3)]
    assert open_store(kind, tenant).days.between(date(2026, 12, 5), date(2026, 12, 1)) == []


def test_nothing_is_written_without_a_commit(kind: str) -> None:
    tenant = fresh()
    store = open_store(kind, tenant)
    store.days.add(Contribution(DAY, {"staff.joined": 1}))
    assert open_store(kind, tenant).days.get(DAY) is None
