"""A consumer's subscription: which events it takes and the queue they arrive on (no pydantic here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subscription:
    """A consumer: which events it takes (by producing service and type) and where they queue."""

    service: str
    name: str
    source: str
    event_types: tuple[str, ...]

    @property
    def queue_name(self) -> str:
        """The logical queue name; the stack prefixes it with ``fh-<province>-``."""
        return f"{self.service}-{self.name}"

    def event_pattern(self) -> dict[str, Any]:
        return {"source": [f"fh.{self.source}"], "detail-type": list(self.event_types)}
