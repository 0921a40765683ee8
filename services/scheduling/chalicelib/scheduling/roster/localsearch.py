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
(S2-S7, hours). Moves that break a hard rule (succession, leave, pin, skill, minimum coverage) are
never made. Fairness couples the rows, and ward-tagged demand the coverage, so problems with
either are left to the CP-SAT search (`LocalSearch.applicable`). The search accepts moves that do
not make the cost worse (plateaus included) and returns the best roster it met; the caller
re-checks it with the full evaluator.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

from chalicelib.scheduling.roster.model import Assignment, Roster, RosterProblem


def _run_cost(d: int, e: int, D: int, streak: int, low: int, high: int) -> int:
    """`evaluate.run_penalty`'s charge for one maximal run [d, e) of a horizon of D days, given the
    `streak` carried in from the history (which counts only for a run starting on day 0)."""
    before = streak if d == 0 else 0
    total = before + e - d
    cost = 0
    if total > high:
        cost = total - high - (before - high if before > high else 0)
    if e < D and total < low:
        cost += low - total
    return cost


Move = tuple[int, tuple[tuple[int, list[int], list[int], int], ...]]
"""(cost change, the rows it sets: (nurse, shifts, roles, row cost))."""


class LocalSearch:
    def __init__(self, problem: RosterProblem, chain_slack: int = 0, chain_tries: int = 0) -> None:
        """`chain_slack`: a block swap costing up to this much is kept if one of `chain_tries`
        follow-up swaps of the receiving nurse pays it back (an ejection chain of two moves)."""
        self.chain_slack = chain_slack
        self.chain_tries = chain_tries
        P = self.problem = problem
        self.D = P.num_days
        self.S = len(P.shift_types)
        self.sidx = {s.id: i for i, s in enumerate(P.shift_types)}
        self.nidx = {n.id: i for i, n in enumerate(P.nurses)}
        W = P.weights
        self.W = W
        self.forbidden = {(self.sidx[a], self.sidx[b]) for a, b in P.forbidden()}
        self.locked: list[set[int]] = [set() for _ in P.nurses]  # pinned cells: never changed
        self.leave: list[set[int]] = [set() for _ in P.nurses]
        for lv in P.leave:
            if lv.nurse in self.nidx:
                self.leave[self.nidx[lv.nurse]].add(lv.day)
        for pin in P.pins:
            if pin.nurse in self.nidx:
                self.locked[self.nidx[pin.nurse]].add(pin.day)
        self.requests: list[list[tuple[int, int, bool, int]]] = [[] for _ in P.nurses]
        for r in P.requests:
            if r.nurse in self.nidx and 0 <= r.day < self.D:
                s = -1 if r.shift is None else self.sidx[r.shift]
                self.requests[self.nidx[r.nurse]].append((r.day, s, r.on, W.request * r.weight))
        self.skills = [set(n.skills) for n in P.nurses]
        self.contract = [P.contract_of(n) for n in P.nurses]
        self.history = [P.history_of(n.id) for n in P.nurses]
        # per nurse, the row rules' constants, unpacked once per priced row; per shift type its
        # (min, max) run and the streak of it carried in from the history
        self.rules = [
            (
                h.consecutive_work,
                c.min_consecutive_work,
                c.max_consecutive_work,
                h.consecutive_off,
                c.min_consecutive_off,
                c.max_consecutive_off,
                tuple(
                    (
                        st.min_consecutive,
                        st.max_consecutive,
                        h.consecutive_same_shift if h.last_shift == st.id else 0,
                    )
                    for st in P.shift_types
                ),
                c.min_assignments - h.assignments,
                c.max_assignments - h.assignments,
                c.max_working_weekends - h.working_weekends,
                c.complete_weekends,
            )
            for c, h in zip(self.contract, self.history, strict=True)
        ]
        # weekends as (first, last) day; a weekend cut by the horizon has first == last
        self.weekend_days = [(wk[0], wk[-1]) for wk in P.weekends()]
        self.full_weekends = [(a, b) for a, b in self.weekend_days if a != b]
        self.skill_list = list(P.skills)
        self.kidx = {k: i for i, k in enumerate(self.skill_list)}
        self.mates = [
            [m for m, other in enumerate(P.nurses) if m != n and self.skills[n] & set(other.skills)]
            for n, _ in enumerate(P.nurses)
        ]
        # demand by (day, shift, skill index): (minimum, optimal)
        self.demand: dict[tuple[int, int, int], tuple[int, int]] = {}
        for dem in P.demand:
            self.demand[(dem.day, self.sidx[dem.shift], self.kidx[dem.skill])] = (dem.minimum, dem.optimal)

    @staticmethod
    def applicable(problem: RosterProblem) -> bool:
        skills = set(problem.skills)
        return (
            not problem.weights.fairness
            and not any(d.ward for d in problem.demand)
            and all(d.skill in skills for d in problem.demand)
            and all(k in skills for n in problem.nurses for k in n.skills)
        )

    # --- pricing ---------------------------------------------------------------------------
    def row_cost(self, n: int, row: Sequence[int]) -> int:
        """The per-nurse soft cost of a row (shift index per day, -1 = off), as the evaluator has it
        (`run_penalty` over the row's runs of work, of days off and of each shift, in one pass over
        the row's maximal segments of one value)."""
        D, W = self.D, self.W
        (w_streak, w_low, w_high, o_streak, o_low, o_high, shift_rules, a_min, a_max, wk_max, complete) = (
            self.rules[n]
        )
        cuts = [d for d in range(1, D) if row[d] != row[d - 1]]
        cuts.append(D)
        work = off = same = off_days = 0
        work_from = -1  # first day of the run of work in progress
        a = 0
        for b in cuts:  # segment [a, b) of one value
            v = row[a]
            if v < 0:  # a whole run of days off; it ends a run of work
                if work_from >= 0:
                    work += _run_cost(work_from, a, D, w_streak, w_low, w_high)
                    work_from = -1
                off += _run_cost(a, b, D, o_streak, o_low, o_high)
                off_days += b - a
            else:  # a whole run of shift v, inside a run of work
                if work_from < 0:
                    work_from = a
                low, high, streak = shift_rules[v]
                same += _run_cost(a, b, D, streak, low, high)
            a = b
        if work_from >= 0:
            work += _run_cost(work_from, D, D, w_streak, w_low, w_high)
        # A streak from the history that day 0 ends is charged against its minimum.
        first = row[0]
        if w_streak > 0 and first < 0 and w_low > w_streak:
            work += w_low - w_streak
        if o_streak > 0 and first >= 0 and o_low > o_streak:
            off += o_low - o_streak
        for s, (low, _, streak) in enumerate(shift_rules):
            if streak > 0 and first != s and low > streak:
                same += low - streak
        cost = W.consecutive_work * work + W.consecutive_off * off + W.consecutive_shift * same
        worked = D - off_days
        if worked < a_min:  # both, as the evaluator has it, even for a contract with min > max
            cost += W.total_assignments * (a_min - worked)
        if worked > a_max:
            cost += W.total_assignments * (worked - a_max)
        weekends = 0
        for x, y in self.weekend_days:
            if row[x] >= 0 or row[y] >= 0:
                weekends += 1
        if weekends > wk_max:
            cost += W.working_weekends * (weekends - wk_max)
        if complete:
            split = sum(1 for x, y in self.full_weekends if (row[x] >= 0) != (row[y] >= 0))
            cost += W.complete_weekend * split
        if W.hours:
            c, h = self.contract[n], self.history[n]
            types = self.problem.shift_types
            hours = h.hours + sum(types[v].hours for v in row if v >= 0)
            cost += round(W.hours * (max(0.0, c.min_hours - hours) + max(0.0, hours - c.max_hours)))
        for d, s, on, weight in self.requests[n]:
            v = row[d]
            if (v >= 0 and (s < 0 or v == s)) != on:
                cost += weight
        return cost

    def legal(self, n: int, row: Sequence[int], lo: int, hi: int) -> bool:
        """Successions around and inside days [lo, hi] and leave there (the rest is unchanged)."""
        if self.forbidden:
            prev = row[lo - 1] if lo > 0 else self._last(n)
            for d in range(lo, min(hi + 2, self.D)):
                cur = row[d]
                if prev >= 0 and cur >= 0 and (prev, cur) in self.forbidden:
                    return False
                prev = cur
        leave = self.leave[n]
        return not leave or all(row[d] < 0 for d in range(lo, hi + 1) if d in leave)

    def _last(self, n: int) -> int:
        last = self.problem.history_of(self.problem.nurses[n].id).last_shift
        return -1 if last is None else self.sidx.get(last, -1)

    # --- moves -----------------------------------------------------------------------------
    def _block(self, rng: random.Random, src: Sequence[int]) -> tuple[int, int]:
        """Days [lo, hi]: half the time a whole run of `src` (sometimes with a day around it)."""
        D, rand = self.D, rng.random  # int(rand() * k): randrange's draw, at a fraction of its cost
        if rand() < 0.5:
            d = int(rand() * D)
            if src[d] >= 0:
                lo = hi = d
                while lo > 0 and src[lo - 1] >= 0:
                    lo -= 1
                while hi < D - 1 and src[hi + 1] >= 0:
                    hi += 1
                if rand() < 0.3:
                    lo = max(0, lo - (rand() < 0.5))
                    hi = min(D - 1, hi + (rand() < 0.5))
                return lo, hi
        lo = int(rand() * D)
        return lo, min(D - 1, lo + int(rand() * (1, 3, 7)[int(rand() * 3)]))

    def _swap(
        self, grid: list[list[int]], role: list[list[int]], costs: list[int], a: int, b: int, lo: int, hi: int
    ) -> Move | None:
        """Nurses a and b exchange their cells (shift and role) over days [lo, hi]; None if illegal."""
        ra, rb, ga, gb = role[a], role[b], grid[a], grid[b]
        if all(ga[d] == gb[d] for d in range(lo, hi + 1)):
            return None
        sk_a, sk_b, names = self.skills[a], self.skills[b], self.skill_list
        if sk_a != sk_b:
            for d in range(lo, hi + 1):
                if (ra[d] >= 0 and names[ra[d]] not in sk_b) or (rb[d] >= 0 and names[rb[d]] not in sk_a):
                    return None
        locked_a, locked_b = self.locked[a], self.locked[b]
        if locked_a or locked_b:
            for d in range(lo, hi + 1):
                if d in locked_a or d in locked_b:
                    return None
        new_a = ga[:lo] + gb[lo : hi + 1] + ga[hi + 1 :]
        new_b = gb[:lo] + ga[lo : hi + 1] + gb[hi + 1 :]
        if not self.legal(a, new_a, lo, hi) or not self.legal(b, new_b, lo, hi):
            return None
        ca, cb = self.row_cost(a, new_a), self.row_cost(b, new_b)
        role_a = ra[:lo] + rb[lo : hi + 1] + ra[hi + 1 :]
        role_b = rb[:lo] + ra[lo : hi + 1] + rb[hi + 1 :]
        return ca + cb - costs[a] - costs[b], ((a, new_a, role_a, ca), (b, new_b, role_b, cb))

    @staticmethod
    def _apply(grid: list[list[int]], role: list[list[int]], costs: list[int], move: Move) -> Move:
        """Make a move; returns the move that undoes it."""
        delta, rows = move
        undo = tuple((n, grid[n], role[n], costs[n]) for n, _, _, _ in rows)
        for n, g, r, c in rows:
            grid[n], role[n], costs[n] = g, r, c
        return -delta, undo

    # --- search ----------------------------------------------------------------------------
    def run(
        self, roster: Roster, rng: random.Random, seconds: float, t0: float = 0.0, t1: float = 0.0
    ) -> Roster:
        """Search from `roster` for `seconds`; returns the best roster met. With a temperature
        `t0` > 0 this is simulated annealing: a move that costs delta > 0 is accepted with
        probability exp(-delta / T), T falling geometrically from `t0` to `t1` over the time.
        Afterwards `current` is the roster where the search stopped, `current_gain` what it gained."""
        P, D = self.problem, self.D
        N = len(P.nurses)
        grid = [[-1] * D for _ in range(N)]
        role = [[-1] * D for _ in range(N)]
        cover: dict[tuple[int, int, int], int] = {}
        for a in roster.assignments:
            n, s, k = self.nidx[a.nurse], self.sidx[a.shift], self.kidx[a.skill]
            grid[n][a.day], role[n][a.day] = s, k
            cover[(a.day, s, k)] = cover.get((a.day, s, k), 0) + 1
        costs = [self.row_cost(n, grid[n]) for n in range(N)]
        under = self.W.under_optimal
        start = time.monotonic()
        deadline = start + seconds
        gained = 0  # cost gained so far by the current roster (negative: worse than the start)
        best_gain, best = 0, (grid[:], role[:])  # rows are replaced, never changed in place
        rand = rng.random
        temp = t0
        ratio = (t1 / t0) if t0 > 0 and t1 > 0 else 0.0
        tries = 0
        while True:
            tries += 1
            if tries % 64 == 0:
                now = time.monotonic()
                if now > deadline:
                    break
                if t0 > 0:
                    temp = (
                        t0 * ratio ** ((now - start) / seconds) if ratio else t0 * (deadline - now) / seconds
                    )
            if gained > best_gain:
                best_gain, best = gained, (grid[:], role[:])
            a = int(rand() * N)
            if rand() < 0.7:
                mates = self.mates[a]
                if not mates:
                    continue
                b = mates[int(rand() * len(mates))]
                lo, hi = self._block(rng, grid[a] if rand() < 0.5 else grid[b])
                move = self._swap(grid, role, costs, a, b, lo, hi)
                if move is None:
                    continue
                delta = move[0]
                if delta <= 0 or (temp > 0 and rand() < math.exp(-delta / temp)):
                    self._apply(grid, role, costs, move)
                    gained -= delta
                    continue
                if delta > self.chain_slack or not self.chain_tries:
                    continue
                # Ejection chain: b takes a's block at a cost, then passes one of her own blocks
                # on to a mate (or back to a) so that the two moves together gain.
                undo = self._apply(grid, role, costs, move)
                done = False
                for _ in range(self.chain_tries):
                    c = rng.choice(self.mates[b]) if self.mates[b] else a
                    lo2, hi2 = self._block(rng, grid[b])
                    if c == a and lo2 <= hi and lo <= hi2:
                        continue
                    second = self._swap(grid, role, costs, b, c, lo2, hi2)
                    if second is not None and delta + second[0] <= 0:
                        self._apply(grid, role, costs, second)
                        gained -= delta + second[0]
                        done = True
                        break
                if not done:
                    self._apply(grid, role, costs, undo)
                continue
            # cell change
            if not self.skills[a]:
                continue
            d = int(rand() * D)
            if d in self.locked[a]:
                continue
            old_s, old_k = grid[a][d], role[a][d]
            if rand() < 0.3:
                new_s, new_k = -1, -1
            else:
                new_s = int(rand() * self.S)
                new_k = self.kidx[rng.choice(P.nurses[a].skills)]
            if (new_s, new_k) == (old_s, old_k) or (new_s >= 0 and d in self.leave[a]):
                continue
            row = grid[a][:]
            row[d] = new_s
            if new_s >= 0 and not self.legal(a, row, d, d):
                continue
            delta = 0
            if old_s >= 0:
                key = (d, old_s, old_k)
                low, opt = self.demand.get(key, (0, 0))
                got = cover.get(key, 0)
                if got - 1 < low:
                    continue
                delta += under * (max(0, opt - got + 1) - max(0, opt - got))
            if new_s >= 0:
                key = (d, new_s, new_k)
                low, opt = self.demand.get(key, (0, 0))
                got = cover.get(key, 0)
                delta += under * (max(0, opt - got - 1) - max(0, opt - got))
            ca = self.row_cost(a, row)
            delta += ca - costs[a]
            if delta > 0 and (temp <= 0 or rand() >= math.exp(-delta / temp)):
                continue
            if old_s >= 0:
                cover[(d, old_s, old_k)] -= 1
            if new_s >= 0:
                cover[(d, new_s, new_k)] = cover.get((d, new_s, new_k), 0) + 1
            grid[a], costs[a] = row, ca
            role[a] = role[a][:]
            role[a][d] = new_k
            gained -= delta
        if gained > best_gain:
            best_gain, best = gained, (grid[:], role[:])
        self.tries = tries
        self.gained = best_gain
        self.current = self._roster(grid, role)
        self.current_gain = gained
        return self._roster(*best)

    def _roster(self, grid: Sequence[Sequence[int]], role: Sequence[Sequence[int]]) -> Roster:
        P = self.problem
        out = []
        for n, nurse in enumerate(P.nurses):
            for d in range(self.D):
                if grid[n][d] >= 0:
                    out.append(
                        Assignment(nurse.id, d, P.shift_types[grid[n][d]].id, self.skill_list[role[n][d]])
                    )
        return Roster(tuple(out))
