"""The adapters scheduling's use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` and ``directory=``; left out, they are these DynamoDB ones, imported when
first asked for (a route module does not pay for PynamoDB models it does not use)."""

from __future__ import annotations

from chalicelib.scheduling.domain.period_ports import PeriodStore
from chalicelib.scheduling.domain.ports import Directory, Store, Transaction

from shared.auth import Principal
from shared.ids import new_id
from shared.persistence.uow import UnitOfWork

__all__ = [
    "consumer_period_store",
    "directory",
    "new_id",
    "period_store",
    "store",
    "tenant_period_store",
    "writer",
]


def store(tenant: str, uow: UnitOfWork | None = None) -> Store:
    from chalicelib.scheduling.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow)


def directory() -> Directory:
    from chalicelib.scheduling.adapters.dynamodb import DirectoryReadModel

    return DirectoryReadModel()


def writer(principal: Principal, request_id: str) -> tuple[Store, Transaction]:
    """A store whose writes go into a new unit of work (audited as ``principal``), and that unit."""
    from chalicelib.scheduling.adapters.dynamodb import DynamoStore

    uow = UnitOfWork("scheduling", principal, request_id)
    return DynamoStore(principal.tenant, uow), uow


def period_store(principal: Principal, request_id: str | None = None) -> PeriodStore:
    """The roster periods' store for a request: its writes are one unit of work (audited as the caller)."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    return PeriodDynamoStore(principal.tenant, UnitOfWork("scheduling", principal, request_id))


def consumer_period_store(tenant: str, uow: UnitOfWork) -> PeriodStore:
    """The roster periods' store inside a consumer's unit of work (with its inbox marker)."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    return PeriodDynamoStore(tenant, uow)


def tenant_period_store(tenant: str) -> PeriodStore:
    """The roster periods' store for work no person asked for over HTTP (a solve job): audited as the
    scheduling service."""
    from chalicelib.scheduling.adapters.periods import PeriodDynamoStore

    principal = Principal(tenant=tenant, user="service:scheduling", kind="service")
    return PeriodDynamoStore(tenant, UnitOfWork("scheduling", principal, None))
