"""A lower bound on a roster problem's cost, by column generation (`fh roster bound`).

The cost splits into one part per nurse (her row: runs, totals, weekends, requests) and the
coverage (S1, and the hard minimum). So the problem is: choose one row per nurse, minimising the
rows' costs plus the coverage's. Its linear relaxation over *every* legal row is a strong bound
(the published branch-and-price solvers use it); there are far too many rows to list, so they are
generated: solve the relaxation over the rows found so far (GLOP), and for each nurse ask the
exact dynamic program `kernel.best_row` for the row that is cheapest at the relaxation's dual
prices. When no row has a negative reduced cost, the relaxation's value is the bound. Before
that, at any round, the relaxation's value plus each nurse's most negative reduced cost is a
bound too (the Lagrangian one), so a run stopped by its time limit still reports a valid bound.

Relaxed on purpose, which keeps the bound valid: the roles (skills) of the nurses working a
shift are fractional; pins are not enforced; an unmet minimum coverage costs `SHORTFALL` a nurse
instead of being forbidden; and the dynamic program leaves out the hours rule and charges a
same-shift run at most up to 10 days (it never over-charges a row). Fairness couples the rows
and ward-tagged demand the coverage, so problems with either are not bounded here (the same
condition as the local search: `LocalSearch.applicable`).

This module imports OR-Tools and numba; the API paths never import it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chalicelib.scheduling.roster import kernel
from chalicelib.scheduling.roster.model import RosterProblem

SHORTFALL = 5000.0  # the relaxation's price for a nurse missing from a minimum coverage


@dataclass(frozen=True)
class Bound:
    """`value`: the best bound proved (the cost of every roster is at least this); `lp`: the last
    relaxation's value; `proved_optimal_lp`: no row prices out, so `value` is the relaxation's
    optimum; `rounds`: pricing rounds; `columns`: rows generated; `seconds`: time taken."""

    value: float
    lp: float
    proved_optimal_lp: bool
    rounds: int
    columns: int
    seconds: float


class ColumnGeneration:
    def __init__(self, problem: RosterProblem) -> None:
        from chalicelib.scheduling.roster.localsearch import LocalSearch
        from ortools.linear_solver import pywraplp

        if not LocalSearch.applicable(problem):
            raise ValueError("no bound for rosters with fairness weights or ward-tagged demand")
        ls = self.ls = LocalSearch(problem)
        N, D = len(problem.nurses), ls.D
        S, K = ls.dmin.shape[1:]
        self.N, self.D, self.S = N, D, S
        rules, shift_rules, weekends, req_ptr, req, weights, _, _ = ls.pricing
        forbidden, last, leave, _, skill_ok = ls.rules_moves[:5]
        # best_row's arguments after the nurse and the prices; pins relaxed (no cell locked)
        self.dp_args = (
            rules, shift_rules, weekends, weights, forbidden, last, leave,
            np.zeros((N, D), np.int64), np.full((N, D), -1, np.int64),
        )  # fmt: skip
        # each nurse's requests as a price per (day, value + 1): the rows' costs include them
        self.requests = np.zeros((N, D, S + 1))
        for n in range(N):
            for i in range(req_ptr[n], req_ptr[n + 1]):
                d, s, on, w = req[i]
                for u in range(-1, S):
                    if (u >= 0 and (s < 0 or u == s)) != bool(on):
                        self.requests[n, d, u + 1] += w
        m = self.lp = pywraplp.Solver.CreateSolver("GLOP")
        objective = m.Objective()
        objective.SetMinimization()
        self.one = [m.Constraint(1, 1) for _ in range(N)]  # one row per nurse
        # nurse n works shift s on day d (by her row) = the roles she fills there
        self.link = {(n, d, s): m.Constraint(0, 0) for n in range(N) for d in range(D) for s in range(S)}
        covers: dict[tuple[int, int, int], list[Any]] = {}
        for d in range(D):
            for s in range(S):
                for k in range(K):
                    low, opt = float(ls.dmin[d, s, k]), float(ls.dopt[d, s, k])
                    if low > 0:
                        c = m.Constraint(low, m.infinity())
                        short = m.NumVar(0, low, "")
                        c.SetCoefficient(short, 1)
                        objective.SetCoefficient(short, SHORTFALL)
                        covers.setdefault((d, s, k), []).append(c)
                    if opt > 0:
                        c = m.Constraint(opt, m.infinity())
                        under = m.NumVar(0, opt, "")
                        c.SetCoefficient(under, 1)
                        objective.SetCoefficient(under, float(weights[7]))
                        covers.setdefault((d, s, k), []).append(c)
        for n in range(N):
            for d in range(D):
                for s in range(S):
                    for k in np.flatnonzero(skill_ok[n]):
                        z = m.NumVar(0, 1, "")
                        self.link[n, d, s].SetCoefficient(z, 1)
                        for c in covers.get((d, s, int(k)), []):
                            c.SetCoefficient(z, 1)
        self.rows: list[set[tuple[int, ...]]] = [set() for _ in range(N)]
        for n in range(N):  # a first column each: the row off every day
            self.add(n, np.full(D, -1, np.int64))

    def add(self, n: int, row: np.ndarray) -> bool:
        key = tuple(int(v) for v in row)
        if key in self.rows[n]:
            return False
        self.rows[n].add(key)
        cost = kernel.row_cost(n, np.asarray(key, np.int64), *self.ls.pricing)
        y = self.lp.NumVar(0, 1, "")
        self.lp.Objective().SetCoefficient(y, float(cost))
        self.one[n].SetCoefficient(y, 1)
        for d, s in enumerate(key):
            if s >= 0:
                self.link[n, d, s].SetCoefficient(y, -1)
        return True

    def run(self, seconds: float, rounds: int = 1000) -> Bound:
        """Rounds of (relaxation, pricing) until no row prices out, `rounds` or `seconds`."""
        start = time.monotonic()
        best = -math.inf
        row = np.zeros(self.D, np.int64)
        value, done, r = -math.inf, False, 0
        while r < rounds and not done:
            r += 1
            if self.lp.Solve() != 0:  # the relaxation always has a solution (shortfalls priced)
                raise RuntimeError("the relaxation did not solve")
            value = self.lp.Objective().Value()
            prices = np.zeros((self.N, self.D, self.S + 1))
            for (n, d, s), c in self.link.items():
                prices[n, d, s + 1] = c.dual_value()
            one = [c.dual_value() for c in self.one]  # read before any column is added
            lagrangian, added = value, 0
            for n in range(self.N):
                reduced = kernel.best_row(n, self.requests[n] + prices[n], *self.dp_args, row) - one[n]
                if reduced < -1e-6:
                    lagrangian += reduced
                    added += self.add(n, row)
            best = max(best, lagrangian)
            done = added == 0
            if time.monotonic() - start > seconds:
                break
        if done:  # the relaxation is optimal (a row priced out only within tolerance was a known one)
            best = max(best, value)
        return Bound(
            value=best,
            lp=value,
            proved_optimal_lp=done,
            rounds=r,
            columns=sum(len(x) for x in self.rows),
            seconds=time.monotonic() - start,
        )


def lower_bound(problem: RosterProblem, seconds: float = 300.0, rounds: int = 1000) -> Bound:
    return ColumnGeneration(problem).run(seconds, rounds)


def main(argv: list[str] | None = None) -> int:
    from chalicelib.scheduling.roster.bench import data_folder
    from chalicelib.scheduling.roster.inrc2 import load_instance, parse_best_known

    p = argparse.ArgumentParser(prog="fh roster bound", description=__doc__.splitlines()[0])
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
