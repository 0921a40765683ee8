"""The marketplace's ports in memory (``chalicelib.marketplace.domain.ports``).

A contract test per store runs the same checks on these and on the DynamoDB adapters, so a fake cannot
drift from what it stands in for. Each feature adds its repositories to ``MemoryStore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes import MemoryUnitOfWork


@dataclass
class MemoryStore:
    tenant: str
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)


# ---- M1: partners, apps, the catalogue, installations, bundles --------------------------------------------

import json  # noqa: E402
from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

from chalicelib.marketplace.domain.apps import App, CatalogueEntry, PartnerProfile, ReviewEntry  # noqa: E402
from chalicelib.marketplace.domain.installations import (  # noqa: E402
    Bundle,
    Credentials,
    Installation,
    PartnerInstallation,
)

from shared.errors import DomainError, RateLimited  # noqa: E402
from tests.fakes import page_after  # noqa: E402


@dataclass
class Tables:
    """Every tenant's records of the fakes (a partner's, a hospital's, the province's in one place, as the
    one marketplace table holds them)."""

    partners: dict[str, PartnerProfile] = field(default_factory=dict)
    apps: dict[tuple[str, str], App] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    reviews: dict[tuple[str, int], ReviewEntry] = field(default_factory=dict)
    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    search: dict[str, dict[str, Any]] = field(default_factory=dict)  # "<token>#<app_id>" → summary
    listing: dict[str, dict[str, Any]] = field(default_factory=dict)
    installations: dict[tuple[str, str], Installation] = field(default_factory=dict)
    claims: dict[tuple[str, str], str] = field(default_factory=dict)
    credentials: dict[tuple[str, str], Credentials] = field(default_factory=dict)
    standing: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    partner_views: dict[tuple[str, str], dict[str, PartnerInstallation]] = field(default_factory=dict)
    pointers: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    token_requests: dict[tuple[str, str, str], int] = field(default_factory=dict)
    usage: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    hospital_names: dict[str, str] = field(default_factory=dict)


def _create(uow: MemoryUnitOfWork, table: dict[Any, Any], key: Any, value: Any, taken: DomainError) -> None:
    def check() -> None:
        if key in table:
            raise taken

    uow.check(check)
    uow.stage(lambda: table.__setitem__(key, value))


def _replace(uow: MemoryUnitOfWork, table: dict[Any, Any], key: Any, record: Any, stale: DomainError) -> None:
    def check() -> None:
        current = table.get(key)
        if current is None or current.revision != record.revision:
            raise stale

    uow.check(check)
    uow.stage(lambda: table.__setitem__(key, record.model_copy(update={"revision": record.revision + 1})))


@dataclass
class FakePartners:
    tenant: str
    uow: MemoryUnitOfWork
    tables: Tables

    def get(self) -> PartnerProfile | None:
        return self.tables.partners.get(self.tenant)

    def put(self, profile: PartnerProfile, stale: DomainError) -> None:
        def check() -> None:
            current = self.tables.partners.get(self.tenant)
            if (current.revision if current else 0) != profile.revision:
                raise stale

        self.uow.check(check)
        stored = profile.model_copy(update={"revision": profile.revision + 1})
        self.uow.stage(lambda: self.tables.partners.__setitem__(self.tenant, stored))


@dataclass
class FakeApps:
    tenant: str
    uow: MemoryUnitOfWork
    tables: Tables

    def get(self, app_id: str) -> App | None:
        return self.tables.apps.get((self.tenant, app_id))

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [
            (f"{a.created_at.isoformat()}#{a.id}", a)
            for (t, _), a in self.tables.apps.items()
            if t == self.tenant
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#apps", newest_first=True)

    def add(self, app: App, taken: DomainError) -> None:
        _create(self.uow, self.tables.apps, (self.tenant, app.id), app, taken)
        _create(self.uow, self.tables.owners, app.id, self.tenant, taken)

    def save(self, app: App, stale: DomainError) -> None:
        _replace(self.uow, self.tables.apps, (self.tenant, app.id), app, stale)


@dataclass
class FakeProvince:
    uow: MemoryUnitOfWork
    tables: Tables

    def owner(self, app_id: str) -> str | None:
        return self.tables.owners.get(app_id)

    def review(self, app_id: str, version: int) -> ReviewEntry | None:
        return self.tables.reviews.get((app_id, version))

    def queue(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [
            (f"{r.submitted_at.isoformat()}#{r.app_id}#{r.version}", r) for r in self.tables.reviews.values()
        ]
        return page_after(rows, limit, cursor, "marketplace#reviews")

    def enqueue(self, entry: ReviewEntry, taken: DomainError) -> None:
        _create(self.uow, self.tables.reviews, (entry.app_id, entry.version), entry, taken)

    def dequeue(self, entry: ReviewEntry) -> None:
        self.uow.stage(lambda: self.tables.reviews.pop((entry.app_id, entry.version), None))

    def entry(self, app_id: str) -> CatalogueEntry | None:
        return self.tables.entries.get(app_id)

    def entries_of(self, app_ids: list[str]) -> dict[str, CatalogueEntry]:
        return {a: self.tables.entries[a] for a in app_ids if a in self.tables.entries}

    def list_app(self, entry: CatalogueEntry, before: CatalogueEntry | None) -> None:
        m = entry.manifest
        summary = {
            "app_id": entry.app_id,
            "name": m.name,
            "description": m.description,
            "icon_url": m.icon_url,
            "partner": entry.partner,
            "partner_name": entry.partner_name,
            "version": entry.version,
            "scopes": m.scope_names(),
        }

        def write() -> None:
            self.tables.entries[entry.app_id] = entry
            self.tables.listing[entry.app_id] = summary
            for token in before.tokens if before else []:
                self.tables.search.pop(f"{token}#{entry.app_id}", None)
            for token in entry.tokens:
                self.tables.search[f"{token}#{entry.app_id}"] = summary

        self.uow.stage(write)

    def search(self, prefix: str | None, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        if prefix:
            rows = [
                (k, json.loads(json.dumps(v))) for k, v in self.tables.search.items() if k.startswith(prefix)
            ]
            return page_after(rows, limit, cursor, "marketplace#catalogue-search")
        return page_after(list(self.tables.listing.items()), limit, cursor, "marketplace#catalogue-list")


@dataclass
class FakeInstallations:
    tenant: str
    uow: MemoryUnitOfWork
    tables: Tables

    def get(self, installation_id: str) -> Installation | None:
        return self.tables.installations.get((self.tenant, installation_id))

    def of_app(self, app_id: str) -> str | None:
        return self.tables.claims.get((self.tenant, app_id))

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [
            (f"{i.installed_at.isoformat()}#{i.id}", i)
            for (t, _), i in self.tables.installations.items()
            if t == self.tenant
        ]
        return page_after(rows, limit, cursor, f"{self.tenant}#installations", newest_first=True)

    def with_credentials(self, installation_id: str) -> tuple[Installation | None, Credentials | None]:
        key = (self.tenant, installation_id)
        return self.tables.installations.get(key), self.tables.credentials.get(key)

    def hospital_name(self) -> str:
        return self.tables.hospital_names.get(self.tenant, self.tenant)

    def usage(self, installation_id: str, start: str, end: str) -> list[tuple[str, int]]:
        days = self.tables.usage.get((self.tenant, installation_id), {})
        return sorted((d, n) for d, n in days.items() if start <= d <= end)

    def _follow(self, i: Installation) -> None:
        self.tables.standing[(self.tenant, i.id)] = {
            "app_id": i.app_id,
            "status": i.status,
            "scopes": list(i.scopes),
            "not_before": i.not_before,
        }
        views = self.tables.partner_views.setdefault((i.partner, i.app_id), {})
        views[f"{self.tenant}#{i.id}"] = PartnerInstallation(
            installation_id=i.id,
            tenant=self.tenant,
            hospital_name=i.hospital_name,
            app_id=i.app_id,
            version=i.version,
            status=i.status,
            installed_at=i.installed_at,
        )

    def add(self, i: Installation, taken: DomainError) -> None:
        _create(self.uow, self.tables.claims, (self.tenant, i.app_id), i.id, taken)
        _create(self.uow, self.tables.installations, (self.tenant, i.id), i, taken)

        def write() -> None:
            self._follow(i)
            self.tables.pointers[(i.partner, i.id)] = (self.tenant, i.app_id)

        self.uow.stage(write)

    def save(self, i: Installation, stale: DomainError, revoke: bool = False) -> None:
        _replace(self.uow, self.tables.installations, (self.tenant, i.id), i, stale)

        def write() -> None:
            self._follow(i)
            if revoke or i.status == "uninstalled":
                self.tables.credentials.pop((self.tenant, i.id), None)
            if i.status == "uninstalled":
                self.tables.claims.pop((self.tenant, i.app_id), None)

        self.uow.stage(write)

    def put_credentials(self, creds: Credentials, stale: DomainError) -> None:
        key = (self.tenant, creds.installation_id)

        def check() -> None:
            current = self.tables.credentials.get(key)
            if (current.revision if current else 0) != creds.revision:
                raise stale

        self.uow.check(check)
        stored = creds.model_copy(update={"revision": creds.revision + 1})
        self.uow.stage(lambda: self.tables.credentials.__setitem__(key, stored))

    def count_token_request(self, installation_id: str, at: datetime, limit: int) -> None:
        key = (self.tenant, installation_id, at.strftime("%Y%m%d%H%M"))
        if self.tables.token_requests.get(key, 0) >= limit:
            raise RateLimited(f"at most {limit} token requests a minute", 60 - at.second)
        self.tables.token_requests[key] = self.tables.token_requests.get(key, 0) + 1


@dataclass
class FakePartnerInstallations:
    tenant: str
    tables: Tables

    def where(self, installation_id: str) -> tuple[str, str] | None:
        return self.tables.pointers.get((self.tenant, installation_id))

    def page(self, app_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        views = self.tables.partner_views.get((self.tenant, app_id), {})
        return page_after(list(views.items()), limit, cursor, f"{self.tenant}#app#{app_id}#installations")


@dataclass
class FakeBundles:
    uow: MemoryUnitOfWork
    tables: Tables

    def get(self, bundle_id: str) -> Bundle | None:
        return self.tables.bundles.get(bundle_id)

    def add(self, bundle: Bundle, taken: DomainError) -> None:
        _create(self.uow, self.tables.bundles, bundle.id, bundle, taken)

    def page(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [(f"{b.created_at.isoformat()}#{b.id}", b) for b in self.tables.bundles.values()]
        return page_after(rows, limit, cursor, "marketplace#bundles")


@dataclass
class FakeAppsStore:
    """``AppsStore`` in memory: one tenant's view of the shared ``tables``, writes staged in ``uow``."""

    tenant: str
    tables: Tables = field(default_factory=Tables)
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)

    @property
    def partners(self) -> FakePartners:
        return FakePartners(self.tenant, self.uow, self.tables)

    @property
    def apps(self) -> FakeApps:
        return FakeApps(self.tenant, self.uow, self.tables)

    @property
    def province(self) -> FakeProvince:
        return FakeProvince(self.uow, self.tables)

    @property
    def installations(self) -> FakeInstallations:
        return FakeInstallations(self.tenant, self.uow, self.tables)

    @property
    def partner_installations(self) -> FakePartnerInstallations:
        return FakePartnerInstallations(self.tenant, self.tables)

    @property
    def bundles(self) -> FakeBundles:
        return FakeBundles(self.uow, self.tables)

    def other(self, tenant: str) -> FakeAppsStore:
        return FakeAppsStore(tenant, self.tables, self.uow)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.uow.audit(action, resource_type, resource_id, before, after)

    def emit(self, event: Any) -> None:
        self.uow.emit(event)

    def commit(self) -> None:
        self.uow.commit()
