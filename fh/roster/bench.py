"""`fh roster bench`: solve INRC-II instances and compare with the best-known values and the
engine's own lower bound.

Prints one JSON object per solve on stdout (`instance, seed, cost, best_known, ratio, bound,
ratio_bound, first_roster_s, first_roster_cost, tenth_cost, hard_violations, seconds`; `tenth_…`: the
best roster at a tenth of the time limit) and a summary line (per instance the mean
and worst over the seeds, and the means over the instances); progress (best cost over time) goes to
stderr. The cost and the hard violations are the evaluator's, not the solver's own objective.

Sets: `published` (the 4-week instances of the best-known table, the comparison with the
literature), `validation` (`validation.txt`: instances the engine is not tuned on; the reference is
the stored lower bound), `w8` (the 8-week instances of the table), `validation-w8`
(`validation_w8.txt`: 8-week instances the engine is not tuned on, their bounds stored too). `--load N`
runs N busy-loop processes beside the solves, to measure the engine on a machine that is not quiet.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def default_instances(best_known: dict[str, int], weeks: str = "w4") -> list[str]:
    """The instances of the best-known table with that many weeks (`w4`, `w8`), in its order."""
    return [name for name in best_known if parse_instance_name(name).dataset.endswith(weeks)]


def _busy() -> None:  # pragma: no cover - a competing load, killed by the bench
    while True:
        pass


@contextmanager
def competing_load(processes: int) -> Iterator[None]:
    """`processes` busy loops beside the solves (each takes a core's time slices), stopped after."""
    procs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(processes)]
    for proc in procs:
        proc.start()
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.join(timeout=5)


def summarise(rows: list[dict[str, Any]], time_limit: float) -> dict[str, Any]:
    """Per instance the mean and worst over its seeds (cost, the ratios, the first roster's time);
    over the instances the mean of those means and the worst of the worsts."""
    by: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by.setdefault(row["instance"], []).append(row)
    per: list[dict[str, Any]] = []
    for name, runs in by.items():
        entry: dict[str, Any] = {"instance": name, "seeds": len(runs)}
        for key in ("cost", "ratio", "ratio_bound", "first_roster_s", "tenth_ratio", "tenth_ratio_bound"):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                entry[f"{key}_mean"] = round(statistics.fmean(values), 4)
                entry[f"{key}_worst"] = max(values)
        entry["bound"] = runs[0].get("bound")
        entry["best_known"] = runs[0].get("best_known")
        entry["feasible"] = sum(1 for r in runs if r.get("hard_violations") == 0)
        per.append(entry)
    out: dict[str, Any] = {
        "instances": len(per),
        "solves": len(rows),
        "feasible": sum(1 for r in rows if r.get("hard_violations") == 0),
        "seconds": round(sum(r["seconds"] for r in rows), 1),
        "time_limit": time_limit,
    }
    for key in ("ratio", "ratio_bound", "first_roster_s", "tenth_ratio", "tenth_ratio_bound"):
        means = [e[f"{key}_mean"] for e in per if f"{key}_mean" in e]
        if means:
            out[f"mean_{key}"] = round(statistics.fmean(means), 4)
            out[f"max_{key}"] = max(e[f"{key}_worst"] for e in per if f"{key}_worst" in e)
    out["per_instance"] = per
    return out


def markdown(summary: dict[str, Any]) -> str:
    """The summary as the table of docs/roster/benchmarks.md."""
    lines = [
        "| instance | bound | best known | cost mean (worst) | cost / bound mean (worst) "
        "| cost / best known mean (worst) | first roster s mean (worst) "
        "| at a tenth of the time: cost / bound mean (worst) |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def pair(e: dict[str, Any], key: str, digits: int) -> str:
        if f"{key}_mean" not in e:
            return "—"
        return f"{e[f'{key}_mean']:.{digits}f} ({e[f'{key}_worst']:.{digits}f})"

    for e in summary["per_instance"]:
        lines.append(
            f"| {e['instance']} | {e['bound'] or '—'} | {e['best_known'] or '—'} | {pair(e, 'cost', 0)} "
            f"| {pair(e, 'ratio_bound', 3)} | {pair(e, 'ratio', 3)} | {pair(e, 'first_roster_s', 1)} "
            f"| {pair(e, 'tenth_ratio_bound', 3)} |"
        )

    def total(key: str, digits: int) -> str:
        return (
            f"**{summary[f'mean_{key}']:.{digits}f}** ({summary[f'max_{key}']:.{digits}f})"
            if f"mean_{key}" in summary
            else "—"
        )

    keys = (("ratio_bound", 3), ("ratio", 3), ("first_roster_s", 1), ("tenth_ratio_bound", 3))
    means = " | ".join(total(key, digits) for key, digits in keys)
    lines.append(f"| **mean (worst)** | | | | {means} |")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fh roster bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--instances", help="comma-separated instance names (default: the set's, see --set)")
    p.add_argument(
        "--set",
        choices=["published", "validation", "w8", "validation-w8"],
        default="published",
        help="published: the table's 4-week instances (default); validation: validation.txt; "
        "w8: the table's 8-week instances; validation-w8: validation_w8.txt",
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
    p.add_argument("--seed", type=int, default=0, help="one seed (default 0)")
    p.add_argument("--seeds", help="comma-separated seeds, each instance solved once per seed (e.g. 0,1,2)")
    p.add_argument("--load", type=int, default=0, help="busy-loop processes running beside the solves")
    p.add_argument("--markdown", action="store_true", help="print the summary as a markdown table at the end")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def run_instance(
    data: Path,
    name: str,
    best_known: int | None,
    bound: int | None,
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

    row: dict[str, Any] = {
        "instance": name,
        "seed": seed,
        "cost": None,
        "best_known": best_known,
        "ratio": None,
        "bound": bound,
        "ratio_bound": None,
    }
    try:
        result = solve(problem, SolveOptions(time_limit=time_limit, num_workers=workers, seed=seed), progress)
    except InfeasibleRoster as exc:
        row.update(hard_violations=None, seconds=round(time.monotonic() - t0, 1), error=str(exc))
        return row
    ev = evaluate(problem, result.roster)
    row["cost"] = ev.cost
    if best_known:
        row["ratio"] = round(ev.cost / best_known, 4)
    if bound:
        row["ratio_bound"] = round(ev.cost / bound, 4)
    # when the first roster existed (the first report of a cost): what a solve stopped early has
    row["first_roster_s"] = result.progress[0][0] if result.progress else None
    row["first_roster_cost"] = result.progress[0][1] if result.progress else None
    # what a solve stopped at a tenth of its time keeps (its best roster by then): the any-time
    # rule asks for a roster by then, and a good one
    tenth = [cost for t, cost in result.progress if t <= time_limit / 10]
    row["tenth_cost"] = tenth[-1] if tenth else None
    if tenth and best_known:
        row["tenth_ratio"] = round(tenth[-1] / best_known, 4)
    if tenth and bound:
        row["tenth_ratio_bound"] = round(tenth[-1] / bound, 4)
    row["start"] = result.stats.get("start")  # which start the search took: quick, dive, construct
    for key in (
        "quick_cost",
        "dive_cost",
        "dive_annealed_cost",  # the dive's roster after the quick one's short annealing (when it lost raw)
        "dive_seconds",
        "dive_lp_rounds",
        "dive_lp_seconds",
        "dive_lp_gap",
        "dive_parts",
        "dive_missed_days",
        "dive_open_nurses",
    ):
        if key in result.stats:
            row[key] = result.stats[key]
    row["hard_violations"] = ev.hard_violations
    row["seconds"] = round(time.monotonic() - t0, 1)
    row["soft"] = {k: v for k, v in ev.soft.items() if v}
    row["iterations"] = result.iterations
    if out is not None:
        write_solution(out / name, name, result.roster)
    return row


def main(argv: list[str] | None = None) -> int:
    from fh.roster import validation

    args = _parser().parse_args(argv)
    data = data_folder(args.data)
    if data is None:
        return 2
    table = args.best_known or data / "README.md"
    best = parse_best_known(table) if table.exists() else {}
    weeks4, weeks8 = validation.load(), validation.load(validation.FILE_W8)
    bounds = {**weeks4, **weeks8}
    if args.instances:
        names = [n.strip() for n in args.instances.split(",") if n.strip()]
    elif args.set == "validation":
        names = list(weeks4)
    elif args.set == "validation-w8":
        names = list(weeks8)
    else:
        names = default_instances(best, "w8" if args.set == "w8" else "w4")
    if not names:
        print("no instances to run", file=sys.stderr)
        return 2
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with competing_load(args.load):
        for name in names:
            for seed in seeds:
                row = run_instance(
                    data,
                    name,
                    best.get(name),
                    bounds.get(name),
                    args.time_limit,
                    args.workers,
                    seed,
                    args.quiet,
                    args.out if len(seeds) == 1 else (args.out / f"seed{seed}" if args.out else None),
                )
                if args.load:
                    row["load"] = args.load
                rows.append(row)
                line = json.dumps(row)
                print(line, flush=True)
                if args.out is not None:
                    with (args.out / "results.jsonl").open("a") as fh:
                        fh.write(line + "\n")
    summary = summarise(rows, args.time_limit)
    print(json.dumps({"summary": summary}), flush=True)
    if args.markdown:
        print(markdown(summary), flush=True)
    return 0 if summary["feasible"] == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
