"""Messaging's HTTP routes: thin — validate, call the service layer, return its model."""

from __future__ import annotations

from chalicelib.messaging import consortia, conversations, ding, imports, notifications, push, service
from chalicelib.messaging.contracts.consortia import (
    AcceptInvitation,
    Consortium,
    ConsortiumGroup,
    ConsortiumMember,
    CreateConsortium,
    InviteHospital,
    RemoveHospital,
)
from chalicelib.messaging.contracts.conversations import (
    AttachmentLink,
    AttachmentRequest,
    AttachmentTicket,
    Conversation,
    Message,
    PostMessage,
    ReadUpTo,
    Receipt,
    StartConversation,
    SyncPage,
    SyncQuery,
)
from chalicelib.messaging.contracts.devices import Device, RegisterDevice
from chalicelib.messaging.contracts.directory import (
    AuditEntry,
    AuditQuery,
    CreateDepartment,
    CreateStaff,
    Department,
    LeaveStaff,
    MoveDepartment,
    RevealedMobile,
    Staff,
    StaffQuery,
    UpdateDepartment,
    UpdateStaff,
)
from chalicelib.messaging.contracts.imports import ImportJob, StartImport
from chalicelib.messaging.contracts.notifications import (
    AlertRecord,
    InboxItem,
    Notification,
    RecipientQuery,
    RecipientStatus,
    SendNotification,
)
from chalicelib.messaging.domain import directory as domain

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}
CHANGE = {"GetItem": 1, "TransactWriteItems": 1}
# A member of a cross-hospital group reaches it through their pointer, their hospital's and the home
# hospital's consortium links and the conversation in its home hospital: up to four GetItems more.
REACH = 4


@api.route(
    "/departments",
    "POST",
    summary="Create a department, campus, ward or team",
    body=CreateDepartment,
    response=Department,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1, "GetItem": 1},
)
def create_department(ctx: RequestContext, body: CreateDepartment) -> Department:
    return service.create_department(ctx.principal, body, ctx.request_id)


@api.route(
    "/departments", summary="List departments", query=ListQuery, response=Page[Department], budget=LIST
)
def list_departments(ctx: RequestContext, query: ListQuery) -> Page[Department]:
    return service.list_departments(ctx.principal, query.limit, query.cursor)


@api.route("/departments/{department_id}", summary="Get a department", response=Department, budget=GET)
def get_department(ctx: RequestContext, department_id: str) -> Department:
    return service.get_department(ctx.principal, department_id)


@api.route(
    "/departments/{department_id}",
    "PATCH",
    summary="Rename a unit or set its head",
    body=UpdateDepartment,
    response=Department,
    roles=ADMIN,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def update_department(ctx: RequestContext, department_id: str, body: UpdateDepartment) -> Department:
    return service.update_department(ctx.principal, department_id, body, ctx.request_id)


@api.route(
    "/departments/{department_id}/move",
    "POST",
    summary="Move a unit under another (or to the top)",
    body=MoveDepartment,
    response=Department,
    roles=ADMIN,
    budget={"GetItem": 2 + domain.MAX_DEPTH, "TransactWriteItems": 1},
)
def move_department(ctx: RequestContext, department_id: str, body: MoveDepartment) -> Department:
    return service.move_department(ctx.principal, department_id, body, ctx.request_id)


@api.route(
    "/staff",
    "POST",
    summary="Add a member of staff",
    body=CreateStaff,
    response=Staff,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1},
)
def create_staff(ctx: RequestContext, body: CreateStaff) -> Staff:
    return service.create_staff(ctx.principal, body, ctx.request_id)


@api.route(
    "/staff",
    summary="List or search staff (name, pinyin, initials, 工号; by department, status)",
    query=StaffQuery,
    response=Page[Staff],
    budget=LIST,
)
def list_staff(ctx: RequestContext, query: StaffQuery) -> Page[Staff]:
    return service.list_staff(ctx.principal, query)


@api.route(
    "/staff/me/colleagues",
    summary="Active staff of my department",
    query=ListQuery,
    response=Page[Staff],
    budget={"Query": 2},
)
def my_colleagues(ctx: RequestContext, query: ListQuery) -> Page[Staff]:
    return service.my_colleagues(ctx.principal, query.limit, query.cursor)


@api.route("/staff/{staff_id}", summary="Get a member of staff", response=Staff, budget=GET)
def get_staff(ctx: RequestContext, staff_id: str) -> Staff:
    return service.get_staff(ctx.principal, staff_id)


@api.route(
    "/staff/{staff_id}",
    "PATCH",
    summary="Change a member of staff (department move, roles, supervisor…)",
    body=UpdateStaff,
    response=Staff,
    roles=ADMIN,
    budget=CHANGE,
)
def update_staff(ctx: RequestContext, staff_id: str, body: UpdateStaff) -> Staff:
    return service.update_staff(ctx.principal, staff_id, body, ctx.request_id)


@api.route(
    "/staff/{staff_id}/leave",
    "POST",
    summary="Record that someone left (keeps history, revokes roles)",
    body=LeaveStaff,
    response=Staff,
    roles=ADMIN,
    budget=CHANGE,
)
def leave_staff(ctx: RequestContext, staff_id: str, body: LeaveStaff) -> Staff:
    return service.leave_staff(ctx.principal, staff_id, body.version, ctx.request_id)


@api.route(
    "/staff/{staff_id}/mobile",
    summary="The full mobile number (self or admin only; audited)",
    response=RevealedMobile,
    budget={"GetItem": 1, "PutItem": 1},
)
def reveal_mobile(ctx: RequestContext, staff_id: str) -> RevealedMobile:
    return service.reveal_mobile(ctx.principal, staff_id, ctx.request_id)


@api.route(
    "/audit",
    summary="The before/after trail of a unit or a member of staff",
    query=AuditQuery,
    response=Page[AuditEntry],
    roles=ADMIN,
    budget=LIST,
)
def audit_trail(ctx: RequestContext, query: AuditQuery) -> Page[AuditEntry]:
    return service.audit_trail(
        ctx.principal, query.resource_type, query.resource_id, query.limit, query.cursor
    )


# --- work notifications ------------------------------------------------------------------------


@api.route(
    "/notifications",
    "POST",
    summary="Send a work notification to people, departments, roles or whoever is on duty",
    body=SendNotification,
    response=Notification,
    status=202,
    idempotent=True,
    roles=("hospital_admin", "department_head", "head_nurse", "doctor", "nurse"),
    budget={"Query": 3, "TransactWriteItems": 1},
)
def send_notification(ctx: RequestContext, body: SendNotification) -> Notification:
    return notifications.send(ctx.principal, body, ctx.request_id)


@api.route(
    "/notifications/inbox",
    summary="My notifications, newest first",
    query=ListQuery,
    response=Page[InboxItem],
    budget={"Query": 2},
)
def my_inbox(ctx: RequestContext, query: ListQuery) -> Page[InboxItem]:
    return notifications.inbox(ctx.principal, query.limit, query.cursor)


@api.route(
    "/notifications/{notification_id}",
    summary="A notification with its read/ack counts",
    response=Notification,
    budget=GET,
)
def get_notification(ctx: RequestContext, notification_id: str) -> Notification:
    return notifications.get(ctx.principal, notification_id)


@api.route(
    "/notifications/{notification_id}/recipients",
    summary="Who has (not) read or acknowledged",
    query=RecipientQuery,
    response=Page[RecipientStatus],
    budget={"GetItem": 1, "Query": 1},
)
def notification_recipients(
    ctx: RequestContext, notification_id: str, query: RecipientQuery
) -> Page[RecipientStatus]:
    return notifications.recipients(ctx.principal, notification_id, query)


@api.route(
    "/notifications/{notification_id}/read",
    "POST",
    summary="Mark it read",
    response=RecipientStatus,
    budget={"Query": 1, "GetItem": 1, "TransactWriteItems": 1},
)
def read_notification(ctx: RequestContext, notification_id: str) -> RecipientStatus:
    return notifications.mark(ctx.principal, notification_id, "read", ctx.request_id)


@api.route(
    "/notifications/{notification_id}/ack",
    "POST",
    summary="Acknowledge it",
    response=RecipientStatus,
    budget={"Query": 1, "GetItem": 1, "TransactWriteItems": 1},
)
def ack_notification(ctx: RequestContext, notification_id: str) -> RecipientStatus:
    return notifications.mark(ctx.principal, notification_id, "ack", ctx.request_id)


@api.route(
    "/alerts",
    summary="Delivery log of urgent SMS and calls (numbers masked)",
    query=ListQuery,
    response=Page[AlertRecord],
    roles=ADMIN,
    budget=LIST,
)
def alert_log(ctx: RequestContext, query: ListQuery) -> Page[AlertRecord]:
    return ding.alert_log(ctx.principal.tenant, query.limit, query.cursor)


@api.route(
    "/imports",
    "POST",
    summary="Import staff from an HR export (CSV or XLSX): validated whole, applied with progress",
    body=StartImport,
    response=ImportJob,
    status=202,
    roles=ADMIN,
    idempotent=True,
    budget={"Query": 1, "TransactWriteItems": 1},
)
def start_import(ctx: RequestContext, body: StartImport) -> ImportJob:
    return imports.start(ctx.principal, body, ctx.request_id)


@api.route(
    "/imports/{job_id}", summary="An import job and its progress", response=ImportJob, roles=ADMIN, budget=GET
)
def get_import(ctx: RequestContext, job_id: str) -> ImportJob:
    return imports.get(ctx.principal, job_id)


# --- conversations and mobile sync -------------------------------------------------------------


@api.route(
    "/conversations",
    "POST",
    summary="Start a 1:1 or group conversation",
    body=StartConversation,
    response=Conversation,
    status=201,
    idempotent=True,
    # cross-hospital: + the link, the member hospitals (Query) and each guest (GetItem)
    budget={"Query": 2, "GetItem": 4, "TransactWriteItems": 1},
)
def start_conversation(ctx: RequestContext, body: StartConversation) -> Conversation:
    return conversations.start(ctx.principal, body, ctx.request_id)


@api.route(
    "/conversations/{conversation_id}/messages",
    "POST",
    summary="Send a message",
    body=PostMessage,
    response=Message,
    status=201,
    # + the members' feed entries (a BatchWrite per 25) and their push devices (a BatchGet per 100)
    budget={"Query": 1, "GetItem": 1 + REACH, "PutItem": 1, "BatchWriteItem": 1, "BatchGetItem": 1},
)
def post_message(ctx: RequestContext, conversation_id: str, body: PostMessage) -> Message:
    return conversations.post(ctx.principal, conversation_id, body, ctx.request_id)


@api.route(
    "/conversations/{conversation_id}/messages",
    summary="Messages, newest first",
    query=ListQuery,
    response=Page[Message],
    budget={"Query": 2, "GetItem": 1 + REACH},
)
def conversation_history(ctx: RequestContext, conversation_id: str, query: ListQuery) -> Page[Message]:
    return conversations.history(ctx.principal, conversation_id, query.limit, query.cursor)


@api.route(
    "/conversations/{conversation_id}/messages/{message_id}/recall",
    "POST",
    summary="Recall your message (within 2 minutes)",
    response=Message,
    budget={"Query": 1, "GetItem": 2 + REACH, "UpdateItem": 1, "BatchWriteItem": 1},
)
def recall_message(ctx: RequestContext, conversation_id: str, message_id: str) -> Message:
    return conversations.recall(ctx.principal, conversation_id, message_id)


@api.route(
    "/conversations/{conversation_id}/read",
    "POST",
    summary="I have read up to this message",
    body=ReadUpTo,
    status=204,
    budget={"Query": 1, "GetItem": 1 + REACH, "PutItem": 1},
)
def read_conversation(ctx: RequestContext, conversation_id: str, body: ReadUpTo) -> None:
    conversations.mark_read(ctx.principal, conversation_id, body.message_id)


@api.route(
    "/conversations/{conversation_id}/messages/{message_id}/receipts",
    summary="Who has read a message",
    response=list[Receipt],
    budget={"Query": 2, "GetItem": 1 + REACH},
)
def message_receipts(ctx: RequestContext, conversation_id: str, message_id: str) -> list[Receipt]:
    return conversations.receipts(ctx.principal, conversation_id, message_id)


@api.route(
    "/sync",
    summary="Everything new for me since my cursor (messages, notifications, recalls)",
    query=SyncQuery,
    response=SyncPage,
    budget={"Query": 2},
)
def sync(ctx: RequestContext, query: SyncQuery) -> SyncPage:
    return conversations.sync(ctx.principal, query.cursor, query.limit)


@api.route(
    "/conversations/{conversation_id}/attachments",
    "POST",
    summary="Get a presigned URL to upload a file",
    body=AttachmentRequest,
    response=AttachmentTicket,
    status=201,
    budget={"Query": 1, "GetItem": 1 + REACH, "PutItem": 1},
)
def request_upload(ctx: RequestContext, conversation_id: str, body: AttachmentRequest) -> AttachmentTicket:
    return conversations.request_upload(ctx.principal, conversation_id, body)


@api.route(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    summary="A presigned download URL",
    response=AttachmentLink,
    budget={"Query": 1, "GetItem": 2 + REACH},
)
def download_attachment(ctx: RequestContext, conversation_id: str, attachment_id: str) -> AttachmentLink:
    return conversations.download(ctx.principal, conversation_id, attachment_id)


@api.route(
    "/devices",
    "POST",
    summary="Register this phone for push notifications",
    body=RegisterDevice,
    response=Device,
    status=201,
    budget={"Query": 1, "GetItem": 1, "PutItem": 1},
)
def register_device(ctx: RequestContext, body: RegisterDevice) -> Device:
    staff_id = notifications._me(ctx.principal)
    return Device(device_id=push.register(ctx.principal.tenant, staff_id, body.platform, body.token))


# --- consortium links (医共体/医联体) ------------------------------------------------------------------
# Authorised by the caller's own hospital link: another hospital's consortium is a 404, like an unknown one.


@api.route(
    "/consortia",
    "POST",
    summary="Create a consortium led by my hospital",
    body=CreateConsortium,
    response=Consortium,
    status=201,
    roles=ADMIN,
    idempotent=True,
    budget={"TransactWriteItems": 1},
)
def create_consortium(ctx: RequestContext, body: CreateConsortium) -> Consortium:
    return consortia.create(ctx.principal, body, ctx.request_id)


@api.route(
    "/consortia",
    summary="My hospital's consortia and pending invitations",
    query=ListQuery,
    response=Page[Consortium],
    budget=LIST,
)
def list_consortia(ctx: RequestContext, query: ListQuery) -> Page[Consortium]:
    return consortia.mine(ctx.principal, query.limit, query.cursor)


@api.route(
    "/consortia/{consortium_id}", summary="A consortium of my hospital", response=Consortium, budget=GET
)
def get_consortium(ctx: RequestContext, consortium_id: str) -> Consortium:
    return consortia.get(ctx.principal, consortium_id)


@api.route(
    "/consortia/{consortium_id}/members",
    summary="The hospitals of a consortium (ids and names only)",
    query=ListQuery,
    response=Page[ConsortiumMember],
    budget={"GetItem": 1, "Query": 1},
)
def consortium_members(ctx: RequestContext, consortium_id: str, query: ListQuery) -> Page[ConsortiumMember]:
    return consortia.members(ctx.principal, consortium_id, query.limit, query.cursor)


@api.route(
    "/consortia/{consortium_id}/invitations",
    "POST",
    summary="Invite a hospital (lead only; inviting a pending one again answers the same invitation)",
    body=InviteHospital,
    response=ConsortiumMember,
    roles=ADMIN,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def invite_hospital(ctx: RequestContext, consortium_id: str, body: InviteHospital) -> ConsortiumMember:
    return consortia.invite(ctx.principal, consortium_id, body, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/accept",
    "POST",
    summary="Accept my hospital's invitation",
    body=AcceptInvitation,
    response=Consortium,
    roles=ADMIN,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def accept_invitation(ctx: RequestContext, consortium_id: str, body: AcceptInvitation) -> Consortium:
    return consortia.accept(ctx.principal, consortium_id, body, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/decline",
    "POST",
    summary="Decline my hospital's invitation",
    status=204,
    roles=ADMIN,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def decline_invitation(ctx: RequestContext, consortium_id: str) -> None:
    consortia.decline(ctx.principal, consortium_id, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/leave",
    "POST",
    summary="My hospital leaves (the lead only once alone, which dissolves it)",
    status=204,
    roles=ADMIN,
    budget={"GetItem": 1, "Query": 1, "TransactWriteItems": 1},
)
def leave_consortium(ctx: RequestContext, consortium_id: str) -> None:
    consortia.leave(ctx.principal, consortium_id, ctx.request_id)


@api.route(
    "/consortia/{consortium_id}/remove",
    "POST",
    summary="Remove a hospital or withdraw its invitation (lead only)",
    body=RemoveHospital,
    status=204,
    roles=ADMIN,
    budget={"GetItem": 2, "TransactWriteItems": 1},
)
def remove_hospital(ctx: RequestContext, consortium_id: str, body: RemoveHospital) -> None:
    consortia.remove(ctx.principal, consortium_id, body.hospital_id, ctx.request_id)


@api.route(
    "/consortium-groups",
    summary="My cross-hospital groups (转诊群…), newest first; their messages are under /conversations/{id}",
    query=ListQuery,
    response=Page[ConsortiumGroup],
    budget={"Query": 2},
)
def my_consortium_groups(ctx: RequestContext, query: ListQuery) -> Page[ConsortiumGroup]:
    return conversations.cross_hospital_groups(ctx.principal, query.limit, query.cursor)
