"""In-memory stand-ins for the unit of work, shared by every service's fakes (cosmicpython style).

A service's fake repositories stage their writes with ``MemoryUnitOfWork.stage``; ``commit`` applies
them all (and publishes the events, records the audit), leaving without it discards them: the same
all-or-nothing contract as ``shared.persistence.uow.UnitOfWork``'s one DynamoDB transaction.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.errors import RuleViolation


@dataclass
class MemoryUnitOfWork:
    staged: list[Callable[[], None]] = field(default_factory=list)
    # Conditions (create-only, a version to match): all run on commit before any write is applied,
    # and the first that fails raises its conflict with nothing written (DynamoDB's one transaction).
    checks: list[Callable[[], None]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    audits: list[tuple[str, str, str]] = field(default_factory=list)
    published: list[Any] = field(default_factory=list)
    audited: list[tuple[str, str, str]] = field(default_factory=list)
    # the committed audit records whole: action, resource type and id, before, after
    audit_records: list[dict[str, Any]] = field(default_factory=list)
    staged_records: list[dict[str, Any]] = field(default_factory=list)
    commits: int = 0

    def __enter__(self) -> MemoryUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.staged.clear()
        self.checks.clear()
        self.events.clear()
        self.audits.clear()
        self.staged_records.clear()

    def stage(self, write: Callable[[], None]) -> None:
        self.staged.append(write)

    def check(self, condition: Callable[[], None]) -> None:
        self.checks.append(condition)

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        self.audits.append((action, resource_type, resource_id))
        self.staged_records.append(
            {
                "action": action,
                "type": resource_type,
                "id": resource_id,
                "before": before,
                "after": after,
                "at": datetime.now(UTC),
            }
        )

    def commit(self) -> None:
        for condition in self.checks:
            condition()
        self.checks.clear()
        for write in self.staged:
            write()
        self.published += self.events
        self.audited += self.audits
        self.audit_records += self.staged_records
        self.commits += 1
        self.staged.clear()
        self.events.clear()
        self.audits.clear()
        self.staged_records.clear()


def encode_cursor(position: Any, partition: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([partition, position]).encode()).decode()


def decode_cursor(cursor: str | None, partition: str) -> Any:
    """The position a fake's cursor holds; like the real ones, a cursor of another list is refused."""
    if not cursor:
        return None
    try:
        owner, position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise RuleViolation("invalid cursor", field="cursor") from exc
    if owner != partition:
        raise RuleViolation("invalid cursor", field="cursor")
    return position


def page_after(
    rows: list[tuple[str, Any]], limit: int, cursor: str | None, partition: str, newest_first: bool = False
) -> tuple[list[Any], str | None]:
    """One page of ``rows`` (sort key, value) in sort-key order (descending with ``newest_first``),
    after the cursor's position.

    Unlike DynamoDB, a filter a fake applies comes before the limit; a test compares what all pages
    hold, never where one page ends."""
    after = decode_cursor(cursor, partition)
    ordered = sorted(
        (row for row in rows if after is None or (row[0] < after if newest_first else row[0] > after)),
        key=lambda row: row[0],
        reverse=newest_first,
    )
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return [value for _, value in chunk], encode_cursor(chunk[-1][0], partition) if more else None
