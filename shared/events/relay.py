"""The outbox relay: DynamoDB stream records of outbox items → ``PutEvents`` on the province bus.

Only failed entries are retried; the event id travels with every entry so consumers can drop repeats.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from shared import observability
from shared.events.envelope import EventEnvelope

PUT_EVENTS_MAX_ENTRIES = 10
logger = observability.logger("relay")


class EventsClient(Protocol):
    def put_events(self, *, Entries: Sequence[dict[str, Any]]) -> dict[str, Any]: ...


class RelayError(Exception):
    """Some events could not be published after all attempts; the stream trigger retries the batch."""


def outbox_envelopes(stream_event: dict[str, Any]) -> list[EventEnvelope]:
    """The envelopes of the outbox items inserted in a DynamoDB stream batch (everything else is ignored)."""
    out = []
    for record in stream_event.get("Records", []):
        if record.get("eventName") != "INSERT":
            continue
        image = record.get("dynamodb", {}).get("NewImage", {})
        if image.get("entity", {}).get("S") != "outbox":
            continue
        out.append(EventEnvelope.model_validate_json(image["event"]["S"]))
    return out


def _entry(envelope: EventEnvelope, bus_name: str) -> dict[str, Any]:
    return {
        "Source": f"fh.{envelope.source}",
        "DetailType": envelope.type,
        "Detail": envelope.model_dump_json(),
        "EventBusName": bus_name,
        "Time": envelope.time,
    }


def publish(
    envelopes: Iterable[EventEnvelope],
    client: EventsClient,
    bus_name: str,
    attempts: int = 5,
    backoff_seconds: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put every envelope on the bus, retrying only the failed entries with backoff. Returns the count."""
    pending = [_entry(e, bus_name) for e in envelopes]
    total = len(pending)
    for attempt in range(attempts):
        failed: list[dict[str, Any]] = []
        for start in range(0, len(pending), PUT_EVENTS_MAX_ENTRIES):
            chunk = pending[start : start + PUT_EVENTS_MAX_ENTRIES]
            response = client.put_events(Entries=chunk)
            if response.get("FailedEntryCount", 0):
                for entry, result in zip(chunk, response["Entries"], strict=True):
                    if "ErrorCode" in result or "EventId" not in result:
                        failed.append(entry)
        if not failed:
            return total
        logger.warning("PutEvents failed some entries; retrying them", extra={"failed": len(failed)})
        pending = failed
        if attempt + 1 < attempts:
            sleep(backoff_seconds * 2**attempt)
    raise RelayError(f"{len(pending)} of {total} events not published after {attempts} attempts")
