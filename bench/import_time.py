"""Cold import of each service's handler module next to a bare Chalice + boto3 + PynamoDB app.

Each import runs in a fresh interpreter (so nothing is cached in-process), `--runs` times (median
kept); the baseline app is measured in the same run, so the ratio is fair on a busy machine.
Prints one line per service with its ratio; exits non-zero when a ratio exceeds `--max-ratio`.

A service's routes are imported on their first request (``shared.app``), so the gated figure is what
every function of the service pays to start. The second column is shown for honesty and not gated:
the app plus every route module, i.e. a start followed by requests to all of its routes (a single
cold request pays for its own route module only, so it lies between the two).

    python bench/import_time.py [--runs 7] [--max-ratio 1.5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from shared.services import SERVICES  # noqa: E402 - the one list of services

# What a minimal Chalice service on the same stack imports: the framework, the SDK and the ORM.
BASELINE_APP = """
from chalice import Chalice
import boto3
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model


class Item(Model):
    class Meta:
        table_name = "baseline"

    pk = UnicodeAttribute(hash_key=True)


app = Chalice(app_name="baseline")


@app.route("/items/{item_id}")
def get_item(item_id):
    return Item.get(item_id).pk
"""

# Runs in the child: time only the import of app.py (interpreter start-up is the same for everyone).
# CPU time of the process, not wall time: on a shared machine other loads stretch the wall clock.
PROBE = """
import sys, time
sys.path[:0] = {paths!r}
start = time.process_time()
import app  # noqa: F401
if {all_routes!r}:
    from shared.app import route_specs
    route_specs(app.app)
print(time.process_time() - start)
"""


def measure(app_dir: Path, runs: int, all_routes: bool = False) -> float:
    """Median seconds to import ``app_dir/app.py`` (and every route module) in a fresh interpreter."""
    paths = [str(app_dir), str(ROOT)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0", "POWERTOOLS_TRACE_DISABLED": "true"}
    env.pop("PYTHONPATH", None)
    samples = []
    for _ in range(runs):
        out = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PROBE.format(paths=paths, all_routes=all_routes)],
            cwd=app_dir,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def run(runs: int = 7) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        baseline_dir = Path(tmp)
        (baseline_dir / "app.py").write_text(BASELINE_APP, encoding="utf-8")
        # One warm-up each, so the bytecode caches exist for everyone before timing.
        measure(baseline_dir, 1)
        for service in SERVICES:
            measure(ROOT / "services" / service, 1)
        results: dict[str, dict[str, float]] = {}
        # Interleave baseline and services so load spikes on a shared machine hit both alike.
        baseline_samples = []
        service_samples: dict[str, list[float]] = {s: [] for s in SERVICES}
        loaded_samples: dict[str, list[float]] = {s: [] for s in SERVICES}
        for _ in range(runs):
            baseline_samples.append(measure(baseline_dir, 1))
            for service in SERVICES:
                service_samples[service].append(measure(ROOT / "services" / service, 1))
                loaded_samples[service].append(measure(ROOT / "services" / service, 1, all_routes=True))
        baseline = statistics.median(baseline_samples)
        results["baseline"] = {"seconds": baseline, "ratio": 1.0, "all_routes_ratio": 1.0}
        for service in SERVICES:
            seconds = statistics.median(service_samples[service])
            loaded = statistics.median(loaded_samples[service])
            results[service] = {
                "seconds": seconds,
                "ratio": seconds / baseline,
                "all_routes_seconds": loaded,
                "all_routes_ratio": loaded / baseline,
            }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.runs)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        head = f"start (median of {args.runs})"
        print(f"{'app':<12} {head:>23} {'ratio':>7}   all routes loaded")
        for name, row in results.items():
            flag = "  OVER" if row["ratio"] > args.max_ratio else ""
            loaded = row.get("all_routes_seconds", row["seconds"]) * 1000
            print(
                f"{name:<12} {row['seconds'] * 1000:>20.1f} ms {row['ratio']:>6.2f}x"
                f"   {loaded:>7.1f} ms {row['all_routes_ratio']:>5.2f}x{flag}"
            )
    over = [n for n, r in results.items() if r["ratio"] > args.max_ratio]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
