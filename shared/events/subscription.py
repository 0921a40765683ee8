"""A consumer's subscription: which events it takes and the queue they arrive on (no pydantic here)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Subscription:
    """A consumer: which events it takes (by producing service and type) and where they queue."""

    service: str
    name: str
    source: str
    event_types: tuple[str, ...]
    # DynamoDB calls per API operation that applying one event may make, the inbox marker included
    # (it shares the handler's TransactWriteItems), checked by tests/quality/test_consumer_budget.py.
    # A consumer whose work grows with what the event names (recipients, rows) adds ``per_item`` calls
    # for each of them, rounded up: {"BatchWriteItem": 1 / 25} is one BatchWriteItem per 25 items.
    budget: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    per_item: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)

    def allowed(self, items: int = 0) -> dict[str, int]:
        """The calls one event may make when it names ``items`` items."""
        ops = set(self.budget) | set(self.per_item)
        return {op: self.budget.get(op, 0) + math.ceil(self.per_item.get(op, 0) * items) for op in ops}

    @property
    def queue_name(self) -> str:
        """The logical queue name; the stack prefixes it with ``fh-<province>-``."""
        return f"{self.service}-{self.name}"

    def event_pattern(self) -> dict[str, Any]:
        return {"source": [f"fh.{self.source}"], "detail-type": list(self.event_types)}
