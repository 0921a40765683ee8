"""A longer bounded load run: 20 clients × 2,000 mixed requests against the local stack on 127.0.0.1.

Prints p50/p99 and the books check (no 5xx, no lost update); exits non-zero if anything does not add up.

    python bench/load.py [--clients 20] [--requests 2000] [--deadline 600]
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
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds; the run stops by itself")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # the figures, not EMF lines, on stdout
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

    from fh.local.stack import LocalStack
    from tests.quality.load import audit_books, run_load

    with tempfile.TemporaryDirectory() as home:
        stack = LocalStack(home=Path(home), table_prefix="fh-load").start()
        try:
            token = stack.token("t-load-bench", "load-admin", ["hospital_admin"])
            result, seed = run_load(stack.url, token, args.clients, args.requests, args.deadline)
            problems = audit_books(result, seed)
        finally:
            stack.stop()
    print(result.summary())
    print("\n".join(problems) if problems else "books balance: no 5xx, no lost update")
    return 1 if problems or len(result.latencies) < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
