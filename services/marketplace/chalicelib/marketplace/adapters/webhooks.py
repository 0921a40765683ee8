"""Webhook endpoints, messages, attempts, delivery timers and partner notices on DynamoDB (codecs of
``dynamodb.MarketplaceItem``).

Keys (every one starts with a tenant):

- endpoint: ``<hospital>#webhook-endpoints`` / ``<installation>`` (a hospital's endpoints are one Query,
  what the dispatcher reads per event); ``failing_since`` is kept in the item's ``state`` attribute too,
  set and cleared by an UpdateItem in the attempt's transaction (concurrent attempts need no read-modify-
  write; they add 1 to the revision, so a partner's PATCH made meanwhile is refused as stale).
- message: ``<hospital>#webhook-messages#<installation>`` / ``<message id>``, and its attempts beside it
  (``<message id>#a<nn>``): a message with its attempts is one Query. On gsi1
  ``<hospital>#webhook-log#<installation>`` / ``<created at>#<message id>``: the delivery log (newest
  first) and the polling feed (oldest first), one Query a page.
- timer: ``<hospital>#webhook-timers`` / ``<message id>``, and on gsi1 the system-wide due index
  ``marketplace#webhook-due`` / ``<due at>#<hospital>#<installation>#<message id>`` (the sweep's one
  Query, as follow-up's SLA timers). A sender claims a timer by moving it a lease ahead with a condition
  on its current due key, so two senders never send one attempt twice.
- under the partner's tenant: ``<partner>#webhook-installs`` / ``<installation>`` (which hospital an
  installation of its app is in) and ``<partner>#webhook-notices`` / ``<at>#<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.marketplace.adapters.dynamodb import INDEXES, SYSTEM, Codec, Keys, MarketplaceItem, writes
from chalicelib.marketplace.domain.ports import Page
from chalicelib.marketplace.domain.webhooks import (
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
)
from pydantic import BaseModel
from pynamodb.exceptions import UpdateError

from shared.errors import DomainError
from shared.persistence.models import tenant_key
from shared.persistence.paging import decode_cursor, encode_cursor, one_page
from shared.persistence.uow import UnitOfWork

DUE_INDEX = f"{SYSTEM}#webhook-due"


class Placement(BaseModel):
    """Where an installation of a partner's app is: its hospital."""

    installation_id: str
    hospital: str
    app_id: str


def at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def endpoints_pk(tenant: str) -> str:
    return tenant_key(tenant, "webhook-endpoints")


def messages_pk(tenant: str, installation: str) -> str:
    return tenant_key(tenant, "webhook-messages", installation)


def log_pk(tenant: str, installation: str) -> str:
    return tenant_key(tenant, "webhook-log", installation)


def timers_pk(tenant: str) -> str:
    return tenant_key(tenant, "webhook-timers")


def due_key(tenant: str, timer: DeliveryTimer) -> str:
    return f"{at(timer.due_at)}#{tenant}#{timer.installation_id}#{timer.message_id}"


def _endpoint_keys(tenant: str) -> Callable[[Endpoint], Keys]:
    return lambda e: Keys(
        endpoints_pk(tenant), e.installation_id, {}, state=at(e.failing_since) if e.failing_since else None
    )


def _message_keys(tenant: str) -> Callable[[Message], Keys]:
    return lambda m: Keys(
        messages_pk(tenant, m.installation_id),
        m.id,
        {1: (log_pk(tenant, m.installation_id), f"{at(m.created_at)}#{m.id}")},
        state=m.state,
    )


def _attempt_keys(tenant: str, installation: str) -> Callable[[Attempt], Keys]:
    return lambda a: Keys(messages_pk(tenant, installation), f"{a.message_id}#a{a.n:02d}", {})


def _timer_keys(tenant: str) -> Callable[[DeliveryTimer], Keys]:
    return lambda t: Keys(timers_pk(tenant), t.message_id, {1: (DUE_INDEX, due_key(tenant, t))}, state="due")


def endpoint_codec(tenant: str) -> Codec[Endpoint]:
    return Codec(tenant, _endpoint_keys(tenant), Endpoint, "webhook_endpoint")


def message_codec(tenant: str) -> Codec[Message]:
    return Codec(tenant, _message_keys(tenant), Message, "webhook_message")


def attempt_codec(tenant: str, installation: str) -> Codec[Attempt]:
    return Codec(tenant, _attempt_keys(tenant, installation), Attempt, "webhook_attempt")


def timer_codec(tenant: str) -> Codec[DeliveryTimer]:
    return Codec(tenant, _timer_keys(tenant), DeliveryTimer, "webhook_timer")


def placement_codec(partner: str) -> Codec[Placement]:
    return Codec(
        partner,
        lambda p: Keys(tenant_key(partner, "webhook-installs"), p.installation_id, {}),
        Placement,
        "webhook_placement",
    )


def notice_codec(partner: str) -> Codec[Notice]:
    return Codec(
        partner,
        lambda n: Keys(tenant_key(partner, "webhook-notices"), f"{at(n.at)}#{n.id}", {}),
        Notice,
        "webhook_notice",
    )


def _endpoint(tenant: str, item: MarketplaceItem) -> Endpoint:
    endpoint = endpoint_codec(tenant).record(item)
    failing = item.state
    endpoint.failing_since = datetime.fromisoformat(failing.replace("Z", "+00:00")) if failing else None
    return endpoint


@dataclass
class DynamoWebhooks:
    tenant: str
    uow: UnitOfWork | None

    # endpoints
    def endpoint(self, installation: str) -> Endpoint | None:
        try:
            item = MarketplaceItem.get(endpoints_pk(self.tenant), installation, consistent_read=True)
        except MarketplaceItem.DoesNotExist:
            return None
        if item.tenant != self.tenant or item.entity != "webhook_endpoint":
            return None
        return _endpoint(self.tenant, item)

    def endpoints(self) -> list[Endpoint]:
        """The hospital's endpoints (one Query; a hospital has tens of apps, not thousands)."""
        items = MarketplaceItem.query(endpoints_pk(self.tenant), limit=500, page_size=500)
        rows, _ = one_page(MarketplaceItem, items)
        return [_endpoint(self.tenant, i) for i in rows if i.entity == "webhook_endpoint"]

    def add_endpoint(self, endpoint: Endpoint, taken: DomainError) -> None:
        endpoint_codec(self.tenant).add(self.uow, endpoint, taken)

    def replace_endpoint(self, endpoint: Endpoint, stale: DomainError) -> None:
        endpoint_codec(self.tenant).replace(self.uow, endpoint, stale)

    def mark_failing(self, installation: str, since: datetime) -> None:
        item = MarketplaceItem(endpoints_pk(self.tenant), installation)
        writes(self.uow).update(
            item,
            [MarketplaceItem.state.set(MarketplaceItem.state | at(since)), MarketplaceItem.revision.add(1)],
            condition=MarketplaceItem.pk.exists(),
        )

    def clear_failing(self, installation: str) -> None:
        item = MarketplaceItem(endpoints_pk(self.tenant), installation)
        writes(self.uow).update(
            item,
            [MarketplaceItem.state.remove(), MarketplaceItem.revision.add(1)],
            condition=MarketplaceItem.pk.exists(),
        )

    # messages and attempts
    def add_message(self, message: Message, taken: DomainError) -> None:
        message_codec(self.tenant).add(self.uow, message, taken)

    def replace_message(self, message: Message, stale: DomainError) -> None:
        message_codec(self.tenant).replace(self.uow, message, stale)

    def add_attempt(self, attempt: Attempt, installation: str) -> None:
        attempt_codec(self.tenant, installation).add(self.uow, attempt)

    def message(self, installation: str, message_id: str) -> Message | None:
        return message_codec(self.tenant).get(messages_pk(self.tenant, installation), message_id)

    def message_with_attempts(
        self, installation: str, message_id: str
    ) -> tuple[Message | None, list[Attempt]]:
        """The message and its attempts: one Query."""
        pk = messages_pk(self.tenant, installation)
        result = MarketplaceItem.query(
            pk, MarketplaceItem.sk.startswith(message_id), consistent_read=True, limit=20, page_size=20
        )
        items, _ = one_page(MarketplaceItem, result)
        message = None
        attempts: list[Attempt] = []
        for item in items:
            if item.tenant != self.tenant:
                continue
            if item.entity == "webhook_message" and item.sk == message_id:
                message = message_codec(self.tenant).record(item)
            elif item.entity == "webhook_attempt":
                attempts.append(attempt_codec(self.tenant, installation).record(item))
        return message, attempts

    def log(
        self,
        installation: str,
        limit: int,
        cursor: str | None,
        newest_first: bool,
        since: datetime | None = None,
    ) -> Page:
        """One Query of the installation's messages by creation (the log: newest first; the feed and
        recover: oldest first, from ``since``)."""
        ipk = log_pk(self.tenant, installation)
        condition = MarketplaceItem.gsi1sk >= at(since) if since is not None else None
        result = INDEXES[1].query(
            ipk,
            range_key_condition=condition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, ipk, pk_name="gsi1pk"),
            scan_index_forward=not newest_first,
        )
        items, next_cursor = one_page(MarketplaceItem, result)
        codec = message_codec(self.tenant)
        return [codec.record(i) for i in items if i.tenant == self.tenant], next_cursor

    def feed(self, installation: str, limit: int, cursor: str | None, before: datetime | None = None) -> Page:
        """The feed: one Query oldest first after ``cursor`` (and recorded before ``before``); the cursor
        after the last item read (the one given when nothing is new), so a partner polls on from where it
        stopped."""
        ipk = log_pk(self.tenant, installation)
        result = INDEXES[1].query(
            ipk,
            range_key_condition=MarketplaceItem.gsi1sk < at(before) if before is not None else None,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(cursor, ipk, pk_name="gsi1pk"),
            scan_index_forward=True,
        )
        items, _ = one_page(MarketplaceItem, result)
        items = [i for i in items if i.tenant == self.tenant]
        if not items:
            return [], cursor
        last = items[-1]
        key = {"pk": {"S": last.pk}, "sk": {"S": last.sk}, "gsi1pk": {"S": ipk}, "gsi1sk": {"S": last.gsi1sk}}
        codec = message_codec(self.tenant)
        return [codec.record(i) for i in items], encode_cursor(key)

    # timers
    def put_timer(self, timer: DeliveryTimer) -> None:
        writes(self.uow).save(timer_codec(self.tenant).item(timer, 0))

    def claim_timer(self, timer: DeliveryTimer, until: datetime) -> DeliveryTimer | None:
        """Move the timer to ``until`` if it is still as read (not staged: at once); none if another
        sender claimed it (or it is gone)."""
        claimed = timer.model_copy(update={"due_at": until})
        item = MarketplaceItem(timers_pk(self.tenant), timer.message_id)
        try:
            item.update(
                actions=[
                    MarketplaceItem.gsi1sk.set(due_key(self.tenant, claimed)),
                    MarketplaceItem.data.set(claimed.model_dump_json()),
                ],
                condition=MarketplaceItem.gsi1sk == due_key(self.tenant, timer),
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return None
            raise
        return claimed

    def reschedule_timer(self, claimed: DeliveryTimer, due_at: datetime, lost: DomainError) -> None:
        """Staged: the claimed timer due again at ``due_at`` (if still the claim)."""
        nxt = claimed.model_copy(update={"due_at": due_at})
        writes(self.uow).save(
            timer_codec(self.tenant).item(nxt, 0),
            condition=MarketplaceItem.gsi1sk == due_key(self.tenant, claimed),
            on_conflict=lost,
        )

    def finish_timer(self, claimed: DeliveryTimer, lost: DomainError) -> None:
        """Staged: the claimed timer removed (if still the claim)."""
        writes(self.uow).delete(
            MarketplaceItem(timers_pk(self.tenant), claimed.message_id),
            condition=MarketplaceItem.gsi1sk == due_key(self.tenant, claimed),
            on_conflict=lost,
        )

    def timer(self, message_id: str) -> DeliveryTimer | None:
        return timer_codec(self.tenant).get(timers_pk(self.tenant), message_id)

    # the partner's side
    def place(self, partner: str, placement: Placement) -> None:
        writes(self.uow).save(placement_codec(partner).item(placement, 0))

    def placement(self, installation: str) -> Placement | None:
        """Where an installation of this (partner) tenant's apps is."""
        return placement_codec(self.tenant).get(tenant_key(self.tenant, "webhook-installs"), installation)

    def add_notice(self, notice: Notice) -> None:
        writes(self.uow).save(notice_codec(notice.partner).item(notice, 0))

    def notices(self, limit: int, cursor: str | None) -> Page:
        return notice_codec(self.tenant).page(
            tenant_key(self.tenant, "webhook-notices"), limit, cursor, newest_first=True
        )


class DynamoDueDeliveries:
    """The deliveries due, across hospitals: one Query of the due index, the longest overdue first."""

    def due(self, now: datetime, limit: int) -> list[tuple[str, DeliveryTimer]]:
        result = INDEXES[1].query(DUE_INDEX, MarketplaceItem.gsi1sk <= f"{at(now)}~", limit=limit)
        out = []
        for item in result:
            tenant = str(item.tenant)
            out.append((tenant, timer_codec(tenant).record(item)))
        return out
