"""Webhook endpoints and the delivery log: the hospital admin's view, the partner organisation's console
(its app's installations: URL, re-enable, secret, log, resend, recover, notices)."""

from __future__ import annotations

from chalicelib.marketplace.contracts import webhooks as models
from chalicelib.marketplace.service import webhooks

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route
ADMIN = ("hospital_admin",)
STAFF = ("staff",)
PARTNER = ("partner",)  # a partner organisation: no scopes (an app token never reaches these)
INST = "/apps/{app_id}/installations/{installation_id}"
# A partner reaches an installation through its placement (one GetItem) and the hospital's endpoint
# (one GetItem).
REACH = {"GetItem": 2}


@route(
    "/installations/{installation_id}/endpoint",
    summary="An installation's webhook endpoint (URL, events, status, failing since) — hospital admin",
    response=models.EndpointView,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 1},
)
def hospital_endpoint(ctx: RequestContext, installation_id: str) -> models.EndpointView:
    return webhooks.hospital_endpoint(ctx.principal, installation_id)


@route(
    "/installations/{installation_id}/messages",
    summary="An installation's delivery log, newest first (one Query a page) — hospital admin",
    query=models.MessagesQuery,
    response=models.MessageList,
    roles=ADMIN,
    kinds=STAFF,
    budget={"GetItem": 1, "Query": 1},
)
def hospital_messages(
    ctx: RequestContext, installation_id: str, query: models.MessagesQuery
) -> models.MessageList:
    return webhooks.hospital_messages(ctx.principal, installation_id, query)


@route(
    "/installations/{installation_id}/messages/{message_id}",
    summary="One message with its attempts (status, latency, the first 1 KB of the answer) — hospital admin",
    response=models.MessageDetail,
    roles=ADMIN,
    kinds=STAFF,
    budget={"Query": 1},
)
def hospital_message(ctx: RequestContext, installation_id: str, message_id: str) -> models.MessageDetail:
    return webhooks.hospital_message(ctx.principal, installation_id, message_id)


@route(
    f"{INST}/endpoint",
    summary="An installation's webhook endpoint — the app's partner",
    response=models.EndpointView,
    kinds=PARTNER,
    budget=REACH,
)
def partner_endpoint(ctx: RequestContext, app_id: str, installation_id: str) -> models.EndpointView:
    return webhooks.partner_endpoint(ctx.principal, app_id, installation_id)


@route(
    f"{INST}/endpoint",
    "PATCH",
    summary="Change the endpoint's URL, or enable a disabled endpoint again — the app's partner",
    body=models.EndpointChange,
    response=models.EndpointView,
    kinds=PARTNER,
    budget={**REACH, "TransactWriteItems": 1},
)
def change_endpoint(
    ctx: RequestContext, app_id: str, installation_id: str, body: models.EndpointChange
) -> models.EndpointView:
    return webhooks.change_endpoint(ctx.principal, app_id, installation_id, body, ctx.request_id)


@route(
    f"{INST}/endpoint/secret",
    "POST",
    summary="The endpoint's signing secret (whsec_…), or a new one (the old signs beside it for 24 h)",
    body=models.SecretRequest,
    response=models.SecretView,
    kinds=PARTNER,
    budget={**REACH, "TransactWriteItems": 1},
)
def endpoint_secret(
    ctx: RequestContext, app_id: str, installation_id: str, body: models.SecretRequest
) -> models.SecretView:
    return webhooks.secret(ctx.principal, app_id, installation_id, body, ctx.request_id)


@route(
    f"{INST}/messages",
    summary="An installation's delivery log, newest first (one Query a page) — the app's partner",
    query=models.MessagesQuery,
    response=models.MessageList,
    kinds=PARTNER,
    budget={"GetItem": 1, "Query": 1},
)
def partner_messages(
    ctx: RequestContext, app_id: str, installation_id: str, query: models.MessagesQuery
) -> models.MessageList:
    return webhooks.partner_messages(ctx.principal, app_id, installation_id, query)


@route(
    f"{INST}/messages/{{message_id}}",
    summary="One message with its attempts — the app's partner",
    response=models.MessageDetail,
    kinds=PARTNER,
    budget={"GetItem": 1, "Query": 1},
)
def partner_message(
    ctx: RequestContext, app_id: str, installation_id: str, message_id: str
) -> models.MessageDetail:
    return webhooks.partner_message(ctx.principal, app_id, installation_id, message_id)


@route(
    f"{INST}/messages/{{message_id}}/resend",
    "POST",
    summary="Send a message again now, with the same webhook-id — the app's partner",
    response=models.MessageDetail,
    kinds=PARTNER,
    # reach; the message; queued (one transaction); sent: the timer claimed (one UpdateItem), the attempt
    # recorded (one transaction); the message and its attempts read back (one Query). A 410 answer
    # disables the endpoint: read again and written (one GetItem, one transaction).
    budget={"GetItem": 4, "TransactWriteItems": 3, "UpdateItem": 1, "Query": 1},
)
def resend_message(
    ctx: RequestContext, app_id: str, installation_id: str, message_id: str
) -> models.MessageDetail:
    return webhooks.resend(ctx.principal, app_id, installation_id, message_id, ctx.request_id)


@route(
    f"{INST}/recover",
    "POST",
    summary="Queue again every failed or pending message since a time (40 a call; continue with the cursor)",
    body=models.RecoverRequest,
    response=models.RecoverResult,
    kinds=PARTNER,
    budget={**REACH, "Query": 1, "TransactWriteItems": 1},
)
def recover_messages(
    ctx: RequestContext, app_id: str, installation_id: str, body: models.RecoverRequest
) -> models.RecoverResult:
    return webhooks.recover(ctx.principal, app_id, installation_id, body, ctx.request_id)


@route(
    "/webhook-notices",
    summary="The partner's endpoints that were disabled (410, failing 5 days), newest first",
    query=models.MessagesQuery,
    response=models.NoticeList,
    kinds=PARTNER,
    budget={"Query": 1},
)
def webhook_notices(ctx: RequestContext, query: models.MessagesQuery) -> models.NoticeList:
    return webhooks.notices(ctx.principal, query)
