"""The local stack as `make dev` starts it: how long start, seed and settling take, and how soon a member
of staff created right after the stack says it is ready reaches scheduling's projection.

Starts a LocalStack like ``fh dev`` (background trigger runner), seeds the demo hospital, lets the
seed's events through, then creates ``--staff`` people one after another over HTTP and, for each,
polls scheduling's staff list until the person is there. Prints JSON with the phases' seconds and the
latencies (each, median, max). Exits non-zero when the slowest is over ``--limit`` seconds (2 s, issue
#21 item 12). Everything runs on 127.0.0.1, bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


def _listed(stack: Any, token: str, staff_id: str) -> bool:
    cursor = None
    while True:
        path = "/scheduling/staff?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, page = stack.request("GET", path, token)
        if status != 200:
            raise RuntimeError(f"GET /scheduling/staff: {status} {page}")
        if any(item["id"] == staff_id for item in page["items"]):
            return True
        cursor = page.get("next_cursor")
        if not cursor:
            return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--limit", type=float, default=2.0, help="slowest projection allowed (s)")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    from fh.local.seed import DEMO_TENANT, seed
    from fh.local.stack import LocalStack

    figures: dict[str, Any] = {}
    stack = LocalStack(home=Path(tempfile.mkdtemp(prefix="fh-bench-")), background=True)
    began = time.perf_counter()
    stack.start()
    figures["start_seconds"] = round(time.perf_counter() - began, 2)
    try:
        began = time.perf_counter()
        made = seed(stack)
        figures["seed_seconds"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        stack.drain()  # what fh dev does before it prints the tokens
        figures["settle_seconds"] = round(time.perf_counter() - began, 2)
        token = stack.token(DEMO_TENANT, "bench-admin", ["hospital_admin"])
        unit = made["departments"][1]["id"]
        latencies = []
        for n in range(args.staff):
            body = {"name": f"测试{n}", "employee_no": f"B{n:04d}", "department_id": unit, "roles": ["nurse"]}
            status, person = stack.request("POST", "/messaging/staff", token, body)
            if status != 201:
                raise RuntimeError(f"POST /messaging/staff: {status} {person}")
            created = time.perf_counter()
            while not _listed(stack, token, person["id"]):
                if time.perf_counter() - created > args.timeout:
                    raise RuntimeError(f"{person['id']} not projected after {args.timeout} s")
                time.sleep(0.05)
            latencies.append(round(time.perf_counter() - created, 3))
        figures["projection_seconds"] = latencies
        figures["projection_median"] = statistics.median(latencies)
        figures["projection_max"] = max(latencies)
    finally:
        stack.stop()
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["projection_max"] <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())
