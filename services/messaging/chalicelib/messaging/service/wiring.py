"""The adapters messaging's directory use cases run on unless a caller (a test) passes its own.

A use case takes ``store=`` (and, where it handles a mobile number, ``personal_data=``); left out, they
are these DynamoDB and KMS ones, imported when first asked for (a route module does not pay for the
adapters it does not use)."""

from __future__ import annotations

from chalicelib.messaging.domain.ports import DirectoryStore, PersonalData

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"


def open_store(principal: Principal, request_id: str | None = None) -> DirectoryStore:
    """The directory of the caller's hospital, with a fresh unit of work for one change."""
    from chalicelib.messaging.adapters.dynamodb import DynamoDirectoryStore

    return DynamoDirectoryStore(principal.tenant, UnitOfWork(SERVICE, principal, request_id))


def personal_data() -> PersonalData:
    from chalicelib.messaging.adapters.kms import KmsPersonalData

    return KmsPersonalData()
