"""Work notifications' requests and responses, DING policies and the alert log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.messaging.contracts.fields import ID, Id, known_roles, role_enum
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_RECIPIENTS = 10_000


class Recipients(BaseModel):
    """Who a notification is for; the union of everything named here (active staff only)."""

    model_config = ConfigDict(extra="forbid")

    staff_ids: list[Id] = Field(default_factory=list, max_length=1000)
    department_ids: list[Id] = Field(default_factory=list, max_length=100)
    include_sub_departments: bool = False
    roles: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=role_enum)
    on_duty_ward_id: str | None = Field(None, pattern=ID, description="whoever is on duty on this ward now")

    @field_validator("staff_ids", "department_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    _roles = field_validator("roles")(known_roles)


class DingPolicy(BaseModel):
    """Escalation of an urgent (DING) notification while people have not acknowledged it."""

    model_config = ConfigDict(extra="forbid")

    sms_after_minutes: int = Field(
        5, ge=0, le=1440, description="at least the hospital's minimum (default 5), unless emergency"
    )
    call_after_minutes: int | None = Field(
        15, ge=0, le=1440, description="null: no call step; at least the hospital's minimum (default 10)"
    )
    emergency: bool = Field(
        False, description="escalate without the minimum wait: only roles the hospital enabled for it"
    )


class SendNotification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=4000)
    to: Recipients
    ack_required: bool = Field(False, description="recipients must acknowledge, not only read")
    ding: DingPolicy | None = Field(None, description="urgent: requires acknowledgement and escalates")


class AlertRecord(BaseModel):
    notification_id: str
    staff_id: str
    name: str | None = Field(None, description="the person's display name when alerted")
    channel: Literal["sms", "call"]
    to: str | None = Field(None, description="masked number")
    status: Literal["sent", "failed", "skipped"]
    detail: str | None
    at: datetime


class Notification(BaseModel):
    """A notification: its recipients read it whole (and reading marks it read); the counts are the
    sender's and admins' view only (null for a recipient)."""

    id: str
    title: str
    body: str
    sender: str = Field(description="the sender's staff id (or the system, e.g. service:approvals)")
    sender_name: str | None = Field(None, description="as the directory named the sender")
    ack_required: bool
    ding: bool = False
    status: Literal["fanning_out", "delivered"]
    recipient_count: int | None = None
    delivered_count: int | None = None
    read_count: int | None = None
    ack_count: int | None = None
    my_status: Literal["delivered", "read", "acknowledged"] | None = Field(
        None, description="a recipient's own status (after this read)"
    )
    created_at: datetime


class InboxItem(BaseModel):
    notification_id: str
    title: str
    sender: str
    sender_name: str | None = Field(None, description="the sender's display name when it was sent")
    ack_required: bool
    status: Literal["delivered", "read", "acknowledged"]
    created_at: datetime
    read_at: datetime | None = None
    acked_at: datetime | None = None


class SentNotification(BaseModel):
    """One of my sent notifications with how far it has got (notifications cannot be recalled, so
    there is no recalled state to show)."""

    id: str
    title: str
    sent_at: datetime
    ack_required: bool
    ding: bool
    status: Literal["fanning_out", "delivered"]
    recipient_count: int
    delivered_count: int
    read_count: int
    ack_count: int


class RecipientStatus(BaseModel):
    staff_id: str
    name: str | None = Field(None, description="the recipient's display name when it was delivered")
    status: Literal["delivered", "read", "acknowledged"]
    read_at: datetime | None = None
    acked_at: datetime | None = None


class RecipientQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pending: Literal["read", "ack"] | None = Field(
        None, description="only those who have not read / acknowledged"
    )
    limit: int = Field(100, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class NotificationPolicyBody(BaseModel):
    """Who may notify whom, how urgently and how often, in this hospital (see docs/messaging.md)."""

    model_config = ConfigDict(extra="forbid")

    broadcast_roles: list[str] = Field(
        description="may notify any unit or a role hospital-wide", max_length=20, json_schema_extra=role_enum
    )
    ding_roles: list[str] = Field(
        description="may DING more than ding_many people", max_length=20, json_schema_extra=role_enum
    )
    emergency_roles: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="may send an emergency DING (no minimum wait before SMS and calls)",
        json_schema_extra=role_enum,
    )
    ding_many: int = Field(10, ge=1, le=10_000)
    max_named: int = Field(50, ge=1, le=1000, description="colleagues a non-broadcaster may name at once")
    sms_min_minutes: int = Field(5, ge=1, le=1440)
    call_min_minutes: int = Field(10, ge=1, le=1440)
    per_sender_per_hour: int = Field(30, ge=1, le=10_000)
    per_hospital_per_hour: int = Field(600, ge=1, le=100_000)
    daily_alerts: int = Field(2000, ge=0, le=1_000_000, description="SMS and calls a day, in all")

    _roles = field_validator("broadcast_roles", "ding_roles", "emergency_roles")(known_roles)


class NotificationPolicy(NotificationPolicyBody):
    model_config = ConfigDict(extra="ignore")

    updated_by: str | None = None
    updated_at: datetime | None = None
