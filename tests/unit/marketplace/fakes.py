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

# --- webhooks ---
from chalicelib.marketplace.domain.webhooks import (  # noqa: E402
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
)

from shared.errors import (  # noqa: E402
    Conflict,
    DomainError,
    RateLimited,
)
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


@dataclass
class WebhookTables:
    """Every tenant's webhook records (shared by the stores of one test, as one table)."""

    endpoints: dict[tuple[str, str], Endpoint] = field(default_factory=dict)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    attempts: dict[tuple[str, str, int], Attempt] = field(default_factory=dict)
    timers: dict[tuple[str, str], DeliveryTimer] = field(default_factory=dict)
    placements: dict[tuple[str, str], Any] = field(default_factory=dict)
    notices: dict[str, list[Notice]] = field(default_factory=dict)


TABLES = WebhookTables()


@dataclass
class FakeWebhooks:
    tenant: str
    uow: MemoryUnitOfWork | None
    t: WebhookTables

    def _uow(self) -> MemoryUnitOfWork:
        if self.uow is None:
            raise RuntimeError("this store reads only")
        return self.uow

    def endpoint(self, installation: str) -> Endpoint | None:
        found = self.t.endpoints.get((self.tenant, installation))
        return found.model_copy(deep=True) if found else None

    def endpoints(self) -> list[Endpoint]:
        return [e.model_copy(deep=True) for (t, _), e in sorted(self.t.endpoints.items()) if t == self.tenant]

    def add_endpoint(self, endpoint: Endpoint, taken: DomainError) -> None:
        key = (self.tenant, endpoint.installation_id)

        def free() -> None:
            if key in self.t.endpoints:
                raise taken

        self._uow().check(free)
        self._uow().stage(
            lambda: self.t.endpoints.__setitem__(key, endpoint.model_copy(update={"revision": 0}))
        )

    def replace_endpoint(self, endpoint: Endpoint, stale: DomainError) -> None:
        key = (self.tenant, endpoint.installation_id)

        def current() -> None:
            stored = self.t.endpoints.get(key)
            if stored is None or stored.revision != endpoint.revision:
                raise stale

        self._uow().check(current)
        self._uow().stage(
            lambda: self.t.endpoints.__setitem__(
                key, endpoint.model_copy(update={"revision": endpoint.revision + 1})
            )
        )

    def _touch(self, installation: str, failing: datetime | None, keep: bool) -> None:
        key = (self.tenant, installation)

        def write() -> None:
            stored = self.t.endpoints[key]
            since = (stored.failing_since or failing) if keep else None
            self.t.endpoints[key] = stored.model_copy(
                update={"failing_since": since, "revision": stored.revision + 1}
            )

        self._uow().stage(write)

    def mark_failing(self, installation: str, since: datetime) -> None:
        self._touch(installation, since, True)

    def clear_failing(self, installation: str) -> None:
        self._touch(installation, None, False)

    def add_message(self, message: Message, taken: DomainError) -> None:
        key = (self.tenant, message.id)

        def free() -> None:
            if key in self.t.messages:
                raise taken

        self._uow().check(free)
        self._uow().stage(
            lambda: self.t.messages.__setitem__(key, message.model_copy(update={"revision": 0}))
        )

    def replace_message(self, message: Message, stale: DomainError) -> None:
        key = (self.tenant, message.id)

        def current() -> None:
            stored = self.t.messages.get(key)
            if stored is None or stored.revision != message.revision:
                raise stale

        self._uow().check(current)
        self._uow().stage(
            lambda: self.t.messages.__setitem__(
                key, message.model_copy(update={"revision": message.revision + 1})
            )
        )

    def add_attempt(self, attempt: Attempt, installation: str) -> None:
        key = (self.tenant, attempt.message_id, attempt.n)

        def free() -> None:
            if key in self.t.attempts:
                raise Conflict("already exists")

        self._uow().check(free)
        self._uow().stage(lambda: self.t.attempts.__setitem__(key, attempt))

    def message(self, installation: str, message_id: str) -> Message | None:
        found = self.t.messages.get((self.tenant, message_id))
        return found.model_copy(deep=True) if found and found.installation_id == installation else None

    def message_with_attempts(
        self, installation: str, message_id: str
    ) -> tuple[Message | None, list[Attempt]]:
        message = self.message(installation, message_id)
        if message is None:
            return None, []
        return message, [
            a for (t, m, _), a in sorted(self.t.attempts.items()) if t == self.tenant and m == message_id
        ]

    def _rows(self, installation: str, since: datetime | None = None) -> list[tuple[str, Message]]:
        return [
            (f"{m.created_at.isoformat()}#{m.id}", m.model_copy(deep=True))
            for (t, _), m in self.t.messages.items()
            if t == self.tenant
            and m.installation_id == installation
            and (since is None or m.created_at >= since)
        ]

    def log(
        self,
        installation: str,
        limit: int,
        cursor: str | None,
        newest_first: bool,
        since: datetime | None = None,
    ) -> tuple[list[Any], str | None]:
        return page_after(
            self._rows(installation, since), limit, cursor, f"log#{self.tenant}#{installation}", newest_first
        )

    def feed(
        self, installation: str, limit: int, cursor: str | None, before: datetime | None = None
    ) -> tuple[list[Any], str | None]:
        from tests.fakes import decode_cursor, encode_cursor

        partition = f"log#{self.tenant}#{installation}"
        after = decode_cursor(cursor, partition)
        rows = sorted(
            r
            for r in self._rows(installation)
            if (after is None or r[0] > after) and (before is None or r[1].created_at < before)
        )[:limit]
        if not rows:
            return [], cursor
        return [m for _, m in rows], encode_cursor(rows[-1][0], partition)

    def put_timer(self, timer: DeliveryTimer) -> None:
        self._uow().stage(lambda: self.t.timers.__setitem__((self.tenant, timer.message_id), timer))

    def claim_timer(self, timer: DeliveryTimer, until: datetime) -> DeliveryTimer | None:
        key = (self.tenant, timer.message_id)
        stored = self.t.timers.get(key)
        if stored is None or stored.due_at != timer.due_at:
            return None
        claimed = timer.model_copy(update={"due_at": until})
        self.t.timers[key] = claimed
        return claimed

    def _claim_held(self, claimed: DeliveryTimer, lost: DomainError) -> None:
        key = (self.tenant, claimed.message_id)

        def held() -> None:
            stored = self.t.timers.get(key)
            if stored is None or stored.due_at != claimed.due_at:
                raise lost

        self._uow().check(held)

    def reschedule_timer(self, claimed: DeliveryTimer, due_at: datetime, lost: DomainError) -> None:
        self._claim_held(claimed, lost)
        nxt = claimed.model_copy(update={"due_at": due_at})
        self._uow().stage(lambda: self.t.timers.__setitem__((self.tenant, claimed.message_id), nxt))

    def finish_timer(self, claimed: DeliveryTimer, lost: DomainError) -> None:
        self._claim_held(claimed, lost)
        self._uow().stage(lambda: self.t.timers.pop((self.tenant, claimed.message_id), None))

    def timer(self, message_id: str) -> DeliveryTimer | None:
        return self.t.timers.get((self.tenant, message_id))

    def place(self, partner: str, placement: Any) -> None:
        self._uow().stage(
            lambda: self.t.placements.__setitem__((partner, placement.installation_id), placement)
        )

    def placement(self, installation: str) -> Any:
        return self.t.placements.get((self.tenant, installation))

    def add_notice(self, notice: Notice) -> None:
        self._uow().stage(lambda: self.t.notices.setdefault(notice.partner, []).append(notice))

    def notices(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [(f"{n.at.isoformat()}#{n.id}", n) for n in self.t.notices.get(self.tenant, [])]
        return page_after(rows, limit, cursor, f"notices#{self.tenant}", True)


@dataclass
class FakeDue:
    t: WebhookTables

    def due(self, now: datetime, limit: int) -> list[tuple[str, DeliveryTimer]]:
        rows = sorted(
            ((x.due_at, t, x) for (t, _), x in self.t.timers.items() if x.due_at <= now), key=lambda r: r[0]
        )
        return [(t, x) for _, t, x in rows[:limit]]


@dataclass
class WebhookStoreFake:
    tenant: str
    uow: MemoryUnitOfWork | None
    t: WebhookTables

    @property
    def webhooks(self) -> FakeWebhooks:
        return FakeWebhooks(self.tenant, self.uow, self.t)
