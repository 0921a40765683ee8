"""Messaging's requests, responses and events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.events.envelope import EventType
from shared.personal import normalise_mobile

DepartmentKind = Literal["campus", "department", "ward", "team"]
NurseGrade = Literal["N0", "N1", "N2", "N3", "N4"]
ID = r"^[A-Za-z0-9_-]{1,64}$"
Id = Annotated[str, StringConstraints(pattern=ID)]  # an id inside a list, constrained in the schema too
TEXT: dict[str, Any] = {"min_length": 1, "max_length": 100, "pattern": r"\S"}  # not blank, said in the schema


def _clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _role_enum(schema: dict[str, Any]) -> None:
    """Documents the roles ``_known_roles`` accepts as the items' enum (so clients and fuzzers know)."""
    from chalicelib.messaging.domain import ROLES

    items = {"type": "string", "enum": sorted(ROLES)}
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            branch["items"] = items


def _known_roles(value: list[str]) -> list[str]:
    from chalicelib.messaging.domain import ROLES

    unknown = sorted(set(value) - ROLES)
    if unknown:
        raise ValueError("unknown roles: " + ", ".join(unknown))
    return sorted(set(value))


# What normalise_mobile accepts, said in the schema: 11 digits from 1[3-9], spaces/dashes, +86 or 86 first.
MOBILE_INPUT = r"^[ -]*(\+[ -]*8[ -]*6[ -]*|8[ -]*6[ -]*)?1[ -]*[3-9]([ -]*[0-9]){9}[ -]*$"


def _mobile(value: str | None) -> str | None:
    return normalise_mobile(value) if value is not None else None


class CreateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 心内科", **TEXT)
    kind: DepartmentKind = "department"
    parent_id: str | None = Field(None, pattern=ID)

    _name = field_validator("name")(_clean_name)


class UpdateDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version you read; a stale one is refused with 409", ge=1)
    name: str | None = Field(None, **TEXT)
    head_id: str | None = Field(None, pattern=ID, description="staff id of the head (科主任/护士长)")

    _name = field_validator("name")(lambda v: _clean_name(v) if v is not None else v)


class MoveDepartment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    parent_id: str | None = Field(None, pattern=ID, description="the new parent; null = top level")


class Department(BaseModel):
    id: str
    name: str
    kind: DepartmentKind
    parent_id: str | None
    head_id: str | None = None
    version: int
    created_at: datetime


class Certificate(BaseModel):
    """A licence or qualification (执业证书, 护士执业证, 资格证…); reminded 30 days before it expires."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=50)
    number: str = Field(min_length=1, max_length=64)
    valid_until: date


class CreateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 张三", **TEXT)
    employee_no: str = Field(description="工号, unique within the hospital", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    department_id: str = Field(pattern=ID)
    title: str | None = Field(None, description="职称, e.g. 主治医师", max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=_role_enum)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(
        None, description="stored encrypted; shown masked", max_length=20, pattern=MOBILE_INPUT
    )
    user_id: str | None = Field(
        None, description="the identity provider's subject for this person", max_length=128
    )
    certificates: list[Certificate] = Field(default_factory=list, max_length=20)

    _name = field_validator("name")(_clean_name)
    _roles = field_validator("roles")(_known_roles)
    _phone = field_validator("mobile")(_mobile)


class UpdateStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    name: str | None = Field(None, **TEXT)
    department_id: str | None = Field(None, pattern=ID)
    title: str | None = Field(None, max_length=50)
    nurse_grade: NurseGrade | None = None
    roles: list[str] | None = Field(None, max_length=20, json_schema_extra=_role_enum)
    supervisor_id: str | None = Field(None, pattern=ID)
    mobile: str | None = Field(None, max_length=20, pattern=MOBILE_INPUT)
    certificates: list[Certificate] | None = Field(None, max_length=20)

    _name = field_validator("name")(lambda v: _clean_name(v) if v is not None else v)
    _roles = field_validator("roles")(lambda v: _known_roles(v) if v is not None else v)
    _phone = field_validator("mobile")(_mobile)


class LeaveStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class Staff(BaseModel):
    id: str
    name: str
    employee_no: str
    department_id: str
    title: str | None
    nurse_grade: str | None = None
    roles: list[str]
    supervisor_id: str | None = None
    mobile: str | None = Field(None, description="masked, e.g. 138****5678")
    user_id: str | None = None
    certificates: list[Certificate] = Field(default_factory=list)
    status: str
    version: int
    created_at: datetime


class StaffQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)
    q: str | None = Field(
        None, min_length=1, max_length=50, description="name, pinyin (zhangsan), initials (zs) or 工号"
    )
    department_id: str | None = Field(None, pattern=ID)
    status: Literal["active", "on_leave", "left"] | None = None


class RevealedMobile(BaseModel):
    staff_id: str
    mobile: str | None


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_type: Literal["department", "staff"]
    resource_id: str = Field(pattern=ID)
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    request_id: str | None


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
STAFF_CREATED = EventType(
    "staff.created", "messaging", StaffChanged, description="A member of staff was added"
)
STAFF_UPDATED = EventType("staff.updated", "messaging", StaffChanged, description="A member of staff changed")
STAFF_LEFT = EventType(
    "staff.left", "messaging", StaffChanged, description="A member of staff left the hospital"
)
EVENT_TYPES: tuple[EventType, ...] = (
    DEPARTMENT_CREATED,
    DEPARTMENT_UPDATED,
    DEPARTMENT_MOVED,
    STAFF_CREATED,
    STAFF_UPDATED,
    STAFF_LEFT,
)


# --- work notifications -----------------------------------------------------------------------

MAX_RECIPIENTS = 10_000


class Recipients(BaseModel):
    """Who a notification is for; the union of everything named here (active staff only)."""

    model_config = ConfigDict(extra="forbid")

    staff_ids: list[Id] = Field(default_factory=list, max_length=1000)
    department_ids: list[Id] = Field(default_factory=list, max_length=100)
    include_sub_departments: bool = False
    roles: list[str] = Field(default_factory=list, max_length=20, json_schema_extra=_role_enum)
    on_duty_ward_id: str | None = Field(None, pattern=ID, description="whoever is on duty on this ward now")

    @field_validator("staff_ids", "department_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    _roles = field_validator("roles")(_known_roles)


class DingPolicy(BaseModel):
    """Escalation of an urgent (DING) notification while people have not acknowledged it."""

    model_config = ConfigDict(extra="forbid")

    sms_after_minutes: int = Field(5, ge=0, le=1440)
    call_after_minutes: int | None = Field(15, ge=0, le=1440, description="null: no call step")


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
    channel: Literal["sms", "call"]
    to: str | None = Field(None, description="masked number")
    status: Literal["sent", "failed", "skipped"]
    detail: str | None
    at: datetime


class Notification(BaseModel):
    id: str
    title: str
    body: str
    sender: str
    ack_required: bool
    ding: bool = False
    status: Literal["fanning_out", "delivered"]
    recipient_count: int
    delivered_count: int
    read_count: int
    ack_count: int
    created_at: datetime


class InboxItem(BaseModel):
    notification_id: str
    title: str
    sender: str
    ack_required: bool
    status: Literal["delivered", "read", "acknowledged"]
    created_at: datetime
    read_at: datetime | None = None
    acked_at: datetime | None = None


class RecipientStatus(BaseModel):
    staff_id: str
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


class NotificationSent(BaseModel):
    notification_id: str
    recipient_count: int


NOTIFICATION_SENT = EventType(
    "notification.sent", "messaging", NotificationSent, description="A work notification was sent"
)
EVENT_TYPES = (*EVENT_TYPES, NOTIFICATION_SENT)


# --- bulk import -------------------------------------------------------------------------------


class StartImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"]
    content_base64: str = Field(min_length=4, description="the file, base64-encoded")
    filename: str | None = Field(None, max_length=200)


class ImportJob(BaseModel):
    id: str
    status: Literal["queued", "running", "done"]
    filename: str | None
    total: int
    processed: int
    percent: int
    created: int
    updated: int
    unchanged: int
    created_at: datetime
    finished_at: datetime | None


class ImportRequested(BaseModel):
    job_id: str
    offset: int = 0


IMPORT_REQUESTED = EventType(
    "directory.import.requested", "messaging", ImportRequested, description="Import a slice of a staff file"
)
EVENT_TYPES = (*EVENT_TYPES, IMPORT_REQUESTED)


# --- conversations and sync --------------------------------------------------------------------

MAX_MEMBERS = 500
RECALL_SECONDS = 120


class StartConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["direct", "group"]
    member_ids: list[Id] = Field(min_length=1, max_length=MAX_MEMBERS, description="staff ids besides you")
    name: str | None = Field(None, max_length=100)
    consortium_id: str | None = Field(
        None, pattern=ID, description="a cross-hospital group (转诊群) inside this consortium"
    )
    guests: list[Guest] = Field(
        default_factory=list,
        max_length=50,
        description="staff of other member hospitals (with consortium_id)",
    )

    _ids = field_validator("member_ids")(lambda v: sorted(set(v)))


class Conversation(BaseModel):
    id: str
    kind: Literal["direct", "group", "department"]
    name: str | None
    member_ids: list[str] = Field(
        description="staff ids; members from other hospitals as hospital_id:staff_id"
    )
    consortium_id: str | None = None
    home_hospital_id: str | None = Field(None, description="the hospital holding a cross-hospital group")
    created_at: datetime


class PostMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    attachments: list[Id] = Field(
        default_factory=list, max_length=9, description="ids from POST …/attachments"
    )


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class AttachmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=100)
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)


class AttachmentTicket(BaseModel):
    attachment_id: str
    upload_url: str = Field(
        description="PUT the file here with the same Content-Type, within expires_in seconds"
    )
    expires_in: int


class AttachmentLink(BaseModel):
    attachment_id: str
    filename: str
    download_url: str
    expires_in: int


class Message(BaseModel):
    id: str
    conversation_id: str
    sender_id: str
    text: str | None = Field(description="null once recalled")
    attachments: list[str] = Field(default_factory=list)
    recalled: bool
    sent_at: datetime


class ReadUpTo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(pattern=ID)


class Receipt(BaseModel):
    staff_id: str
    read: bool


class SyncQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        None, pattern=r"^[0-9a-f]{1,64}$", description="next_cursor from your last sync"
    )
    limit: int = Field(100, ge=1, le=200)


class SyncItem(BaseModel):
    kind: Literal["notification", "message", "recall"]
    id: str = Field(description="the notification or message id")
    conversation_id: str | None = None
    title: str | None = None
    text: str | None = None
    sender: str
    at: datetime


class SyncPage(BaseModel):
    items: list[SyncItem]
    next_cursor: str = Field(description="pass it back next time; unchanged when nothing is new")


class RegisterDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Literal["fcm", "apns", "apns_sandbox", "baidu"]
    token: str = Field(min_length=8, max_length=4096)


class Device(BaseModel):
    device_id: str


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
EVENT_TYPES = (*EVENT_TYPES, CERTIFICATE_EXPIRING)


# --- consortium links (医共体/医联体) ----------------------------------------------------------------

ConsortiumKind = Literal["medical_community", "medical_alliance"]
HOSPITAL_ID = r"^[A-Za-z0-9_-]{1,64}$"


class CreateConsortium(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="e.g. 滨江区医共体", **TEXT)
    kind: ConsortiumKind = Field("medical_community", description="医共体 or 医联体")
    hospital_name: str = Field(description="your hospital's name as the members will see it", **TEXT)

    _name = field_validator("name", "hospital_name")(_clean_name)


class InviteHospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID, description="the invited hospital's tenant id")
    hospital_name: str | None = Field(
        None, description="how you know it; it names itself on accepting", **TEXT
    )


class AcceptInvitation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_name: str = Field(description="your hospital's name as the members will see it", **TEXT)

    _name = field_validator("hospital_name")(_clean_name)


class RemoveHospital(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID)


class Consortium(BaseModel):
    """A consortium as one hospital sees it: its own role and whether it has joined yet."""

    id: str
    name: str
    kind: ConsortiumKind
    lead_hospital_id: str
    my_role: Literal["lead", "member"]
    my_status: Literal["invited", "active"]
    since: datetime


class ConsortiumMember(BaseModel):
    """A hospital in a consortium: ids and names only (never anything about its staff)."""

    id: str = Field(description="the hospital's tenant id")
    hospital_name: str | None
    role: Literal["lead", "member"]
    status: Literal["invited", "active"]


class ConsortiumChanged(BaseModel):
    consortium_id: str
    lead_hospital_id: str
    hospital_id: str = Field(description="the hospital the change is about")


def _consortium_event(name: str, what: str) -> EventType:
    return EventType(f"consortium.{name}", "messaging", ConsortiumChanged, description=what)


CONSORTIUM_CREATED = _consortium_event("created", "A lead hospital created a consortium")
CONSORTIUM_INVITED = _consortium_event("invited", "A lead hospital invited another hospital")
CONSORTIUM_JOINED = _consortium_event("joined", "An invited hospital accepted")
CONSORTIUM_DECLINED = _consortium_event("declined", "An invited hospital declined")
CONSORTIUM_LEFT = _consortium_event("left", "A hospital left (or was removed from) a consortium")
EVENT_TYPES = (
    *EVENT_TYPES,
    CONSORTIUM_CREATED,
    CONSORTIUM_INVITED,
    CONSORTIUM_JOINED,
    CONSORTIUM_DECLINED,
    CONSORTIUM_LEFT,
)


# --- cross-hospital groups -----------------------------------------------------------------------


class Guest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID, description="a member hospital of the consortium")
    staff_id: str = Field(pattern=ID, description="a member of that hospital's staff")


class ConsortiumGroup(BaseModel):
    """A cross-hospital group in my list (its messages go through /conversations/{id})."""

    id: str
    name: str | None
    consortium_id: str
    home_hospital_id: str = Field(description="the hospital that holds the conversation")
    joined_at: datetime


StartConversation.model_rebuild()  # it names Guest, defined above it
