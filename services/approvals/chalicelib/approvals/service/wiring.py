"""The adapters approvals' use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` and ``directory=``; left out, they are these DynamoDB ones, imported when
first asked for (a route module does not pay for PynamoDB models it does not use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.approvals.domain.ports import Directory, DueTimers, Files, Store

from shared.auth import Principal

if TYPE_CHECKING:
    from shared.persistence.uow import UnitOfWork


def store(principal: Principal, request_id: str | None = None) -> Store:
    """The principal's hospital's store; its writes, events and audit are one transaction per ``with``."""
    from chalicelib.approvals.adapters.dynamodb import DynamoStore

    return DynamoStore(principal, request_id)


def consumer_store(principal: Principal, uow: UnitOfWork) -> Store:
    """The store of a consumer's use case: acting as ``principal``, its writes join the consumer's unit
    of work (with the event's inbox marker) and land when the consumer commits."""
    from chalicelib.approvals.adapters.dynamodb import DynamoStore

    return DynamoStore(principal, uow.request_id, consumer=uow)


def directory(tenant: str) -> Directory:
    from chalicelib.approvals.adapters.directory import DirectoryAdapter

    return DirectoryAdapter(tenant)


def due_timers() -> DueTimers:
    from chalicelib.approvals.adapters.dynamodb import DynamoDueTimers

    return DynamoDueTimers()


def files() -> Files:
    """Files in the province's attachments bucket, through presigned URLs."""
    from chalicelib.approvals.adapters.s3 import S3Files

    return S3Files()
