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


@dataclass
class QueueTrigger:
    """Receives from one SQS queue and calls the consumer; deletes what it did not report as failed."""

    name: str
    queue_url: str
    queue_arn: str
    handler: Handler
    sqs: Any
    batch_size: int = 10

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
        result = self.handler(event, _context(self.name)) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

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
        event = {
            "version": "0",
            "id": uuid.uuid4().hex,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [],
            "detail": {},
        }
        self.handler(event, _context(self.name))
        return 0  # scheduled work does not count as backlog


class TriggerRunner:
    """Runs every trigger in one background thread until stopped."""

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
        self._thread.join(timeout=10)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No trigger runs inside the block (the round in progress finishes first); nothing is lost:
        stream records and queue messages wait, and flow when the block ends."""
        with self._round:
            yield

    def run_once(self) -> int:
        handled = 0
        for trigger in self.triggers:
            try:
                handled += trigger.poll()
            except Exception:
                log.exception("trigger %s failed; will retry", trigger.name)
        return handled

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._round:
                handled = self.run_once()
            if not handled:
                self._stop.wait(self.interval)
