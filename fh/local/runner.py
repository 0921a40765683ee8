"""Plays the Lambda triggers locally: streams → relays, queues → consumers, schedules → their handlers."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice.local import LambdaContext

log = logging.getLogger("fh.local.runner")
Handler = Callable[[dict[str, Any], Any], Any]


def _context(name: str) -> LambdaContext:
    return LambdaContext(function_name=name, memory_size=256, max_runtime_ms=60_000)


@dataclass
class StreamTrigger:
    """Polls one table's stream and hands new records to the relay, as the stream event source would."""

    name: str
    stream_arn: str
    handler: Handler
    streams: Any
    iterators: dict[str, str] = field(default_factory=dict)

    def poll(self) -> int:
        """Hands each shard's new records to the relay; returns how many it handled. Raises when
        the relay fails: the iterator stays, and the same records come again next round."""
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        handled = 0
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            response = self.streams.get_records(ShardIterator=self.iterators[shard_id], Limit=100)
            records = response.get("Records", [])
            if records:
                # On failure the iterator is not advanced: the same records come again, like Lambda's retry.
                self.handler({"Records": records}, _context(self.name))
                handled += len(records)
            if response.get("NextShardIterator"):
                self.iterators[shard_id] = response["NextShardIterator"]
        return handled

    def discard(self) -> int:
        """Moves past every record the stream holds now without relaying it; returns how many."""
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        dropped = 0
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while True:
                response = self.streams.get_records(ShardIterator=self.iterators[shard_id], Limit=1000)
                records = response.get("Records", [])
                dropped += len(records)
                if response.get("NextShardIterator"):
                    self.iterators[shard_id] = response["NextShardIterator"]
                if not records:
                    break
        return dropped


@dataclass
class QueueTrigger:
    """Receives from one SQS queue and calls the consumer; deletes what it did not report as failed."""

    name: str
    queue_url: str
    queue_arn: str
    handler: Handler
    sqs: Any
    batch_size: int = 10
    # Receipt handles of messages the consumer reported failed: SQS shows them again after the
    # visibility timeout; a drain (``TriggerRunner.drain``) makes them visible at once instead.
    failed: list[str] = field(default_factory=list)

    def poll(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        try:
            result = self.handler(event, _context(self.name)) or {}
        except Exception:
            self.failed += [m["ReceiptHandle"] for m in messages]  # Lambda retries the whole batch
            raise
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        self.failed += [m["ReceiptHandle"] for m in messages if m["MessageId"] in failed]
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def discard(self) -> int:
        """Deletes every message the queue holds now without consuming it; returns how many."""
        self.failed = []
        dropped = 0
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=30
            ).get("Messages", [])
            if not messages:
                return dropped
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
            dropped += len(messages)

    def retry_now(self) -> int:
        """Makes the messages that failed visible again now (Lambda's retry, without the wait for
        the visibility timeout); returns how many. A handle that has gone stale (the message was
        received again meanwhile, or moved to the DLQ) is skipped."""
        handles, self.failed = self.failed, []
        for handle in handles:
            try:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            except Exception:  # noqa: BLE001 - a stale receipt handle: that message is elsewhere now
                log.debug("%s: receipt handle no longer valid", self.name)
        return len(handles)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.queue_arn.split(":")[3],
        }


@dataclass
class ScheduleTrigger:
    """Plays an EventBridge schedule (``rate(...)``): calls the handler every ``period`` seconds."""

    name: str
    handler: Handler
    period: float
    region: str = "cn-northwest-1"
    last: float = 0.0

    def poll(self) -> int:
        now = time.monotonic()
        if now - self.last < self.period:
            return 0
        self.last = now
        self.fire()
        return 0  # scheduled work does not count as backlog

    def fire(self, at: datetime | None = None) -> Any:
        """Calls the handler once with EventBridge's scheduled event, whose ``time`` is ``at`` (now
        by default); returns what the handler returned."""
        event = {
            "version": "0",
            "id": uuid.uuid4().hex,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [],
            "detail": {},
        }
        return self.handler(event, _context(self.name))


class NotIdle(AssertionError):
    """A drain that still had work after its rounds: a record or message that keeps failing."""


class TriggerRunner:
    """Plays every trigger: in a background thread (``start``), as ``fh dev`` does, or round by
    round in the caller's thread (``drain``), as the tests do: they run the event path to
    completion instead of waiting for a thread on a clock."""

    def __init__(self, triggers: list[StreamTrigger | QueueTrigger | ScheduleTrigger], interval: float = 0.2):
        self.triggers = triggers
        self.interval = interval
        self._stop = threading.Event()
        self._round = threading.Lock()  # held for each round of polls; paused() holds it in between
        self._thread = threading.Thread(target=self._run, name="fh-trigger-runner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No trigger runs inside the block (the round in progress finishes first); nothing is lost:
        stream records and queue messages wait, and flow when the block ends."""
        with self._round:
            yield

    def run_once(self) -> int:
        """One round: each trigger polled once. Returns what was handled (records and messages)."""
        handled = 0
        for trigger in self.triggers:
            try:
                handled += trigger.poll()
            except Exception:
                log.exception("trigger %s failed; will retry", trigger.name)
        return handled

    def drain(self, max_rounds: int = 200) -> int:
        """Runs rounds in this thread until one finds nothing to do: every stream record relayed,
        every queue message consumed, deleted or (after its receives) in its DLQ. A message that
        failed is retried in the next round rather than after the visibility timeout, so the
        result does not depend on how fast the machine is. Schedules do not fire: a timer is
        tested by calling its sweep with the ``now`` the test sets. Returns the rounds run; raises
        ``NotIdle`` if work is still failing after ``max_rounds`` (a poison record in a stream, a
        relay that cannot publish), so nothing hangs and nothing is dropped silently."""
        queues = [t for t in self.triggers if isinstance(t, QueueTrigger)]
        with self._round:
            for rounds in range(1, max_rounds + 1):
                retried = sum(q.retry_now() for q in queues)
                handled = failures = 0
                for trigger in self.triggers:
                    if isinstance(trigger, ScheduleTrigger):
                        continue
                    # Each trigger until it is empty (a backlog comes 100 records or 10 messages a
                    # poll): fewer empty polls of the others than round after round of all.
                    for _ in range(max_rounds):
                        try:
                            got = trigger.poll()
                        except Exception:
                            failures += 1
                            log.exception("trigger %s failed; will retry", trigger.name)
                            break
                        handled += got
                        if not got or (isinstance(trigger, QueueTrigger) and trigger.failed):
                            break
                if not (handled or failures or retried):
                    return rounds
        raise NotIdle(f"the event path still had work after {max_rounds} rounds (see the log)")

    def fire_schedule(self, name: str, at: datetime) -> Any:
        """Runs the schedule ``name`` once now, between rounds, with its event's ``time`` set to ``at``
        (``fh dev``'s ``POST /_dev/schedules/{name}``: a timer shown without waiting for its clock).
        Raises ``KeyError`` for a name no schedule has."""
        trigger = next((t for t in self.triggers if isinstance(t, ScheduleTrigger) and t.name == name), None)
        if trigger is None:
            raise KeyError(name)
        with self._round:
            return trigger.fire(at)

    def discard(self) -> int:
        """Drops the event path's backlog, unprocessed: stream records not yet relayed and queue
        messages not yet consumed (a message already received and failed is dropped too). For test
        sessions that share one stack: what one test module left behind and never drained, no
        later module pays for. Returns how many records and messages were dropped."""
        with self._round:
            return sum(t.discard() for t in self.triggers if not isinstance(t, ScheduleTrigger))

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._round:
                handled = self.run_once()
            if not handled:
                self._stop.wait(self.interval)
