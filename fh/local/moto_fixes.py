"""Makes moto's DynamoDB transactions behave like DynamoDB's for stream readers (local runtime only).

moto applies a transaction item by item and, when a condition fails, swaps in deep copies of the
tables taken beforehand. Two things leak that real DynamoDB never shows:
- a stream reader polling in between sees the half-applied transaction;
- the live stream shard that open shard iterators point at is replaced by the copy's shard, so those
  readers keep the records of the *cancelled* transaction and never see a later write again.
The local runtime therefore takes one lock around transactions and stream reads, and after a rollback
puts the readers' shard back, without the cancelled records. This patches the fake, not our code.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.RLock()
_applied = False


def _locked(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return wrapper


def _transaction_keeping_streams(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, transact_items: Any) -> Any:
        with _LOCK:
            shards = {
                name: (table.stream_shard, len(table.stream_shard.items))
                for name, table in self.tables.items()
                if table.stream_shard is not None
            }
            try:
                return method(self, transact_items)
            finally:
                for name, (shard, length) in shards.items():
                    table = self.tables.get(name)
                    if table is not None and table.stream_shard is not shard:
                        del shard.items[length:]
                        shard.table = table
                        table.stream_shard = shard

    return wrapper


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    DynamoDBBackend.transact_write_items = _transaction_keeping_streams(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items
    )
    DynamoDBStreamsBackend.get_records = _locked(DynamoDBStreamsBackend.get_records)  # type: ignore[method-assign]
    _applied = True
