"""The adapters the reports use cases run on unless a caller (a test) passes its own, imported when first
asked for (a route module does not pay for models it does not use)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from chalicelib.reports.domain.ports import DaysAcross, Directory, Files, HistoryExport, Store
from chalicelib.reports.domain.sources import zone_of

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork


def store(principal: Principal, request_id: str | None = None, tenant: str | None = None) -> Store:
    """The store of ``tenant`` (the caller's by default) for a request: its writes are one unit of work
    audited as the caller."""
    from chalicelib.reports.adapters.dynamodb import DynamoStore

    return DynamoStore(
        tenant or principal.tenant, UnitOfWork("reports", principal, request_id), principal, request_id
    )


def consumer_store(tenant: str, uow: UnitOfWork) -> Store:
    """The store inside a consumer's unit of work (with its inbox marker)."""
    from chalicelib.reports.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow, uow.principal, uow.request_id)


def reader(tenant: str) -> Store:
    """A read-only store of ``tenant`` (the consortium view reads its members' days)."""
    from chalicelib.reports.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant)


def sweep_store(tenant: str) -> Store:
    """The store of a timer's work in ``tenant`` (no caller: nothing audited, its events emitted)."""
    from chalicelib.reports.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, UnitOfWork("reports"))


def directory() -> Directory:
    """The hospitals and their staff (the shared directory read model)."""
    from chalicelib.reports.adapters.morning import DirectoryReadModel

    return DirectoryReadModel()


def across() -> DaysAcross:
    """Several hospitals' days in one read (the consortium view of a lead hospital)."""
    from chalicelib.reports.adapters.dynamodb import DynamoDaysAcross

    return DynamoDaysAcross()


def files() -> Files:
    """The attachments bucket (``shared.files``)."""
    from chalicelib.reports.adapters.s3 import S3Files

    return S3Files()


def history() -> HistoryExport:
    """The reports table's point-in-time export to the history bucket."""
    from chalicelib.reports.adapters.history import DynamoHistoryExport

    return DynamoHistoryExport()


def zone(tenant: str) -> ZoneInfo:
    """The hospital's time zone (``Asia/Shanghai`` when the directory has none): its days are in it."""
    from chalicelib.reports.adapters.dynamodb import hospital_zone

    return zone_of(hospital_zone(tenant))
