"""The morning report's records: the settings (revisioned) and the sent markers (create-only), the same
checks on DynamoDB (moto) and on the fake the service tests use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chalicelib.reports.adapters.dynamodb import DynamoStore
from chalicelib.reports.domain.morning import ReportSettings

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.fakes import MemoryUnitOfWork
from tests.unit.reports.fakes import MemoryStore, Tables

_TABLES = Tables()
MORNING = date(2026, 12, 6)
STALE = Conflict("stale")


@pytest.fixture(params=["dynamodb", "memory"])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
    yield str(request.param)


def open_store(kind: str, tenant: str) -> Any:
    if kind == "dynamodb":
        principal = Principal(tenant=tenant, user="adm", roles=frozenset({"hospital_admin"}))
        return DynamoStore(tenant, UnitOfWork("reports", principal, "test"), principal, "test")
    return MemoryStore(tenant, _TABLES, MemoryUnitOfWork())


def fresh() -> str:
    return f"hosp-{uuid.uuid4().hex[:10]}"


def test_settings_are_created_once_then_replaced_on_the_revision_read(kind: str) -> None:
    tenant = fresh()
    assert open_store(kind, tenant).settings.get() is None
    s = open_store(kind, tenant)
    s.settings.put(ReportSettings(leaders=["a"], send_at="06:30"), STALE)
    s.commit()
    got = open_store(kind, tenant).settings.get()
    assert got is not None and (got.revision, got.leaders, got.send_at) == (1, ["a"], "06:30")

    late = open_store(kind, tenant)
    late.settings.put(ReportSettings(enabled=False), STALE)  # revision 0 again: another admin's first save
    with pytest.raises(Conflict):
        late.commit()
    s = open_store(kind, tenant)
    s.settings.put(got.model_copy(update={"enabled": False}), STALE)
    s.commit()
    again = open_store(kind, tenant).settings.get()
    assert again is not None and (again.revision, again.enabled) == (2, False)
    stale = open_store(kind, tenant)
    stale.settings.put(got, STALE)  # revision 1, now 2
    with pytest.raises(Conflict):
        stale.commit()


def test_a_morning_is_marked_once(kind: str) -> None:
    tenant = fresh()
    assert not open_store(kind, tenant).mornings.sent(MORNING)
    s = open_store(kind, tenant)
    s.mornings.mark(MORNING, STALE)
    s.commit()
    assert open_store(kind, tenant).mornings.sent(MORNING)
    assert not open_store(kind, tenant).mornings.sent(date(2026, 12, 7))
    again = open_store(kind, tenant)
    again.mornings.mark(MORNING, STALE)
    with pytest.raises(Conflict):
        again.commit()


def test_a_hospitals_records_are_its_own(kind: str) -> None:
    tenant, other = fresh(), fresh()
    s = open_store(kind, tenant)
    s.settings.put(ReportSettings(), STALE)
    s.mornings.mark(MORNING, STALE)
    s.commit()
    assert open_store(kind, other).settings.get() is None
    assert not open_store(kind, other).mornings.sent(MORNING)
