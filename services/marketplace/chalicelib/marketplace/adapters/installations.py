"""Installations, their credentials and standing, the partner's view of them, and bundles on DynamoDB.

Keys (every one starts with a tenant):

- an installation: ``<hospital>#installation#<id>`` / ``installation``, on the hospital's list
  ``gsi1pk = <hospital>#installations``, ``gsi1sk = <installed_at>#<id>``; its client credentials in
  the same partition (``credentials``), so the token endpoint reads both with one Query; its token
  requests of the minute counted there too (``token-rate#<minute>``, expiring);
- one installation per app per hospital: ``<hospital>#app-install#<app_id>`` / ``claim`` (create-only,
  deleted with the uninstall);
- the standing every service reads (``shared.installations.StandingItem``), written with each change;
- the partner's view: ``<partner>#app#<app_id>#installations`` / ``<hospital>#<installation id>``;
- a bundle: ``marketplace#bundle#<id>`` / ``bundle``, on ``gsi1pk = marketplace#bundles``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from chalicelib.marketplace.adapters.dynamodb import SYSTEM, Codec, Keys, MarketplaceItem, writes
from chalicelib.marketplace.domain.installations import Bundle, Credentials, Installation, PartnerInstallation
from chalicelib.marketplace.domain.ports import Page
from pydantic import BaseModel

from shared.errors import DomainError, RateLimited
from shared.installations import StandingItem
from shared.persistence.models import tenant_key
from shared.persistence.uow import UnitOfWork


class Where(BaseModel):
    """Which hospital an installation of the partner's app is in (kept under the partner)."""

    tenant: str
    app_id: str
    installation_id: str


class ClaimRecord(BaseModel):
    app_id: str
    installation_id: str


def _partition(tenant: str, installation_id: str) -> str:
    return tenant_key(tenant, "installation", installation_id)


@dataclass
class DynamoInstallations:
    """A hospital's installations (``tenant`` = the hospital)."""

    tenant: str
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Installation]:
        def keys(i: Installation) -> Keys:
            return Keys(
                _partition(self.tenant, i.id),
                "installation",
                {1: (tenant_key(self.tenant, "installations"), f"{i.installed_at.isoformat()}#{i.id}")},
                state=i.status,
            )

        return Codec(self.tenant, keys, Installation, "installation")

    @property
    def credentials_codec(self) -> Codec[Credentials]:
        keys = lambda c: Keys(_partition(self.tenant, c.installation_id), "credentials", {})  # noqa: E731
        return Codec(self.tenant, keys, Credentials, "credentials")

    @property
    def claims(self) -> Codec[ClaimRecord]:
        keys = lambda c: Keys(tenant_key(self.tenant, "app-install", c.app_id), "claim", {})  # noqa: E731
        return Codec(self.tenant, keys, ClaimRecord, "installation_claim")

    def get(self, installation_id: str) -> Installation | None:
        return self.codec.get(_partition(self.tenant, installation_id), "installation")

    def of_app(self, app_id: str) -> str | None:
        """The id of the hospital's current installation of ``app_id``, if any (one GetItem)."""
        claim = self.claims.get(tenant_key(self.tenant, "app-install", app_id), "claim", consistent=False)
        return claim.installation_id if claim else None

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.codec.index_page(
            1, tenant_key(self.tenant, "installations"), limit, cursor, newest_first=True
        )

    def with_credentials(self, installation_id: str) -> tuple[Installation | None, Credentials | None]:
        """The installation and its credentials: one Query of its partition."""
        found: Installation | None = None
        creds: Credentials | None = None
        for item in MarketplaceItem.query(
            _partition(self.tenant, installation_id),
            MarketplaceItem.sk.between("credentials", "installation"),
        ):
            if item.tenant != self.tenant:
                continue
            if item.entity == "installation":
                found = self.codec.record(item)
            elif item.entity == "credentials":
                creds = self.credentials_codec.record(item)
        return found, creds

    def hospital_name(self) -> str:
        """The hospital's name as the province onboarded it (one GetItem on the directory), else its id."""
        from shared.directory import hospital

        found = hospital(self.tenant)
        return str(found.name) if found is not None and found.name else self.tenant

    def usage(self, installation_id: str, start: str, end: str) -> list[tuple[str, int]]:
        from shared.installations import usage

        return usage(self.tenant, installation_id, start, end)

    def _standing(self, i: Installation) -> StandingItem:
        return StandingItem.new(
            self.tenant,
            i.id,
            app_id=i.app_id,
            app_name=i.app_name,
            partner=i.partner,
            status=i.status,
            scopes=list(i.scopes),
            not_before=i.not_before,
            updated_at=i.consented_at if i.status == "active" else (i.uninstalled_at or i.consented_at),
        )

    def _partner_view(self, i: Installation) -> MarketplaceItem:
        view = PartnerInstallation(
            installation_id=i.id,
            tenant=self.tenant,
            hospital_name=i.hospital_name,
            app_id=i.app_id,
            version=i.version,
            status=i.status,
            installed_at=i.installed_at,
        )
        return MarketplaceItem(
            tenant_key(i.partner, "app", i.app_id, "installations"),
            f"{self.tenant}#{i.id}",
            entity="partner_installation",
            tenant=i.partner,
            data=view.model_dump_json(),
        )

    def add(self, i: Installation, taken: DomainError) -> None:
        """The installation, its claim (one per app), its standing and the partner's list entry."""
        self.claims.add(self.uow, ClaimRecord(app_id=i.app_id, installation_id=i.id), taken)
        self.codec.add(self.uow, i, taken)
        uow = writes(self.uow)
        uow.save(self._standing(i))
        uow.save(self._partner_view(i))
        pointer = Where(tenant=self.tenant, app_id=i.app_id, installation_id=i.id)
        uow.save(
            MarketplaceItem(
                tenant_key(i.partner, "inst-of", i.id),
                "where",
                entity="installation_pointer",
                tenant=i.partner,
                data=pointer.model_dump_json(),
            )
        )

    def save(self, i: Installation, stale: DomainError, revoke: bool = False) -> None:
        """The installation changed (upgrade, uninstall, credentials revoked): its standing and the
        partner's view follow; an uninstall frees the app's claim; an uninstall or a revocation drops
        the credentials."""
        self.codec.replace(self.uow, i, stale)
        uow = writes(self.uow)
        uow.save(self._standing(i))
        uow.save(self._partner_view(i))
        if revoke:
            uow.delete(MarketplaceItem(_partition(self.tenant, i.id), "credentials"))
        if i.status == "uninstalled":
            uow.delete(MarketplaceItem(tenant_key(self.tenant, "app-install", i.app_id), "claim"))
            uow.delete(MarketplaceItem(_partition(self.tenant, i.id), "credentials"))

    def put_credentials(self, creds: Credentials, stale: DomainError) -> None:
        condition = MarketplaceItem.revision == creds.revision
        if creds.revision == 0:
            condition = condition | MarketplaceItem.pk.does_not_exist()
        item = self.credentials_codec.item(creds, creds.revision + 1)
        writes(self.uow).save(item, condition=condition, on_conflict=stale)

    def count_token_request(self, installation_id: str, at: datetime, limit: int) -> None:
        """One UpdateItem: the client's token requests this minute; ``RateLimited`` past ``limit``."""
        from pynamodb.exceptions import UpdateError

        minute = at.strftime("%Y%m%d%H%M")
        item = MarketplaceItem(_partition(self.tenant, installation_id), f"token-rate#{minute}")
        try:
            item.update(
                actions=[
                    MarketplaceItem.revision.add(1),
                    MarketplaceItem.entity.set("token_rate"),
                    MarketplaceItem.tenant.set(self.tenant),
                    MarketplaceItem.expires_at.set(int(time.time()) + 3600),
                ],
                condition=MarketplaceItem.revision.does_not_exist() | (MarketplaceItem.revision < limit),
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise RateLimited(f"at most {limit} token requests a minute", 60 - at.second) from exc
            raise


@dataclass
class DynamoPartnerInstallations:
    """A partner's view of where its app is installed (``tenant`` = the partner)."""

    tenant: str

    def where(self, installation_id: str) -> tuple[str, str] | None:
        """(hospital, app id) of an installation of one of the partner's apps (one GetItem)."""
        keys = lambda _: Keys("", "", {})  # noqa: E731 - written by DynamoInstallations.add
        found = Codec(self.tenant, keys, Where, "installation_pointer").get(
            tenant_key(self.tenant, "inst-of", installation_id), "where", consistent=False
        )
        return (found.tenant, found.app_id) if found else None

    def page(self, app_id: str, limit: int, cursor: str | None) -> Page:
        keys = lambda _: Keys("", "", {})  # noqa: E731 - read only
        codec = Codec(self.tenant, keys, PartnerInstallation, "partner_installation")
        return codec.page(tenant_key(self.tenant, "app", app_id, "installations"), limit, cursor)


@dataclass
class DynamoBundles:
    uow: UnitOfWork | None

    @property
    def codec(self) -> Codec[Bundle]:
        def keys(b: Bundle) -> Keys:
            return Keys(
                tenant_key(SYSTEM, "bundle", b.id),
                "bundle",
                {1: (tenant_key(SYSTEM, "bundles"), f"{b.created_at.isoformat()}#{b.id}")},
            )

        return Codec(SYSTEM, keys, Bundle, "bundle")

    def get(self, bundle_id: str) -> Bundle | None:
        return self.codec.get(tenant_key(SYSTEM, "bundle", bundle_id), "bundle", consistent=False)

    def add(self, bundle: Bundle, taken: DomainError) -> None:
        self.codec.add(self.uow, bundle, taken)

    def page(self, limit: int, cursor: str | None) -> Page:
        return self.codec.index_page(1, tenant_key(SYSTEM, "bundles"), limit, cursor)


__all__ = [
    "Bundle",
    "DynamoBundles",
    "DynamoInstallations",
    "DynamoPartnerInstallations",
    "PartnerInstallation",
]
