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
    # The sequence number the stream's next record will get, read without an API call (the local
    # stack's in-process moto: ``fh.local.moto_fixes.stream_end``); None: every poll asks the API.
    # A poll that would find nothing new is skipped: an idle round costs no requests.
    end: Callable[[], int] | None = None
    _read_to: int | None = None  # the stream's end when everything before it was read

    def poll(self) -> int:
        """Hands each shard's new records to the relay; returns how many it handled. Raises when
        the relay fails: the iterator stays, and the same records come again next round."""
        return self._read(self._relay, 100)

    def discard(self) -> int:
        """Moves past every record the stream holds now without relaying it; returns how many."""
        return self._read(lambda records: None, 1000, until_empty=True)

    def _relay(self, records: list[dict[str, Any]]) -> None:
        # On failure the iterator is not advanced: the same records come again, like Lambda's retry.
        self.handler({"Records": records}, _context(self.name))

    def _read(
        self, take: Callable[[list[dict[str, Any]]], None], limit: int, until_empty: bool = False
    ) -> int:
        end = self.end() if self.end is not None else None
        if end is not None and self._read_to is not None and end <= self._read_to:
            return 0  # nothing written since everything was read
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        count, caught_up = 0, True
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while True:
                response = self.streams.get_records(ShardIterator=self.iterators[shard_id], Limit=limit)
                records = response.get("Records", [])
                if records:
                    take(records)
                    count += len(records)
                if response.get("NextShardIterator"):
                    self.iterators[shard_id] = response["NextShardIterator"]
                if len(records) == limit:
                    caught_up = False  # more may follow: the next poll reads on
                if not records or not until_empty:
                    break
                caught_up = True
        # every record written before ``end`` was read (the end was taken before reading), so a
        # later poll has work only once the end moves past it
        self._read_to = end if caught_up and len(shards) == 1 else None
        return count


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
    # Whether the queue has a message a receive would return now, read without an API call (the
    # local stack's in-process moto: ``fh.local.moto_fixes.queue_has_visible``); None: every poll
    # asks the API. An empty queue's poll is skipped: an idle round costs no requests.
    visible: Callable[[], bool] | None = None

    def poll(self) -> int:
        if self.visible is not None and not self.visible():
            return 0
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
        while self.visible is None or self.visible():
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
        return dropped

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
