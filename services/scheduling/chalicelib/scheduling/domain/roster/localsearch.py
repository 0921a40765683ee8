"""A fast local search over whole-day cells, priced exactly by per-nurse costs (no CP-SAT).

Moves:

- **block swap**: two nurses sharing a skill exchange their cells (shift and role) over days
  [d, e]; when one of them is off there, this moves a whole run (2-5 days of one shift) from one
  nurse to the other, e.g. from a nurse above her maximum total to a mate with room (S6). Coverage
  is unchanged, so the cost changes only in the two nurses' rows;
- **cell change**: one nurse's day becomes off or another (shift, role); priced by her row and the
  coverage of the two (day, shift, skill) cells it touches (S1, and the hard minimum).

Each move is priced by recomputing only the rows it touches, with the evaluator's run rule
(`evaluate.run_penalty`) applied to the row's runs, so it is exact for the per-nurse soft rules
(S2-S7, hours, nights). Moves that break a hard rule (succession, leave, pin, skill, minimum coverage) are
never made. Fairness couples the rows, and ward-tagged demand the coverage, so problems with
either are left to the CP-SAT search (`LocalSearch.applicable`). The search accepts moves that do
not make the cost worse (plateaus included), or with a temperature worse ones too (simulated
annealing), and returns the best roster it met; the caller re-checks it with the full evaluator.

This class packs the problem into arrays once; the loop over moves is `kernel.search`, compiled
by numba.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.model import UNLIMITED, Assignment, Roster, RosterProblem


def _csr(lists: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of ints as (pointers, values): list i is values[pointers[i]:pointers[i + 1]]."""
    ptr = np.zeros(len(lists) + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    values = np.array([v for x in lists for v in x], np.int64)
    return ptr, values


class LocalSearch:
    def __init__(self, problem: RosterProblem) -> None:
        P = self.problem = problem
        D = self.D = P.num_days
        N, S = len(P.nurses), len(P.shift_types)
        self.sidx = {s.id: i for i, s in enumerate(P.shift_types)}
        self.nidx = {n.id: i for i, n in enumerate(P.nurses)}
        self.skill_list = list(P.skills)
        self.kidx = {k: i for i, k in enumerate(self.skill_list)}
        K = len(self.skill_list)
        W = P.weights
        contracts = [P.contract_of(n) for n in P.nurses]
        history = [P.history_of(n.id) for n in P.nurses]
        rules = np.array(
            [
                (
                    h.consecutive_work,
                    c.min_consecutive_work,
                    c.max_consecutive_work,
                    h.consecutive_off,
                    c.min_consecutive_off,
                    c.max_consecutive_off,
                    c.min_assignments - h.assignments,
                    c.max_assignments - h.assignments,
                    c.max_working_weekends - h.working_weekends,
                    int(c.complete_weekends),
                    min(c.max_nights, UNLIMITED) - h.nights,
                )
                for c, h in zip(contracts, history, strict=True)
            ],
            np.int64,
        ).reshape(N, 11)
        shift_rules = np.array(
            [
                [
                    (
                        s.min_consecutive,
                        s.max_consecutive,
                        h.consecutive_same_shift * (h.last_shift == s.id),
                        int(s.night),
                    )
                    for s in P.shift_types
                ]
                for h in history
            ],
            np.int64,
        ).reshape(N, S, 4)
        # weekends as (first, last) day; a weekend cut by the horizon has first == last
        weekends = np.array([(wk[0], wk[-1]) for wk in P.weekends()], np.int64).reshape(-1, 2)
        requests: list[list[tuple[int, int, int, int]]] = [[] for _ in P.nurses]
        for r in P.requests:
            if r.nurse in self.nidx and 0 <= r.day < D:
                s = -1 if r.shift is None else self.sidx[r.shift]
                requests[self.nidx[r.nurse]].append((r.day, s, int(r.on), W.request * r.weight))
        req_ptr, _ = _csr(requests)
        req = np.array([q for x in requests for q in x], np.int64).reshape(-1, 4)
        weights = np.array(
            [
                W.consecutive_work,
                W.consecutive_off,
                W.consecutive_shift,
                W.total_assignments,
                W.working_weekends,
                W.complete_weekend,
                W.hours,
                W.under_optimal,
                W.nights,
            ],
            np.int64,
        )
        hours = np.array([st.hours for st in P.shift_types], np.float64)
        hour_rules = np.array(
            [(c.min_hours, c.max_hours, h.hours) for c, h in zip(contracts, history, strict=True)], np.float64
        ).reshape(N, 3)
        self.pricing = (rules, shift_rules, weekends, req_ptr, req, weights, hours, hour_rules)
        forbidden = np.zeros((S, S), np.int64)
        for x, y in P.forbidden():
            forbidden[self.sidx[x], self.sidx[y]] = 1
        last = np.array(
            [-1 if h.last_shift is None else self.sidx.get(h.last_shift, -1) for h in history], np.int64
        )
        leave = np.zeros((N, D), np.int64)
        for lv in P.leave:
            if lv.nurse in self.nidx and 0 <= lv.day < D:
                leave[self.nidx[lv.nurse], lv.day] = 1
        locked = np.zeros((N, D), np.int64)  # pinned cells: never changed
        for pin in P.pins:
            if pin.nurse in self.nidx and 0 <= pin.day < D:
                locked[self.nidx[pin.nurse], pin.day] = 1
        skill_ok = np.zeros((N, K), np.int64)
        own = [[self.kidx[k] for k in n.skills if k in self.kidx] for n in P.nurses]
        for n, ks in enumerate(own):
            skill_ok[n, ks] = 1
        share = skill_ok @ skill_ok.T > 0  # nurses with a skill in common
        np.fill_diagonal(share, False)
        mates = [np.flatnonzero(row).tolist() for row in share]
        self.rules_moves = (forbidden, last, leave, locked, skill_ok, *_csr(own), *_csr(mates))
        # demand by (day, shift, skill index): minimum and optimal
        self.dmin = np.zeros((D, S, K), np.int64)
        self.dopt = np.zeros((D, S, K), np.int64)
        for dem in P.demand:
            key = (dem.day, self.sidx[dem.shift], self.kidx[dem.skill])
            self.dmin[key], self.dopt[key] = dem.minimum, dem.optimal
        # everything `kernel.search` takes after its state, move count and temperature
        self.packed = (self.dmin, self.dopt, *self.pricing, *self.rules_moves)
        # Compile the kernel now (or load it from numba's cache), not inside a timed search.
        empty, costs, state = np.full((N, D), -1, np.int64), np.zeros(N, np.int64), np.zeros(3, np.int64)
        kernel.search(empty, empty, self.dmin.copy(), costs, empty, empty, state, 0, 0.0, *self.packed)

    @staticmethod
    def applicable(problem: RosterProblem) -> bool:
        skills = set(problem.skills)
        return (
            not problem.weights.fairness
            and not any(d.ward for d in problem.demand)
            and all(d.skill in skills for d in problem.demand)
            and all(k in skills for n in problem.nurses for k in n.skills)
        )

    def row_cost(self, n: int, row: Sequence[int]) -> int:
        """The per-nurse soft cost of a row (shift index per day, -1 = off), as the evaluator has it."""
        return int(kernel.row_cost(n, np.asarray(row, np.int64), *self.pricing))

    def run(
        self,
        roster: Roster,
        rng: random.Random,
        seconds: float,
        t0: float = 0.0,
        t1: float = 0.0,
        moves: int | None = None,
    ) -> Roster:
        """Search from `roster` for `seconds`, or for exactly `moves` moves when that is given (a
        budget of work: the same search on any machine, the temperature falling over the moves
        instead of the time); returns the best roster met. With a temperature
        `t0` > 0 this is simulated annealing: a move that costs delta > 0 is accepted with
        probability exp(-delta / T), T falling geometrically from `t0` to `t1` over the time
        (linearly to 0 if `t1` is 0). Afterwards `current` is the roster where the search stopped,
        `current_gain` what it gained, `gained` what the returned roster gained, `tries` the
        moves tried."""
        N, D, S, K = len(self.problem.nurses), self.D, *self.dmin.shape[1:]
        grid = np.full((N, D), -1, np.int64)
        role = np.full((N, D), -1, np.int64)
        cover = np.zeros((D, S, K), np.int64)
        for a in roster.assignments:
            n, s, k = self.nidx[a.nurse], self.sidx[a.shift], self.kidx[a.skill]
            grid[n, a.day], role[n, a.day] = s, k
            cover[a.day, s, k] += 1
        costs = np.array([kernel.row_cost(n, grid[n], *self.pricing) for n in range(N)], np.int64)
        best_grid, best_role = grid.copy(), role.copy()
        state = np.zeros(3, np.int64)  # gained, best gained, tries
        kernel.seed(rng.getrandbits(31))
        ratio = (t1 / t0) if t0 > 0 and t1 > 0 else 0.0

        def search(count: int, done: float) -> None:
            """`count` moves at the temperature of `done` (the share of the run behind)."""
            temp = 0.0 if t0 <= 0 else (t0 * ratio**done if ratio else t0 * (1.0 - done))
            kernel.search(grid, role, cover, costs, best_grid, best_role, state, count, temp, *self.packed)

        if moves is not None:
            chunk = min(4096, max(64, moves // 50))
            for tried in range(0, moves, chunk):
                search(min(chunk, moves - tried), tried / moves)
        else:
            start = time.monotonic()
            chunk = 256
            while (now := time.monotonic()) < start + seconds:
                search(chunk, (now - start) / seconds)
                # chunks of about 20 ms: the temperature and the deadline are checked between them
                took = time.monotonic() - now
                chunk = max(64, min(1 << 20, int(chunk * (0.02 / took if took > 0 else 2.0))))
        self.tries = int(state[2])
        self.gained = int(state[1])
        self.current = self._roster(grid, role)
        self.current_gain = int(state[0])
        return self._roster(best_grid, best_role)

    def _roster(self, grid: np.ndarray, role: np.ndarray) -> Roster:
        P = self.problem
        out = []
        types = P.shift_types
        for n, d in zip(*np.nonzero(grid >= 0), strict=True):
            out.append(Assignment(P.nurses[n].id, int(d), types[grid[n, d]].id, self.skill_list[role[n, d]]))
        return Roster(tuple(out))
