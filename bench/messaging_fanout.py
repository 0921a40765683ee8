"""One work notification to a 5,000-person department on moto: how many DynamoDB calls it costs.

Prints JSON {"recipients", "ddb_write_calls", "ddb_read_calls", "seconds", "minimum_writes", ...}. The
write calls must stay within 10% of the minimum: ceil(recipients/25) batch writes plus the notification
itself. Exits non-zero when over budget or when any recipient is missing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


class DynamoCalls:
    """Counts DynamoDB API calls from every client the process creates (bar the threads told to ignore)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.local = threading.local()
        self._lock = threading.Lock()

    def install(self) -> None:
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = original(session, service_name, *args, **kwargs)
            if service_name == "dynamodb":
                client.meta.events.register("before-call.dynamodb", counter._count)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    def _count(self, model: Any, **_: Any) -> None:
        if not getattr(self.local, "ignore", False):
            with self._lock:
                self.calls[model.name] += 1

    def total(self, names: set[str]) -> int:
        return sum(n for op, n in self.calls.items() if op in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=5000)
    args = parser.parse_args(argv)

    counter = DynamoCalls()
    counter.install()  # before any client exists

    from chalice.test import Client

    from fh.local.stack import LocalStack

    stack = LocalStack(home=Path(tempfile.mkdtemp(prefix="fh-bench-")), table_prefix="fh-bench").start()
    try:
        assert stack.runner is not None
        stack.runner.stop()  # this script drives the triggers itself, so nothing else runs meanwhile
        from chalicelib.messaging.adapters.dynamodb import NotificationItem, RecipientItem

        from shared.directory import DepartmentItem, StaffItem
        from shared.persistence.batch import put_all

        tenant = "bench-hospital"
        counter.local.ignore = True
        DepartmentItem(
            DepartmentItem.partition(tenant), "dept-1", entity="department", tenant=tenant, name="大科室"
        ).save()
        put_all(
            [
                StaffItem(
                    StaffItem.partition(tenant),
                    f"s{i:06d}",
                    entity="staff",
                    tenant=tenant,
                    name=f"员工{i}",
                    employee_no=f"E{i:06d}",
                    department_id="dept-1",
                    roles=["nurse"],
                )
                for i in range(args.recipients)
            ]
        )
        admin = stack.token(tenant, "bench-admin", ["hospital_admin"])
        http = Client(stack.apps["messaging"]).http
        counter.calls.clear()

        started = time.perf_counter()
        counter.local.ignore = False
        resp = http.post(
            "/notifications",
            headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"},
            body=json.dumps({"title": "全科通知", "body": "5000 人", "to": {"department_ids": ["dept-1"]}}),
        )
        counter.local.ignore = True
        if resp.status_code != 202:
            print(resp.body.decode(), file=sys.stderr)
            return 2
        nid = resp.json_body["id"]
        item = None
        for _ in range(600):
            counter.local.ignore = False
            stack.runner.run_once()  # stream → relay → bus → queue → fan-out consumer
            counter.local.ignore = True  # our own progress checks are not part of the cost
            item = NotificationItem.get(NotificationItem.partition(tenant), nid)
            if item.status == "delivered":
                break
        seconds = time.perf_counter() - started
        delivered = sum(1 for _ in RecipientItem.query(RecipientItem.partition(tenant, nid)))
    finally:
        stack.stop()

    minimum = math.ceil(args.recipients / 25) + 1
    writes = counter.total(WRITES)
    result = {
        "recipients": args.recipients,
        "delivered": delivered,
        "ddb_write_calls": writes,
        "ddb_read_calls": counter.total(READS),
        "seconds": round(seconds, 2),
        "minimum_writes": minimum,
        "write_ratio": round(writes / minimum, 3),
        "calls": dict(sorted(counter.calls.items())),
    }
    print(json.dumps(result))
    ok = (
        delivered == args.recipients
        and item is not None
        and item.status == "delivered"
        and writes <= minimum * 1.10
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
