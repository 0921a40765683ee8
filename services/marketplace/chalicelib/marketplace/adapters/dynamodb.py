"""The marketplace on DynamoDB: one item shape for every record (its own table, ``gsi1`` for other paths).

**One item shape** (``MarketplaceItem``): the keys, ``state`` and ``revision`` as attributes (for
conditions), the record itself as JSON in ``data`` (a pydantic model of ``domain/``), and an index key
(gsi1) for its other access path. A feature's adapter is a ``Codec``: an entity name, how to key a
record, which model it is. Every key starts with a tenant: a hospital's (its installations), a partner
organisation's (its apps), or the province's catalogue, kept under the system tenant ``marketplace``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.auth import Principal
from shared.persistence.models import Gsi1, TenantItem, table_meta
from shared.persistence.records import Codec as RecordCodec

# the features' adapters key and write their records with these (re-exported)
from shared.persistence.records import Keys as Keys
from shared.persistence.records import writes as writes
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


class Codec(RecordCodec[M]):
    """A record kind of this table (``shared.persistence.records``)."""

    item_class = MarketplaceItem
    indexes = INDEXES


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
