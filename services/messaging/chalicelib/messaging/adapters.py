"""Messaging's DynamoDB access: the directory items (shared read model) through PynamoDB."""

from __future__ import annotations

from typing import Any

from shared.directory import DepartmentItem, EmployeeNumberClaim, StaffItem
from shared.http import decode_cursor, encode_cursor


def list_page(model: Any, partition: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """One page = one Query on the tenant's partition."""
    start = decode_cursor(cursor, partition)
    result = model.query(partition, limit=limit, last_evaluated_key=start)
    items = list(result)
    return items, encode_cursor(result.last_evaluated_key)


__all__ = ["DepartmentItem", "EmployeeNumberClaim", "StaffItem", "list_page"]
