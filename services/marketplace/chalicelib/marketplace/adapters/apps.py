"""Partners, apps, the review queue and the catalogue on DynamoDB (codecs of ``dynamodb.MarketplaceItem``).

Keys (every one starts with a tenant):

- a partner's profile: ``<partner>#partner`` / ``profile``;
- an app (all its versions in one item, revision-checked): ``<partner>#app#<app_id>`` / ``app``, on the
  partner's list ``gsi1pk = <partner>#apps``, ``gsi1sk = <created_at>#<app_id>``;
- an app id's claim in the province (create-only, with the app: the catalogue and the installations key
  apps by id alone, so an id is one partner's) naming its partner: ``marketplace#app#<app_id>`` / ``owner``;
- a version in review: ``marketplace#review#<app_id>`` / ``v<version>``, on the queue
  ``gsi1pk = marketplace#reviews``, ``gsi1sk = <submitted_at>#<app_id>#<version>`` (oldest first);
- a listed app: ``marketplace#catalogue#<app_id>`` / ``entry`` (the listed version's manifest), and
  its search entries ``marketplace#catalogue-search`` / ``<token>#<app_id>`` (a search is one Query on
  a prefix of the sort key) and ``marketplace#catalogue-list`` / ``<app_id>`` (the unfiltered list),
  each holding the summary a result shows. They are written and deleted with the approval.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.marketplace.adapters.dynamodb import SYSTEM, Codec, Keys, MarketplaceItem, writes
from chalicelib.marketplace.domain.apps import App, CatalogueEntry, PartnerProfile, ReviewEntry
from chalicelib.marketplace.domain.ports import Page
from pydantic import BaseModel

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.paging import decode_cursor, one_page
from shared.persistence.uow import UnitOfWork

SEARCH = tenant_key(SYSTEM, "catalogue-search")
LISTING = tenant_key(SYSTEM, "catalogue-list")


class AppOwner(BaseModel):
    app_id: str
    partner: str


def _app_keys(tenant: str) -> Callable[[App], Keys]:
    def keys(a: App) -> Keys:
        return Keys(
            tenant_key(tenant, "app", a.id),
            "app",
            {1: (tenant_key(tenant, "apps"), f"{a.created_at.isoformat()}#{a.id}")},
        )

    return keys


@dataclass
class DynamoPartners:
    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[PartnerProfile]:
        keys = lambda _: Keys(tenant_key(self.tenant, "partner"), "profile", {})  # noqa: E731
        return Codec(self.tenant, keys, PartnerProfile, "partner_profile")

    def get(self) -> PartnerProfile | None:
        return self.codec.get(tenant_key(self.tenant, "partner"), "profile")

    def put(self, profile: PartnerProfile, stale: DomainError) -> None:
        condition = MarketplaceItem.revision == profile.revision
        if profile.revision == 0:
            condition = condition | MarketplaceItem.pk.does_not_exist()
        writes(self.uow).save(
            self.codec.item(profile, profile.revision + 1), condition=condition, on_conflict=stale
        )


@dataclass
class DynamoApps:
    """A partner's apps (``tenant`` = the partner organisation)."""

    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[App]:
        return Codec(self.tenant, _app_keys(self.tenant), App, "app")

    def get(self, app_id: str) -> App | None:
        return self.codec.get(tenant_key(self.tenant, "app", app_id), "app")

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.codec.index_page(1, tenant_key(self.tenant, "apps"), limit, cursor, newest_first=True)

    def add(self, app: App, taken: DomainError) -> None:
        self.codec.add(self.uow, app, taken)
        owner = Codec(
            SYSTEM, lambda o: Keys(tenant_key(SYSTEM, "app", o.app_id), "owner", {}), AppOwner, "app_owner"
        )
        owner.add(self.uow, AppOwner(app_id=app.id, partner=self.tenant), taken)

    def save(self, app: App, stale: DomainError) -> None:
        self.codec.replace(self.uow, app, stale)


@dataclass
class DynamoProvince:
    """The province's records of the marketplace (system tenant): app owners, review queue, catalogue."""

    uow: UnitOfWork | None
    tenant: str = SYSTEM

    @property
    def owners(self) -> Codec[AppOwner]:
        return Codec(
            SYSTEM, lambda o: Keys(tenant_key(SYSTEM, "app", o.app_id), "owner", {}), AppOwner, "app_owner"
        )

    @property
    def reviews(self) -> Codec[ReviewEntry]:
        def keys(r: ReviewEntry) -> Keys:
            return Keys(
                tenant_key(SYSTEM, "review", r.app_id),
                f"v{r.version}",
                {1: (tenant_key(SYSTEM, "reviews"), f"{r.submitted_at.isoformat()}#{r.app_id}#{r.version}")},
            )

        return Codec(SYSTEM, keys, ReviewEntry, "review")

    @property
    def entries(self) -> Codec[CatalogueEntry]:
        keys = lambda e: Keys(tenant_key(SYSTEM, "catalogue", e.app_id), "entry", {})  # noqa: E731
        return Codec(SYSTEM, keys, CatalogueEntry, "catalogue_entry")

    def owner(self, app_id: str) -> str | None:
        found = self.owners.get(tenant_key(SYSTEM, "app", app_id), "owner", consistent=False)
        return found.partner if found else None

    def review(self, app_id: str, version: int) -> ReviewEntry | None:
        return self.reviews.get(tenant_key(SYSTEM, "review", app_id), f"v{version}")

    def queue(self, limit: int, cursor: str | None) -> Page:
        return self.reviews.index_page(1, tenant_key(SYSTEM, "reviews"), limit, cursor)

    def enqueue(self, entry: ReviewEntry, taken: DomainError) -> None:
        self.reviews.add(self.uow, entry, taken)

    def dequeue(self, entry: ReviewEntry) -> None:
        self.reviews.delete(self.uow, entry)

    def entry(self, app_id: str) -> CatalogueEntry | None:
        return self.entries.get(tenant_key(SYSTEM, "catalogue", app_id), "entry", consistent=False)

    def entries_of(self, app_ids: list[str]) -> dict[str, CatalogueEntry]:
        """The catalogue entries of ``app_ids`` (one BatchGetItem)."""
        keys = [(tenant_key(SYSTEM, "catalogue", a), "entry") for a in dict.fromkeys(app_ids)]
        out: dict[str, CatalogueEntry] = {}
        for item in MarketplaceItem.batch_get(keys):
            if item.tenant == SYSTEM and item.entity == "catalogue_entry":
                entry = self.entries.record(item)
                out[entry.app_id] = entry
        return out

    def _summary(self, entry: CatalogueEntry, pk: str, sk: str) -> MarketplaceItem:
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
        return MarketplaceItem(pk, sk, entity="catalogue_summary", tenant=SYSTEM, data=json.dumps(summary))

    def list_app(self, entry: CatalogueEntry, before: CatalogueEntry | None) -> None:
        """The entry, its listing and its search tokens (the old ones the new name no longer has
        deleted), in the unit of work."""
        uow = writes(self.uow)
        uow.save(self.entries.item(entry, (before.revision + 1) if before else 0))
        uow.save(self._summary(entry, LISTING, entry.app_id))
        for token in entry.tokens:
            uow.save(self._summary(entry, SEARCH, f"{token}#{entry.app_id}"))
        for token in set(before.tokens if before else []) - set(entry.tokens):
            uow.delete(MarketplaceItem(SEARCH, f"{token}#{entry.app_id}"))

    def search(
        self, prefix: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, object]], str | None]:
        """One Query: the listing (no ``prefix``) or the search tokens starting with ``prefix``."""
        pk = SEARCH if prefix else LISTING
        condition = MarketplaceItem.sk.startswith(prefix) if prefix else None
        result = MarketplaceItem.query(
            pk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, pk),
        )
        items, next_cursor = one_page(MarketplaceItem, result)
        return [json.loads(i.data or "{}") for i in items if i.tenant == SYSTEM], next_cursor


__all__ = ["AppOwner", "DynamoApps", "DynamoPartners", "DynamoProvince"]
