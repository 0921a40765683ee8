"""The marketplace's ports in memory (``chalicelib.marketplace.domain.ports``).

A contract test per store runs the same checks on these and on the DynamoDB adapters, so a fake cannot
drift from what it stands in for. Each feature adds its repositories to ``MemoryStore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes import MemoryUnitOfWork


@dataclass
class MemoryStore:
    tenant: str
    uow: MemoryUnitOfWork = field(default_factory=MemoryUnitOfWork)


# --- webhooks ---
from datetime import datetime  # noqa: E402
from typing import Any  # noqa: E402

from chalicelib.marketplace.domain.webhooks import (  # noqa: E402
    Attempt,
    DeliveryTimer,
    Endpoint,
    Message,
    Notice,
)

from shared.errors import Conflict, DomainError  # noqa: E402
from tests.fakes import page_after  # noqa: E402


@dataclass
class WebhookTables:
    """Every tenant's webhook records (shared by the stores of one test, as one table)."""

    endpoints: dict[tuple[str, str], Endpoint] = field(default_factory=dict)
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    attempts: dict[tuple[str, str, int], Attempt] = field(default_factory=dict)
    timers: dict[tuple[str, str], DeliveryTimer] = field(default_factory=dict)
    placements: dict[tuple[str, str], Any] = field(default_factory=dict)
    notices: dict[str, list[Notice]] = field(default_factory=dict)


TABLES = WebhookTables()


@dataclass
class FakeWebhooks:
    tenant: str
    uow: MemoryUnitOfWork | None
    t: WebhookTables

    def _uow(self) -> MemoryUnitOfWork:
        if self.uow is None:
            raise RuntimeError("this store reads only")
        return self.uow

    def endpoint(self, installation: str) -> Endpoint | None:
        found = self.t.endpoints.get((self.tenant, installation))
        return found.model_copy(deep=True) if found else None

    def endpoints(self) -> list[Endpoint]:
        return [e.model_copy(deep=True) for (t, _), e in sorted(self.t.endpoints.items()) if t == self.tenant]

    def add_endpoint(self, endpoint: Endpoint, taken: DomainError) -> None:
        key = (self.tenant, endpoint.installation_id)

        def free() -> None:
            if key in self.t.endpoints:
                raise taken

        self._uow().check(free)
        self._uow().stage(
            lambda: self.t.endpoints.__setitem__(key, endpoint.model_copy(update={"revision": 0}))
        )

    def replace_endpoint(self, endpoint: Endpoint, stale: DomainError) -> None:
        key = (self.tenant, endpoint.installation_id)

        def current() -> None:
            stored = self.t.endpoints.get(key)
            if stored is None or stored.revision != endpoint.revision:
                raise stale

        self._uow().check(current)
        self._uow().stage(
            lambda: self.t.endpoints.__setitem__(
                key, endpoint.model_copy(update={"revision": endpoint.revision + 1})
            )
        )

    def _touch(self, installation: str, failing: datetime | None, keep: bool) -> None:
        key = (self.tenant, installation)

        def write() -> None:
            stored = self.t.endpoints[key]
            since = (stored.failing_since or failing) if keep else None
            self.t.endpoints[key] = stored.model_copy(
                update={"failing_since": since, "revision": stored.revision + 1}
            )

        self._uow().stage(write)

    def mark_failing(self, installation: str, since: datetime) -> None:
        self._touch(installation, since, True)

    def clear_failing(self, installation: str) -> None:
        self._touch(installation, None, False)

    def add_message(self, message: Message, taken: DomainError) -> None:
        key = (self.tenant, message.id)

        def free() -> None:
            if key in self.t.messages:
                raise taken

        self._uow().check(free)
        self._uow().stage(
            lambda: self.t.messages.__setitem__(key, message.model_copy(update={"revision": 0}))
        )

    def replace_message(self, message: Message, stale: DomainError) -> None:
        key = (self.tenant, message.id)

        def current() -> None:
            stored = self.t.messages.get(key)
            if stored is None or stored.revision != message.revision:
                raise stale

        self._uow().check(current)
        self._uow().stage(
            lambda: self.t.messages.__setitem__(
                key, message.model_copy(update={"revision": message.revision + 1})
            )
        )

    def add_attempt(self, attempt: Attempt, installation: str) -> None:
        key = (self.tenant, attempt.message_id, attempt.n)

        def free() -> None:
            if key in self.t.attempts:
                raise Conflict("already exists")

        self._uow().check(free)
        self._uow().stage(lambda: self.t.attempts.__setitem__(key, attempt))

    def message(self, installation: str, message_id: str) -> Message | None:
        found = self.t.messages.get((self.tenant, message_id))
        return found.model_copy(deep=True) if found and found.installation_id == installation else None

    def message_with_attempts(
        self, installation: str, message_id: str
    ) -> tuple[Message | None, list[Attempt]]:
        message = self.message(installation, message_id)
        if message is None:
            return None, []
        return message, [
            a for (t, m, _), a in sorted(self.t.attempts.items()) if t == self.tenant and m == message_id
        ]

    def _rows(self, installation: str, since: datetime | None = None) -> list[tuple[str, Message]]:
        return [
            (f"{m.created_at.isoformat()}#{m.id}", m.model_copy(deep=True))
            for (t, _), m in self.t.messages.items()
            if t == self.tenant
            and m.installation_id == installation
            and (since is None or m.created_at >= since)
        ]

    def log(
        self,
        installation: str,
        limit: int,
        cursor: str | None,
        newest_first: bool,
        since: datetime | None = None,
    ) -> tuple[list[Any], str | None]:
        return page_after(
            self._rows(installation, since), limit, cursor, f"log#{self.tenant}#{installation}", newest_first
        )

    def feed(self, installation: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        from tests.fakes import decode_cursor, encode_cursor

        partition = f"log#{self.tenant}#{installation}"
        after = decode_cursor(cursor, partition)
        rows = sorted(r for r in self._rows(installation) if after is None or r[0] > after)[:limit]
        if not rows:
            return [], cursor
        return [m for _, m in rows], encode_cursor(rows[-1][0], partition)

    def put_timer(self, timer: DeliveryTimer) -> None:
        self._uow().stage(lambda: self.t.timers.__setitem__((self.tenant, timer.message_id), timer))

    def claim_timer(self, timer: DeliveryTimer, until: datetime) -> DeliveryTimer | None:
        key = (self.tenant, timer.message_id)
        stored = self.t.timers.get(key)
        if stored is None or stored.due_at != timer.due_at:
            return None
        claimed = timer.model_copy(update={"due_at": until})
        self.t.timers[key] = claimed
        return claimed

    def _claim_held(self, claimed: DeliveryTimer, lost: DomainError) -> None:
        key = (self.tenant, claimed.message_id)

        def held() -> None:
            stored = self.t.timers.get(key)
            if stored is None or stored.due_at != claimed.due_at:
                raise lost

        self._uow().check(held)

    def reschedule_timer(self, claimed: DeliveryTimer, due_at: datetime, lost: DomainError) -> None:
        self._claim_held(claimed, lost)
        nxt = claimed.model_copy(update={"due_at": due_at})
        self._uow().stage(lambda: self.t.timers.__setitem__((self.tenant, claimed.message_id), nxt))

    def finish_timer(self, claimed: DeliveryTimer, lost: DomainError) -> None:
        self._claim_held(claimed, lost)
        self._uow().stage(lambda: self.t.timers.pop((self.tenant, claimed.message_id), None))

    def timer(self, message_id: str) -> DeliveryTimer | None:
        return self.t.timers.get((self.tenant, message_id))

    def place(self, partner: str, placement: Any) -> None:
        self._uow().stage(
            lambda: self.t.placements.__setitem__((partner, placement.installation_id), placement)
        )

    def placement(self, installation: str) -> Any:
        return self.t.placements.get((self.tenant, installation))

    def add_notice(self, notice: Notice) -> None:
        self._uow().stage(lambda: self.t.notices.setdefault(notice.partner, []).append(notice))

    def notices(self, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
        rows = [(f"{n.at.isoformat()}#{n.id}", n) for n in self.t.notices.get(self.tenant, [])]
        return page_after(rows, limit, cursor, f"notices#{self.tenant}", True)


@dataclass
class FakeDue:
    t: WebhookTables

    def due(self, now: datetime, limit: int) -> list[tuple[str, DeliveryTimer]]:
        rows = sorted(
            ((x.due_at, t, x) for (t, _), x in self.t.timers.items() if x.due_at <= now), key=lambda r: r[0]
        )
        return [(t, x) for _, t, x in rows[:limit]]


@dataclass
class WebhookStoreFake:
    tenant: str
    uow: MemoryUnitOfWork | None
    t: WebhookTables

    @property
    def webhooks(self) -> FakeWebhooks:
        return FakeWebhooks(self.tenant, self.uow, self.t)
