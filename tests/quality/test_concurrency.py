"""Concurrency: 20 clients sharing a bounded number of mixed requests against the local stack on 127.0.0.1.

Zero 5xx, and the books balance afterwards (see tests/quality/load.py). `make test` sends 400 requests
(the local gateway runs one request per service at a time, as one Lambda instance would, so this is
about races, not throughput); `make bench` (bench/load.py) sends 2,000. Both stop by themselves.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.quality.load import audit_books, run_load

pytestmark = pytest.mark.e2e
CLIENTS = int(os.environ.get("FH_LOAD_CLIENTS", "20"))
REQUESTS = int(os.environ.get("FH_LOAD_REQUESTS", "400"))


@pytest.mark.timeout(1000)
def test_concurrent_load_has_no_5xx_and_no_lost_update(stack: Any, admin: str) -> None:
    # Bounded by count: every request runs, however slow the machine; the time bound (generous)
    # only stops a hang.
    result, seed = run_load(stack.url, admin, clients=CLIENTS, total=REQUESTS, deadline_seconds=900)
    print("\n" + result.summary())
    assert not result.stopped_early and result.operations == REQUESTS, (
        f"the load stopped at its time bound: {result.summary()}"
    )
    problems = audit_books(result, seed)
    assert not problems, "\n".join(problems)
    assert result.statuses[409] > 0, "no contention happened: raise the mix's contested share"
