"""Work notification routes: send, inbox, read/ack, the sender's counts and the DING alert log."""

from __future__ import annotations

from chalicelib.messaging.contracts.notifications import (
    AlertRecord,
    InboxItem,
    Notification,
    NotificationPolicy,
    NotificationPolicyBody,
    RecipientQuery,
    RecipientStatus,
    SendNotification,
    SentNotification,
)
from chalicelib.messaging.service import ding, notifications

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("messaging", __name__)
ADMIN = ("hospital_admin",)
GET = {"GetItem": 1}
LIST = {"Query": 1}


@api.route(
    "/notifications",
    "POST",
    summary="Send a work notification to people, departments, roles or whoever is on duty",
    body=SendNotification,
    response=Notification,
    status=202,
    idempotent=True,
    roles=("hospital_admin", "department_head", "head_nurse", "doctor", "nurse"),
    # the units, the active staff and who is on duty; the policy and (a DING) today's SMS/call count
    budget={"Query": 3, "GetItem": 2, "TransactWriteItems": 1},
)
def send_notification(ctx: RequestContext, body: SendNotification) -> Notification:
    return notifications.send(ctx.principal, body, ctx.request_id)


@api.route(
    "/notification-policy",
    summary="Who may notify whom, how urgently and how often, in this hospital",
    response=NotificationPolicy,
    roles=ADMIN,
    budget=GET,
)
def get_notification_policy(ctx: RequestContext) -> NotificationPolicy:
    return notifications.get_policy(ctx.principal)


@api.route(
    "/notification-policy",
    "PUT",
    summary="Set the hospital's notification policy (audited)",
    body=NotificationPolicyBody,
    response=NotificationPolicy,
    roles=ADMIN,
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def set_notification_policy(ctx: RequestContext, body: NotificationPolicyBody) -> NotificationPolicy:
    return notifications.set_policy(ctx.principal, body, ctx.request_id)


@api.route(
    "/notifications/inbox",
    summary="My notifications, newest first",
    query=ListQuery,
    response=Page[InboxItem],
    budget={"Query": 1},
)
def my_inbox(ctx: RequestContext, query: ListQuery) -> Page[InboxItem]:
    return notifications.inbox(ctx.principal, query.limit, query.cursor)


@api.route(
    "/notifications/sent",
    summary="The notifications I sent, newest first, with how many were delivered, read, acknowledged",
    query=ListQuery,
    response=Page[SentNotification],
    budget=LIST,
)
def my_sent_notifications(ctx: RequestContext, query: ListQuery) -> Page[SentNotification]:
    return notifications.sent(ctx.principal, query.limit, query.cursor)


@api.route(
    "/notifications/{notification_id}",
    summary="A notification: a recipient reads it whole (marking it read); its sender sees the counts",
    response=Notification,
    budget={"GetItem": 2, "TransactWriteItems": 1},  # the notification, my delivery; marking it read
)
def get_notification(ctx: RequestContext, notification_id: str) -> Notification:
    return notifications.read(ctx.principal, notification_id, ctx.request_id)


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
    budget={"GetItem": 1, "TransactWriteItems": 1},
)
def read_notification(ctx: RequestContext, notification_id: str) -> RecipientStatus:
    return notifications.mark(ctx.principal, notification_id, "read", ctx.request_id)


@api.route(
    "/notifications/{notification_id}/ack",
    "POST",
    summary="Acknowledge it",
    response=RecipientStatus,
    budget={"GetItem": 1, "TransactWriteItems": 1},
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
