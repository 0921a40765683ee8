"""The adapters the marketplace's use cases run on unless a caller (a test) passes its own, imported
when first asked for (a route module does not pay for models it does not use)."""

from __future__ import annotations

from chalicelib.marketplace.domain.ports import AppsStore, Store

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork


def store(principal: Principal, request_id: str | None = None, tenant: str | None = None) -> Store:
    """The store of ``tenant`` (the caller's by default) for a request: its writes are one unit of work
    audited as the caller."""
    from chalicelib.marketplace.adapters.dynamodb import DynamoStore

    return DynamoStore(
        tenant or principal.tenant, UnitOfWork("marketplace", principal, request_id), principal, request_id
    )


def consumer_store(tenant: str, uow: UnitOfWork) -> Store:
    """The store inside a consumer's unit of work (with its inbox marker)."""
    from chalicelib.marketplace.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow, uow.principal, uow.request_id)


def apps_store(principal: Principal, request_id: str | None = None, tenant: str | None = None) -> AppsStore:
    """``store`` as the partners, apps, catalogue and installations use cases see it."""
    from chalicelib.marketplace.adapters.dynamodb import DynamoStore

    return DynamoStore(
        tenant or principal.tenant, UnitOfWork("marketplace", principal, request_id), principal, request_id
    )


# --- webhooks ---
def due_deliveries() -> object:
    """The system-wide due index of webhook deliveries."""
    from chalicelib.marketplace.adapters.webhooks import DynamoDueDeliveries

    return DynamoDueDeliveries()


def sender() -> object:
    """The one thing that POSTs (``adapters/http.py``)."""
    from chalicelib.marketplace.adapters.http import HttpSender

    return HttpSender()


def standing(tenant: str) -> list[object]:
    """The hospital's installations' standing (one Query of ``<hospital>#app-standing``)."""
    from shared.installations import standings

    return list(standings(tenant))
