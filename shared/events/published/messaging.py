"""Messaging's events: the directory's (thin — ids only; readers fetch the current record), work
notifications, imports, certificates and consortium links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.events.envelope import EventType


class DepartmentChanged(BaseModel):
    department_id: str
    parent_id: str | None = None


class StaffChanged(BaseModel):
    staff_id: str
    department_id: str


DEPARTMENT_CREATED = EventType(
    "department.created", "messaging", DepartmentChanged, description="A unit was added"
)
DEPARTMENT_UPDATED = EventType(
    "department.updated", "messaging", DepartmentChanged, description="A unit changed"
)
DEPARTMENT_MOVED = EventType("department.moved", "messaging", DepartmentChanged, description="A unit moved")
DEPARTMENT_REMOVED = EventType(
    "department.removed", "messaging", DepartmentChanged, description="An empty unit was removed"
)
STAFF_CREATED = EventType(
    "staff.created", "messaging", StaffChanged, description="A member of staff was added"
)
STAFF_UPDATED = EventType("staff.updated", "messaging", StaffChanged, description="A member of staff changed")
STAFF_LEFT = EventType(
    "staff.left", "messaging", StaffChanged, description="A member of staff left the hospital"
)
DEPARTMENT_CHANGES = {t.name: t for t in (DEPARTMENT_CREATED, DEPARTMENT_UPDATED, DEPARTMENT_MOVED)}
STAFF_CHANGES = {t.name: t for t in (STAFF_CREATED, STAFF_UPDATED, STAFF_LEFT)}


class NotificationSent(BaseModel):
    notification_id: str
    recipient_count: int
    ack_required: bool = Field(False, description="the recipients are asked to acknowledge it (DING too)")


NOTIFICATION_SENT = EventType(
    "notification.sent", "messaging", NotificationSent, description="A work notification was sent"
)


class NotificationReceipt(BaseModel):
    notification_id: str
    staff_id: str = Field(description="the recipient who read or acknowledged it")
    sent_at: datetime = Field(description="when the notification was sent (its day counts the receipt)")


NOTIFICATION_READ = EventType(
    "notification.read",
    "messaging",
    NotificationReceipt,
    description="A recipient read a work notification (the first read only)",
)
NOTIFICATION_ACKNOWLEDGED = EventType(
    "notification.acknowledged",
    "messaging",
    NotificationReceipt,
    description="A recipient acknowledged a work notification (the first acknowledgement only)",
)


class DingEscalated(BaseModel):
    notification_id: str
    staff_id: str = Field(description="the recipient who had not acknowledged")
    channel: Literal["sms", "phone"]


DING_ESCALATED = EventType(
    "ding.escalated",
    "messaging",
    DingEscalated,
    description="A DING no one acknowledged in time went to a recipient by SMS or a voice call",
)


class ImportRequested(BaseModel):
    job_id: str
    offset: int = 0
    # A job is previewed slice by slice when it is uploaded, and applied slice by slice once confirmed.
    phase: Literal["preview", "apply"] = "apply"


IMPORT_REQUESTED = EventType(
    "directory.import.requested",
    "messaging",
    ImportRequested,
    description="Preview or apply a slice of a staff file",
)


class CertificateExpiring(BaseModel):
    staff_id: str
    certificate_type: str
    valid_until: date


CERTIFICATE_EXPIRING = EventType(
    "certificate.expiring",
    "messaging",
    CertificateExpiring,
    description="A certificate expires within 30 days",
)


class ConsortiumChanged(BaseModel):
    consortium_id: str
    lead_hospital_id: str
    hospital_id: str = Field(description="the hospital the change is about")


def _consortium_event(name: str, what: str) -> EventType[ConsortiumChanged]:
    return EventType(f"consortium.{name}", "messaging", ConsortiumChanged, description=what)


CONSORTIUM_CREATED = _consortium_event("created", "A lead hospital created a consortium")
CONSORTIUM_INVITED = _consortium_event("invited", "A lead hospital invited another hospital")
CONSORTIUM_JOINED = _consortium_event("joined", "An invited hospital accepted")
CONSORTIUM_DECLINED = _consortium_event("declined", "An invited hospital declined")
CONSORTIUM_LEFT = _consortium_event("left", "A hospital left (or was removed from) a consortium")

# Every type messaging publishes, in the order its schemas are listed.
MESSAGING_EVENTS: tuple[EventType[Any], ...] = (
    DEPARTMENT_CREATED,
    DEPARTMENT_UPDATED,
    DEPARTMENT_MOVED,
    STAFF_CREATED,
    STAFF_UPDATED,
    STAFF_LEFT,
    NOTIFICATION_SENT,
    IMPORT_REQUESTED,
    CERTIFICATE_EXPIRING,
    CONSORTIUM_CREATED,
    CONSORTIUM_INVITED,
    CONSORTIUM_JOINED,
    CONSORTIUM_DECLINED,
    CONSORTIUM_LEFT,
    DEPARTMENT_REMOVED,  # the catalog lists schemas in the order they were added
    NOTIFICATION_READ,
    NOTIFICATION_ACKNOWLEDGED,
    DING_ESCALATED,
)
