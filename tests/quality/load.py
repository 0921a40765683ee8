"""A bounded concurrent load run against the local gateway on 127.0.0.1 (shared by the test and bench).

``clients`` threads share ``total`` requests (each thread stops after its share or at ``deadline``):
reads (list, get), creates with Idempotency-Keys some threads repeat, contested creates (staff whose
employee number several threads race for) and optimistic-lock updates of a few hot departments (each
thread reads the version, sends it, retries on 409). Afterwards the books must balance: no 5xx, every
201 is readable, one winner per contested number, one resource per idempotency key, and each hot
department's version = 1 + the number of updates that were answered 200 (no lost update).
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    created: list[str] = field(default_factory=list)
    idempotent: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    staff_winners: Counter[str] = field(default_factory=Counter)
    updates_ok: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    operations: int = 0  # the mix's operations run (a read-modify-write update is one, of two requests)
    stopped_early: bool = False  # the time bound cut the run short (it only stops a hang)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"{len(self.latencies)} requests by kind {dict(self.by_kind)} in {self.seconds:.1f}s "
            f"({len(self.latencies) / max(self.seconds, 1e-9):.0f}/s): "
            f"p50 {self.percentile(50) * 1000:.1f} ms, p99 {self.percentile(99) * 1000:.1f} ms, "
            f"mean {statistics.fmean(self.latencies) * 1000:.1f} ms; statuses {dict(sorted(self.statuses.items()))}"
        )


class Client:
    """One keep-alive connection to the gateway (127.0.0.1 only)."""

    def __init__(self, base_url: str, token: str):
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("load runs target the loopback address only")
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> tuple[int, Any, float]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise
        elapsed = time.perf_counter() - start
        return response.status, (json.loads(raw) if raw else None), elapsed


def run_load(
    base_url: str,
    token: str,
    clients: int = 20,
    total: int = 2000,
    deadline_seconds: float = 240.0,
    seed: int = 7,
) -> tuple[LoadResult, dict[str, Any]]:
    """Run the mix; returns the result and the seed data (hot departments, department for staff)."""
    setup = Client(base_url, token)
    status, department, _ = setup.call("POST", "/messaging/departments", {"name": "负载测试科"})
    assert status == 201, department
    hot = []
    for n in range(3):
        status, item, _ = setup.call("POST", "/messaging/departments", {"name": f"热点科室{n}"})
        assert status == 201, item
        hot.append(item["id"])
    numbers = [f"L{n:03d}" for n in range(40)]
    keys = [uuid.uuid4().hex for _ in range(30)]
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_seconds
    share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]

    def record(kind: str, status: int, elapsed: float, what: str) -> None:
        with lock:
            result.latencies.append(elapsed)
            result.statuses[status] += 1
            result.by_kind[kind] += 1
            if status >= 500:
                result.server_errors.append(f"{kind} {what} -> {status}")

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(base_url, token)
        for _ in range(share[index]):
            if time.monotonic() > stop_at:
                result.stopped_early = True
                return
            with lock:
                result.operations += 1
            roll = rng.random()
            if roll < 0.45:
                path = rng.choice(["/messaging/departments?limit=20", "/messaging/staff?limit=20"])
                if result.created and rng.random() < 0.5:
                    path = "/messaging/departments/" + rng.choice(result.created)
                status, body, elapsed = client.call("GET", path)
                record("read", status, elapsed, path)
            elif roll < 0.65:
                key = rng.choice(keys) if rng.random() < 0.5 else uuid.uuid4().hex
                body = {"name": f"科室-{key[:8]}"}
                status, payload, elapsed = client.call("POST", "/messaging/departments", body, key=key)
                record("create", status, elapsed, key)
                if status == 201:
                    with lock:
                        result.created.append(payload["id"])
                        result.idempotent[key].add(payload["id"])
            elif roll < 0.80:
                number = rng.choice(numbers)
                body = {"name": "并发员工", "employee_no": number, "department_id": department["id"]}
                status, payload, elapsed = client.call("POST", "/messaging/staff", body)
                record("contested", status, elapsed, number)
                if status == 201:
                    with lock:
                        result.staff_winners[number] += 1
            else:
                target = rng.choice(hot)
                status, current, elapsed = client.call("GET", f"/messaging/departments/{target}")
                record("read", status, elapsed, target)
                if status != 200:
                    continue
                body = {"version": current["version"], "name": f"热点-{rng.randrange(10**6)}"}
                status, _, elapsed = client.call("PATCH", f"/messaging/departments/{target}", body)
                record("update", status, elapsed, target)
                if status == 200:
                    with lock:
                        result.updates_ok[target] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), name=f"load-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_seconds + 60)
    result.seconds = time.monotonic() - started
    return result, {"hot": hot, "department": department["id"], "numbers": numbers, "client": setup}


def audit_books(result: LoadResult, seed: dict[str, Any]) -> list[str]:
    """Everything that does not add up after a run (empty = the books balance)."""
    problems: list[str] = list(result.server_errors[:20])
    client: Client = seed["client"]
    for key, ids in result.idempotent.items():
        if len(ids) > 1:
            problems.append(f"Idempotency-Key {key} created {len(ids)} departments")
    for department_id in set(result.created):
        status, body, _ = client.call("GET", f"/messaging/departments/{department_id}")
        if status != 200 or body["version"] != 1:
            problems.append(f"created department {department_id} reads back {status} {body}")
    for number, wins in result.staff_winners.items():
        if wins != 1:
            problems.append(f"employee number {number} was given to {wins} people")
    staff: list[Any] = []
    cursor = ""
    while True:
        status, page, _ = client.call("GET", f"/messaging/staff?limit=200{cursor}")
        assert status == 200, page
        staff += [s for s in page["items"] if s["department_id"] == seed["department"]]
        if not page["next_cursor"]:
            break
        cursor = "&cursor=" + page["next_cursor"]
    if len(staff) != sum(result.staff_winners.values()):
        problems.append(
            f"{len(staff)} staff stored, {sum(result.staff_winners.values())} creations answered 201"
        )
    for target in seed["hot"]:
        status, body, _ = client.call("GET", f"/messaging/departments/{target}")
        expected = 1 + result.updates_ok[target]
        if body["version"] != expected:
            problems.append(
                f"department {target}: version {body['version']}, expected {expected} (lost update)"
            )
    if not result.updates_ok:
        problems.append("no update succeeded: the lost-update check proved nothing")
    return problems
