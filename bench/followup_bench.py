"""Follow-up over HTTP on the local stack: a hospital's discharges enrolled by disease, a department's
due-today board paged, a patient found by blind index.

Starts a LocalStack like ``fh dev`` (without its background trigger runner: the events the enrolments emit
wait in the outbox, so only the requests' own DynamoDB calls are counted), then over HTTP: four
departments with their doctors; ``--discharges`` discharges (``POST /followup/discharges``, 10,000 by
default, from ``--threads`` clients at once) with hypertension, type 2 diabetes, heart failure, a general
surgery operation or a kidney transplant, each enrolled by the default rules in its plan with its first
year of tasks; ``--board`` of them (2,000) discharged from 心血管内科 yesterday, so the department's
due-today board holds their D+1 calls, paged 100 at a time (``GET /followup/board``); and 20 look-ups by
resident ID number (``POST /followup/patients/search``).

Reports, on stdout: the time per enrolment (mean over the run, p50/p95 of the requests), the DynamoDB calls
per enrolment (every call of the phase, divided by the enrolments) and per request type, the board's pages
(ms each, p50/p95; calls per page) and the look-up's calls. Its last line is one JSON object with at least
``enrolments``, ``ddb_calls_per_enrolment`` and ``board_page_ms``. Everything runs on 127.0.0.1.

    python bench/followup_bench.py [--discharges 10000] [--board 2000] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class Calls:
    """Every DynamoDB call this process makes, by operation (the idempotency table's aside)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.indexed: Counter[str] = Counter()  # "<operation> <index>": the index reads among them
        self.lock = threading.Lock()

    def install(self) -> None:
        import botocore.session

        original = botocore.session.Session.create_client
        calls = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            if client.meta.service_model.service_name == "dynamodb":

                def count(model: Any, params: dict[str, Any], **_: Any) -> None:
                    if not str(params.get("TableName", "")).endswith("-idempotency"):
                        with calls.lock:
                            calls.counts[model.name] += 1
                            if params.get("IndexName"):
                                calls.indexed[f"{model.name} {params['IndexName']}"] += 1

                client.meta.events.register("before-parameter-build.dynamodb", count)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.counts)

    def index_reads(self, index: str) -> int:
        with self.lock:
            return self.indexed[f"Query {index}"]


def resident_id(n: int) -> str:
    """A valid, distinct resident ID number (GB 11643) for the n-th patient."""
    born = date(1940, 1, 1) + timedelta(days=(n * 7919) % (60 * 365))
    head = f"110105{born:%Y%m%d}{n % 1000:03d}"
    # the sequence digits repeat every 1000: the birth date differs within a thousand patients
    return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, WEIGHTS, strict=True)) % 11]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CASES = [  # (diagnoses, procedure, department key, share)
    (["I10"], "", "cardio", 0.35),
    (["E11.9"], "", "endo", 0.25),
    (["I50.0", "I10"], "", "cardio", 0.15),
    (["K80.2"], "51.23", "surgery", 0.20),
    (["N18.5", "Z94.0"], "55.69", "nephro", 0.05),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--discharges", type=int, default=10_000)
    parser.add_argument(
        "--board", type=int, default=2_000, help="of them, discharged yesterday from 心血管内科"
    )
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    board_n = min(args.board, args.discharges)

    calls = Calls()
    calls.install()
    from fh.local.stack import LocalStack

    home = Path(tempfile.mkdtemp(prefix="fh-followup-bench-"))
    stack = LocalStack(home=home, table_prefix="fh-bench", background=False)
    stack.start()
    try:
        run(stack, calls, args.discharges, board_n, args.threads)
    finally:
        stack.stop()


def run(stack: Any, calls: Calls, discharges: int, board_n: int, threads: int) -> None:
    tenant = "bench-hospital"
    admin = stack.token(tenant, "admin-1", ["hospital_admin"])

    def ok(status: int, body: Any, *expected: int) -> Any:
        if status not in (expected or (200,)):
            raise SystemExit(f"unexpected {status}: {json.dumps(body, ensure_ascii=False)[:400]}")
        return body

    departments: dict[str, str] = {}
    doctors: dict[str, str] = {}
    for key, name in (
        ("cardio", "心血管内科"),
        ("endo", "内分泌科"),
        ("surgery", "普外科"),
        ("nephro", "肾内科"),
    ):
        made = ok(*stack.request("POST", "/messaging/departments", admin, {"name": name}), 201)
        departments[key] = made["id"]
        body = {
            "name": f"{name[:2]}医生",
            "employee_no": f"D-{key}",
            "department_id": made["id"],
            "roles": ["doctor"],
            "user_id": f"doc-{key}",
        }
        doctors[key] = ok(*stack.request("POST", "/messaging/staff", admin, body), 201)["id"]
    stack.drain()
    intake = stack.token(tenant, "his", [], kind="service", scopes=["followup:intake"])

    today = datetime.now(SHANGHAI).date()
    rng = random.Random(7)  # noqa: S311 (a reproducible mix of cases, not a secret)
    plans: list[dict[str, Any]] = []
    for n in range(discharges):
        if n < board_n:
            diagnoses, procedure, dept = ["I10"], "", "cardio"
            day = today - timedelta(days=1)
        else:
            (case,) = rng.choices(CASES, weights=[c[3] for c in CASES])
            diagnoses, procedure, dept = case[0], case[1], case[2]
            # discharged 20 to 200 days ago: their steps fall on other days than today's board
            day = today - timedelta(days=rng.randrange(20, 200))
        plans.append(
            {
                "patient": {
                    "name": SURNAMES[n % len(SURNAMES)] + "某某",
                    "id_number": resident_id(n),
                    "mobile": f"139{n:08d}",
                    "address": "北京市朝阳区建国路88号",
                },
                "diagnoses": diagnoses,
                "department_id": departments[dept],
                "procedure": procedure,
                "discharge_date": day.isoformat(),
                "doctor_id": doctors[dept],
                "encounter_id": f"ENC-{n:06d}",
            }
        )

    latencies: list[float] = []
    enrolled = Counter[str]()
    tasks = 0
    lock = threading.Lock()

    def post(body: dict[str, Any]) -> None:
        nonlocal tasks
        started = time.perf_counter()
        result = ok(*stack.request("POST", "/followup/discharges", intake, body), 201, 200)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if result.get("enrolled"):
                enrolled[result.get("plan_name", "")] += 1
                tasks += int(result.get("tasks", 0))

    before = calls.snapshot()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(post, plans))
    wall = time.perf_counter() - started
    enrol_calls = calls.snapshot() - before
    total_enrolled = sum(enrolled.values())
    per_enrolment = sum(enrol_calls.values()) / max(1, total_enrolled)
    print(f"enrolled {total_enrolled} of {discharges} discharges in {wall:.1f} s from {threads} clients:")
    for plan, count in sorted(enrolled.items(), key=lambda kv: -kv[1]):
        print(f"  {count:6d}  {plan}")
    print(
        f"  {tasks} tasks; {wall / max(1, discharges) * 1000:.1f} ms per enrolment over the run; "
        f"request p50 {pct(latencies, 0.5) * 1000:.0f} ms, p95 {pct(latencies, 0.95) * 1000:.0f} ms"
    )
    print(
        f"  DynamoDB calls per enrolment: {per_enrolment:.2f} "
        f"({', '.join(f'{op} {n / max(1, total_enrolled):.2f}' for op, n in sorted(enrol_calls.items()))})"
    )

    doctor = stack.token(tenant, "doc-cardio", ["doctor"])
    pages: list[float] = []
    page_calls: list[int] = []
    seen = 0
    cursor = ""
    while True:
        path = f"/followup/board?scope=department&owner_id={departments['cardio']}&view=due_today&limit=100"
        before = calls.snapshot()
        started = time.perf_counter()
        page = ok(*stack.request("GET", path + (f"&cursor={cursor}" if cursor else ""), doctor))
        pages.append((time.perf_counter() - started) * 1000)
        page_calls.append(sum((calls.snapshot() - before).values()))
        seen += len(page["items"])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            break
    print(
        f"the due-today board of 心血管内科: {seen} tasks in {len(pages)} pages of 100; "
        f"{pct(pages, 0.5):.0f} ms a page (p95 {pct(pages, 0.95):.0f} ms), "
        f"{max(page_calls)} DynamoDB calls a page at most (the board's one Query, the caller's reads)"
    )

    lookups: list[int] = []
    queries: list[int] = []
    for n in range(0, min(discharges, 20 * 97), 97)[:20]:
        before, index_before = calls.snapshot(), calls.index_reads("gsi1")
        found = ok(*stack.request("POST", "/followup/patients/search", doctor, {"id_number": resident_id(n)}))
        spent = calls.snapshot() - before
        lookups.append(sum(spent.values()))
        queries.append(calls.index_reads("gsi1") - index_before)
        assert len(found["items"]) <= 1
    print(
        f"look-up by resident ID number: {statistics.mean(queries):.1f} Query of the blind index (gsi1) "
        f"a look-up (+ the caller's reads and the access record: {max(lookups)} calls at most)"
    )
    print(
        json.dumps(
            {
                "enrolments": total_enrolled,
                "discharges": discharges,
                "ddb_calls_per_enrolment": round(per_enrolment, 2),
                "enrolment_ms": round(wall / max(1, discharges) * 1000, 1),
                "enrolment_request_ms_p50": round(pct(latencies, 0.5) * 1000, 1),
                "enrolment_request_ms_p95": round(pct(latencies, 0.95) * 1000, 1),
                "tasks": tasks,
                "board_tasks": seen,
                "board_pages": len(pages),
                "board_page_ms": round(pct(pages, 0.5), 1),
                "board_page_ms_p95": round(pct(pages, 0.95), 1),
                "board_page_ddb_calls": max(page_calls),
                "lookup_queries": round(statistics.mean(queries), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
