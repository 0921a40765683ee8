"""Prints the DynamoDB call budget table: every route called once, its calls next to its declared budget.

Starts the local stack in-process (embedded moto), runs the same scripted scenario as the quality gate
(tests/quality/test_budget.py) and exits non-zero when a route is over its budget.

    python bench/ddb_budget.py [--idempotency-key]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from shared.services import SERVICES  # noqa: E402 - the one list of services

for extra in [ROOT / "services" / s for s in SERVICES]:
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--idempotency-key", action="store_true", help="send an Idempotency-Key on idempotent POSTs"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # the figures, not EMF lines, on stdout
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

    from tests.quality import botocore_hooks

    botocore_hooks.install()  # before the stack makes its first DynamoDB client

    from chalice.test import Client

    from fh.local.stack import LocalStack
    from tests.quality.budget import measure, table

    with tempfile.TemporaryDirectory() as home:
        stack = LocalStack(home=Path(home), table_prefix="fh-bench").start()
        try:
            clients = {name: Client(app) for name, app in stack.apps.items()}
            rows = measure(stack, clients, with_idempotency_key=args.idempotency_key)
        finally:
            stack.stop()
    print(table(rows))
    over = [r for r in rows if r.over]
    undriven = [r for r in rows if not r.driven]
    print(f"\n{len(rows)} routes, {len(over)} over budget, {len(undriven)} not driven")
    return 1 if over or undriven else 0


if __name__ == "__main__":
    sys.exit(main())
