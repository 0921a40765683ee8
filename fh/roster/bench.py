"""`fh roster bench`: solve INRC-II instances and compare with the best-known values.

Prints one JSON object per instance on stdout (`instance, cost, best_known, ratio,
hard_violations, seconds`) and a summary line; progress (best cost over time) goes to stderr.
The cost and the hard violations are the evaluator's, not the solver's own objective.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from chalicelib.scheduling.domain.roster.evaluate import evaluate

from fh.roster.inrc2 import (
    load_instance,
    parse_best_known,
    parse_instance_name,
    write_solution,
)


def repo_root() -> Path:
    """The repository root: the parent of `services/`."""
    return Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    env = os.environ.get("FH_INRC2_DIR")
    return Path(env) if env else repo_root().parent / "shared" / "bench" / "inrc2"


def data_folder(given: Path | None) -> Path | None:
    """`given`, else the default data folder; None (with a message on stderr) if it is missing."""
    data = given or default_data_dir()
    if not data.is_dir():
        print(f"INRC-II data folder not found: {data} (use --data or FH_INRC2_DIR)", file=sys.stderr)
        return None
    return data


def default_instances(best_known: dict[str, int]) -> list[str]:
    """The 4-week instances of the best-known table, in its order."""
    return [name for name in best_known if parse_instance_name(name).dataset.endswith("w4")]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fh roster bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument(
        "--instances", help="comma-separated instance names (default: the 4-week ones of the table)"
    )
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance (default 120)")
    p.add_argument(
        "--data", type=Path, default=None, help="INRC-II data folder (default ../shared/bench/inrc2)"
    )
    p.add_argument(
        "--best-known", type=Path, default=None, help="file with best-known values (default: data README)"
    )
    p.add_argument("--out", type=Path, default=None, help="write Sol-... files and results.jsonl here")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers / LNS threads (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def run_instance(
    data: Path,
    name: str,
    best_known: int | None,
    time_limit: float,
    workers: int,
    seed: int,
    quiet: bool,
    out: Path | None,
) -> dict[str, Any]:
    from chalicelib.scheduling.domain.roster.solver import InfeasibleRoster, SolveOptions, solve

    problem = load_instance(data, name)
    t0 = time.monotonic()

    def progress(t: float, cost: int) -> None:
        if not quiet:
            print(f"[{name}] {t:7.1f}s best {cost}", file=sys.stderr, flush=True)

    row: dict[str, Any] = {"instance": name, "cost": None, "best_known": best_known, "ratio": None}
    try:
        result = solve(problem, SolveOptions(time_limit=time_limit, num_workers=workers, seed=seed), progress)
    except InfeasibleRoster as exc:
        row.update(hard_violations=None, seconds=round(time.monotonic() - t0, 1), error=str(exc))
        return row
    ev = evaluate(problem, result.roster)
    row["cost"] = ev.cost
    if best_known:
        row["ratio"] = round(ev.cost / best_known, 4)
    row["hard_violations"] = ev.hard_violations
    row["seconds"] = round(time.monotonic() - t0, 1)
    row["soft"] = {k: v for k, v in ev.soft.items() if v}
    row["iterations"] = result.iterations
    if out is not None:
        write_solution(out / name, name, result.roster)
    return row


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data = data_folder(args.data)
    if data is None:
        return 2
    table = args.best_known or data / "README.md"
    best = parse_best_known(table) if table.exists() else {}
    names = (
        [n.strip() for n in args.instances.split(",") if n.strip()]
        if args.instances
        else default_instances(best)
    )
    if not names:
        print("no instances to run", file=sys.stderr)
        return 2
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        row = run_instance(
            data, name, best.get(name), args.time_limit, args.workers, args.seed, args.quiet, args.out
        )
        rows.append(row)
        line = json.dumps(row)
        print(line, flush=True)
        if args.out is not None:
            with (args.out / "results.jsonl").open("a") as fh:
                fh.write(line + "\n")
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    feasible = sum(1 for r in rows if r["hard_violations"] == 0)
    summary = {
        "summary": {
            "instances": len(rows),
            "feasible": feasible,
            "mean_ratio": round(sum(ratios) / len(ratios), 4) if ratios else None,
            "max_ratio": max(ratios) if ratios else None,
            "seconds": round(sum(r["seconds"] for r in rows), 1),
            "time_limit": args.time_limit,
        }
    }
    print(json.dumps(summary), flush=True)
    return 0 if feasible == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
