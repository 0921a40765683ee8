"""The outbox relay: only outbox inserts are published, and only failed entries are retried."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.envelope import EventEnvelope
from shared.events.relay import RelayError, outbox_envelopes, publish


class FlakyBus:
    """Fails the entries whose event ids are in ``fail`` for the first ``times`` calls that include them."""

    def __init__(self, fail: set[str], times: int = 1):
        self.fail = fail
        self.times = times
        self.calls: list[list[str]] = []
        self.accepted: list[str] = []
        self._failures: dict[str, int] = {}

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        ids = [EventEnvelope.model_validate_json(e["Detail"]).id for e in Entries]
        self.calls.append(ids)
        results = []
        for event_id in ids:
            if event_id in self.fail and self._failures.get(event_id, 0) < self.times:
                self._failures[event_id] = self._failures.get(event_id, 0) + 1
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                self.accepted.append(event_id)
                results.append({"EventId": f"eb-{event_id}"})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}


def envelopes(n: int) -> list[EventEnvelope]:
    return [
        EventEnvelope(source="messaging", type="staff.created", tenant="h1", data={"staff_id": str(i)})
        for i in range(n)
    ]


def test_only_failed_entries_are_retried_and_each_is_accepted_once() -> None:
    events = envelopes(23)
    failing = {events[3].id, events[12].id, events[22].id}
    bus = FlakyBus(failing, times=2)
    assert publish(events, bus, "bus", sleep=lambda _: None) == 23
    assert sorted(bus.accepted) == sorted(e.id for e in events)
    assert all(len(call) <= 10 for call in bus.calls)
    # the first round sends all 23 in 3 calls; the two retry rounds send only the three failures
    assert bus.calls[3:] == [[e for e in call if e in failing] for call in bus.calls[3:]]
    assert sum(len(c) for c in bus.calls) == 23 + 3 + 3


def test_gives_up_loudly_after_bounded_attempts() -> None:
    events = envelopes(2)
    bus = FlakyBus({events[0].id}, times=99)
    with pytest.raises(RelayError, match="1 of 2"):
        publish(events, bus, "bus", attempts=3, sleep=lambda _: None)
    assert len(bus.calls) == 3


def test_outbox_envelopes_ignores_other_records() -> None:
    event = envelopes(1)[0]
    record = {
        "eventName": "INSERT",
        "dynamodb": {"NewImage": {"entity": {"S": "outbox"}, "event": {"S": event.model_dump_json()}}},
    }
    other = {"eventName": "INSERT", "dynamodb": {"NewImage": {"entity": {"S": "staff"}}}}
    modify = {"eventName": "MODIFY", "dynamodb": {"NewImage": {"entity": {"S": "outbox"}}}}
    assert outbox_envelopes({"Records": [other, record, modify]}) == [event]
