"""Bulk writes retry what DynamoDB leaves unprocessed, with backoff, and never drop it silently."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import TransientStoreError
from shared.persistence import batch


class FakeConnection:
    def __init__(self, table: str, leave: list[int]):
        self.table = table
        self.leave = list(leave)  # how many items to leave unprocessed on successive calls
        self.calls: list[int] = []
        self.stored: list[str] = []

    def batch_write_item(self, put_items: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(len(put_items))
        keep = self.leave.pop(0) if self.leave else 0
        done, rest = put_items[: len(put_items) - keep], put_items[len(put_items) - keep :]
        self.stored += [i["sk"]["S"] for i in done]
        return {"UnprocessedItems": {self.table: [{"PutRequest": {"Item": i}} for i in rest]} if rest else {}}


class Item:
    class Meta:
        table_name = "t"

    connection: FakeConnection

    def __init__(self, key: str):
        self.key = key

    def serialize(self) -> dict[str, Any]:
        return {"pk": {"S": "p"}, "sk": {"S": self.key}}

    @classmethod
    def _get_connection(cls) -> FakeConnection:
        return cls.connection


def test_every_item_lands_and_calls_are_minimal_without_throttling() -> None:
    Item.connection = FakeConnection("t", [])
    calls = batch.put_all([Item(str(i)) for i in range(60)], sleep=lambda _: None)  # type: ignore[list-item]
    assert calls == 3 and Item.connection.calls == [25, 25, 10]
    assert sorted(Item.connection.stored, key=int) == [str(i) for i in range(60)]


def test_unprocessed_items_are_retried_until_stored() -> None:
    Item.connection = FakeConnection("t", [5, 2, 0, 3])
    delays: list[float] = []
    calls = batch.put_all([Item(str(i)) for i in range(50)], sleep=delays.append)  # type: ignore[list-item]
    assert sorted(Item.connection.stored, key=int) == [str(i) for i in range(50)]
    assert Item.connection.calls == [25, 5, 2, 25, 3]
    assert calls == 5 and len(delays) == 3


def test_still_unprocessed_after_the_attempts_is_an_error_not_a_loss() -> None:
    Item.connection = FakeConnection("t", [1] * 10)
    with pytest.raises(TransientStoreError, match="1 items still unprocessed"):
        batch.put_all([Item("a"), Item("b")], attempts=3, sleep=lambda _: None)  # type: ignore[list-item]
