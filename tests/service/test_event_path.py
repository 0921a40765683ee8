"""The event path on moto: outbox → stream → relay → bus → rule → queue → consumer, under faults."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

import shared.aws
import shared.events.consumer as consumer
from shared.events.envelope import EventEnvelope
from shared.events.relay import publish
from shared.settings import get_settings


class FlakyEvents:
    """A real EventBridge client that fails every ``nth`` entry the first time it is seen."""

    def __init__(self, real: Any, nth: int = 3):
        self.real = real
        self.nth = nth
        self.seen = 0
        self.failed_once: set[str] = set()

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        results: list[dict[str, Any] | None] = []
        forward = []
        for entry in Entries:
            event_id = json.loads(entry["Detail"])["id"]
            self.seen += 1
            if event_id not in self.failed_once and self.seen % self.nth == 0:
                self.failed_once.add(event_id)
                results.append({"ErrorCode": "InternalException", "ErrorMessage": "injected"})
            else:
                results.append(None)
                forward.append(entry)
        sent = iter(self.real.put_events(Entries=forward)["Entries"] if forward else [])
        merged = [r if r is not None else next(sent) for r in results]
        return {"FailedEntryCount": sum(1 for r in merged if "ErrorCode" in r), "Entries": merged}


@pytest.fixture
def effects(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts, per consumer and event id, how many times the consumer committed its effect."""
    counts: Counter[str] = Counter()
    original = consumer.handle_once

    def counting(subscription: Any, envelope: EventEnvelope, handler: Any) -> bool:
        applied = original(subscription, envelope, handler)
        if applied:
            counts[f"{subscription.queue_name}/{envelope.id}"] += 1
        return applied

    monkeypatch.setattr(consumer, "handle_once", counting)
    return counts


def _create_staff(clients: dict[str, Any], admin: str, n: int) -> list[str]:
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    http = clients["messaging"].http
    dept = http.post("/departments", headers=headers, body=json.dumps({"name": "护理部"})).json_body
    ids = []
    for i in range(n):
        body = {"name": f"护士{i}", "employee_no": f"N{i:03d}", "department_id": dept["id"]}
        resp = http.post("/staff", headers=headers, body=json.dumps(body))
        assert resp.status_code == 201
        ids.append(resp.json_body["id"])
    return ids


def _projected(clients: dict[str, Any], admin: str) -> list[str]:
    resp = clients["scheduling"].http.get("/staff?limit=200", headers={"Authorization": f"Bearer {admin}"})
    return [s["id"] for s in resp.json_body["items"]]


def test_failed_put_events_entries_still_arrive_exactly_once(
    stack: Any, clients: dict[str, Any], admin: str, monkeypatch: pytest.MonkeyPatch, effects: Counter[str]
) -> None:
    real_client = shared.aws.client
    flaky = FlakyEvents(real_client("events"), nth=3)
    monkeypatch.setattr(shared.aws, "client", lambda name: flaky if name == "events" else real_client(name))

    staff_ids = _create_staff(clients, admin, 12)
    stack.drain()
    assert sorted(_projected(clients, admin)) == sorted(staff_ids)

    assert flaky.failed_once, "the fault was never injected, so this test proved nothing"
    staff_events = [e for e in effects if effects[e]]
    assert len(staff_events) >= 12
    assert all(effects[e] == 1 for e in staff_events)


def test_the_same_event_delivered_twice_has_one_effect(
    stack: Any, clients: dict[str, Any], admin: str, effects: Counter[str], tenant: str
) -> None:
    [staff_id] = _create_staff(clients, admin, 1)
    stack.drain()
    assert _projected(clients, admin) == [staff_id]
    # Deliver one more copy of an event the consumer has already applied.
    first = next((k for k in effects if k.startswith("scheduling-")), None)
    assert first is not None
    envelope = EventEnvelope(
        id=first.rpartition("/")[2],
        source="messaging",
        type="staff.created",
        tenant=tenant,
        data={"staff_id": staff_id, "department_id": "x"},
    )
    publish([envelope], shared.aws.client("events"), get_settings().event_bus_name)
    stack.drain()
    assert effects[first] == 1
    assert _projected(clients, admin) == [staff_id]


def test_changes_and_leaving_reach_the_scheduling_projection(
    stack: Any, clients: dict[str, Any], admin: str
) -> None:
    """staff.updated rewrites the projection (it once failed on a version condition, retried to the DLQ)."""
    [staff_id] = _create_staff(clients, admin, 1)
    stack.drain()
    assert _projected(clients, admin) == [staff_id]
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    http = clients["messaging"].http
    changed = http.patch(
        f"/staff/{staff_id}", headers=headers, body=json.dumps({"title": "主管护师", "version": 1})
    )
    assert changed.status_code == 200, changed.json_body

    def title() -> str | None:
        resp = clients["scheduling"].http.get("/staff", headers={"Authorization": f"Bearer {admin}"})
        return next((s["title"] for s in resp.json_body["items"] if s["id"] == staff_id), None)

    stack.drain()
    assert title() == "主管护师"
    left = http.post(f"/staff/{staff_id}/leave", headers=headers, body=json.dumps({"version": 2}))
    assert left.status_code == 200, left.json_body
    stack.drain()
    assert _projected(clients, admin) == []
