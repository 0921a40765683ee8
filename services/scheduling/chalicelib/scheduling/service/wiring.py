"""The adapters scheduling's use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` and ``directory=``; left out, they are these DynamoDB ones, imported when
first asked for (a route module does not pay for PynamoDB models it does not use)."""

from __future__ import annotations

from chalicelib.scheduling.domain.ports import Directory, Store, Transaction

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork


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
