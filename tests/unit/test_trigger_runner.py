"""The local trigger runner's drain: runs the event path to completion in the caller's thread, with
no clock in it. A failed message is retried in the next round (not after its visibility timeout),
work that keeps failing ends in ``NotIdle`` instead of a hang, and schedules do not fire."""

from __future__ import annotations

from typing import Any

import pytest

from fh.local.runner import NotIdle, QueueTrigger, ScheduleTrigger, StreamTrigger, TriggerRunner


class FakeQueue:
    """The few SQS calls the queue trigger makes, on a list; a message received and not deleted is
    invisible until ``change_message_visibility`` (there is no clock here to time it out)."""

    def __init__(self, bodies: list[str]) -> None:
        self.messages = [{"MessageId": f"m{i}", "Body": b, "visible": True} for i, b in enumerate(bodies)]
        self.receives = 0

    def receive_message(self, **kw: Any) -> dict[str, Any]:
        self.receives += 1
        out = [m for m in self.messages if m["visible"]][: kw["MaxNumberOfMessages"]]
        for m in out:
            m["visible"] = False
        return {"Messages": [{**m, "ReceiptHandle": "h-" + m["MessageId"]} for m in out]}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        gone = {e["ReceiptHandle"] for e in Entries}
        self.messages = [m for m in self.messages if "h-" + m["MessageId"] not in gone]

    def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:
        for m in self.messages:
            if "h-" + m["MessageId"] == ReceiptHandle:
                m["visible"] = True


def _queue(sqs: FakeQueue, handler: Any) -> QueueTrigger:
    arn = "arn:aws-cn:sqs:cn-northwest-1:000000000000:q"
    return QueueTrigger("q", "https://q", arn, handler, sqs, batch_size=10)


def test_a_failed_message_is_retried_in_the_next_round_until_it_goes_through() -> None:
    attempts: dict[str, int] = {}

    def consumer(event: dict[str, Any], _: Any) -> dict[str, Any]:
        failed = []
        for record in event["Records"]:
            attempts[record["body"]] = attempts.get(record["body"], 0) + 1
            if record["body"] == "flaky" and attempts["flaky"] < 3:
                failed.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failed}

    sqs = FakeQueue(["ok", "flaky"])
    rounds = TriggerRunner([_queue(sqs, consumer)]).drain()
    assert attempts == {"ok": 1, "flaky": 3}  # the good one once, the flaky one until it passed
    assert sqs.messages == []
    assert rounds == 4  # three rounds with work, one that found none


def test_a_consumer_that_raises_has_its_whole_batch_retried() -> None:
    calls: list[int] = []

    def consumer(event: dict[str, Any], _: Any) -> None:
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("the first invocation fails")

    sqs = FakeQueue(["a", "b"])
    TriggerRunner([_queue(sqs, consumer)]).drain()
    assert calls == [2, 2] and sqs.messages == []


class FailingStream:
    """A stream trigger whose relay always fails: its records stay, round after round."""

    name = "stream"

    def __init__(self) -> None:
        self.polls = 0

    def poll(self) -> int:
        self.polls += 1
        raise RuntimeError("the bus refuses every entry")


def test_work_that_keeps_failing_is_not_idle_after_the_rounds_rather_than_a_hang() -> None:
    stream = FailingStream()
    runner = TriggerRunner([stream])  # type: ignore[list-item]
    with pytest.raises(NotIdle, match="after 5 rounds"):
        runner.drain(max_rounds=5)
    assert stream.polls == 5


def test_schedules_do_not_fire_in_a_drain() -> None:
    fired: list[Any] = []
    schedule = ScheduleTrigger("sweep", lambda event, _: fired.append(event), period=0.0)
    assert TriggerRunner([schedule]).drain() == 1
    assert fired == []  # a timer is tested by calling its sweep with the test's own `now`


def test_discard_drops_the_backlog_unconsumed_and_what_comes_after_still_flows() -> None:
    consumed: list[str] = []

    def consumer(event: dict[str, Any], _: Any) -> dict[str, Any]:
        consumed.extend(r["body"] for r in event["Records"])
        return {"batchItemFailures": []}

    sqs = FakeQueue([f"left-behind-{i}" for i in range(23)])
    runner = TriggerRunner([_queue(sqs, consumer)])
    assert runner.discard() == 23
    assert consumed == [] and sqs.messages == []
    sqs.messages.append({"MessageId": "new", "Body": "after", "visible": True})
    runner.drain()
    assert consumed == ["after"]


def test_a_queue_said_empty_is_not_polled_and_one_with_messages_is() -> None:
    """The local stack tells each queue trigger, from moto's memory, whether a receive would get a
    message: an empty queue costs no request in a drain or a discard."""
    consumed: list[str] = []
    sqs = FakeQueue([])
    trigger = _queue(sqs, lambda event, _: consumed.extend(r["body"] for r in event["Records"]))
    trigger.visible = lambda: any(m["visible"] for m in sqs.messages)
    runner = TriggerRunner([trigger])
    assert runner.drain() == 1 and runner.discard() == 0 and sqs.receives == 0
    sqs.messages.append({"MessageId": "m", "Body": "news", "visible": True})
    runner.drain()
    assert consumed == ["news"] and sqs.messages == [] and sqs.receives == 1


class FakeStream:
    """One shard of a table's stream: records numbered from 100, an iterator is the next number."""

    def __init__(self) -> None:
        self.records: list[int] = []
        self.calls = 0

    def end(self) -> int:
        return 100 + len(self.records)

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        self.calls += 1
        return {"StreamDescription": {"Shards": [{"ShardId": "s0"}]}}

    def get_shard_iterator(self, **_: Any) -> dict[str, str]:
        return {"ShardIterator": "100"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.calls += 1
        start = int(ShardIterator) - 100
        out = self.records[start : start + Limit]
        return {"Records": [{"seq": n} for n in out], "NextShardIterator": str(100 + start + len(out))}


def test_a_stream_is_read_again_only_once_written_to_and_a_failed_relay_reads_the_same_again() -> None:
    """Told where the stream ends (from moto's memory), the relay's trigger reads nothing and makes
    no request until a record is written past what it read; a long backlog is read 100 at a time,
    round after round; a relay that fails gets the same records again."""
    stream = FakeStream()
    relayed: list[int] = []
    fail = [True]

    def relay(event: dict[str, Any], _: Any) -> None:
        if fail[0]:
            fail[0] = False
            raise RuntimeError("the bus is down once")
        relayed.extend(r["seq"] for r in event["Records"])

    trigger = StreamTrigger("relay", "arn:stream", relay, stream, end=stream.end)
    runner = TriggerRunner([trigger])
    stream.records = list(range(250))
    runner.drain()
    assert relayed == list(range(250))  # the failed first batch came again, then the rest in order
    calls = stream.calls
    assert runner.drain() == 1 and runner.discard() == 0 and stream.calls == calls
    stream.records.append(250)
    runner.drain()
    assert relayed[-1] == 250 and stream.calls > calls
    stream.records += [251, 252]
    assert runner.discard() == 2 and runner.drain() == 1 and relayed[-1] == 250


def test_a_schedule_fired_ahead_gets_that_time_and_the_gateway_route_checks_its_input() -> None:
    """``fh dev``'s ``POST /_dev/schedules/{name}``: the named schedule runs once with its event's
    ``time`` the seconds ahead asked; an unknown name is a 404, a bad ``ahead_seconds`` a 422."""
    import json
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from chalicelib.followup.schedules import scheduled_at

    from fh.local.gateway import Gateway

    seen: list[datetime] = []
    schedule = ScheduleTrigger(
        "sweep", lambda event, _: seen.append(scheduled_at(SimpleNamespace(**event))) or {"fired": 1}, 60.0
    )
    gateway = Gateway({}, {}, fire_schedule=TriggerRunner([schedule]).fire_schedule)

    before = datetime.now(UTC).replace(microsecond=0)
    status, _, body = gateway.handle("POST", "/_dev/schedules/sweep", {}, b'{"ahead_seconds": 61}')
    assert status == 200 and json.loads(body)["result"] == {"fired": 1}
    assert before + timedelta(seconds=61) <= seen[0] <= datetime.now(UTC) + timedelta(seconds=61)

    assert gateway.handle("POST", "/_dev/schedules/nothing", {}, b"{}")[0] == 404
    for bad in (b'{"ahead_seconds": -1}', b'{"ahead_seconds": "61"}', b'{"ahead_seconds": 86401}', b"[1]"):
        assert gateway.handle("POST", "/_dev/schedules/sweep", {}, bad)[0] == 422, bad
    assert len(seen) == 1
    assert scheduled_at(SimpleNamespace(time=None)) >= before  # no event time: now
