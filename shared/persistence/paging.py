"""List pages over DynamoDB: one Query per page, cursors that cannot leave the caller's partition.

An adapter's list read is ``query_page(Item, partition, limit, cursor)``: one Query, its items and the
cursor after them; the use case maps them with ``Page[View].of(...)`` (``shared.pages``). Cursors are
opaque to clients (base64 of the last evaluated key) and checked on the way back in: key attributes
only, well typed, in the partition being listed (so no cursor pages through another tenant's items).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shared.errors import RuleViolation

# The key attributes of every table and index (tables.py): all a page cursor may carry.
CURSOR_KEY_NAMES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "id"})


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None, partition: str, pk_name: str = "pk") -> dict[str, Any] | None:
    """Decode a cursor and check it belongs to the partition being listed (no cross-tenant paging)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as exc:
        raise RuleViolation("invalid cursor", field="cursor") from exc
    if (
        not isinstance(key, dict)
        or not set(key) <= CURSOR_KEY_NAMES
        or not all(_key_value(value) for value in key.values())
        or key.get(pk_name, {}).get("S") != partition
    ):
        # Only key attributes, well-typed, in the caller's partition: nothing else may reach DynamoDB.
        raise RuleViolation("invalid cursor", field="cursor")
    return key


def _key_value(value: Any) -> bool:
    # Every key attribute of every table is a string (tables.py): a number or any other type
    # would reach DynamoDB as a ValidationException, a 500.
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("S"), str)


def query_page(
    model: Any,
    partition: str,
    limit: int,
    cursor: str | None,
    condition: Any = None,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """One list page = exactly one Query on one tenant partition.

    A filter applies within the ``limit`` items that Query reads, so a filtered page may hold fewer items
    (even none) and still carry a cursor: PynamoDB's iterator would instead keep querying until it had
    ``limit`` matches, an unbounded number of calls on a large partition.
    """
    result = model.query(
        partition,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode_cursor(cursor, partition),
        filter_condition=condition,
        scan_index_forward=not newest_first,
    )
    return one_page(model, result)


def one_page(model: Any, result: Any) -> tuple[list[Any], str | None]:
    """The items of the first page of a PynamoDB query (``limit`` sets its size) and the cursor after it:
    exactly one Query, whatever a filter drops."""
    page = next(result.page_iter)
    items = [model.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, encode_cursor(result.page_iter.last_evaluated_key)
