"""Makes moto's DynamoDB behave like DynamoDB where the local runtime depends on it (local runtime only).

moto 5 has three behaviours real DynamoDB never shows, and each hurts a long-running local stack:
- **Transactions** are applied item by item after deep-copying every table they touch, so a
  transaction costs time and memory in proportion to the *whole table* (items and stream records),
  and a cancelled one swaps in the copies: stream readers polling in between see the half-applied
  transaction, and the live stream shard their iterators point at is replaced, so they keep the
  cancelled records and never see a later write. Here a transaction first checks every condition
  against the state before it, then applies; a failure while applying restores just the items it
  touched and the stream, under one lock shared with the stream readers.
- **Query on the base table** walks every item of the table to find one partition. Here it looks
  at that partition only.
- **Streams** keep every record forever. Here records older than the retention (24 hours in
  DynamoDB; shorter for a local stack, see ``set_stream_retention``) are trimmed when a record is added.
This patches the fake, not our code: the services call the same DynamoDB API either way.

It also reads two things from the fake without a request (``queue_has_visible``, ``stream_end``),
so the local trigger runner polls only the queues and streams that have something for it.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_SCOPE = threading.local()
_applied = False
_retention_seconds: float = 24 * 3600.0


def set_stream_retention(seconds: float) -> None:
    """How long stream records stay readable (DynamoDB: 24 hours)."""
    global _retention_seconds
    _retention_seconds = seconds


def _locked(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return wrapper


def _item_key(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _restore(table: Any, key: dict[str, Any], before: Any) -> None:
    """Puts one item back as it was (``None``: absent), without a stream record."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        if before is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = before
        return
    range_value = DynamoType(key[table.range_key_attr])
    bucket = table.items.get(hash_value)
    if before is None:
        if bucket is not None:
            bucket.pop(range_value, None)
            if not bucket:
                table.items.pop(hash_value, None)
    else:
        table.items[hash_value][range_value] = before


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """DynamoDB's all-or-nothing TransactWriteItems, at the cost of the items it names."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _LOCK:
        ops: list[tuple[str, dict[str, Any], Any, dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        for entry in transact_items:
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise MockValidationException("Unsupported transaction operation")
            table = self.get_table(op["TableName"])
            key = _item_key(table, op_type, op)
            marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if marker in seen:
                raise MultipleTransactionsException()
            seen.add(marker)
            ops.append((op_type, op, table, key))

        # Every condition is judged against the state before the transaction (the items are distinct).
        errors: list[tuple[str | None, str | None, Any]] = []
        for _op_type, op, _table, key in ops:
            condition = op.get("ConditionExpression")
            if condition is None:
                errors.append((None, None, None))
                continue
            current = self.get_item(op["TableName"], key)
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if check.expr(current):
                errors.append((None, None, None))
                continue
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            errors.append(("ConditionalCheckFailed", str(ConditionalCheckFailed(item=old).message), old))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)

        before = [(t, key, copy.deepcopy(self.get_item(op["TableName"], key))) for _, op, t, key in ops]
        tables = {id(table): table for _, _, table, _ in ops}.values()
        # Where each stream will continue (sequence numbers survive a trim at the front).
        shards = [
            (t.stream_shard, t.stream_shard.starting_sequence_number + len(t.stream_shard.items))
            for t in tables
            if t.stream_shard is not None
        ]
        applied = 0
        try:
            for op_type, op, _table, key in ops:
                name = op["TableName"]
                expression = {
                    "expression_attribute_names": op.get("ExpressionAttributeNames"),
                    "expression_attribute_values": op.get("ExpressionAttributeValues"),
                }
                if op_type == "Put":
                    self.put_item(name, op["Item"], **expression)
                elif op_type == "Delete":
                    self.delete_item(name, key, **expression)
                elif op_type == "Update":
                    self.update_item(name, key, update_expression=op["UpdateExpression"], **expression)
                applied += 1
        except Exception as exc:
            for table, key, item in before:
                _restore(table, key, item)
            for shard, next_sequence in shards:
                keep = max(0, next_sequence - shard.starting_sequence_number)
                del shard.items[keep:]
                del getattr(shard, "added_at", [])[keep:]
            if isinstance(exc, MockValidationException | MultipleTransactionsException):
                raise
            reasons: list[tuple[str | None, str | None, Any]] = [(None, None, None)] * len(ops)
            reasons[applied] = (type(exc).__name__, str(exc), None)
            raise TransactionCanceledException(reasons) from exc


def _scoped_all_items(original: Any) -> Any:
    @functools.wraps(original)
    def all_items(self: Any) -> list[Any]:
        scope = getattr(_SCOPE, "partition", None)
        if scope is None or scope[0] is not self:
            return list(original(self))
        bucket = self.items.get(scope[1])
        if bucket is None:
            return []
        return list(bucket.values()) if self.range_key_attr else [bucket]

    return all_items


def _partition_query(original: Any) -> Any:
    @functools.wraps(original)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        _SCOPE.partition = (self, hash_key)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            _SCOPE.partition = None

    return query


def _retaining_add(original: Any) -> Any:
    @functools.wraps(original)
    def add(self: Any, old: Any, new: Any) -> None:
        original(self, old, new)
        self.added_at = getattr(self, "added_at", [])
        now = time.monotonic()
        self.added_at.append(now)
        expired = 0
        horizon = now - _retention_seconds
        while expired < len(self.added_at) and self.added_at[expired] < horizon:
            expired += 1
        if expired and expired <= len(self.items):
            # Sequence numbers stay as they were: the shard starts later, as a trimmed DynamoDB shard does.
            del self.items[:expired]
            del self.added_at[:expired]
            self.starting_sequence_number += expired

    return add


def _tolerant_get(original: Any) -> Any:
    @functools.wraps(original)
    def get(self: Any, start: int, quantity: int) -> list[dict[str, Any]]:
        # An iterator older than the retention resumes at the oldest record kept (TRIM_HORIZON).
        return original(self, max(start, self.starting_sequence_number), quantity)  # type: ignore[no-any-return]

    return get


def queue_has_visible(queue_url: str, region: str) -> Callable[[], bool]:
    """Whether the queue at ``queue_url`` holds a message a receive would return now (visible, not
    delayed), read from the in-process moto instead of asked over its API: the local trigger
    runner skips an empty queue's poll (most of a round's requests, most rounds)."""
    from moto.sqs.models import sqs_backends

    account, name = queue_url.rstrip("/").split("/")[-2:]

    def visible() -> bool:
        queue = sqs_backends[account][region].queues.get(name)
        return queue is None or bool(queue.messages)  # a queue moto lost: let the API say so

    return visible


def stream_end(stream_arn: str) -> Callable[[], int]:
    """The sequence number the next record of the table's stream will get (read from the
    in-process moto): the local trigger runner skips a stream's poll until it moves."""
    from moto.dynamodb.models import dynamodb_backends

    _, _, _, region, account, resource = stream_arn.split(":", 5)
    table_name = resource.split("/")[1]

    def end() -> int:
        with _LOCK:
            shard = dynamodb_backends[account][region].tables[table_name].stream_shard
            return 0 if shard is None else int(shard.starting_sequence_number) + len(shard.items)

    return end


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard, Table
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    DynamoDBBackend.transact_write_items = transact_write_items
    Table.all_items = _scoped_all_items(Table.all_items)
    Table.query = _partition_query(Table.query)
    StreamShard.add = _locked(_retaining_add(StreamShard.add))
    StreamShard.get = _tolerant_get(StreamShard.get)
    DynamoDBStreamsBackend.get_records = _locked(DynamoDBStreamsBackend.get_records)
    _applied = True
