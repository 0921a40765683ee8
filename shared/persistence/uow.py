"""The unit of work: one ``TransactWriteItems`` with the state change, its outbox events and its audit."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.auth import Principal
from shared.errors import THROTTLE_CODES, Conflict, DomainError, TransientStoreError, is_throttle
from shared.persistence.models import AuditRecord, now_utc, service_item_models, tenant_key
from shared.settings import get_settings

if TYPE_CHECKING:
    from shared.events.envelope import EventEnvelope

MAX_TRANSACTION_ITEMS = 100
_SEND_ORDER = {"check": 0, "delete": 1, "save": 2, "update": 3}


@dataclass
class _Op:
    kind: str  # save | update | delete | check
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    on_conflict: DomainError


@dataclass
class UnitOfWork:
    """Collects writes; ``commit()`` sends them as one transaction. Leaving without commit discards them."""

    service: str
    principal: Principal | None = None
    request_id: str | None = None
    ops: list[_Op] = field(default_factory=list)
    events: list[EventEnvelope] = field(default_factory=list)
    committed: bool = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.ops.clear()
        self.events.clear()

    def save(
        self, item: Model, condition: Condition | None = None, on_conflict: DomainError | None = None
    ) -> None:
        self.ops.append(
            _Op("save", (item,), {"condition": condition}, on_conflict or Conflict("already exists"))
        )

    def create(self, item: Model, on_conflict: DomainError | None = None) -> None:
        """Create-only: fails with ``on_conflict`` if an item with the same key exists."""
        cls: Any = type(item)
        self.save(item, condition=cls._hash_key_attribute().does_not_exist(), on_conflict=on_conflict)

    def update(
        self,
        item: Model,
        actions: list[Any],
        condition: Condition | None = None,
        on_conflict: DomainError | None = None,
    ) -> None:
        self.ops.append(
            _Op(
                "update",
                (item, actions),
                {"condition": condition},
                on_conflict or Conflict("changed meanwhile"),
            )
        )

    def delete(
        self, item: Model, condition: Condition | None = None, on_conflict: DomainError | None = None
    ) -> None:
        """Delete if present (no version check: the caller decides from current state)."""
        self.ops.append(
            _Op(
                "delete",
                (item,),
                {"condition": condition, "add_version_condition": False},
                on_conflict or Conflict("changed"),
            )
        )

    def check(
        self,
        model_cls: type[Model],
        hash_key: str,
        range_key: str | None,
        condition: Condition,
        on_conflict: DomainError,
    ) -> None:
        self.ops.append(_Op("check", (model_cls, hash_key, range_key), {"condition": condition}, on_conflict))

    def emit(self, event: EventEnvelope) -> None:
        self.events.append(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        tenant: str | None = None,
    ) -> None:
        """Audit as the unit's principal, in its hospital's trail (``tenant``: in another's, see
        ``AuditRecord.of``)."""
        principal = self._require_principal()
        record = AuditRecord.of(
            principal, action, resource_type, resource_id, self.request_id, before, after, tenant=tenant
        )
        self.create(record)

    def _require_principal(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("this unit of work has no principal to audit")
        return self.principal

    def _outbox_items(self) -> list[Model]:
        outbox_cls = service_item_models(self.service)["outbox"]
        ttl = int((now_utc() + timedelta(days=get_settings().outbox_ttl_days)).timestamp())
        return [
            outbox_cls(
                tenant_key(event.tenant, "outbox"),
                f"{event.time.isoformat()}#{event.id}",
                entity="outbox",
                tenant=event.tenant,
                event=event.model_dump_json(),
                event_type=event.type,
                expires_at=ttl,
            )
            for event in self.events
        ]

    def commit(self) -> None:
        outbox = self._outbox_items()
        ops = self.ops + [
            _Op("save", (item,), {"condition": None}, Conflict("duplicate event")) for item in outbox
        ]
        if not ops:
            self.committed = True
            return
        # PynamoDB sends checks, deletes, puts, then updates; cancellation reasons follow that order.
        ops.sort(key=lambda op: _SEND_ORDER[op.kind])
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise DomainError(f"one change may write at most {MAX_TRANSACTION_ITEMS} items")
        try:
            with TransactWrite(connection=_connection(get_settings().region, _endpoint())) as tx:
                for op in ops:
                    apply: Callable[..., None] = getattr(
                        tx, "condition_check" if op.kind == "check" else op.kind
                    )
                    apply(*op.args, **op.kwargs)
        except TransactWriteError as exc:
            raise _translate(exc, ops) from exc
        except PynamoDBException as exc:
            if _is_throttle(exc):
                raise TransientStoreError("the store is busy, retry shortly") from exc
            raise
        self.committed = True
        self.ops.clear()
        self.events.clear()


def _endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")


@functools.cache
def _connection(region: str, endpoint: str | None) -> Connection:
    """One connection (one botocore client) per process for transactions, as PynamoDB keeps one per
    model: a new ``Connection`` per commit made a new botocore session, which parses the DynamoDB
    service model and the endpoint rules again — about a third of a second of CPU on every write."""
    return Connection(region=region, host=endpoint)


def reset_connection() -> None:
    """Forget the cached connection (the environment's endpoint or credentials changed)."""
    _connection.cache_clear()


def _is_throttle(exc: PynamoDBException) -> bool:
    return is_throttle(exc)


def _translate(exc: TransactWriteError, ops: list[_Op]) -> Exception:
    reasons = exc.cancellation_reasons or []
    for op, reason in zip(ops, reasons, strict=False):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            return op.on_conflict
    if any(reason is not None and reason.code in THROTTLE_CODES for reason in reasons) or _is_throttle(exc):
        return TransientStoreError("the store is busy, retry shortly")
    return exc
