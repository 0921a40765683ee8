"""The adapters messaging's directory and notification use cases run on unless a caller (a test)
passes its own.

A use case takes ``store=`` (and, where it handles a mobile number, ``personal_data=``; where it pushes,
``push=``; where it presigns a file, ``files=``); left out, they are these DynamoDB, KMS, SNS and S3 ones,
imported when first asked for (a route module does not pay for the adapters it does not use)."""

from __future__ import annotations

from chalicelib.messaging.domain.alerts import AlertChannel
from chalicelib.messaging.domain.ports import (
    CertificateSweep,
    ConsortiumStore,
    ConversationStore,
    DepartmentGroupStore,
    DeviceStore,
    DingStore,
    DirectoryStore,
    Files,
    ImportStore,
    NotificationStore,
    PersonalData,
    Push,
    PushEndpoints,
)

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


def open_notifications(principal: Principal, request_id: str | None = None) -> NotificationStore:
    """The work notifications of the caller's hospital, with a fresh unit of work for one change."""
    from chalicelib.messaging.adapters.dynamodb import DynamoNotificationStore

    return DynamoNotificationStore(principal.tenant, UnitOfWork(SERVICE, principal, request_id))


def consumer_notifications(tenant: str, uow: UnitOfWork) -> NotificationStore:
    """The work notifications of an event's hospital, on the consumer's unit of work (it commits)."""
    from chalicelib.messaging.adapters.dynamodb import DynamoNotificationStore

    return DynamoNotificationStore(tenant, uow)


class _DevicePush:
    """``Push`` through the registered devices' SNS endpoints (``service/devices.py``)."""

    def notify(self, tenant: str, staff_ids: list[str], title: str, kind: str) -> int:
        from chalicelib.messaging.service import devices

        return devices.notify(tenant, staff_ids, title, kind)


def push() -> Push:
    return _DevicePush()


def ding_store() -> DingStore:
    """The DING timers and alert log, across hospitals (the sweep's due index is system-wide)."""
    from chalicelib.messaging.adapters.dynamodb import DynamoDingStore

    return DynamoDingStore()


def alert_channel() -> AlertChannel:
    """SMS through SNS, calls through Pinpoint."""
    from chalicelib.messaging.adapters.sns import AwsChannel

    return AwsChannel()


# --- conversations --------------------------------------------------------------------------------


def open_conversations(principal: Principal, request_id: str | None = None) -> ConversationStore:
    """Conversations as the caller sees them (their hospital's, and cross-hospital groups they are in),
    with a fresh unit of work for starting one."""
    from chalicelib.messaging.adapters.dynamodb import DynamoConversationStore

    return DynamoConversationStore(principal.tenant, UnitOfWork(SERVICE, principal, request_id))


def consumer_conversations(tenant: str, uow: UnitOfWork) -> ConversationStore:
    """Conversations for a consumer of ``tenant``'s events, on the consumer's unit of work."""
    from chalicelib.messaging.adapters.dynamodb import DynamoConversationStore

    return DynamoConversationStore(tenant, uow)


def files() -> Files:
    """Attachments in S3, through presigned URLs."""
    from chalicelib.messaging.adapters.s3 import S3Files

    return S3Files()


# --- push devices ---------------------------------------------------------------------------------


def device_store(tenant: str) -> DeviceStore:
    """The registered phones of the hospital's staff."""
    from chalicelib.messaging.adapters.dynamodb import DynamoDeviceStore

    return DynamoDeviceStore(tenant)


def push_endpoints() -> PushEndpoints:
    """SNS platform endpoints."""
    from chalicelib.messaging.adapters.sns import SnsPushEndpoints

    return SnsPushEndpoints()


# --- consortia, department groups, imports, the certificate sweep ---------------------------------


def open_consortia(principal: Principal, request_id: str | None = None) -> ConsortiumStore:
    """Consortium links and rosters as the caller's hospital sees them, with a fresh unit of work."""
    from chalicelib.messaging.adapters.dynamodb import DynamoConsortiumStore

    return DynamoConsortiumStore(principal.tenant, UnitOfWork(SERVICE, principal, request_id))


def consumer_department_groups(tenant: str, uow: UnitOfWork) -> DepartmentGroupStore:
    """The department groups of an event's hospital, on the consumer's unit of work (it commits)."""
    from chalicelib.messaging.adapters.dynamodb import DynamoDepartmentGroupStore

    return DynamoDepartmentGroupStore(tenant, uow)


def open_imports(principal: Principal, request_id: str | None = None) -> ImportStore:
    """The import jobs of the caller's hospital, with a fresh unit of work for one change."""
    from chalicelib.messaging.adapters.dynamodb import DynamoImportStore

    return DynamoImportStore(principal.tenant, UnitOfWork(SERVICE, principal, request_id))


def consumer_imports(tenant: str, uow: UnitOfWork) -> ImportStore:
    """The import jobs of an event's hospital, on the consumer's unit of work (it commits)."""
    from chalicelib.messaging.adapters.dynamodb import DynamoImportStore

    return DynamoImportStore(tenant, uow)


def certificate_sweep() -> CertificateSweep:
    """The certificate reminders' due index, across hospitals."""
    from chalicelib.messaging.adapters.dynamodb import DynamoCertificateSweep

    return DynamoCertificateSweep()
