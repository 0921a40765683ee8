"""Bulk writes: ``BatchWriteItem`` in 25s, unprocessed items retried with backoff, never dropped."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.models import Model

from shared.errors import TransientStoreError

BATCH_SIZE = 25


def put_all(
    items: Sequence[Model],
    attempts: int = 8,
    base_delay: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put every item (one table), 25 per call. Returns the number of ``BatchWriteItem`` calls made.

    DynamoDB may leave some items unprocessed when throttled; those are sent again with exponential
    backoff and jitter. If some are still unprocessed after ``attempts`` rounds, ``TransientStoreError``
    is raised — the caller's retry (a queue redelivery) finishes the job; nothing is silently lost.
    """
    if not items:
        return 0
    model = type(items[0])
    connection = model._get_connection()
    table = model.Meta.table_name
    calls = 0
    for start in range(0, len(items), BATCH_SIZE):
        pending: list[dict[str, Any]] = [item.serialize() for item in items[start : start + BATCH_SIZE]]
        for attempt in range(attempts):
            data = connection.batch_write_item(put_items=pending)
            calls += 1
            unprocessed = (data or {}).get("UnprocessedItems", {}).get(table, [])
            if not unprocessed:
                break
            pending = [entry["PutRequest"]["Item"] for entry in unprocessed]
            if attempt + 1 == attempts:
                raise TransientStoreError(f"{len(pending)} items still unprocessed after {attempts} attempts")
            sleep(random.uniform(0, base_delay * 2**attempt))  # noqa: S311 - jitter, not security
    return calls
