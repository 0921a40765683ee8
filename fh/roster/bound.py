"""`fh roster bound`: the column-generation lower bound on INRC-II instances, one JSON line each."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from chalicelib.scheduling.domain.roster.bound import lower_bound

from fh.roster.bench import data_folder
from fh.roster.inrc2 import load_instance, parse_best_known


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="fh roster bound", description="A lower bound on INRC-II costs, by column generation."
    )
    p.add_argument("instances", help="comma-separated INRC-II instance names")
    p.add_argument(
        "--data", type=Path, default=None, help="INRC-II data folder (default ../shared/bench/inrc2)"
    )
    p.add_argument("--time-limit", type=float, default=300.0, help="seconds per instance (default 300)")
    args = p.parse_args(argv)
    data = data_folder(args.data)
    if data is None:
        return 2
    table = data / "README.md"
    best_known = parse_best_known(table) if table.exists() else {}
    for name in args.instances.split(","):
        b = lower_bound(load_instance(data, name), args.time_limit)
        known = best_known.get(name)
        print(
            json.dumps(
                {
                    "instance": name,
                    "lower_bound": math.floor(b.value + 1e-6),
                    "converged": b.proved_optimal_lp,
                    "best_known": known,
                    "best_known_over_bound": round(known / b.value, 4) if known and b.value > 0 else None,
                    "rounds": b.rounds,
                    "columns": b.columns,
                    "seconds": round(b.seconds, 1),
                }
            ),
            flush=True,
        )
    return 0
