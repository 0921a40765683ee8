"""The auto-rostering solver: a CP-SAT model of the whole horizon plus a large-neighbourhood search.

The model has one boolean per (nurse, day, shift) and, for nurses with several skills, one per
(nurse, day, shift, demanded skill). Run rules are encoded so that the LP relaxation sees them:
a run longer than a maximum M costs one unit per fully worked window of M+1 days, and a run
shorter than a minimum m costs, for each run start, one unit per "the run ended within j days"
indicator (j < m). On top of it, the search repeatedly fixes most of the roster and re-optimises
a neighbourhood (a group of nurses over the whole horizon, all nurses over a window of days, or
nurses x days), chosen by a bandit that rewards the neighbourhood kinds that improved the cost,
with sizes that adapt to how quickly CP-SAT closes the sub-problems.

OR-Tools is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.scheduling.roster.evaluate import evaluate
from chalicelib.scheduling.roster.model import UNLIMITED, Assignment, Roster, RosterProblem

ProgressCallback = Callable[[float, int], None]
"""Called with (seconds since the start, best cost so far) whenever the best roster improves."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 60.0
    num_workers: int = 2
    seed: int = 0
    lns: bool = True
    first_phase: float = 0.1  # share of the time given to the whole-model solve before the LNS
    sub_time: float = 2.0  # seconds per neighbourhood re-solve
    log: bool = False


@dataclass
class SolveResult:
    roster: Roster
    cost: int
    status: str
    seconds: float
    lower_bound: float = 0.0
    progress: list[tuple[float, int]] = field(default_factory=list)
    iterations: int = 0
    stats: dict[str, Any] = field(default_factory=dict)


class InfeasibleRoster(Exception):
    """No roster satisfies the hard rules (or none was found in the time)."""


Lit = Any  # a CP-SAT literal (BoolVar or its negation) or an int constant 0/1


class RosterModel:
    """The CP-SAT model of a problem, with handles to its decision variables."""

    def __init__(self, problem: RosterProblem) -> None:
        from ortools.sat.python import cp_model

        self.problem = problem
        self.cp = cp_model
        m = self.model = cp_model.CpModel()
        self.obj_vars: list[Any] = []
        self.obj_coefs: list[int] = []
        self.offset = 0
        P = problem
        N, D, S = len(P.nurses), P.num_days, len(P.shift_types)
        self.shift_index = {s.id: i for i, s in enumerate(P.shift_types)}
        self.nurse_index = {n.id: i for i, n in enumerate(P.nurses)}
        self.x = [[[m.new_bool_var(f"x{n}_{d}_{s}") for s in range(S)] for d in range(D)] for n in range(N)]
        self.w = [[m.new_bool_var(f"w{n}_{d}") for d in range(D)] for n in range(N)]
        for n in range(N):
            for d in range(D):
                m.add(sum(self.x[n][d]) == self.w[n][d])  # H1
        self._coverage()
        self._successions()
        self._availability()
        for n in range(N):
            self._nurse_rules(n)
        self._requests()
        if P.weights.fairness:
            self._fairness()
        m.minimize(cp_model.LinearExpr.weighted_sum(self.obj_vars, self.obj_coefs) + self.offset)
        self.x_index = [[[v.index for v in row] for row in plane] for plane in self.x]
        self.base_domains = {
            i: list(m.proto.variables[i].domain) for plane in self.x_index for row in plane for i in row
        }

    # --- helpers -----------------------------------------------------------------------------
    def _cost(self, var: Any, coef: int) -> None:
        if coef:
            self.obj_vars.append(var)
            self.obj_coefs.append(coef)

    def _max_run(self, seq: Sequence[Lit], streak: int, high: int, weight: int) -> None:
        """One unit per window of high+1 consecutive true positions ending inside the horizon."""
        D = len(seq)
        if weight == 0 or high >= D + streak:
            return
        for t in range(D):
            first = t - high
            if first < -streak:
                continue
            lits = [seq[p] for p in range(max(0, first), t + 1)]
            if any(isinstance(lit, int) and lit == 0 for lit in lits):
                continue
            lits = [lit for lit in lits if not isinstance(lit, int)]
            if not lits:
                continue
            if len(lits) == 1:
                self._cost(lits[0], weight)
                continue
            v = self.model.new_bool_var("")
            self.model.add(v >= sum(lits) - (len(lits) - 1))
            self._cost(v, weight)

    def _min_run(self, seq: Sequence[Lit], streak: int, low: int, weight: int) -> None:
        """For each run start, one unit per j < low such that the run ended within j days."""
        D = len(seq)
        if weight == 0 or low <= 1:
            return
        m = self.model

        def at(p: int) -> Lit:
            return 1 if p < 0 else seq[p]

        starts: list[tuple[int, Lit]] = []
        if streak > 0:
            if streak < low:
                starts.append((-streak, 1))
        else:
            starts.append((0, seq[0]))
        for d in range(1, D - 1):
            cur, prev = seq[d], seq[d - 1]
            if isinstance(cur, int) or isinstance(prev, int):
                val = (cur if isinstance(cur, int) else None, prev if isinstance(prev, int) else None)
                if val[0] == 0 or val[1] == 1:
                    continue
                if val[1] == 0:
                    starts.append((d, cur))
                    continue
                starts.append((d, prev.Not() if not isinstance(prev, int) else 1))
                continue
            s = m.new_bool_var("")
            m.add(s >= cur - prev)
            starts.append((d, s))
        if streak == 0 and D > 0 and (isinstance(seq[0], int) and seq[0] == 0):
            starts = [st for st in starts if st[0] != 0]
        for d, s in starts:
            if isinstance(s, int) and s == 0:
                continue
            prev_q: Any = None
            for j in range(1, low):
                if d + j >= D:
                    break
                if d + j < 0:
                    continue
                end = at(d + j)
                if isinstance(end, int) and end == 1 and prev_q is None:
                    continue
                q = m.new_bool_var("")
                if prev_q is not None:
                    m.add(q >= prev_q)
                if not (isinstance(end, int) and end == 1):
                    if isinstance(s, int):
                        m.add(q >= 1 - end)
                    else:
                        m.add(q >= s - end)
                self._cost(q, weight)
                prev_q = q

    # --- rules -----------------------------------------------------------------------------
    def _coverage(self) -> None:
        P, m = self.problem, self.model
        self.y: dict[tuple[int, int, int, str], Any] = {}
        demand = P.demand_map()
        by_ds: dict[tuple[int, int], list[str]] = {}
        for (d, sid, k), dem in demand.items():
            if dem.optimal > 0:
                by_ds.setdefault((d, self.shift_index[sid]), []).append(k)
        for n, nurse in enumerate(P.nurses):
            for (d, s), skills in by_ds.items():
                mine = [k for k in skills if k in nurse.skills]
                if len(nurse.skills) == 1 and mine:
                    self.y[(n, d, s, mine[0])] = self.x[n][d][s]
                    continue
                ys = []
                for k in mine:
                    v = m.new_bool_var("")
                    self.y[(n, d, s, k)] = v
                    ys.append(v)
                if ys:
                    m.add(sum(ys) <= self.x[n][d][s])
        self.short: dict[tuple[int, int, str], Any] = {}
        for (d, sid, k), dem in demand.items():
            s = self.shift_index[sid]
            cover = [self.y[(n, d, s, k)] for n in range(len(P.nurses)) if (n, d, s, k) in self.y]
            if dem.minimum > 0:
                m.add(sum(cover) >= dem.minimum)
            if dem.optimal > dem.minimum:
                short = m.new_int_var(0, dem.optimal - dem.minimum, "")
                m.add(short >= dem.optimal - sum(cover))
                self.short[(d, s, k)] = short
                self._cost(short, P.weights.under_optimal)
        # Aggregate link: nurses on a (day, shift) at least the sum of its minimums.
        for d in range(P.num_days):
            for sid, s in self.shift_index.items():
                need = sum(dem.minimum for (dd, ss, _), dem in demand.items() if dd == d and ss == sid)
                if need > 0:
                    m.add(sum(self.x[n][d][s] for n in range(len(P.nurses))) >= need)

    def _successions(self) -> None:
        P, m = self.problem, self.model
        forbidden = P.forbidden()
        if not forbidden:
            return
        after: dict[int, list[int]] = {}
        for a, b in forbidden:
            after.setdefault(self.shift_index[a], []).append(self.shift_index[b])
        for n, nurse in enumerate(P.nurses):
            last = P.history_of(nurse.id).last_shift
            if last is not None and last in self.shift_index:
                for b in after.get(self.shift_index[last], []):
                    m.add(self.x[n][0][b] == 0)
            for d in range(P.num_days - 1):
                for a, bs in after.items():
                    m.add(self.x[n][d][a] + sum(self.x[n][d + 1][b] for b in bs) <= 1)

    def _availability(self) -> None:
        P, m = self.problem, self.model
        for lv in P.leave:
            if lv.nurse in self.nurse_index and 0 <= lv.day < P.num_days:
                m.add(self.w[self.nurse_index[lv.nurse]][lv.day] == 0)
        for pin in P.pins:
            n = self.nurse_index[pin.nurse]
            if pin.shift is None:
                m.add(self.w[n][pin.day] == 0)
                continue
            s = self.shift_index[pin.shift]
            m.add(self.x[n][pin.day][s] == 1)
            if pin.skill is not None:
                key = (n, pin.day, s, pin.skill)
                if key in self.y and self.y[key] is not self.x[n][pin.day][s]:
                    m.add(self.y[key] == 1)

    def _nurse_rules(self, n: int) -> None:
        P, m = self.problem, self.model
        W = P.weights
        nurse = P.nurses[n]
        c = P.contract_of(nurse)
        h = P.history_of(nurse.id)
        w = self.w[n]
        D = P.num_days
        self._max_run(w, h.consecutive_work, c.max_consecutive_work, W.consecutive_work)
        self._min_run(w, h.consecutive_work, c.min_consecutive_work, W.consecutive_work)
        off = [v.Not() for v in w]
        self._max_run(off, h.consecutive_off, c.max_consecutive_off, W.consecutive_off)
        self._min_run(off, h.consecutive_off, c.min_consecutive_off, W.consecutive_off)
        for s, st in enumerate(P.shift_types):
            seq = [self.x[n][d][s] for d in range(D)]
            streak = h.consecutive_same_shift if h.last_shift == st.id else 0
            self._max_run(seq, streak, st.max_consecutive, W.consecutive_shift)
            self._min_run(seq, streak, st.min_consecutive, W.consecutive_shift)
        total = sum(w)
        if c.min_assignments - h.assignments > 0:
            under = m.new_int_var(0, c.min_assignments, "")
            m.add(under >= c.min_assignments - h.assignments - total)
            self._cost(under, W.total_assignments)
        if c.max_assignments < UNLIMITED:
            over = m.new_int_var(0, D + h.assignments, "")
            m.add(over >= total + h.assignments - c.max_assignments)
            self._cost(over, W.total_assignments)
        self.weekend_vars = getattr(self, "weekend_vars", {})
        wes = []
        for wk in P.weekends():
            we = m.new_bool_var("")
            for d in wk:
                m.add(we >= w[d])
            m.add(we <= sum(w[d] for d in wk))
            wes.append(we)
            if c.complete_weekends and len(wk) == 2:
                inc = m.new_bool_var("")
                m.add(inc >= w[wk[0]] - w[wk[1]])
                m.add(inc >= w[wk[1]] - w[wk[0]])
                self._cost(inc, W.complete_weekend)
        self.weekend_vars[n] = wes
        if c.max_working_weekends < UNLIMITED and wes:
            excess = m.new_int_var(0, len(wes) + h.working_weekends, "")
            m.add(excess >= sum(wes) + h.working_weekends - c.max_working_weekends)
            self._cost(excess, W.working_weekends)
        if W.hours and (c.min_hours > 0 or c.max_hours < UNLIMITED):
            hours = sum(
                round(st.hours) * self.x[n][d][s] for d in range(D) for s, st in enumerate(P.shift_types)
            )
            base = round(h.hours)
            if c.min_hours > 0:
                under_h = m.new_int_var(0, round(c.min_hours), "")
                m.add(under_h >= round(c.min_hours) - base - hours)
                self._cost(under_h, W.hours)
            if c.max_hours < UNLIMITED:
                over_h = m.new_int_var(0, 24 * D + base, "")
                m.add(over_h >= hours + base - round(c.max_hours))
                self._cost(over_h, W.hours)

    def _requests(self) -> None:
        P = self.problem
        for r in P.requests:
            if r.nurse not in self.nurse_index or not 0 <= r.day < P.num_days:
                continue
            n = self.nurse_index[r.nurse]
            lit = self.w[n][r.day] if r.shift is None else self.x[n][r.day][self.shift_index[r.shift]]
            coef = P.weights.request * r.weight
            if r.on:
                self.offset += coef
                self._cost(lit, -coef)
            else:
                self._cost(lit, coef)

    def _fairness(self) -> None:
        from chalicelib.scheduling.roster.evaluate import comparable_groups

        P, m = self.problem, self.model
        nights = [s for s, st in enumerate(P.shift_types) if st.night]
        for group in comparable_groups(P):
            idx = [self.nurse_index[g] for g in group]
            counts = []
            if P.fairness.nights and nights:
                counts.append([sum(self.x[n][d][s] for d in range(P.num_days) for s in nights) for n in idx])
            if P.fairness.weekends:
                counts.append([sum(self.weekend_vars[n]) for n in idx])
            for series in counts:
                hi = m.new_int_var(0, P.num_days, "")
                lo = m.new_int_var(0, P.num_days, "")
                for expr in series:
                    m.add(hi >= expr)
                    m.add(lo <= expr)
                spread = m.new_int_var(0, P.num_days, "")
                m.add(spread == hi - lo)
                self._cost(spread, P.weights.fairness)

    # --- solutions ---------------------------------------------------------------------------
    def values(self, solution: Sequence[int]) -> list[list[int]]:
        """Shift index worked per (nurse, day), -1 for a day off, from a response's solution vector."""
        out = []
        for plane in self.x_index:
            row = []
            for cell in plane:
                row.append(next((s for s, i in enumerate(cell) if solution[i]), -1))
            out.append(row)
        return out

    def roster(self, solution: Sequence[int]) -> Roster:
        P = self.problem
        demand = P.demand_map()
        out = []
        for n, row in enumerate(self.values(solution)):
            nurse = P.nurses[n]
            for d, s in enumerate(row):
                if s < 0:
                    continue
                sid = P.shift_types[s].id
                skill = None
                for k in nurse.skills:
                    v = self.y.get((n, d, s, k))
                    if v is not None and solution[v.index]:
                        skill = k
                        break
                if skill is None:  # not needed for coverage: label it with a demanded skill if any
                    skill = next((k for k in nurse.skills if (d, sid, k) in demand), nurse.skills[0])
                out.append(Assignment(nurse.id, d, sid, skill))
        return Roster(tuple(out))

    def hint(self, grid: Sequence[Sequence[int]]) -> None:
        """Hint the shift variables with a grid (shift index per nurse and day, -1 = off)."""
        hint = self.model.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        for n, plane in enumerate(self.x_index):
            for d, cell in enumerate(plane):
                for s, i in enumerate(cell):
                    hint.vars.append(i)
                    hint.values.append(1 if grid[n][d] == s else 0)

    def hint_solution(self, solution: Sequence[int]) -> None:
        """Hint every variable with a full solution vector (an incomplete hint makes CP-SAT repair it)."""
        hint = self.model.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(solution)))
        hint.values.extend(solution)

    def fix(self, grid: Sequence[Sequence[int]], free: Callable[[int, int], bool]) -> None:
        """Fix every (nurse, day) cell to `grid` except those for which `free(n, d)`."""
        variables = self.model.proto.variables
        for n, plane in enumerate(self.x_index):
            for d, cell in enumerate(plane):
                if free(n, d):
                    continue
                for s, i in enumerate(cell):
                    val = 1 if grid[n][d] == s else 0
                    dom = variables[i].domain
                    dom[0] = val
                    dom[1] = val

    def unfix(self) -> None:
        variables = self.model.proto.variables
        for i, (lo, hi) in self.base_domains.items():
            dom = variables[i].domain
            dom[0] = lo
            dom[1] = hi


def grid_of(problem: RosterProblem, roster: Roster) -> list[list[int]]:
    index = {s.id: i for i, s in enumerate(problem.shift_types)}
    cells = roster.by_nurse_day()
    return [
        [index[cells[(n.id, d)].shift] if (n.id, d) in cells else -1 for d in range(problem.num_days)]
        for n in problem.nurses
    ]


class _Progress:
    def __init__(self, start: float, callback: ProgressCallback | None) -> None:
        self.start = start
        self.callback = callback
        self.best: int | None = None
        self.trace: list[tuple[float, int]] = []

    def report(self, cost: int) -> None:
        if self.best is None or cost < self.best:
            self.best = cost
            t = time.monotonic() - self.start
            self.trace.append((round(t, 2), cost))
            if self.callback is not None:
                self.callback(t, cost)


def solve(
    problem: RosterProblem,
    options: SolveOptions | None = None,
    on_progress: ProgressCallback | None = None,
    initial: Roster | None = None,
) -> SolveResult:
    """Solve `problem` within `options.time_limit` seconds; raise InfeasibleRoster if no roster is found."""
    from ortools.sat.python import cp_model

    opts = options or SolveOptions()
    t0 = time.monotonic()
    deadline = t0 + opts.time_limit
    progress = _Progress(t0, on_progress)
    rm = RosterModel(problem)
    build_seconds = time.monotonic() - t0

    class _Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            progress.report(round(self.objective_value))

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = opts.num_workers
    prm.random_seed = opts.seed
    prm.log_search_progress = opts.log
    if initial is not None:
        rm.hint(grid_of(problem, initial))
    first = max(1.0, (deadline - time.monotonic()) * (opts.first_phase if opts.lns else 1.0))
    prm.max_time_in_seconds = first
    status = solver.solve(rm.model, _Callback())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No roster yet: keep searching with the whole model for the rest of the time.
        prm.max_time_in_seconds = max(1.0, deadline - time.monotonic())
        status = solver.solve(rm.model, _Callback())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise InfeasibleRoster(f"{problem.name}: {solver.status_name(status)}")
    best = list(solver.response_proto.solution)
    best_cost = round(solver.objective_value)
    bound = solver.best_objective_bound
    progress.report(best_cost)
    stats: dict[str, Any] = {"build_seconds": round(build_seconds, 2), "first_phase_cost": best_cost}
    iterations = 0
    if opts.lns and status != cp_model.OPTIMAL and best_cost > bound:
        models = [rm] + [RosterModel(problem) for _ in range(max(1, opts.num_workers) - 1)]
        search = _Search(models, best, best_cost, deadline, opts, progress, bound)
        search.run()
        best, best_cost, iterations = search.best, search.best_cost, search.iterations
        stats["neighbourhoods"] = search.stats()
        status_name = "OPTIMAL" if best_cost <= bound else "FEASIBLE"
    else:
        status_name = solver.status_name(status)
    roster = rm.roster(best)
    return SolveResult(
        roster=roster,
        cost=best_cost,
        status=status_name,
        seconds=round(time.monotonic() - t0, 2),
        lower_bound=bound,
        progress=progress.trace,
        iterations=iterations,
        stats=stats,
    )


@dataclass
class _Neighbourhood:
    name: str
    size: float
    lo: float
    hi: float
    reward: float = 1.0
    tries: int = 0
    gains: int = 0
    optimal: int = 0


class _Search:
    """Parallel large-neighbourhood search: one thread per core, each with its own copy of the model,
    re-optimising neighbourhoods of the shared best roster with single-worker CP-SAT solves (with
    linearization level 2, which closes these sub-problems far faster than the portfolio does)."""

    def __init__(
        self,
        models: list[RosterModel],
        best: list[int],
        best_cost: int,
        deadline: float,
        opts: SolveOptions,
        progress: _Progress,
        bound: float,
    ) -> None:
        P = models[0].problem
        self.models = models
        self.problem = P
        self.best = best
        self.best_cost = best_cost
        self.grid = models[0].values(best)
        self.deadline = deadline
        self.opts = opts
        self.progress = progress
        self.bound = bound
        self.lock = threading.Lock()
        self.iterations = 0
        N, D = len(P.nurses), P.num_days
        self.hoods = [
            _Neighbourhood("nurses", min(N, max(3.0, N * 0.1)), 2, N),
            _Neighbourhood("skill_nurses", min(N, max(3.0, N * 0.1)), 2, N),
            _Neighbourhood("costly_nurses", min(N, max(3.0, N * 0.1)), 2, N),
            _Neighbourhood("days", min(D, 3.0), 1, D),
            _Neighbourhood("nurses_days", min(N, max(4.0, N * 0.2)), 2, N),
        ]
        self.skills_of = {k: [n for n, nurse in enumerate(P.nurses) if k in nurse.skills] for k in P.skills}
        self.per_nurse_cost = self._nurse_costs()

    def _nurse_costs(self) -> list[int]:
        per = evaluate(self.problem, self.models[0].roster(self.best)).per_nurse
        return [1 + sum(per.get(n.id, {}).values()) for n in self.problem.nurses]

    def _choose(self, rng: random.Random) -> tuple[_Neighbourhood, Callable[[int, int], bool]]:
        P = self.problem
        N, D = len(P.nurses), P.num_days
        pick = rng.random() * sum(h.reward for h in self.hoods)
        hood = self.hoods[-1]
        for h in self.hoods:
            pick -= h.reward
            if pick <= 0:
                hood = h
                break
        size = max(1, round(hood.size))
        nurses: set[int] = set()
        lo, hi = 0, D
        if hood.name == "nurses":
            nurses = set(rng.sample(range(N), min(N, size)))
        elif hood.name == "skill_nurses":
            pool = self.skills_of[rng.choice(P.skills)] or list(range(N))
            nurses = set(rng.sample(pool, min(len(pool), size)))
        elif hood.name == "costly_nurses":
            while len(nurses) < min(N, size):
                nurses.add(rng.choices(range(N), weights=self.per_nurse_cost)[0])
        elif hood.name == "days":
            span = min(D, size)
            lo = rng.randrange(0, D - span + 1)
            hi = lo + span
            nurses = set(range(N))
        else:
            span = min(D, 14)
            lo = rng.randrange(0, D - span + 1)
            hi = lo + span
            nurses = set(rng.sample(range(N), min(N, size)))
        return hood, lambda n, d: n in nurses and lo <= d < hi

    def worker(self, k: int) -> None:
        from ortools.sat.python import cp_model

        rm = self.models[k]
        rng = random.Random(self.opts.seed * 1009 + k)  # noqa: S311 - search, not security
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1
        prm.linearization_level = 2
        while True:
            remaining = self.deadline - time.monotonic()
            with self.lock:
                if remaining < 0.2 or self.best_cost <= self.bound:
                    return
                self.iterations += 1
                prm.random_seed = self.opts.seed + self.iterations
                hood, free = self._choose(rng)
                grid, best, base_cost = self.grid, self.best, self.best_cost
            rm.fix(grid, free)
            rm.hint_solution(best)
            prm.max_time_in_seconds = min(self.opts.sub_time, remaining)
            status = solver.solve(rm.model)
            rm.unfix()
            with self.lock:
                hood.tries += 1
                gain = 0
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    cost = round(solver.objective_value)
                    gain = base_cost - cost
                    if cost < self.best_cost or (cost == self.best_cost and base_cost == self.best_cost):
                        improved = cost < self.best_cost
                        self.best = list(solver.response_proto.solution)
                        self.grid = rm.values(self.best)
                        self.best_cost = cost
                        if improved:
                            hood.gains += 1
                            self.progress.report(cost)
                            self.per_nurse_cost = self._nurse_costs()
                if status == cp_model.OPTIMAL:
                    hood.optimal += 1
                    hood.size = min(hood.hi, hood.size * 1.1)
                else:
                    hood.size = max(hood.lo, hood.size * 0.9)
                hood.reward = 0.9 * hood.reward + 0.1 * (0.2 + 100.0 * max(0, gain) / max(1, self.best_cost))

    def run(self) -> None:
        threads = [
            threading.Thread(target=self.worker, args=(k,), daemon=True) for k in range(len(self.models))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def stats(self) -> dict[str, Any]:
        return {
            h.name: {"tries": h.tries, "gains": h.gains, "optimal": h.optimal, "size": round(h.size, 1)}
            for h in self.hoods
        }
