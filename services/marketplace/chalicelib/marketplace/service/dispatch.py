"""The webhook dispatcher: events fanned out to a hospital's installations, sent, retried, logged.

``fan_out`` (in a consumer's unit of work, with its inbox marker: once per event id) reads the
hospital's installations' standing (one Query) and its endpoints (one Query), keeps the installations
that are active, whose scopes allow the event type and whose endpoint subscribes to it, and writes one
message per installation (its id deterministic: a redelivered event makes no second message) with a
timer due now. After the commit the consumer sends them at once (``send``); if it crashes first, the
sweep (every minute, ``sweep``) finds the timers due. The lifecycle events (``app.*``) make, change or
disable the installation's endpoint and are delivered to that installation alone — ``app.uninstalled``
the last message it gets.

``send`` claims the timer (a conditional update moving it a lease ahead: of two senders one wins), POSTs
the signed envelope (``adapters/http.py``), and records the attempt in one transaction: the message's
state and attempt count, the attempt, the timer removed or due again on the retry schedule, the
endpoint's ``failing_since``. A crash after the POST and before that transaction leaves the claimed
timer to come back after its lease: the message is sent again with the same ``webhook-id``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.marketplace.domain import signing
from chalicelib.marketplace.domain.ports import WebhookStore
from chalicelib.marketplace.domain.webhooks import (
    BODY_KEPT,
    LEASE,
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
    Secret,
    failing_too_long,
    judge,
    message_id,
)

from shared.errors import Conflict
from shared.events.published.marketplace import (
    APP_INSTALLED,
    APP_UNINSTALLED,
    APP_UPGRADED,
    WEBHOOK_DELIVERY_FAILING,
    WEBHOOK_ENDPOINT_DISABLED,
    DeliveryFailing,
    EndpointDisabled,
    InstallationChanged,
)
from shared.observability import logger as make_logger
from shared.scopes import LIFECYCLE_EVENTS, events_allowed

logger = make_logger("marketplace.webhooks")
LOST = Conflict("this delivery was claimed by another sender")
STALE = Conflict("this record changed meanwhile")
TAKEN = Conflict("already exists")
BATCH = 100
MAX_BATCHES = 20
SEND_BUDGET_S = 20.0
SWEEP_BUDGET_S = 45.0  # a consumer batch sends at once for this long; the sweep sends the rest


class Sender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Any: ...


class Cipher(Protocol):
    def encrypt(self, tenant: str, plaintext: str) -> str: ...
    def decrypt(self, tenant: str, token: str) -> str: ...


class Standing(Protocol):
    sk: str
    status: str
    scopes: Any
    app_id: str


@dataclass
class Deps:
    """What the dispatcher runs on: a store per (tenant, unit of work), a fresh unit of work, the
    hospital's standing, the sender, the cipher, the clock."""

    store: Callable[[str, Any], WebhookStore]
    unit: Callable[[str], Any]
    standing: Callable[[str], list[Any]]
    sender: Sender
    cipher: Cipher
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    hospital_name: Callable[[str], str] = field(default=lambda tenant: "")


def default_deps() -> Deps:
    from chalicelib.marketplace.service import wiring

    from shared.auth import Principal
    from shared.crypto import get_cipher
    from shared.persistence.uow import UnitOfWork

    def store(tenant: str, uow: Any) -> WebhookStore:
        from chalicelib.marketplace.adapters.dynamodb import DynamoStore

        return DynamoStore(tenant, uow)  # type: ignore[return-value]

    def unit(tenant: str) -> Any:
        principal = Principal(tenant=tenant, user="service:marketplace", kind="service")
        return UnitOfWork("marketplace", principal, uuid.uuid4().hex)

    def hospital_name(tenant: str) -> str:
        from shared.directory import hospital

        found = hospital(tenant)
        return str(getattr(found, "name", "") or "") if found else ""

    sender: Any = wiring.sender()
    return Deps(store, unit, wiring.standing, sender, get_cipher(), hospital_name=hospital_name)


_DEPS: list[Deps] = []


def deps() -> Deps:
    if not _DEPS:
        _DEPS.append(default_deps())
    return _DEPS[0]


def body_of(envelope: dict[str, Any]) -> bytes:
    """What is POSTed: the event envelope as published (thin: ids and names)."""
    keep = ("id", "type", "tenant", "time", "schema_version", "data")
    return json.dumps({k: envelope[k] for k in keep if k in envelope}, ensure_ascii=False).encode()


@dataclass
class Planned:
    """A message written with a timer due now, and what sending it needs (read already)."""

    tenant: str
    endpoint: Endpoint
    message: Message
    timer: DeliveryTimer


def _envelope_dict(envelope: Any) -> dict[str, Any]:
    return dict(envelope.model_dump(mode="json"))


def _plan(
    store: WebhookStore, tenant: str, endpoint: Endpoint, envelope: dict[str, Any], now: datetime
) -> Planned | None:
    mid = message_id(envelope["id"], endpoint.installation_id)
    sendable = endpoint.url is not None and (
        endpoint.status == "enabled"
        or (envelope["type"] == APP_UNINSTALLED.name and endpoint.reason == "uninstalled")
    )
    message = Message(
        id=mid,
        installation_id=endpoint.installation_id,
        event_id=envelope["id"],
        event_type=envelope["type"],
        created_at=now,
        next_attempt_at=now if sendable else None,
        envelope=envelope,
    )
    store.webhooks.add_message(message, TAKEN)
    if not sendable:
        return None  # kept for the feed and the log; recovered once the endpoint is enabled again
    timer = DeliveryTimer(installation_id=endpoint.installation_id, message_id=mid, due_at=now)
    store.webhooks.put_timer(timer)
    return Planned(tenant, endpoint, message, timer)


def fan_out(envelope: Any, uow: Any, d: Deps | None = None) -> list[Planned]:
    """One event of a producing service: a message per installation that may and wants to hear it."""
    d = d or deps()
    tenant = envelope.tenant
    installations = [
        s
        for s in d.standing(tenant)
        if s.status == "active" and events_allowed(list(s.scopes or []), envelope.type)
    ]
    if not installations:
        return []
    store = d.store(tenant, uow)
    wanted = {str(s.sk) for s in installations}
    now = d.now()
    data = _envelope_dict(envelope)
    planned = []
    for endpoint in store.webhooks.endpoints():
        if (
            endpoint.installation_id in wanted
            and endpoint.status != "removed"
            and endpoint.subscribes(envelope.type)
        ):
            made = _plan(store, tenant, endpoint, data, now)
            if made:
                planned.append(made)
    return planned


def on_lifecycle(envelope: Any, uow: Any, d: Deps | None = None) -> list[Planned]:
    """``app.installed`` makes the installation's endpoint (a new signing secret), ``app.upgraded``
    changes its URL and events, ``app.uninstalled`` disables it; each is delivered to it alone."""
    d = d or deps()
    tenant = envelope.tenant
    change = InstallationChanged.model_validate(envelope.data)
    store = d.store(tenant, uow)
    now = d.now()
    endpoint = store.webhooks.endpoint(change.installation_id)
    if envelope.type == APP_INSTALLED.name and endpoint is None:
        secret = Secret(sealed=d.cipher.encrypt(tenant, signing.new_secret()), created_at=now)
        endpoint = Endpoint(
            installation_id=change.installation_id,
            app_id=change.app_id,
            app_name=change.app_name,
            partner=change.partner,
            partner_name=change.partner_name,
            url=change.webhook_url,
            events=list(change.events),
            secrets=[secret],
            created_at=now,
            updated_at=now,
        )
        store.webhooks.add_endpoint(endpoint, TAKEN)
        from chalicelib.marketplace.adapters.webhooks import Placement

        store.webhooks.place(
            change.partner,
            Placement(installation_id=change.installation_id, hospital=tenant, app_id=change.app_id),
        )
    elif endpoint is None:
        logger.warning("lifecycle event for an installation without endpoint", extra={"type": envelope.type})
        return []
    elif envelope.type == APP_INSTALLED.name or envelope.type == APP_UPGRADED.name:
        # a reinstall or an upgrade: the consented events and URL; enabled again after an uninstall
        update: dict[str, Any] = {"events": list(change.events), "url": change.webhook_url, "updated_at": now}
        if endpoint.reason == "uninstalled":
            update |= {"status": "enabled", "reason": None}
        endpoint = endpoint.model_copy(update=update)
        store.webhooks.replace_endpoint(endpoint, STALE)
    elif envelope.type == APP_UNINSTALLED.name:
        endpoint = endpoint.model_copy(
            update={"status": "disabled", "reason": "uninstalled", "updated_at": now}
        )
        store.webhooks.replace_endpoint(endpoint, STALE)
    made = _plan(store, tenant, endpoint, _envelope_dict(envelope), now)
    return [made] if made else []


def secrets_of(d: Deps, tenant: str, endpoint: Endpoint, now: datetime) -> list[str]:
    return [d.cipher.decrypt(tenant, s.sealed) for s in endpoint.live_secrets(now)]


def send(planned: Planned, d: Deps | None = None) -> str:
    """Claim the timer, POST, record the attempt: what happened (``delivered``, ``retry``, ``failed``,
    ``refused``, ``lost`` when another sender had it, ``skipped`` when the endpoint is not sendable)."""
    d = d or deps()
    tenant, endpoint, message = planned.tenant, planned.endpoint, planned.message
    now = d.now()
    claimed = d.store(tenant, None).webhooks.claim_timer(planned.timer, now + LEASE)
    if claimed is None:
        return "lost"
    sendable = endpoint.url is not None and (
        endpoint.status == "enabled"
        or (message.event_type == APP_UNINSTALLED.name and endpoint.reason == "uninstalled")
    )
    if not sendable:
        with d.unit(tenant) as uow:
            store = d.store(tenant, uow)
            store.webhooks.finish_timer(claimed, LOST)
            store.webhooks.replace_message(
                message.model_copy(update={"next_attempt_at": None, "last_error": "endpoint disabled"}), STALE
            )
            _commit(uow)
        return "skipped"
    timestamp = int(now.timestamp())
    body = body_of(message.envelope)
    headers = signing.headers(secrets_of(d, tenant, endpoint, now), message.id, timestamp, body)
    answer = d.sender.post(str(endpoint.url), body, headers)
    done = d.now()
    n = message.attempts + 1
    outcome = judge(n, answer.status, answer.retry_after, done)
    if answer.refused:
        outcome = outcome.model_copy(update={"delivered": False})
    attempt = Attempt(
        message_id=message.id,
        n=n,
        at=now,
        outcome="delivered" if outcome.delivered else ("refused" if answer.refused else "failed"),
        status_code=answer.status,
        error=answer.error,
        latency_ms=answer.latency_ms,
        response=(answer.body or "")[:BODY_KEPT],
    )
    state = "delivered" if outcome.delivered else ("pending" if outcome.next_at else "failed")
    updated = message.model_copy(
        update={
            "attempts": n,
            "state": state,
            "next_attempt_at": outcome.next_at,
            "last_error": None if outcome.delivered else (answer.error or f"HTTP {answer.status}"),
        }
    )
    with d.unit(tenant) as uow:
        store = d.store(tenant, uow)
        store.webhooks.add_attempt(attempt, message.installation_id)
        store.webhooks.replace_message(updated, STALE)
        if outcome.next_at is not None:
            store.webhooks.reschedule_timer(claimed, outcome.next_at, LOST)
        else:
            store.webhooks.finish_timer(claimed, LOST)
        if outcome.delivered and endpoint.failing_since is not None:
            store.webhooks.clear_failing(endpoint.installation_id)
        elif not outcome.delivered and endpoint.failing_since is None:
            store.webhooks.mark_failing(endpoint.installation_id, now)
        if n == 1 and not outcome.delivered:
            # once per message (its first attempt), with that attempt: the daily report's count
            failing = DeliveryFailing(
                installation_id=endpoint.installation_id,
                app_id=endpoint.app_id,
                app_name=endpoint.app_name,
                event_type=message.event_type,
                message_id=message.id,
            )
            uow.emit(WEBHOOK_DELIVERY_FAILING.envelope(tenant, failing))
        _commit(uow)
    reason = outcome.disable or (
        "failing" if not outcome.delivered and failing_too_long(endpoint.failing_since, done) else None
    )
    if reason and endpoint.status == "enabled":
        disable(tenant, endpoint.installation_id, reason, d)
    return (
        attempt.outcome if outcome.delivered or answer.refused else ("retry" if outcome.next_at else "failed")
    )


def _commit(uow: Any) -> None:
    uow.commit()


def disable(tenant: str, installation: str, reason: str, d: Deps | None = None) -> bool:
    """Disable an endpoint (410 gone, or failing 5 days): ``webhook.endpoint.disabled`` for the hospital's
    admins (messaging tells them) and a notice the partner reads."""
    d = d or deps()
    now = d.now()
    with d.unit(tenant) as uow:
        store = d.store(tenant, uow)
        endpoint = store.webhooks.endpoint(installation)
        if endpoint is None or endpoint.status != "enabled":
            return False
        store.webhooks.replace_endpoint(
            endpoint.model_copy(update={"status": "disabled", "reason": reason, "updated_at": now}), STALE
        )
        data = EndpointDisabled(
            installation_id=installation,
            app_id=endpoint.app_id,
            app_name=endpoint.app_name,
            partner=endpoint.partner,
            url=str(endpoint.url or ""),
            reason=reason,
            failing_since=endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        )
        uow.emit(WEBHOOK_ENDPOINT_DISABLED.envelope(tenant, data))
        store.webhooks.add_notice(
            Notice(
                id=uuid.uuid4().hex[:16],
                partner=endpoint.partner,
                hospital=tenant,
                hospital_name=d.hospital_name(tenant),
                installation_id=installation,
                app_id=endpoint.app_id,
                app_name=endpoint.app_name,
                url=str(endpoint.url or ""),
                reason=reason,
                at=now,
            )
        )
        try:
            _commit(uow)
        except Conflict:
            return False  # changed meanwhile (a partner's PATCH, another sender disabling it)
    logger.info(
        "webhook endpoint disabled", extra={"tenant": tenant, "installation": installation, "reason": reason}
    )
    return True


def send_due(tenant: str, timer: DeliveryTimer, d: Deps | None = None) -> str:
    """A due timer (the sweep's, a resend's): read its message and endpoint, then ``send``."""
    d = d or deps()
    store = d.store(tenant, None)
    message = store.webhooks.message(timer.installation_id, timer.message_id)
    endpoint = store.webhooks.endpoint(timer.installation_id)
    if message is None or endpoint is None:
        return "lost"
    return send(Planned(tenant, endpoint, message, timer), d)


def sweep(now: datetime | None = None, d: Deps | None = None, due: Any = None) -> int:
    """Every minute: every delivery due in every hospital sent (each claimed first: overlapping sweeps
    and consumers never send one attempt twice). How many were attempted."""
    d = d or deps()
    if due is None:
        from chalicelib.marketplace.service import wiring

        due = wiring.due_deliveries()
    now = now or d.now()
    sent = 0
    seen: set[str] = set()
    started = time.monotonic()
    for _ in range(MAX_BATCHES):
        if time.monotonic() - started > SWEEP_BUDGET_S:
            break  # the next minute's sweep goes on (slow receivers must not overrun the function)
        found = [(t, x) for t, x in due.due(now, BATCH) if f"{t}#{x.message_id}" not in seen]
        if not found:
            break
        for tenant, timer in found:
            seen.add(f"{tenant}#{timer.message_id}")
            try:
                if send_due(tenant, timer, d) != "lost":
                    sent += 1
            except Conflict:
                continue
            except Exception:
                logger.exception(
                    "a webhook delivery failed", extra={"tenant": tenant, "message": timer.message_id}
                )
        if len(found) < BATCH:
            break
    return sent


def send_all(planned: list[Planned], d: Deps | None = None) -> None:
    """After the fan-out's commit: each message sent now; a failure is left to the sweep."""
    for item in planned:
        try:
            send(item, d)
        except Exception:
            logger.exception("an immediate webhook delivery failed; the sweep retries it")


LIFECYCLE = LIFECYCLE_EVENTS


def consume(
    event: dict[str, Any], subscription: Any, lifecycle: bool, d: Deps | None = None
) -> dict[str, Any]:
    """An SQS batch (``shared.events.consumer.consume_batch``'s way: partial failures, once per event id),
    and after each event's commit its messages sent at once."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from shared.events.consumer import check_payload, envelope_from_sqs_body, handle_once

    processor = BatchProcessor(event_type=EventType.SQS)
    started = time.monotonic()

    def record_handler(record: SQSRecord) -> None:
        envelope = envelope_from_sqs_body(record.body)
        if envelope.type not in subscription.event_types:
            return
        check_payload(envelope)
        planned: list[Planned] = []

        def handler(env: Any, uow: Any) -> None:
            planned[:] = (on_lifecycle if lifecycle else fan_out)(env, uow, d)

        # A slow receiver (15 s timeouts) must not hold every hospital's events behind it: past the
        # batch's sending budget, the messages wait for the sweep (their timers are due already).
        if handle_once(subscription, envelope, handler) and time.monotonic() - started < SEND_BUDGET_S:
            send_all(planned, d)

    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor))
