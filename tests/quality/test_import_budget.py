"""Import budget: each service's handler module imports within 1.5× a bare Chalice + boto3 + PynamoDB app.

Measured by bench/import_time.py (fresh interpreters, median of 7, baseline in the same run). It takes
about a minute of a quiet machine, so `make bench` runs it (FH_IMPORT_BUDGET=1), not `make test`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_RATIO = float(os.environ.get("FH_IMPORT_MAX_RATIO", "1.5"))


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("FH_IMPORT_BUDGET") != "1",
    reason="import budget runs in `make bench` (FH_IMPORT_BUDGET=1)",
)
def test_each_service_imports_within_budget_of_a_bare_app() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import import_time  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    results = import_time.run(runs=int(os.environ.get("FH_IMPORT_RUNS", "7")))
    for name, row in results.items():
        print(f"{name:<12} {row['seconds'] * 1000:8.1f} ms  {row['ratio']:5.2f}x")
    over = {name: round(row["ratio"], 2) for name, row in results.items() if row["ratio"] > MAX_RATIO}
    assert not over, f"over {MAX_RATIO}x the bare app's import time: {over}"
