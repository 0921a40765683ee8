"""The events messaging publishes: their types and payloads live in the published catalog
(``shared.events.published.messaging``), where their consumers parse them with the same models;
``create_app(event_types=...)`` exports ``EVENT_TYPES`` from here, in the order they were declared."""

from __future__ import annotations

from shared.events.published.messaging import (
    CERTIFICATE_EXPIRING,
    CONSORTIUM_CREATED,
    CONSORTIUM_DECLINED,
    CONSORTIUM_INVITED,
    CONSORTIUM_JOINED,
    CONSORTIUM_LEFT,
    DEPARTMENT_CREATED,
    DEPARTMENT_MOVED,
    DEPARTMENT_REMOVED,
    DEPARTMENT_UPDATED,
    DING_ESCALATED,
    IMPORT_REQUESTED,
    MESSAGING_EVENTS,
    NOTIFICATION_ACKNOWLEDGED,
    NOTIFICATION_READ,
    NOTIFICATION_SENT,
    STAFF_CREATED,
    STAFF_LEFT,
    STAFF_UPDATED,
    CertificateExpiring,
    ConsortiumChanged,
    DepartmentChanged,
    DingEscalated,
    ImportRequested,
    NotificationReceipt,
    NotificationSent,
    StaffChanged,
)

EVENT_TYPES = MESSAGING_EVENTS

__all__ = [
    "CERTIFICATE_EXPIRING",
    "CONSORTIUM_CREATED",
    "CONSORTIUM_DECLINED",
    "CONSORTIUM_INVITED",
    "CONSORTIUM_JOINED",
    "CONSORTIUM_LEFT",
    "DEPARTMENT_CREATED",
    "DEPARTMENT_MOVED",
    "DEPARTMENT_REMOVED",
    "DEPARTMENT_UPDATED",
    "DING_ESCALATED",
    "EVENT_TYPES",
    "IMPORT_REQUESTED",
    "NOTIFICATION_ACKNOWLEDGED",
    "NOTIFICATION_READ",
    "NOTIFICATION_SENT",
    "STAFF_CREATED",
    "STAFF_LEFT",
    "STAFF_UPDATED",
    "CertificateExpiring",
    "ConsortiumChanged",
    "DepartmentChanged",
    "DingEscalated",
    "ImportRequested",
    "NotificationReceipt",
    "NotificationSent",
    "StaffChanged",
]
