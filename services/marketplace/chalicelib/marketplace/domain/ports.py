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
