"""The marketplace's apps and installations stores: the same checks on the DynamoDB adapters (on moto) and
on the in-memory fakes the service-layer tests use, so a fake cannot drift from what it stands in for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalicelib.marketplace.adapters.dynamodb import DynamoStore
from chalicelib.marketplace.domain.apps import (
    App,
    AppVersion,
    AskedScope,
    CatalogueEntry,
    Manifest,
    search_tokens,
)
from chalicelib.marketplace.domain.installations import Installation, rotate

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.marketplace.fakes import FakeAppsStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
_TABLES = Tables()
MANIFEST = Manifest(
    name="智能排班助手", description="d", scopes=[AskedScope(scope="roster:read", reason="r")]
)


@pytest.fixture(params=["dynamodb", "memory"])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
    yield str(request.param)


def open_store(kind: str, tenant: str) -> Any:
    if kind == "dynamodb":
        principal = Principal(tenant=tenant, user="service:marketplace", kind="service")
        return DynamoStore(tenant, UnitOfWork("marketplace", principal, "test"), principal, "test")
    return FakeAppsStore(tenant, _TABLES)


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def app(partner: str, name: str = "智能排班助手", at: datetime = AT) -> App:
    return App(
        id=uuid.uuid4().hex[:16],
        partner=partner,
        versions=[AppVersion(version=1, manifest=MANIFEST.model_copy(update={"name": name}), created_at=at)],
        created_at=at,
        updated_at=at,
    )


def installation(tenant: str, app_id: str, partner: str) -> Installation:
    return Installation(
        id=uuid.uuid4().hex[:16],
        tenant=tenant,
        app_id=app_id,
        app_name="智能排班助手",
        partner=partner,
        version=1,
        scopes=["roster:read", "events:read"],
        events=[],
        consented_by="adm",
        consented_at=AT,
        installed_at=AT,
    )


def test_apps_are_created_once_saved_over_their_revision_and_listed_newest_first(kind: str) -> None:
    partner = fresh("p")
    store = open_store(kind, partner)
    first, second = app(partner, at=AT), app(partner, at=AT + timedelta(minutes=1))
    for a in (first, second):
        store = open_store(kind, partner)
        store.apps.add(a, Conflict("taken"))
        store.commit()
    rows, _ = open_store(kind, partner).apps.page(10, None)
    assert [a.id for a in rows] == [second.id, first.id]
    assert open_store(kind, fresh("p")).apps.get(first.id) is None
    store = open_store(kind, partner)
    current = store.apps.get(first.id)
    store.apps.save(current.model_copy(update={"listed_version": 1}), Conflict("stale"))
    store.commit()
    store = open_store(kind, partner)
    store.apps.save(current, Conflict("stale"))  # the revision read before the save above
    with pytest.raises(Conflict):
        store.commit()


def test_a_listed_app_is_found_by_a_prefix_and_its_old_name_is_forgotten(kind: str) -> None:
    partner, unique = fresh("p"), uuid.uuid4().hex[:6]
    a = app(partner)
    name = f"排班{unique}"
    entry = CatalogueEntry(
        app_id=a.id,
        partner=partner,
        partner_name="x",
        version=1,
        manifest=MANIFEST.model_copy(update={"name": name}),
        listed_at=AT,
        tokens=search_tokens(name),
    )
    store = open_store(kind, partner)
    store.province.list_app(entry, None)
    store.commit()
    rows, _ = open_store(kind, partner).province.search(f"paiban{unique}", 10, None)
    assert [r["app_id"] for r in rows] == [a.id]
    renamed = entry.model_copy(update={"tokens": search_tokens(f"日报{unique}"), "version": 2})
    store = open_store(kind, partner)
    store.province.list_app(renamed, open_store(kind, partner).province.entry(a.id))
    store.commit()
    assert open_store(kind, partner).province.search(f"paiban{unique}", 10, None)[0] == []
    assert [
        r["app_id"] for r in open_store(kind, partner).province.search(f"ribao{unique}", 10, None)[0]
    ] == [a.id]


def test_one_installation_per_app_and_an_uninstall_frees_it_and_drops_the_credentials(kind: str) -> None:
    hospital, partner = fresh("h"), fresh("p")
    first = installation(hospital, "app1", partner)
    store = open_store(kind, hospital)
    store.installations.add(first, Conflict("installed"))
    store.commit()
    store = open_store(kind, hospital)
    store.installations.add(installation(hospital, "app1", partner), Conflict("installed"))
    with pytest.raises(Conflict):
        store.commit()
    assert open_store(kind, hospital).installations.of_app("app1") == first.id
    assert open_store(kind, partner).partner_installations.where(first.id) == (hospital, "app1")
    _, creds = rotate(None, f"{hospital}.{first.id}", first.id, AT)
    store = open_store(kind, hospital)
    store.installations.put_credentials(creds, Conflict("stale"))
    store.commit()
    found, stored = open_store(kind, hospital).installations.with_credentials(first.id)
    assert (
        found is not None
        and found.id == first.id
        and stored is not None
        and stored.client_id == creds.client_id
    )
    store = open_store(kind, hospital)
    current = store.installations.get(first.id)
    store.installations.save(current.model_copy(update={"status": "uninstalled"}), Conflict("stale"))
    store.commit()
    found, stored = open_store(kind, hospital).installations.with_credentials(first.id)
    assert found is not None and found.status == "uninstalled" and stored is None
    assert open_store(kind, hospital).installations.of_app("app1") is None
    rows, _ = open_store(kind, partner).partner_installations.page("app1", 10, None)
    assert [(r.installation_id, r.status) for r in rows] == [(first.id, "uninstalled")]
