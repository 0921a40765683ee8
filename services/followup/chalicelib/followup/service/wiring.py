"""The adapters follow-up's use cases run on unless a caller (a test) passes its own.

A use case takes ``store=``, ``directory=`` and ``vault=``; left out, they are these DynamoDB and KMS ones,
imported when first asked for (a route module does not pay for models it does not use)."""

from __future__ import annotations

from datetime import date

from chalicelib.followup.domain.ports import (
    Consortia,
    ConsultationPeers,
    Directory,
    DueTimers,
    ExpiredClaims,
    ExtensionsDue,
    Files,
    Hospitals,
    LinkLookup,
    Store,
    Vault,
)

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork


def store(principal: Principal, request_id: str | None = None) -> Store:
    """The store for a request: its writes are one unit of work audited as the caller, its reads of a
    patient audited in the patient's access log as the caller."""
    from chalicelib.followup.adapters.dynamodb import DynamoStore

    return DynamoStore(principal.tenant, UnitOfWork("followup", principal, request_id), principal, request_id)


def consumer_store(tenant: str, uow: UnitOfWork) -> Store:
    """The store inside a consumer's unit of work (with its inbox marker)."""
    from chalicelib.followup.adapters.dynamodb import DynamoStore

    return DynamoStore(tenant, uow, uow.principal, uow.request_id)


def directory() -> Directory:
    from chalicelib.followup.adapters.dynamodb import DirectoryReadModel

    return DirectoryReadModel()


def vault() -> Vault:
    from chalicelib.followup.adapters.kms import KmsVault

    return KmsVault()


def files() -> Files:
    from chalicelib.followup.adapters.s3 import S3Files

    return S3Files()


def hospitals() -> Hospitals:
    from chalicelib.followup.adapters.board import DynamoHospitals

    return DynamoHospitals()


def retention_due_everywhere(on: date, limit: int) -> list[tuple[str, str]]:
    """(tenant, patient id) of every hospital's patients whose retention ended by ``on`` (one Query)."""
    from chalicelib.followup.adapters.dynamodb import retention_due_everywhere as due

    return due(on, limit)


def expired_claims() -> ExpiredClaims:
    """Revisit claims past their hold, in every hospital (the sweep's system-wide index)."""
    from chalicelib.followup.adapters.revisits import DynamoExpiredClaims

    return DynamoExpiredClaims()


def system_store(tenant: str) -> Store:
    """A hospital's store for the timers (no caller: what they write is audited as the system)."""
    from chalicelib.followup.adapters.dynamodb import DynamoStore

    from shared.auth import Principal

    principal = Principal(tenant=tenant, user="system:followup", kind="service", staff_name="随访系统")
    return DynamoStore(tenant, UnitOfWork("followup", principal, None), principal, None)


def extensions_due() -> ExtensionsDue:
    """The lifelong enrolments to extend, across hospitals (the daily extension)."""
    from chalicelib.followup.adapters.intake import DynamoExtensionsDue

    return DynamoExtensionsDue()


def link_lookup() -> LinkLookup:
    """The tenant-free look-up of a patient link by its token's digest."""
    from chalicelib.followup.adapters.questionnaires import DynamoLinkLookup

    return DynamoLinkLookup()


def due_timers() -> DueTimers:
    """SLA timers due, in every hospital (the sweep's system-wide index)."""
    from chalicelib.followup.adapters.timers import DynamoDueTimers

    return DynamoDueTimers()


def consortia() -> Consortia:
    """The consortium read model (``shared.consortia``) and the hospitals' names."""
    from chalicelib.followup.adapters.referrals import ConsortiaReadModel

    return ConsortiaReadModel()


def consultation_peers() -> ConsultationPeers:
    """The consortium links and the on-duty roster a consultation consults."""
    from chalicelib.followup.adapters.consultations import ConsultationPeersReadModel

    return ConsultationPeersReadModel()
