"""The marketplace on DynamoDB: one item shape for every record (its own table, ``gsi1`` for other paths).

**One item shape** (``MarketplaceItem``): the keys, ``state`` and ``revision`` as attributes (for
conditions), the record itself as JSON in ``data`` (a pydantic model of ``domain/``), and an index key
(gsi1) for its other access path. A feature's adapter is a ``Codec``: an entity name, how to key a
record, which model it is. Every key starts with a tenant: a hospital's (its installations), a partner
organisation's (its apps), or the province's catalogue, kept under the system tenant ``marketplace``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.marketplace.domain.ports import Page
from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from shared.auth import Principal
from shared.errors import DomainError
from shared.persistence.models import Gsi1, TenantItem, table_meta
from shared.persistence.paging import decode_cursor, one_page
from shared.persistence.uow import UnitOfWork

M = TypeVar("M", bound=BaseModel)
# The province's own records (the catalogue, client ids, the due deliveries) are kept under this tenant.
SYSTEM = "marketplace"


class MarketplaceItem(TenantItem):
    """Every marketplace record: keys, state and revision as attributes, the record as JSON."""

    ENTITY = "marketplace"
    Meta = table_meta("marketplace")
    state = UnicodeAttribute(null=True)
    revision = NumberAttribute(default=0)
    data = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    index1 = Gsi1()


INDEXES: dict[int, Any] = {1: MarketplaceItem.index1}


def writes(uow: UnitOfWork | None) -> UnitOfWork:
    if uow is None:
        raise RuntimeError("this store reads only: open it with a unit of work to write")
    return uow


@dataclass(frozen=True)
class Keys:
    """Where a record is stored: its key and its index keys (``{1: (gsi1pk, gsi1sk), …}``)."""

    pk: str
    sk: str
    indexes: Mapping[int, tuple[str, str]]
    state: str | None = None
    expires_at: int | None = None


class Codec(Generic[M]):
    """A record kind: its entity name, its model, and where a record of it is stored."""

    def __init__(self, tenant: str, keys: Callable[[M], Keys], model: type[M], entity: str):
        self.tenant = tenant
        self.keys = keys
        self.model = model
        self.entity_name = entity

    def item(self, record: M, revision: int) -> MarketplaceItem:
        keys = self.keys(record)
        if not (keys.pk.startswith(f"{self.tenant}#")):
            raise ValueError("a key must start with its tenant")
        item = MarketplaceItem(
            keys.pk,
            keys.sk,
            entity=self.entity_name,
            tenant=self.tenant,
            state=keys.state,
            revision=revision,
            data=record.model_dump_json(exclude={"revision"}),
            expires_at=keys.expires_at,
        )
        for n, (ipk, isk) in keys.indexes.items():
            setattr(item, f"gsi{n}pk", ipk)
            setattr(item, f"gsi{n}sk", isk)
        return item

    def record(self, item: MarketplaceItem) -> M:
        values = json.loads(item.data or "{}")
        if "revision" in self.model.model_fields:
            values["revision"] = int(item.revision or 0)
        return self.model.model_validate(values)

    def get(self, pk: str, sk: str, consistent: bool = True) -> M | None:
        try:
            item = MarketplaceItem.get(pk, sk, consistent_read=consistent)
        except DoesNotExist:
            return None
        if item.tenant != self.tenant or item.entity != self.entity_name:
            return None
        return self.record(item)

    def add(self, uow: UnitOfWork | None, record: M, taken: DomainError | None = None) -> None:
        """Create-only, staged; ``taken`` when the key is in use."""
        writes(uow).create(self.item(record, 0), on_conflict=taken)

    def replace(self, uow: UnitOfWork | None, record: M, stale: DomainError) -> None:
        """Replace if the stored revision is still the record's (staged); the new one is revision + 1."""
        revision = int(getattr(record, "revision", 0))
        writes(uow).save(
            self.item(record, revision + 1), condition=MarketplaceItem.revision == revision, on_conflict=stale
        )

    def delete(self, uow: UnitOfWork | None, record: M) -> None:
        keys = self.keys(record)
        writes(uow).delete(MarketplaceItem(keys.pk, keys.sk))

    def page(
        self,
        pk: str,
        limit: int,
        cursor: str | None,
        sk_prefix: str | None = None,
        newest_first: bool = False,
    ) -> Page:
        condition = MarketplaceItem.sk.startswith(sk_prefix) if sk_prefix else None
        result = MarketplaceItem.query(
            pk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, pk),
            scan_index_forward=not newest_first,
        )
        items, next_cursor = one_page(MarketplaceItem, result)
        return [self.record(i) for i in items if i.entity == self.entity_name], next_cursor

    def index_page(
        self,
        n: int,
        ipk: str,
        limit: int,
        cursor: str | None,
        sk_from: str | None = None,
        sk_to: str | None = None,
        newest_first: bool = False,
    ) -> Page:
        """One Query of index ``gsi<n>`` in partition ``ipk``, sort keys between the bounds (included)."""
        attr = getattr(MarketplaceItem, f"gsi{n}sk")
        condition = None
        if sk_from is not None and sk_to is not None:
            condition = attr.between(sk_from, sk_to)
        elif sk_from is not None:
            condition = attr >= sk_from
        elif sk_to is not None:
            condition = attr <= sk_to
        result = INDEXES[n].query(
            ipk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, ipk, pk_name=f"gsi{n}pk"),
            scan_index_forward=not newest_first,
        )
        items, next_cursor = one_page(MarketplaceItem, result)
        return [self.record(i) for i in items if i.tenant == self.tenant], next_cursor


@dataclass
class DynamoStore:
    """``Store`` on DynamoDB for one tenant; writes go into ``uow`` (none: a read-only store). Each
    feature adds its repositories as properties importing their adapter module on first use."""

    tenant: str
    uow: UnitOfWork | None = None
    principal: Principal | None = None
    request_id: str | None = None

    # ---- M1: partners, apps, the catalogue, installations, bundles ----------------------------------------

    @property
    def partners(self) -> Any:
        from chalicelib.marketplace.adapters.apps import DynamoPartners

        return DynamoPartners(self.tenant, self.uow)

    @property
    def apps(self) -> Any:
        from chalicelib.marketplace.adapters.apps import DynamoApps

        return DynamoApps(self.tenant, self.uow)

    @property
    def province(self) -> Any:
        from chalicelib.marketplace.adapters.apps import DynamoProvince

        return DynamoProvince(self.uow)

    @property
    def installations(self) -> Any:
        from chalicelib.marketplace.adapters.installations import DynamoInstallations

        return DynamoInstallations(self.tenant, self.uow)

    @property
    def partner_installations(self) -> Any:
        from chalicelib.marketplace.adapters.installations import DynamoPartnerInstallations

        return DynamoPartnerInstallations(self.tenant)

    @property
    def bundles(self) -> Any:
        from chalicelib.marketplace.adapters.installations import DynamoBundles

        return DynamoBundles(self.uow)

    def other(self, tenant: str) -> DynamoStore:
        """The same unit of work seen as ``tenant`` (a partner's records beside a hospital's)."""
        return DynamoStore(tenant, self.uow, self.principal, self.request_id)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        writes(self.uow).audit(action, resource_type, resource_id, before, after, tenant=self.tenant)

    def emit(self, event: Any) -> None:
        writes(self.uow).emit(event)

    def commit(self) -> None:
        writes(self.uow).commit()

    # --- webhooks ---
    @property
    def webhooks(self) -> Any:
        from chalicelib.marketplace.adapters.webhooks import DynamoWebhooks

        return DynamoWebhooks(self.tenant, self.uow)
