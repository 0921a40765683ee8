"""Webhook endpoints, the delivery log, resend, recover and the polling feed: the routes' use cases.

A hospital admin reads its installations' endpoints and delivery logs (its own tenant). A partner
organisation reaches an installation of its app through its placement (``<partner>#webhook-installs``,
written with the endpoint): an installation of another partner's app, or of another app, is a 404 that
names no id. An app token reads its own installation's feed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.marketplace.contracts import webhooks as models
from chalicelib.marketplace.domain import signing
from chalicelib.marketplace.domain.ports import WebhookStore
from chalicelib.marketplace.domain.webhooks import (
    SECRET_OVERLAP,
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
    Secret,
)
from chalicelib.marketplace.service import dispatch, wiring

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.persistence.models import now_utc

STALE = Conflict("this endpoint changed meanwhile; read it again")
RECOVER_BATCH = 40  # each queued message is two writes of one transaction (at most 100)


def _store(principal: Principal, request_id: str | None, tenant: str | None = None) -> WebhookStore:
    return wiring.store(principal, request_id, tenant)  # type: ignore[return-value]


def _endpoint_view(e: Endpoint, now: datetime) -> models.EndpointView:
    return models.EndpointView(
        installation_id=e.installation_id,
        app_id=e.app_id,
        app_name=e.app_name,
        partner=e.partner,
        partner_name=e.partner_name,
        url=e.url,
        events=e.events,
        status=e.status,
        reason=e.reason,
        failing_since=e.failing_since,
        secrets=len(e.live_secrets(now)),
        updated_at=e.updated_at,
        version=e.revision,
    )


def _message_view(m: Message) -> models.MessageView:
    return models.MessageView(
        id=m.id,
        event_id=m.event_id,
        event_type=m.event_type,
        created_at=m.created_at,
        state=m.state,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at,
        last_error=m.last_error,
    )


def _attempt_view(a: Attempt) -> models.AttemptView:
    return models.AttemptView(**a.model_dump(exclude={"message_id"}))


def _now() -> datetime:
    return dispatch.deps().now()


# --- where an installation is ---
def _hospital_endpoint(store: WebhookStore, installation: str) -> Endpoint:
    endpoint = store.webhooks.endpoint(installation)
    if endpoint is None:
        raise NotFound("installation")
    return endpoint


def _partner_hospital(principal: Principal, app_id: str, installation: str) -> str:
    """The hospital an installation of the caller's app is in (404 for anyone else's)."""
    placement = _store(principal, None).webhooks.placement(installation)
    if placement is None or placement.app_id != app_id:
        raise NotFound("installation")
    return placement.hospital


def _partner_endpoint(
    principal: Principal, app_id: str, installation: str, request_id: str | None
) -> tuple[WebhookStore, Endpoint]:
    hospital = _partner_hospital(principal, app_id, installation)
    store = _store(principal, request_id, hospital)
    endpoint = _hospital_endpoint(store, installation)
    if endpoint.partner != principal.tenant or endpoint.app_id != app_id:
        raise NotFound("installation")
    return store, endpoint


# --- endpoints ---
def hospital_endpoint(principal: Principal, installation: str) -> models.EndpointView:
    return _endpoint_view(_hospital_endpoint(_store(principal, None), installation), _now())


def partner_endpoint(principal: Principal, app_id: str, installation: str) -> models.EndpointView:
    _, endpoint = _partner_endpoint(principal, app_id, installation, None)
    return _endpoint_view(endpoint, _now())


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        raise RuleViolation("the webhook URL must be an https URL", field="url") from None
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise RuleViolation("the webhook URL must be an https URL", field="url")


def change_endpoint(
    principal: Principal, app_id: str, installation: str, body: models.EndpointChange, request_id: str
) -> models.EndpointView:
    """A new URL, or a disabled endpoint enabled again (its failing_since cleared)."""
    store, endpoint = _partner_endpoint(principal, app_id, installation, request_id)
    if body.version != endpoint.revision:
        raise STALE
    update: dict[str, Any] = {"updated_at": _now()}
    if body.url is not None:
        _check_url(body.url)
        update["url"] = body.url
    if body.enable and endpoint.status != "enabled":
        if endpoint.reason == "uninstalled":
            raise RuleViolation("an uninstalled app's endpoint cannot be enabled", field="enable")
        update |= {"status": "enabled", "reason": None, "failing_since": None}
    changed = endpoint.model_copy(update=update)
    store.webhooks.replace_endpoint(changed, STALE)
    store.uow.audit(  # type: ignore[attr-defined]
        "webhook.endpoint.changed",
        "webhook_endpoint",
        installation,
        before={"url": endpoint.url, "status": endpoint.status},
        after={"url": changed.url, "status": changed.status},
        tenant=store.tenant,
    )
    store.uow.commit()  # type: ignore[attr-defined]
    return _endpoint_view(changed.model_copy(update={"revision": endpoint.revision + 1}), _now())


def secret(
    principal: Principal, app_id: str, installation: str, body: models.SecretRequest, request_id: str
) -> models.SecretView:
    """The current secret; or a new one, the old still signing beside it for 24 h."""
    store, endpoint = _partner_endpoint(principal, app_id, installation, request_id)
    d = dispatch.deps()
    now = d.now()
    live = endpoint.live_secrets(now)
    if not body.rotate:
        if not live:
            raise NotFound("secret")
        return models.SecretView(secret=d.cipher.decrypt(store.tenant, live[-1].sealed), rotated=False)
    fresh = signing.new_secret()
    expires = now + SECRET_OVERLAP
    kept = [s.model_copy(update={"expires_at": s.expires_at or expires}) for s in live]
    changed = endpoint.model_copy(
        update={
            "secrets": [*kept, Secret(sealed=d.cipher.encrypt(store.tenant, fresh), created_at=now)],
            "updated_at": now,
        }
    )
    store.webhooks.replace_endpoint(changed, STALE)
    store.uow.audit("webhook.secret.rotated", "webhook_endpoint", installation, tenant=store.tenant)  # type: ignore[attr-defined]
    store.uow.commit()  # type: ignore[attr-defined]
    return models.SecretView(secret=fresh, rotated=True, previous_expires_at=expires if kept else None)


# --- the delivery log ---
def hospital_messages(
    principal: Principal, installation: str, query: models.MessagesQuery
) -> models.MessageList:
    store = _store(principal, None)
    _hospital_endpoint(store, installation)
    return models.MessageList.of(
        store.webhooks.log(installation, query.limit, query.cursor, True), _message_view
    )


def partner_messages(
    principal: Principal, app_id: str, installation: str, query: models.MessagesQuery
) -> models.MessageList:
    hospital = _partner_hospital(principal, app_id, installation)
    store = _store(principal, None, hospital)
    return models.MessageList.of(
        store.webhooks.log(installation, query.limit, query.cursor, True), _message_view
    )


def _detail(store: WebhookStore, installation: str, message_id: str) -> models.MessageDetail:
    message, attempts = store.webhooks.message_with_attempts(installation, message_id)
    if message is None:
        raise NotFound("message")
    return models.MessageDetail(
        **_message_view(message).model_dump(),
        attempt_log=[_attempt_view(a) for a in sorted(attempts, key=lambda a: a.n)],
        envelope=message.envelope,
    )


def hospital_message(principal: Principal, installation: str, message_id: str) -> models.MessageDetail:
    return _detail(_store(principal, None), installation, message_id)


def partner_message(
    principal: Principal, app_id: str, installation: str, message_id: str
) -> models.MessageDetail:
    hospital = _partner_hospital(principal, app_id, installation)
    return _detail(_store(principal, None, hospital), installation, message_id)


def _queue(store: WebhookStore, message: Message, now: datetime) -> DeliveryTimer:
    timer = DeliveryTimer(installation_id=message.installation_id, message_id=message.id, due_at=now)
    store.webhooks.put_timer(timer)
    store.webhooks.replace_message(
        message.model_copy(update={"state": "pending", "next_attempt_at": now}), STALE
    )
    return timer


def resend(
    principal: Principal, app_id: str, installation: str, message_id: str, request_id: str
) -> models.MessageDetail:
    """A new attempt now, with the same webhook-id (the receiver's idempotency key)."""
    store, endpoint = _partner_endpoint(principal, app_id, installation, request_id)
    if endpoint.status != "enabled" or endpoint.url is None:
        raise RuleViolation("the endpoint is disabled: enable it first", field="endpoint")
    message = store.webhooks.message(installation, message_id)
    if message is None:
        raise NotFound("message")
    now = _now()
    timer = _queue(store, message, now)
    store.uow.audit("webhook.message.resent", "webhook_message", message_id, tenant=store.tenant)  # type: ignore[attr-defined]
    store.uow.commit()  # type: ignore[attr-defined]
    queued = message.model_copy(
        update={"state": "pending", "next_attempt_at": now, "revision": message.revision + 1}
    )
    dispatch.send(dispatch.Planned(store.tenant, endpoint, queued, timer))
    reader = _store(principal, None, store.tenant)
    return _detail(reader, installation, message_id)


def recover(
    principal: Principal, app_id: str, installation: str, body: models.RecoverRequest, request_id: str
) -> models.RecoverResult:
    """Every failed or pending message since ``since`` queued again (a page per call: continue with the
    cursor); the sweep sends them within the minute."""
    store, endpoint = _partner_endpoint(principal, app_id, installation, request_id)
    if endpoint.status != "enabled" or endpoint.url is None:
        raise RuleViolation("the endpoint is disabled: enable it first", field="endpoint")
    rows, cursor = store.webhooks.log(installation, RECOVER_BATCH, body.cursor, False, since=body.since)
    now = _now()
    queued = 0
    for message in rows:
        if message.state != "delivered":
            _queue(store, message, now)
            queued += 1
    if queued:
        store.uow.audit(  # type: ignore[attr-defined]
            "webhook.messages.recovered",
            "webhook_endpoint",
            installation,
            after={"since": body.since.isoformat(), "queued": queued},
            tenant=store.tenant,
        )
        store.uow.commit()  # type: ignore[attr-defined]
    return models.RecoverResult(queued=queued, next_cursor=cursor)


def notices(principal: Principal, query: models.MessagesQuery) -> models.NoticeList:
    """The partner's endpoints disabled (410, failing 5 days), newest first."""

    def view(n: Notice) -> models.NoticeView:
        return models.NoticeView(**n.model_dump(exclude={"id", "partner"}))

    return models.NoticeList.of(_store(principal, None).webhooks.notices(query.limit, query.cursor), view)


# --- the polling feed ---
def feed(
    principal: Principal,
    query: models.FeedQuery,
    store: WebhookStore | None = None,
    now: datetime | None = None,
    settle_seconds: int | None = None,
) -> models.FeedPage:
    """The app's installation's messages in order, each with its event; resume after the last read.

    Only messages recorded ``webhook_feed_settle_seconds`` ago or earlier: one stamped before a newer one
    but committed after it would otherwise fall behind a cursor already past it, never to be read."""
    from shared.settings import get_settings

    installation = principal.installation
    if installation is None:
        raise NotFound("installation")
    store = store or _store(principal, None)
    settle = get_settings().webhook_feed_settle_seconds if settle_seconds is None else settle_seconds
    settled = (now or now_utc()) - timedelta(seconds=settle)
    rows, cursor = store.webhooks.feed(installation, query.limit, query.cursor, before=settled)
    return models.FeedPage(
        items=[models.FeedItem(id=m.id, event=_body(m.envelope)) for m in rows], next_cursor=cursor
    )


def _body(envelope: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "type", "tenant", "time", "schema_version", "data")
    return {k: envelope[k] for k in keep if k in envelope}
