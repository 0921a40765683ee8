"""The local runtime's fix to moto: a cancelled transaction leaves nothing in the table's stream."""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from fh.local import moto_fixes


def _backend_with_stream_table() -> Any:
    backend = DynamoDBBackend("cn-northwest-1", "123456789012")
    backend.create_table(
        "t",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        throughput=None,
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return backend


def test_cancelled_transaction_leaves_the_readers_shard_clean() -> None:
    moto_fixes.apply()
    backend = _backend_with_stream_table()
    shard = backend.tables["t"].stream_shard  # what an open shard iterator holds
    backend.put_item("t", {"pk": {"S": "a"}})
    with pytest.raises(Exception, match="ConditionalCheckFailed"):
        backend.transact_write_items(
            [
                {"Put": {"TableName": "t", "Item": {"pk": {"S": "phantom"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    assert [r.record["dynamodb"]["Keys"]["pk"]["S"] for r in shard.items] == ["a"]
    backend.put_item("t", {"pk": {"S": "b"}})
    assert backend.tables["t"].stream_shard is shard
    assert [r.record["dynamodb"]["Keys"]["pk"]["S"] for r in shard.items] == ["a", "b"]
