"""A lower bound on a roster problem's cost, by column generation (`fh roster bound`, in
``fh/roster/bound.py``), and a roster from it (the solver's start).

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
instead of being forbidden; and the dynamic program leaves out the hours and nights rules and charges a
same-shift run at most up to 10 days (it never over-charges a row). Fairness couples the rows
and ward-tagged demand the coverage, so problems with either are not bounded here (the same
condition as the local search: `LocalSearch.applicable`).

The dive (`ColumnGeneration.dive`) turns the relaxation into one row per nurse by fixing rows and
re-pricing. Its rows keep successions and leave; the rest is priced, so the solver completes the
roles with CP-SAT and scores the roster with the evaluator (a minimum coverage the rows miss makes
that completion infeasible, and the solver starts otherwise).

This module imports OR-Tools and numba; the API paths never import it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.model import RosterProblem

SHORTFALL = 5000.0  # the relaxation's price for a nurse missing from a minimum coverage
PROBE = 3  # the dive's first rounds, that tell whether the relaxation can converge in its time
# the rounds the probe expects the relaxation to need at its pace: the large 4-week instances
# converge in 45-60 rounds (slower ones, the small instances, in up to 167 at a tenth of the
# pace); a hopeless relaxation (n120w8: 4.5 s a round) is still given up at once
PROBE_ROUNDS = 40
# A round before the PROBE-th gives the dive up only when its pace misses by this factor: one
# round's pace is a noisy guess (on n120w4_1_8-4-8-3 the first took 1.33 times the second), and a
# relaxation 20-60 % slower inside a solve than alone would otherwise lose n120w4's dives to it;
# over 56 days the first round misses by 1.55 times or more (n030w8) and still stops the probe
PROBE_EARLY = 1.5
# A relaxation stopped by its time within this share of its optimum (its value over the
# Lagrangian bound) is dived from all the same: a few rounds short of convergence (n060w4_1_8-2-5-3
# at 85 of 89 rounds, 0.18 % off) its rows are as good, and giving up wasted the dive's whole share
NEARLY = 0.01


# `fh roster bound`'s stabilisation (`ColumnGeneration.run`): the share of the best prices met in
# the prices each round is priced at. n005w4 converges in 148 rounds instead of 268 (0.5: 166, 0.9:
# 222), n030w8_0 over 56 days in 197 instead of 450 (120 s against 238 s); the 4-week instances of
# 40-120 nurses converge in as many rounds either way (72-76, 56-61), so the solver's dive keeps 0.
SMOOTH = 0.8


class RelaxationFailed(RuntimeError):
    """GLOP found no optimum of the relaxation (a numerical failure: it always has one)."""


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
    """The relaxation over the rows generated so far, its pricing, and a dive to a roster.

    Nurses with the same skills are interchangeable in the coverage, so the link between the rows
    and the roles is one constraint per (skill set, day, shift), not per nurse: a tenth of the
    rows of a per-nurse model, and the same bound (fractional roles aggregate by skill set)."""

    def __init__(
        self, problem: RosterProblem, clock: Callable[[], float] = time.monotonic, smooth: float = 0.0
    ) -> None:
        """`clock`: what the time limits of `run` and `dive` are measured on (seconds); a test
        passes one it controls."""
        from chalicelib.scheduling.domain.roster.localsearch import LocalSearch
        from ortools.linear_solver import pywraplp

        if not LocalSearch.applicable(problem):
            raise ValueError("no bound for rosters with fairness weights or ward-tagged demand")
        self.clock = clock
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
        # Compile the pricing now (or load it from numba's cache), not inside the dive's timed
        # probe: a first compile (about 2 s) made the probe's pace look too slow to converge.
        # the pricing's two threads each keep one workspace for the dynamic program's back pointers
        states = max(kernel.row_states(n, rules, shift_rules) for n in range(N)) if N else 0
        self.work = [np.empty(D * states, np.int32) for _ in range(2)]
        kernel.best_row(0, np.zeros((D, S + 1)), *self.dp_args, np.zeros(D, np.int64), self.work[0])
        # each nurse's requests as a price per (day, value + 1): the rows' costs include them
        self.requests = np.zeros((N, D, S + 1))
        for n in range(N):
            for i in range(req_ptr[n], req_ptr[n + 1]):
                d, s, on, w = req[i]
                for u in range(-1, S):
                    if (u >= 0 and (s < 0 or u == s)) != bool(on):
                        self.requests[n, d, u + 1] += w
        sets: dict[tuple[int, ...], int] = {}
        self.group = np.array([sets.setdefault(tuple(np.flatnonzero(k)), len(sets)) for k in skill_ok])
        size = np.bincount(self.group, minlength=len(sets))
        m = self.lp = pywraplp.Solver.CreateSolver("GLOP")
        # No presolve: each round adds columns to the last round's LP, and GLOP's presolve
        # rebuilt it each time instead of going on from the last basis (on n030w8_0 the LP took
        # 0.33 s a round with it, 0.1 s without, and the relaxation converged in 191 rounds
        # instead of 197: 54 s instead of 104)
        m.SetSolverSpecificParametersAsString("use_preprocessing: false")
        objective = m.Objective()
        objective.SetMinimization()
        self.one = [m.Constraint(1, 1) for _ in range(N)]  # one row per nurse
        # the nurses of skill set g working shift s on day d (by their rows) = the roles they fill
        self.link = {
            (g, d, s): m.Constraint(0, 0) for g in range(len(sets)) for d in range(D) for s in range(S)
        }
        # for the Lagrangian function at any prices (`coverage_part`): each skill's groups, their sizes,
        # and each (day, shift, skill)'s minimum and optimal coverage
        self.size = size
        self.groups_of = [[g for skills, g in sets.items() if k in skills] for k in range(K)]
        covers: dict[tuple[int, int, int], list[Any]] = {}
        self.shortfalls: list[tuple[int, Any]] = []  # (day, a minimum coverage's shortfall)
        self.missed: list[int] = []  # after a dive: the days whose minimum coverage its rows miss
        self.open: list[int] = []  # after a dive with `leave_open`: the nurses it left free
        self.failed = ""  # after a dive ended by a relaxation GLOP could not solve: why
        for d in range(D):
            for s in range(S):
                for k in range(K):
                    low, opt = float(ls.dmin[d, s, k]), float(ls.dopt[d, s, k])
                    if low > 0:
                        c = m.Constraint(low, m.infinity())
                        short = m.NumVar(0, low, "")
                        self.shortfalls.append((d, short))
                        c.SetCoefficient(short, 1)
                        objective.SetCoefficient(short, SHORTFALL)
                        covers.setdefault((d, s, k), []).append(c)
                    if opt > 0:
                        c = m.Constraint(opt, m.infinity())
                        under = m.NumVar(0, opt, "")
                        c.SetCoefficient(under, 1)
                        objective.SetCoefficient(under, float(weights[7]))
                        covers.setdefault((d, s, k), []).append(c)
        for skills, g in sets.items():
            for d in range(D):
                for s in range(S):
                    for k in skills:
                        z = m.NumVar(0, float(size[g]), "")
                        self.link[g, d, s].SetCoefficient(z, 1)
                        for c in covers.get((d, s, int(k)), []):
                            c.SetCoefficient(z, 1)
        self.rows: list[dict[tuple[int, ...], Any]] = [{} for _ in range(N)]  # row -> its variable
        self.fixed: dict[int, tuple[int, ...]] = {}  # nurses whose row the dive has chosen
        self.value = -math.inf
        # the stabilisation's centre (`run`): the link prices of the best Lagrangian bound so far
        self.smooth = smooth
        self.center = np.zeros((len(sets), D, S + 1))
        self.center_value = -math.inf
        self.bound: Bound | None = None  # the relaxation's, before the dive fixed any row
        for n in range(N):  # a first column each: the row off every day
            self.add(n, np.full(D, -1, np.int64))

    def keep(self, grid: Any, free: Any) -> None:
        """Price and dive only the cells (nurse, day) where `free` (N x D booleans): every other
        cell keeps `grid`'s value, as the dynamic program's locked cells, so a row's runs and totals
        are priced across the free days' seams with the days before and after them (a month dived
        with the months after it in view). The rows so far (off every day) break the lock and are
        dropped; each nurse's row in `grid` is added, and that row with its free days off. Rows of
        `grid` are shift indices, -1 = off. The relaxation then bounds only the rosters that keep
        those cells: no bound of the problem."""
        locked, values = self.dp_args[7], self.dp_args[8]
        for n in range(self.N):
            row = np.asarray(grid[n], np.int64)
            kept = ~np.asarray(free[n], np.bool_)
            locked[n] = kept
            values[n] = np.where(kept, row, -1)  # the row with its free days off
            for y in self.rows[n].values():
                y.SetBounds(0, 0)
            self.add(n, row)
            self.add(n, values[n])

    def add(self, n: int, row: np.ndarray) -> bool:
        key = tuple(int(v) for v in row)
        if key in self.rows[n]:
            return False
        cost = kernel.row_cost(n, np.asarray(key, np.int64), *self.ls.pricing)
        y = self.rows[n][key] = self.lp.NumVar(0, 0 if n in self.fixed else 1, "")
        self.lp.Objective().SetCoefficient(y, float(cost))
        self.one[n].SetCoefficient(y, 1)
        g = self.group[n]
        for d, s in enumerate(key):
            if s >= 0:
                self.link[g, d, s].SetCoefficient(y, -1)
        return True

    def solve(self) -> tuple[np.ndarray, list[float]]:
        """Solve the relaxation; its value, and the dual prices per (nurse, day, value + 1) and of
        each nurse's one-row constraint (read before any column is added)."""
        status = self.lp.Solve()
        if status != 0:
            # the relaxation always has a solution (shortfalls priced), but GLOP can lose its way
            # numerically (ABNORMAL on n080w4_2_7-8-8-3 with 61 rows fixed and 4 700 columns): once
            # more from scratch, then give up (the dive returns None, the solve starts otherwise)
            from ortools.linear_solver import pywraplp

            scratch = pywraplp.MPSolverParameters()
            scratch.SetIntegerParam(scratch.INCREMENTALITY, scratch.INCREMENTALITY_OFF)
            status = self.lp.Solve(scratch)
        if status != 0:
            raise RelaxationFailed(f"the relaxation did not solve (GLOP status {status})")
        self.value = self.lp.Objective().Value()
        links = self.links = np.zeros((int(self.group.max()) + 1, self.D, self.S + 1))
        for (g, d, s), c in self.link.items():
            links[g, d, s + 1] = c.dual_value()
        return self.requests + links[self.group], [c.dual_value() for c in self.one]

    def coverage_part(self, links: np.ndarray) -> float:
        """The coverage's part of the Lagrangian function at the link prices `links` (group, day,
        value + 1): with the link constraints priced instead of kept, each (day, shift, skill)
        chooses its own fill from its groups' nurses at their price (`_cheapest_fill`)."""
        under = float(self.ls.pricing[5][7])
        return sum(
            _cheapest_fill(
                float(self.ls.dmin[d, s, k]),
                float(self.ls.dopt[d, s, k]),
                under,
                sorted((-links[g, d, s + 1], float(self.size[g])) for g in groups),
            )
            for d in range(self.D)
            for s in range(self.S)
            for k, groups in enumerate(self.groups_of)
        )

    def price(
        self, prices: np.ndarray, one: list[float], pool: Any, at: np.ndarray | None = None
    ) -> tuple[float, int, float]:
        """Each free nurse's cheapest row at the prices (two threads: the dynamic program runs
        without the GIL); adds those with a negative reduced cost. Returns the sum of the reduced
        costs (for the Lagrangian bound), the rows added, and the sum of the rows' priced values.
        `at`: the rows are the cheapest at these prices instead (a smoothed point), added if their
        reduced cost at `prices` is negative."""
        free = [n for n in range(self.N) if n not in self.fixed]
        pricing = prices if at is None else at

        def cheapest(part: list[int], work: np.ndarray) -> list[tuple[int, float, np.ndarray]]:
            found = []
            for n in part:
                row = np.zeros(self.D, np.int64)
                found.append((n, kernel.best_row(n, pricing[n], *self.dp_args, row, work), row))
            return found

        reduced, added, values = 0.0, 0, 0.0
        days = np.arange(self.D)
        for part in pool.map(cheapest, [free[0::2], free[1::2]], self.work):
            for n, v, row in part:
                values += v
                r = v - one[n]
                if at is not None:  # the same row at the relaxation's own prices
                    r -= float(np.sum(at[n, days, row + 1] - prices[n, days, row + 1]))
                if r < -1e-6:
                    reduced += r
                    added += self.add(n, row)
        return reduced, added, values

    def run(self, seconds: float, rounds: int = 1000, pool: Any = None) -> Bound:
        """Rounds of (relaxation, pricing) until no row prices out, `rounds` or `seconds`.

        With `smooth` > 0 and no row fixed the prices are stabilised (Wentges' smoothing): each
        round prices at `smooth` x the best prices met (those of the best Lagrangian bound) plus
        the rest x the relaxation's own, which damps the duals' swings between rounds (the first
        rounds' shortfall prices above all); a round whose rows all fail to price out at the
        relaxation's prices (a mispricing) prices again at those."""
        if pool is None:
            with ThreadPoolExecutor(2) as own:
                return self.run(seconds, rounds, own)
        start = self.clock()
        best = -math.inf
        done, r = False, 0
        while r < rounds and not done:
            r += 1
            prices, one = self.solve()
            added = 0
            if self.smooth > 0 and not self.fixed:
                links = self.smooth * self.center + (1 - self.smooth) * self.links
                _, added, values = self.price(prices, one, pool, self.requests + links[self.group])
                lagrangian = values + self.coverage_part(links)
                best = max(best, lagrangian)
                if lagrangian > self.center_value:
                    self.center, self.center_value = links, lagrangian
            if added == 0:  # no smoothing, or a mispricing: at the relaxation's own prices
                reduced, added, _ = self.price(prices, one, pool)
                if not self.fixed:  # with rows fixed by a dive it bounds only the rosters that keep them
                    best = max(best, self.value + reduced)
                    if self.smooth > 0 and self.value + reduced > self.center_value:
                        self.center, self.center_value = self.links.copy(), self.value + reduced
                done = added == 0
            if self.clock() - start > seconds:
                break
        if done and not self.fixed:  # optimal (a row priced out only within tolerance was a known one)
            best = max(best, self.value)
        return Bound(
            value=best,
            lp=self.value,
            proved_optimal_lp=done,
            rounds=r,
            columns=sum(len(x) for x in self.rows),
            seconds=self.clock() - start,
        )

    def dive(
        self,
        seconds: float,
        rounds: int = 3,
        leave_open: int = 0,
        relax_rounds: int | None = None,
        relax_seconds: float | None = None,
        steps_seconds: float = 0.0,
    ) -> list[list[int]] | None:
        """A roster's rows from the relaxation (price and dive): solve the relaxation to optimality
        (or to within `NEARLY` of it) within its share (`relax_seconds`, else 60 % of `seconds`)
        — else give up: None, as soon as the first rounds' pace says it cannot (on n120w8_0 a dive
        from a relaxation far from its optimum gave a roster at 23 times the best known cost) —
        then repeatedly fix the free nurse whose row has the largest value (and every nurse whose
        row is already 1), and re-price the others for up to `rounds` rounds, until every nurse
        has her row. As the time runs out more
        nurses are fixed per step and the re-pricing stops, so it ends with a row per nurse (shift
        index per day, -1 = off). Greedy fixing can leave a minimum coverage that no free nurse
        can fill: those days are in `missed` afterwards (the solver re-rosters them). Pins are not
        kept: the solver dives only for problems without.

        With `leave_open` > 0 the dive stops when that many nurses are still free: they are in
        `open` afterwards, with their largest-valued row as a suggestion. The last fixings of a
        greedy dive are its worst (on n040w4_0 the last ten nurses took the rows' cost from 1690
        to 2300): the solver lets CP-SAT roster those nurses around the others instead.

        With `relax_rounds` the dive is bounded by work instead of `seconds`: the relaxation gets
        that many rounds (None if it has not converged by then), and each step fixes one nurse
        (and those already at 1) and re-prices for `rounds` rounds, whatever the clock says.

        `relax_seconds` (default 60 % of `seconds`) is the relaxation's own share, when the dive
        has less time than it was planned with (the solver's quick start came first): the
        relaxation's pace is the instance's, not the time left's. `steps_seconds`: the fixing
        steps get at least this long after the relaxation, even past `seconds` (a relaxation
        that took most of the time would otherwise leave a dive fixing nurses by the dozen).

        A relaxation GLOP fails to solve (`RelaxationFailed`) ends the dive with None too; `failed`
        says why."""
        try:
            return self._dive(seconds, rounds, leave_open, relax_rounds, relax_seconds, steps_seconds)
        except RelaxationFailed as exc:
            self.failed = str(exc)
            return None

    def _dive(
        self,
        seconds: float,
        rounds: int,
        leave_open: int,
        relax_rounds: int | None,
        relax_seconds: float | None,
        steps_seconds: float,
    ) -> list[list[int]] | None:
        deadline = self.clock() + seconds
        step = 0.0  # seconds per step of the dive so far (mean)
        with ThreadPoolExecutor(2) as pool:
            # a few rounds first, one at a time: as soon as their pace says even PROBE_ROUNDS
            # rounds do not fit (by PROBE_EARLY before the PROBE-th), give up now rather than at
            # the end of the share (over 56 days one round takes 2-9 s, and the probe's three
            # cost 5-28 s of a 120 s solve for nothing)
            share = 0.6 * seconds if relax_seconds is None else relax_seconds

            def fits(probe: Bound, margin: float) -> bool:
                return probe.seconds / probe.rounds * PROBE_ROUNDS <= margin * (share - probe.seconds)

            if relax_rounds is not None:
                self.bound = self.run(math.inf, relax_rounds, pool)
            else:
                probe = self.bound = self.run(share, 1, pool)
                while not probe.proved_optimal_lp and probe.rounds < PROBE and fits(probe, PROBE_EARLY):
                    probe = self.bound = _joined(probe, self.run(share - probe.seconds, 1, pool))
                if not probe.proved_optimal_lp and probe.rounds >= PROBE and fits(probe, 1.0):
                    self.bound = _joined(probe, self.run(share - probe.seconds, pool=pool))
            b = self.bound
            if not b.proved_optimal_lp and not (b.lp > 0 and b.value >= (1 - NEARLY) * b.lp):
                return None
            deadline = max(deadline, self.clock() + steps_seconds)
            while self.N - len(self.fixed) > leave_open:
                began = self.clock()
                self.solve()  # the values of every row, the ones just priced out included
                value = {
                    (n, key): y.solution_value()
                    for n in range(self.N)
                    if n not in self.fixed
                    for key, y in self.rows[n].items()
                }
                ranked = sorted(value, key=value.__getitem__, reverse=True)
                # one nurse a step while the time allows, else as many as end the dive within it
                free = self.N - len(self.fixed) - leave_open
                steps = (deadline - began) / step if step > 0 and relax_rounds is None else free
                count = max(1, math.ceil(free / max(1.0, steps)))
                chosen: dict[int, tuple[int, ...]] = {}
                for n, key in ranked:
                    if n not in chosen and (len(chosen) < count or value[n, key] > 0.99):
                        chosen[n] = key
                for n, key in chosen.items():
                    self.fixed[n] = key
                    for other, y in self.rows[n].items():
                        y.SetBounds(*((1, 1) if other == key else (0, 0)))
                left = math.inf if relax_rounds is not None else deadline - self.clock()
                if self.N - len(self.fixed) > leave_open and left > 0:
                    self.run(left, rounds, pool)
                took = self.clock() - began
                step = took if step == 0 else 0.8 * step + 0.2 * took
        self.solve()
        self.missed = sorted({d for d, short in self.shortfalls if short.solution_value() > 1e-6})
        self.open = [n for n in range(self.N) if n not in self.fixed]
        rows = dict(self.fixed)
        for n in self.open:
            rows[n] = max(self.rows[n].items(), key=lambda row: row[1].solution_value())[0]
        return [list(rows[n]) for n in range(self.N)]


def _cheapest_fill(low: float, opt: float, under: float, offers: list[tuple[float, float]]) -> float:
    """The least cost of one (day, shift, skill)'s coverage: a nurse short of its minimum costs
    `SHORTFALL`, one short of its optimum `under`, and `offers` (price, nurses), cheapest first,
    fill it — the cheapest first, while one more costs less than it saves."""
    total, filled = SHORTFALL * low + under * opt, 0.0
    for price, room in offers:
        while room > 0:
            saves = SHORTFALL * (filled < low) + under * (filled < opt)
            if price >= saves:
                return total
            ahead = [x for x in (low, opt) if x > filled]
            take = min(room, min(ahead) - filled) if saves > 0 else room
            total += take * (price - saves)
            filled += take
            room -= take
    return total


def _joined(first: Bound, then: Bound) -> Bound:
    """One relaxation's bound from two successive runs of its rounds: the better bound proved,
    the later state, the rounds and seconds of both."""
    return replace(
        then,
        value=max(first.value, then.value),
        rounds=first.rounds + then.rounds,
        seconds=first.seconds + then.seconds,
    )


def closed_groups(problem: RosterProblem) -> list[list[int]]:
    """The nurses (indices) in groups that no skill joins, the smallest group first: two nurses are
    in one group if a chain of shared skills links them (INRC-II's trainees are one such group, the
    head nurses, nurses and caretakers another). A demanded skill no nurse has is in no group: its
    demand, which no roster meets, is left out of every group's problem (a bound still)."""
    parent = {k: k for k in problem.skills}

    def root(k: str) -> str:
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    for nurse in problem.nurses:
        for k in nurse.skills[1:]:
            parent[root(k)] = root(nurse.skills[0])
    groups: dict[str, list[int]] = {}
    for i, nurse in enumerate(problem.nurses):
        groups.setdefault(root(nurse.skills[0]) if nurse.skills else "", []).append(i)
    return sorted(groups.values(), key=len)


def group_problem(problem: RosterProblem, members: list[int]) -> RosterProblem:
    """The problem of the nurses `members` (a closed group, `closed_groups`) and of their skills'
    demand alone. Without fairness weights or ward-tagged demand (what the relaxation takes) a
    roster's cost is the sum of its groups': coverage is per skill, every other rule per nurse."""
    nurses = tuple(problem.nurses[i] for i in members)
    ids = {n.id for n in nurses}
    skills = {k for n in nurses for k in n.skills}
    return replace(
        problem,
        nurses=nurses,
        skills=tuple(k for k in problem.skills if k in skills),
        demand=tuple(x for x in problem.demand if x.skill in skills),
        leave=tuple(x for x in problem.leave if x.nurse in ids),
        requests=tuple(x for x in problem.requests if x.nurse in ids),
        pins=tuple(x for x in problem.pins if x.nurse in ids),
        history=MappingProxyType({k: v for k, v in problem.history.items() if k in ids}),
        fair_share=MappingProxyType({k: v for k, v in problem.fair_share.items() if k in ids}),
    )


def lower_bound(
    problem: RosterProblem, seconds: float = 300.0, rounds: int = 1000, smooth: float = SMOOTH
) -> Bound:
    """The relaxation's bound, one closed group (`closed_groups`) at a time where there are several:
    the relaxation is the sum of its groups', each converging on its own and much sooner than
    the whole (over 56 days the whole of n100w8_1_2-5-3-4-0-7-8-7 stood 27 % from its optimum
    after 45 s; its groups of 75 and 25 nurses converge in 41 and 10 s). The groups share
    `seconds` by nurses, the smallest first, what one leaves going to the next; the bounds add
    up (converged only if every group's did), as do the rounds, rows and seconds."""
    groups = closed_groups(problem)
    if len(groups) < 2:
        return ColumnGeneration(problem, smooth=smooth).run(seconds, rounds)
    began, left = time.monotonic(), len(problem.nurses)
    parts: list[Bound] = []
    for members in groups:
        share = (seconds - (time.monotonic() - began)) * len(members) / left
        left -= len(members)
        parts.append(ColumnGeneration(group_problem(problem, members), smooth=smooth).run(share, rounds))
    return Bound(
        value=sum(b.value for b in parts),
        lp=sum(b.lp for b in parts),
        proved_optimal_lp=all(b.proved_optimal_lp for b in parts),
        rounds=sum(b.rounds for b in parts),
        columns=sum(b.columns for b in parts),
        seconds=time.monotonic() - began,
    )
