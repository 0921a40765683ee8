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
