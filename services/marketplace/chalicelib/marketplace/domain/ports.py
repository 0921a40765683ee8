"""What the marketplace's use cases need from outside the domain, as Protocols.

The DynamoDB implementations are in ``adapters/``; in-memory fakes keeping the same promises
(create-only, revisions) are in ``tests/unit/marketplace/fakes.py``, and a contract test per store
runs the same checks on both.
"""

from __future__ import annotations

from typing import Any, Protocol

Page = tuple[list[Any], str | None]


class Store(Protocol):
    """One tenant's records; each feature adds its repositories here."""

    tenant: str


# ---- M1: partners, apps, the catalogue, installations (adapters/apps.py, adapters/installations.py) ----
# The repositories' methods are documented on their DynamoDB adapters; the use cases reach them through
# these members of the store.


class AppsStore(Protocol):
    tenant: str

    @property
    def partners(self) -> Any: ...

    @property
    def apps(self) -> Any: ...

    @property
    def province(self) -> Any: ...

    @property
    def installations(self) -> Any: ...

    @property
    def partner_installations(self) -> Any: ...

    @property
    def bundles(self) -> Any: ...

    def other(self, tenant: str) -> AppsStore: ...

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...

    def emit(self, event: Any) -> None: ...

    def commit(self) -> None: ...


# --- webhooks (endpoints, messages, attempts, timers, partner notices) ---
from datetime import datetime  # noqa: E402

from chalicelib.marketplace.domain.webhooks import (  # noqa: E402
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
)

from shared.errors import DomainError  # noqa: E402


class PlacementView(Protocol):
    installation_id: str
    hospital: str
    app_id: str


class WebhookRepository(Protocol):
    """A hospital's webhook endpoints, messages, attempts and delivery timers; a partner's placements
    and notices (writes staged in the store's unit of work, except ``claim_timer``)."""

    def endpoint(self, installation: str) -> Endpoint | None: ...
    def endpoints(self) -> list[Endpoint]: ...
    def add_endpoint(self, endpoint: Endpoint, taken: DomainError) -> None: ...
    def replace_endpoint(self, endpoint: Endpoint, stale: DomainError) -> None: ...
    def mark_failing(self, installation: str, since: datetime) -> None: ...
    def clear_failing(self, installation: str) -> None: ...
    def add_message(self, message: Message, taken: DomainError) -> None: ...
    def replace_message(self, message: Message, stale: DomainError) -> None: ...
    def add_attempt(self, attempt: Attempt, installation: str) -> None: ...
    def message(self, installation: str, message_id: str) -> Message | None: ...
    def message_with_attempts(
        self, installation: str, message_id: str
    ) -> tuple[Message | None, list[Attempt]]: ...
    def log(
        self,
        installation: str,
        limit: int,
        cursor: str | None,
        newest_first: bool,
        since: datetime | None = None,
    ) -> Page: ...
    def feed(
        self, installation: str, limit: int, cursor: str | None, before: datetime | None = None
    ) -> Page: ...
    def put_timer(self, timer: DeliveryTimer) -> None: ...
    def claim_timer(self, timer: DeliveryTimer, until: datetime) -> DeliveryTimer | None: ...
    def reschedule_timer(self, claimed: DeliveryTimer, due_at: datetime, lost: DomainError) -> None: ...
    def finish_timer(self, claimed: DeliveryTimer, lost: DomainError) -> None: ...
    def timer(self, message_id: str) -> DeliveryTimer | None: ...
    def place(self, partner: str, placement: Any) -> None: ...
    def placement(self, installation: str) -> PlacementView | None: ...
    def add_notice(self, notice: Notice) -> None: ...
    def notices(self, limit: int, cursor: str | None) -> Page: ...


class DueDeliveries(Protocol):
    def due(self, now: datetime, limit: int) -> list[tuple[str, DeliveryTimer]]:
        """(hospital, timer) due by ``now``, the longest overdue first (one Query)."""
        ...


class WebhookStore(Store, Protocol):
    webhooks: WebhookRepository
