"""The local runtime's fix to moto: a cancelled transaction leaves nothing in the table's stream."""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from fh.local import moto_fixes


def _backend(table: str, *, range_key: bool, view: str = "NEW_IMAGE") -> Any:
    """A DynamoDB backend with one streamed table keyed ``pk`` (and ``sk`` when ``range_key``)."""
    keys = ["pk", "sk"] if range_key else ["pk"]
    backend = DynamoDBBackend("cn-northwest-1", "123456789012")
    backend.create_table(
        table,
        schema=[{"AttributeName": k, "KeyType": "HASH" if k == "pk" else "RANGE"} for k in keys],
        throughput=None,
        attr=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": view},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return backend


def _backend_with_stream_table() -> Any:
    return _backend("t", range_key=False)


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


def _backend_with_range_table() -> Any:
    return _backend("r", range_key=True, view="NEW_AND_OLD_IMAGES")


def _item(backend: Any, pk: str, sk: str) -> dict[str, Any] | None:
    item = backend.get_item("r", {"pk": {"S": pk}, "sk": {"S": sk}})
    return item.to_json()["Attributes"] if item is not None else None


def test_a_transaction_failing_while_applying_restores_every_item_it_touched() -> None:
    moto_fixes.apply()
    backend = _backend_with_range_table()
    backend.put_item("r", {"pk": {"S": "t1"}, "sk": {"S": "a"}, "n": {"N": "1"}})
    backend.put_item("r", {"pk": {"S": "t1"}, "sk": {"S": "a2"}, "s": {"S": "x"}})
    shard = backend.tables["r"].stream_shard
    records_before = len(shard.items)
    with pytest.raises(Exception, match="incorrect data type"):
        backend.transact_write_items(
            [
                {"Put": {"TableName": "r", "Item": {"pk": {"S": "t1"}, "sk": {"S": "new"}}}},
                {
                    "Update": {
                        "TableName": "r",
                        "Key": {"pk": {"S": "t1"}, "sk": {"S": "a"}},
                        "UpdateExpression": "SET n = :v",
                        "ExpressionAttributeValues": {":v": {"N": "2"}},
                    }
                },
                {  # adding a number to a string fails only when applied
                    "Update": {
                        "TableName": "r",
                        "Key": {"pk": {"S": "t1"}, "sk": {"S": "a2"}},
                        "UpdateExpression": "ADD s :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    assert _item(backend, "t1", "new") is None
    assert _item(backend, "t1", "a") == {"pk": {"S": "t1"}, "sk": {"S": "a"}, "n": {"N": "1"}}
    assert _item(backend, "t1", "a2") == {"pk": {"S": "t1"}, "sk": {"S": "a2"}, "s": {"S": "x"}}
    assert len(shard.items) == records_before


def test_conditions_are_judged_before_anything_is_written_and_a_pass_writes_everything() -> None:
    moto_fixes.apply()
    backend = _backend_with_range_table()
    backend.transact_write_items(
        [
            {
                "Put": {
                    "TableName": "r",
                    "Item": {"pk": {"S": "t1"}, "sk": {"S": f"i{n}"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for n in range(3)
        ]
    )
    assert all(_item(backend, "t1", f"i{n}") for n in range(3))
    with pytest.raises(Exception, match="ConditionalCheckFailed"):
        backend.transact_write_items(
            [
                {"Put": {"TableName": "r", "Item": {"pk": {"S": "t1"}, "sk": {"S": "i9"}}}},
                {
                    "Put": {
                        "TableName": "r",
                        "Item": {"pk": {"S": "t1"}, "sk": {"S": "i0"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert _item(backend, "t1", "i9") is None


def test_a_base_table_query_reads_one_partition_and_sees_all_of_it() -> None:
    moto_fixes.apply()
    backend = _backend_with_range_table()
    for pk in ("t1", "t2"):
        for n in range(5):
            backend.put_item("r", {"pk": {"S": pk}, "sk": {"S": f"s{n}"}})
    items, _, last = backend.query("r", {"S": "t2"}, "BEGINS_WITH", [{"S": "s"}], 3, None, True, None, None)
    assert [i.to_json()["Attributes"]["sk"]["S"] for i in items] == ["s0", "s1", "s2"]
    assert {i.to_json()["Attributes"]["pk"]["S"] for i in items} == {"t2"}
    assert last is not None


def test_stream_records_older_than_the_retention_are_trimmed_and_readers_resume_after_them() -> None:
    moto_fixes.apply()
    backend = _backend_with_range_table()
    shard = backend.tables["r"].stream_shard
    first = shard.starting_sequence_number
    moto_fixes.set_stream_retention(0.0)
    try:
        for n in range(3):
            backend.put_item("r", {"pk": {"S": "t1"}, "sk": {"S": f"s{n}"}})
    finally:
        moto_fixes.set_stream_retention(24 * 3600.0)
    assert len(shard.items) == 1
    assert shard.starting_sequence_number == first + 2
    (record,) = shard.get(first, 10)  # an iterator from before the trim
    assert record["dynamodb"]["Keys"]["sk"]["S"] == "s2"
    assert record["dynamodb"]["SequenceNumber"] == str(first + 2)
