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
