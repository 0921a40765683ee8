"""The auto-rostering solver: a CP-SAT model of the whole horizon plus a large-neighbourhood search.

The model has one boolean per (nurse, day, shift) and, for nurses with several skills, one per
(nurse, day, shift, demanded skill). Run rules are encoded so that the LP relaxation sees them:
a run longer than a maximum M costs one unit per fully worked window of M+1 days, and a run
shorter than a minimum m costs, for each run start, one unit per "the run ended within j days"
indicator (j < m). On top of it, the search repeatedly fixes most of the roster and re-optimises
a neighbourhood (groups of nurses over a window of days, all nurses over a few days, or two or
three nurses over the whole horizon, e.g. one above her maximum with mates who have room), chosen
by a bandit that rewards the cost gained per second, with sizes that adapt to how quickly CP-SAT
closes the sub-problems and a re-solve time that grows when the search stalls. One more kind
needs no CP-SAT: a per-nurse local search (`localsearch.py`: block swaps between skill-mates and
single-cell changes, priced exactly by the rows they touch), which also gives the start roster a
first descent.

OR-Tools is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import (
    UNLIMITED,
    Assignment,
    Nurse,
    NurseHistory,
    Pin,
    Roster,
    RosterProblem,
)

if TYPE_CHECKING:  # imported where a search starts: numpy and numba, like OR-Tools, cost only a solve
    from chalicelib.scheduling.domain.roster.localsearch import LocalSearch

ProgressCallback = Callable[[float, int], None]
"""Called with (seconds since the start, best cost so far) whenever the best roster improves."""
KeepCallback = Callable[[Roster, int], None]
"""Called with each better roster and its cost where the search holds it (a stop keeps the last)."""


@dataclass(frozen=True)
class Work:
    """A budget of work instead of time. Every stage of the solve stops on what it has done,
    never on the clock, so the same options search as much on a loaded machine as on a quiet one
    (the tests; a reproducible run). `SolveOptions.time_limit` then only bounds a hang. CP-SAT's
    share is its deterministic time (roughly a second of one core on a quiet machine), the
    relaxation's its rounds, the local search's its moves. Threads still interleave as they will,
    so two runs may take different paths; each does the same amount of work."""

    relax_rounds: int = 1000  # the dive's relaxation; it dives only if it converged within them
    start_dtime: float = 20.0  # each CP-SAT solve towards a first roster (a chunk, the completion)
    iterations: int = 30  # neighbourhoods (CP-SAT sub-solves and local-search runs), all threads
    sub_dtime: float = 1.0  # each neighbourhood's CP-SAT sub-solve
    moves: int = 20_000  # each local-search run; the first descent makes ten times as many
    anneal_segments: int = 2  # each annealing chain's segments, of `moves` moves each


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 60.0
    num_workers: int = 2
    seed: int = 0
    lns: bool = True
    # share of the time for the first roster (constructive start); None = 0.15 up to 40 nurses,
    # 0.25 above (a longer week-by-week start pays less since the local search repairs a poor one)
    first_phase: float | None = None
    sub_time: float = 1.0  # seconds per neighbourhood re-solve
    chunk_days: int = 7  # the constructive start rosters the horizon this many days at a time
    window_days: int = 10  # the day window of the nurses x days neighbourhoods
    chunk_lns: bool = False  # polish each chunk with the LNS (CP-SAT alone does better on a week)
    construct_params: dict[str, Any] | None = None  # CP-SAT parameters of the week solves
    moves: float = 0.3  # seconds per local-search iteration (block swaps, cell changes); 0 = off
    descent: float = 5.0  # seconds of local search on the start roster (first thread; <= 10 % of the time)
    # Simulated annealing with the local search's moves, `anneal_chains` independent chains, each
    # in a process of its own that takes one CP-SAT thread's core from `anneal_after` of the search
    # time on (CP-SAT neighbourhoods run on the cores left): one cooling from `anneal_t0` to
    # `anneal_t1` (in units of the largest soft weight / 30, INRC-II's scale) over the time left,
    # reported every `anneal_segment` s. Needs num_workers >= 2; anneal_segment 0 = off.
    anneal_segment: float = 5.0
    anneal_t0: float = 10.0
    anneal_t1: float = 0.5
    anneal_after: float = 0.0
    anneal_chains: int = 1  # at most num_workers - 1: one CP-SAT thread always stays
    # Start from a dive on the column-generation relaxation (`bound.ColumnGeneration.dive`) where
    # the local search applies and nothing is pinned, taking at most this share of the time (0 =
    # off, the week-by-week start instead); the annealing then starts cooler, at `dive_anneal_t0`,
    # so that it refines the dive's roster instead of walking away from it.
    dive: float = 0.5
    dive_anneal_t0: float = 1.5  # 3 before the dive left nurses open: a better start wants a cooler walk
    # The dive stops with this many nurses still free (at most a quarter of them), and CP-SAT
    # rosters them around the dive's rows in at most `dive_open_time` of the time.
    dive_open: int = 10
    dive_open_time: float = 0.1
    # The relaxation's share of the dive's time (it gives up when its first rounds' pace says
    # it cannot converge in it), and the least share the fixing steps get after it.
    dive_relax: float = 0.75
    dive_steps: float = 0.4
    # Horizons longer than this many days do not dive whole: over 56 days the relaxation does not
    # converge in its share however fast a round is (with the pricing 3.8 times faster, the 8-week
    # validation instances ran 35-54 rounds in their 45 s and stopped with their Lagrangian bound
    # 133-170 % below their value, a dive needing 1 %: its whole share lost), and a month's period
    # (28-31 days) converges.
    dive_days: int = 35
    # ... they dive part by part instead, each part about this many days (a part ends on a week's
    # end) as a problem of its own: its contract totals scaled to the days up to its end, its
    # history the rows dived before it (as the week-by-week start's chunks); 0 = no dive past
    # `dive_days`. Each month's relaxation of an 8-week instance converged in 3.4-17 s (30-120
    # nurses); on 80-120 nurses the dive's roster beat the quick one by far (n100w8_1_2-5-3-4:
    # 3115 against 5510) and the solves ended 5-14 % lower (run 17).
    dive_part_days: int = 28
    # ... and only with at least this many nurses: below, the search from the week-by-week quick
    # roster did as well or better in the time the dive takes (on the published 8-week instances
    # of 30-60 nurses: 1.112 against 1.144 times the best known with the dive, run 17)
    dive_part_nurses: int = 80
    # ... then each part but the last is dived again, in order, in this share of the time (0 =
    # not): the whole horizon's problem with the other parts' rows kept and priced with its own
    # (`ColumnGeneration.keep`), so a month's runs and totals meet the months after it; only the
    # days its rows miss go to the completion, not their neighbours. The dived rows come out 7-18 %
    # cheaper (n120w8_2, outside a solve, run 21); with the missed days' neighbours freed too the
    # completion lost it again (run 21: 1.304 against 1.290), with the missed days alone the
    # 8-week validation instances of 80-120 nurses ended lower at both seeds measured, though the
    # search has 24 s less (1.262 against 1.290 at seed 0, 1.275 against 1.299 at seed 1; run 22)
    dive_sweep: float = 0.2
    # The quick start (any time): CP-SAT's first solution of the whole model within this share of
    # the time (0 = off), then a local search of `quick_descent` of the time; the dive or
    # the week-by-week start replaces it only if it does better.
    quick: float = 0.1
    quick_descent: float = 0.025
    # ... an annealing over those seconds (`anneal_t0` to `anneal_t1`, as the search's), not a
    # descent: the descent stalls within a second (n100w4_0_1-0-7-9: 2640 after 3 s and after 6 s),
    # 3 s of annealing end at 2260; 1.08 instead of 1.26 times the bound on n030w4_0_0-9-3-0
    quick_anneal: bool = True
    # Horizons longer than this many days (a month: a ward's period stays on the whole model)
    # get their quick roster week by week instead (each chunk's first solution with the earlier
    # ones fixed, its roles as the chunk chose them), in a share grown with the horizon (`quick` x
    # days / 28): on 120 nurses x 56 days CP-SAT found no first solution of the whole model in 12
    # s, and the first roster came at 72 s of 120.
    quick_whole_days: int = 31
    log: bool = False
    # A budget of work instead of time (`Work`); None: every stage is timed against `time_limit`.
    work: Work | None = None


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

    def __init__(self, problem: RosterProblem, fixed: Sequence[tuple[Nurse, Assignment]] = ()) -> None:
        """`fixed`: assignments of nurses outside the problem that count towards its demand; only
        their skills are decided (the LNS re-optimises a few nurses while the others may swap roles)."""
        from ortools.sat.python import cp_model

        self.problem = problem
        self.fixed = list(fixed)
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
        self.known: dict[tuple[int, int], int] = {}  # (nurse, day) -> shift index, -1 = off
        for lv in P.leave:
            if lv.nurse in self.nurse_index:
                self.known[(self.nurse_index[lv.nurse], lv.day)] = -1
        for pin in P.pins:
            if pin.nurse in self.nurse_index:
                key = (self.nurse_index[pin.nurse], pin.day)
                self.known[key] = -1 if pin.shift is None else self.shift_index[pin.shift]
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
            if not lits:  # a window worked on known days only: a constant cost
                self.offset += weight
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
                    # Past the horizon: only a run that already ended inside it is charged.
                    if prev_q is None:
                        break
                    self._cost(prev_q, weight)
                    continue
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
        by_ds: dict[tuple[int, int], set[str]] = {}
        for (d, sid, k, _), dem in demand.items():
            if dem.optimal > 0:
                by_ds.setdefault((d, self.shift_index[sid]), set()).add(k)
        for n, nurse in enumerate(P.nurses):
            for (d, s), skills in by_ds.items():
                mine = sorted(k for k in skills if k in nurse.skills)
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
        # The other nurses' fixed shifts: their roles may still change. Instead of one role boolean
        # per fixed assignment, one count per (day, shift, ward, skill) whose feasible vectors are
        # exactly the Hall inequalities of the nurses-to-skills bipartite graph (a polymatroid:
        # Σ_{k∈T} c_k ≤ #nurses having a skill in T), so any integer solution has a role assignment.
        fixed_on: dict[tuple[int, int], int] = {}
        groups: dict[tuple[int, int, str], list[int]] = {}
        for i, (nurse, a) in enumerate(self.fixed):
            s = self.shift_index[a.shift]
            fixed_on[(a.day, s)] = fixed_on.get((a.day, s), 0) + 1
            groups.setdefault((a.day, s, nurse.ward), []).append(i)
        self.fixed_groups: list[tuple[list[int], dict[str, Any]]] = []
        fixed_count: dict[tuple[int, int, str], list[tuple[str, Any]]] = {}
        for (d, s, ward), members in groups.items():
            wanted = sorted(
                k for k in by_ds.get((d, s), set()) if any(k in self.fixed[i][0].skills for i in members)
            )
            if not wanted:
                continue
            sets = [frozenset(k for k in wanted if k in self.fixed[i][0].skills) for i in members]
            counts = {k: m.new_int_var(0, sum(1 for st in sets if k in st), "") for k in wanted}
            for r in range(2, min(len(wanted), 6) + 1):
                for subset in itertools.combinations(wanted, r):
                    bound = sum(1 for st in sets if st.intersection(subset))
                    if bound < sum(sum(1 for st in sets if k in st) for k in subset):
                        m.add(sum(counts[k] for k in subset) <= bound)
            if len(wanted) > 6:  # beyond 6 skills only the total is bounded (rare; relabel repairs)
                m.add(sum(counts.values()) <= sum(1 for st in sets if st))
            self.fixed_groups.append((members, counts))
            for k, v in counts.items():
                fixed_count.setdefault((d, s, k), []).append((ward, v))
        need: dict[tuple[int, int], int] = {}
        for (d, sid, k, _), dem in demand.items():
            s = self.shift_index[sid]
            cover = [
                self.y[(n, d, s, k)]
                for n, nurse in enumerate(P.nurses)
                if (n, d, s, k) in self.y and P.counts_for(nurse, dem)
            ]
            cover += [v for ward, v in fixed_count.get((d, s, k), []) if not dem.ward or dem.ward == ward]
            if dem.minimum > 0:
                m.add(sum(cover) >= dem.minimum)
                need[(d, s)] = need.get((d, s), 0) + dem.minimum
            if dem.optimal > dem.minimum:
                short = m.new_int_var(0, dem.optimal - dem.minimum, "")
                m.add(short >= dem.optimal - sum(cover))
                self._cost(short, P.weights.under_optimal)
        # Aggregate link: nurses on a (day, shift) at least the sum of its minimums.
        for (d, s), total in need.items():
            if total > fixed_on.get((d, s), 0):
                m.add(sum(self.x[n][d][s] for n in range(len(P.nurses))) >= total - fixed_on.get((d, s), 0))

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
                for banned in after.get(self.shift_index[last], []):
                    m.add(self.x[n][0][banned] == 0)
            for d in range(P.num_days - 1):
                for first, bs in after.items():
                    m.add(self.x[n][d][first] + sum(self.x[n][d + 1][b] for b in bs) <= 1)

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
            if pin.skill is not None:  # that role, and no other (where no demand counts it, none)
                for k in P.nurses[n].skills:
                    key = (n, pin.day, s, k)
                    if key in self.y and self.y[key] is not self.x[n][pin.day][s]:
                        m.add(self.y[key] == int(k == pin.skill))

    def _nurse_rules(self, n: int) -> None:
        P, m = self.problem, self.model
        W = P.weights
        nurse = P.nurses[n]
        c = P.contract_of(nurse)
        h = P.history_of(nurse.id)
        D = P.num_days
        # Cells known in advance (pins, leave) enter the run encodings as constants, so the
        # windows and run starts wholly outside a sub-problem's free days cost no variables.
        cell = [self.known.get((n, d)) for d in range(D)]
        w: list[Lit] = [self.w[n][d] if k is None else int(k >= 0) for d, k in enumerate(cell)]
        self._max_run(w, h.consecutive_work, c.max_consecutive_work, W.consecutive_work)
        self._min_run(w, h.consecutive_work, c.min_consecutive_work, W.consecutive_work)
        off = [1 - v if isinstance(v, int) else v.Not() for v in w]
        self._max_run(off, h.consecutive_off, c.max_consecutive_off, W.consecutive_off)
        self._min_run(off, h.consecutive_off, c.min_consecutive_off, W.consecutive_off)
        for s, st in enumerate(P.shift_types):
            seq: list[Lit] = [self.x[n][d][s] if k is None else int(k == s) for d, k in enumerate(cell)]
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
        night_types = [s for s, st in enumerate(P.shift_types) if st.night]
        if W.nights and night_types and c.max_nights < UNLIMITED:
            nights = sum(self.x[n][d][s] for d in range(D) for s in night_types)
            over_n = m.new_int_var(0, D + h.nights, "")
            m.add(over_n >= nights + h.nights - c.max_nights)
            self._cost(over_n, W.nights)

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
        """The spread (max - min) of each count inside each comparable group, on the carried share
        plus the horizon's count (`evaluate.fair_counts`); a count that cannot vary here (no night
        shift types, no holidays) still spreads its carried shares, as a constant."""
        from chalicelib.scheduling.domain.roster.evaluate import comparable_groups

        P, m = self.problem, self.model
        nights = [s for s, st in enumerate(P.shift_types) if st.night]
        holidays = sorted(d for d in P.holidays if 0 <= d < P.num_days)
        for group in comparable_groups(P):
            idx = [self.nurse_index[g] for g in group]
            shares = [P.fair_share_of(g) for g in group]
            counts: list[tuple[list[Any], list[int], int]] = []  # (counts, shares, most the horizon adds)
            if P.fairness.nights:
                counts.append(
                    (
                        [sum(self.x[n][d][s] for d in range(P.num_days) for s in nights) for n in idx],
                        [s.nights for s in shares],
                        P.num_days if nights else 0,
                    )
                )
            if P.fairness.weekends:
                counts.append(
                    ([sum(self.weekend_vars[n]) for n in idx], [s.weekends for s in shares], P.num_days)
                )
            if P.fairness.holidays:
                counts.append(
                    (
                        [sum(self.w[n][d] for d in holidays) for n in idx],
                        [s.holidays for s in shares],
                        len(holidays),
                    )
                )
            for series, carried, most in counts:
                low, high = min(carried), max(carried) + most
                if not most:  # constants: their spread
                    self.offset += P.weights.fairness * (max(carried) - min(carried))
                    continue
                hi = m.new_int_var(low, high, "")
                lo = m.new_int_var(low, high, "")
                for expr, base in zip(series, carried, strict=True):
                    m.add(hi >= expr + base)
                    m.add(lo <= expr + base)
                spread = m.new_int_var(0, high - low, "")
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
        pinned = {(self.nurse_index[p.nurse], p.day): p.skill for p in P.pins if p.skill is not None}
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
                if skill is None and (n, d) in pinned:  # a pinned role no demand counts
                    skill = pinned[n, d]
                if skill is None:  # not needed for coverage: label it with a demanded skill if any
                    skill = next(
                        (k for k in nurse.skills if (d, sid, k, nurse.ward) in demand), nurse.skills[0]
                    )
                out.append(Assignment(nurse.id, d, sid, skill))
        return Roster(tuple(out))

    def relabelled(self, solution: Sequence[int]) -> list[Assignment]:
        """The fixed assignments with the roles this solution counts: per (day, shift, ward), a
        matching of the nurses to the counted skill slots (it exists by the Hall inequalities)."""
        skill = [a.skill for _, a in self.fixed]
        for members, counts in self.fixed_groups:
            slots = [k for k, v in counts.items() for _ in range(solution[v.index])]
            owner: list[int | None] = [None] * len(slots)

            def augment(
                i: int, seen: set[int], slots: list[str] = slots, owner: list[int | None] = owner
            ) -> bool:
                for j, k in enumerate(slots):
                    if j in seen or k not in self.fixed[i][0].skills:
                        continue
                    seen.add(j)
                    prev = owner[j]
                    if prev is None or augment(prev, seen):
                        owner[j] = i
                        return True
                return False

            for i in members:
                augment(i, set())
            for j, holder in enumerate(owner):
                if holder is not None:
                    skill[holder] = slots[j]
        return [replace(a, skill=k) for (_, a), k in zip(self.fixed, skill, strict=True)]

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
    """The best cost over time (``callback``), and each better roster itself where it is known
    (``keep``: a solve stopped early hands over the best it holds)."""

    def __init__(
        self, start: float, callback: ProgressCallback | None, keep: KeepCallback | None = None
    ) -> None:
        self.start = start
        self.callback = callback
        self.keep = keep
        self.best: int | None = None
        self.kept: int | None = None
        self.trace: list[tuple[float, int]] = []

    def report(self, cost: int, roster: Roster | None = None) -> None:
        if self.best is None or cost < self.best:
            self.best = cost
            t = time.monotonic() - self.start
            self.trace.append((round(t, 2), cost))
            if self.callback is not None:
                self.callback(t, cost)
        # a CP-SAT solution reports its cost before its roster exists (the roster comes with the
        # first phase's end), so the rosters have a best of their own
        if roster is not None and self.keep is not None and (self.kept is None or cost < self.kept):
            self.kept = cost
            self.keep(roster, cost)


def solve(
    problem: RosterProblem,
    options: SolveOptions | None = None,
    on_progress: ProgressCallback | None = None,
    initial: Roster | None = None,
    keep: KeepCallback | None = None,
) -> SolveResult:
    """Solve `problem` within `options.time_limit` seconds; raise InfeasibleRoster if no roster is found.
    `keep` is given each better roster as soon as it exists (from the quick start on), so that a solve
    stopped early still has its best."""
    from ortools.sat.python import cp_model

    opts = options or SolveOptions()
    t0 = time.monotonic()
    deadline = t0 + opts.time_limit
    progress = _Progress(t0, on_progress, keep)
    stats: dict[str, Any] = {}
    built: list[RosterModel] = []

    def model() -> RosterModel:
        """The whole horizon's model, built when first needed: a long horizon's solve whose quick
        roster comes week by week, and that has no other start, never needs it (1.6-3 s on 100-120
        nurses x 56 days, spent before the first roster)."""
        if not built:
            began = time.monotonic()
            built.append(RosterModel(problem))
            stats["build_seconds"] = round(time.monotonic() - began, 2)
        return built[0]

    class _Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            progress.report(round(self.objective_value))

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = opts.num_workers
    prm.random_seed = opts.seed
    prm.log_search_progress = opts.log
    status = cp_model.UNKNOWN
    constructed = False
    first_phase = (
        opts.first_phase if opts.first_phase is not None else (0.15 if len(problem.nurses) <= 40 else 0.25)
    )
    quick: tuple[Roster, int] | None = None
    started: tuple[Roster, int] | None = None  # a start's roster after its own short annealing
    if initial is not None:
        model().hint(grid_of(problem, initial))
    elif opts.lns and problem.num_days > opts.chunk_days and len(problem.nurses) >= 20:
        # A roster at once, so that a solve stopped early has one (any time): the whole model's
        # first solution, then a short annealing by the local search. The better starts below
        # (the dive, the week-by-week one) take over only if they do better; if they fail, the
        # search starts from this one instead of spending a fifth of the time on another start.
        quick = _quick_start(problem, model, solver, opts, t0, stats, progress.report)
        if quick is not None:
            progress.report(quick[1], quick[0])
        # A first roster's shifts, then the model's auxiliary variables (and the roles) completed
        # with every shift fixed. From a dive on the relaxation where it applies; otherwise, or if
        # that fails, the constructive start: the horizon rostered chunk by chunk (each chunk
        # solved with the earlier ones fixed and the contract totals scaled to the days so far).
        starts: list[tuple[str, Callable[[], _Start | None]]] = []
        if opts.dive > 0 and not problem.pins and _dive_applies(problem):
            open_rows = min(opts.dive_open, len(problem.nurses) // 4)
            # the dive ends where it always did (its share of the time from the start): the
            # quick start's seconds come out of the dive, not out of the search
            # — except on large instances, whose relaxation alone takes most of it: it gets
            # `dive_relax` of the dive's time whatever came first, and the fixing steps at least
            # `dive_steps` after it (on two 120-nurse instances the relaxation needs 31-37 s, the
            # dive gave up, and the search from the quick roster ended at 1.5 times the bound)
            dive_seconds = max(1.0, opts.time_limit * opts.dive - (time.monotonic() - t0))
            relax_seconds = opts.dive_relax * opts.time_limit * opts.dive
            steps_seconds = opts.dive_steps * opts.time_limit * opts.dive
            if problem.num_days <= opts.dive_days:
                starts.append(
                    (
                        "dive",
                        lambda: _dive(
                            problem, dive_seconds, open_rows, stats, opts.work, relax_seconds, steps_seconds
                        ),
                    )
                )
            elif opts.dive_part_days > 0 and len(problem.nurses) >= opts.dive_part_nurses:
                starts.append(
                    (
                        "dive",
                        lambda: _dive_parts(problem, dive_seconds, open_rows, stats, opts),
                    )
                )
        budget = opts.time_limit * first_phase

        def constructed_grid() -> _Start | None:
            grid = construct(problem, budget, opts, deadline - 1.0)
            return None if grid is None else (grid, set(), set())

        # (a quick roster made week by week is the week-by-week start's first solutions: the search
        # starts from it, as it did when the dive was tried there and gave up)
        if quick is None or not (starts or stats.get("quick_weekly")):
            starts.append(("construct", constructed_grid))
        for name, make in starts:
            t_start = time.monotonic()
            made = make()
            stats[f"{name}_seconds"] = round(time.monotonic() - t_start, 2)
            if made is None:
                continue
            # the days a dive's rows leave short are solved again in full, and the cells of the
            # nurses it left open (from its suggested rows)
            grid, free_days, free_cells = made

            def free(
                n: int, d: int, days: set[int] = free_days, cells: set[tuple[int, int]] = free_cells
            ) -> bool:
                return d in days or (n, d) in cells

            rm = model()
            rm.fix(grid, free)
            left = deadline - time.monotonic()
            prm.max_time_in_seconds = left
            if free_days or free_cells:
                rm.hint(grid)
                if opts.work is None:
                    prm.max_time_in_seconds = max(1.0, min(left, opts.dive_open_time * opts.time_limit))
            if opts.work is not None:
                prm.max_deterministic_time = opts.work.start_dtime
            status = solver.solve(rm.model)
            rm.unfix()
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                status = cp_model.FEASIBLE
                constructed = True
                stats["start"] = name
                if name == "dive":
                    opts = replace(opts, anneal_t0=opts.dive_anneal_t0)
                break
        made_cost: float = math.inf
        if constructed and quick is not None:
            made_roster = model().roster(list(solver.response_proto.solution))
            made_cost = evaluate(problem, made_roster).cost
            stats[f"{stats['start']}_cost"] = made_cost
            if stats["start"] == "dive" and made_cost > quick[1]:
                # compared at equal stages: the quick roster has had a short annealing, the dive's
                # gets as much (from its own cooler temperature) before it is judged — raw, it lost
                # where the search from it would have ended up to 5 % lower (n050w4_0_5-3-5-9 under
                # load: 1.14 times the bound from the quick roster, 1.08 from the annealed dive's)
                annealed = _anneal_briefly(problem, made_roster, opts)
                annealed_cost = evaluate(problem, annealed).cost
                stats["dive_annealed_cost"] = annealed_cost
                if annealed_cost < quick[1]:
                    made_cost, started = annealed_cost, (annealed, annealed_cost)
        if quick is not None and (not constructed or quick[1] < made_cost):
            # no better start than the quick one: the search starts from it, and the annealing
            # as hot as from the week-by-week start (from a quick roster that a dive beat
            # nowhere near, a cool one stalled: 1.29 and 1.51 times the bound on two instances)
            stats["start"] = "quick"
            status, constructed = cp_model.FEASIBLE, True
            opts = replace(opts, anneal_t0=(options or SolveOptions()).anneal_t0)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        share = max(first_phase, 0.3) if len(problem.nurses) < 20 else first_phase
        first = max(1.0, (deadline - time.monotonic()) * (share if opts.lns else 1.0))
        prm.max_time_in_seconds = first
        if opts.work is not None:
            prm.max_time_in_seconds = max(1.0, deadline - time.monotonic())
            prm.max_deterministic_time = opts.work.start_dtime
        status = solver.solve(model().model, _Callback())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No roster yet: keep searching with the whole model for the rest of the time.
        prm.max_time_in_seconds = max(1.0, deadline - time.monotonic())
        if opts.work is not None:
            prm.max_deterministic_time = 4 * opts.work.start_dtime
        status = solver.solve(model().model, _Callback())
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise InfeasibleRoster(f"{problem.name}: {solver.status_name(status)}")
    if stats.get("start") == "quick" and quick is not None:
        roster, best_cost = quick
    elif started is not None:
        roster, best_cost = started
    else:
        # the roster's cost is the evaluator's: a solve stopped on its time (or work) may hold a
        # solution whose penalty variables are not yet tight, its objective above the roster's cost
        roster = model().roster(list(solver.response_proto.solution))
        best_cost = evaluate(problem, roster).cost
    bound = stats.get("dive_bound", 0.0) if constructed else solver.best_objective_bound
    progress.report(best_cost, roster)
    stats["first_phase_cost"] = best_cost
    iterations = 0
    if opts.lns and status != cp_model.OPTIMAL and best_cost > bound:
        search = _Search(problem, roster, deadline, opts, progress, bound)
        search.run()
        roster, best_cost, iterations = search.roster, search.cost, search.iterations
        stats["neighbourhoods"] = search.stats()
        status_name = "OPTIMAL" if best_cost <= bound else "FEASIBLE"
    else:
        status_name = solver.status_name(status)
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


def _quick_start(
    problem: RosterProblem,
    model: Callable[[], RosterModel],
    solver: Any,
    opts: SolveOptions,
    t0: float,
    stats: dict[str, Any],
    report: Callable[[int, Roster], None] | None = None,
) -> tuple[Roster, int] | None:
    """A feasible roster early, and its cost: CP-SAT's first solution of the whole model (within a
    tenth of the time limit, whatever the share already spent) — on a horizon longer than
    `quick_whole_days`, the first solution of each week in turn (`construct`, each week's roles as
    its solution chose them, in that share times the horizon's days / 28) — then a short annealing
    by the local search's moves (`quick_descent` of the time, or ten runs' moves under a budget of
    work; a descent without `quick_anneal`), its best roster kept. The first solution is given to
    `report` as soon as it exists, before that: a solve stopped meanwhile (or while a fresh process
    compiles the search's kernels for it, about 5 s) keeps it. None where the local search does not
    apply (the raw first solution is far too poor to start from) or CP-SAT found nothing in the
    time."""
    from chalicelib.scheduling.domain.roster.localsearch import LocalSearch
    from ortools.sat.python import cp_model

    if opts.quick <= 0 or not LocalSearch.applicable(problem):
        return None
    began = time.monotonic()
    prm = solver.parameters
    if problem.num_days > opts.quick_whole_days:
        # the 4-week share grown with the horizon (a week's model for 120 nurses takes 1.3-2 s to
        # build and solve: 11-16 s for 8 weeks, after the whole model's 3 s build)
        seconds = max(1.0, opts.quick * opts.time_limit * problem.num_days / 28)
        seconds = max(1.0, seconds - (began - t0))
        params = {**(opts.construct_params or {}), "stop_after_first_solution": True}
        roles: list[Assignment] = []
        grid = construct(problem, seconds, replace(opts, construct_params=params), began + seconds, roles)
        stats["quick_weekly"] = True
        if grid is None:
            stats["quick_seconds"] = round(time.monotonic() - began, 2)
            return None
        roster = Roster(tuple(roles))
    else:
        rm = model()  # built here at the latest: its seconds count against the share, as they did
        prm.stop_after_first_solution = True
        prm.max_time_in_seconds = max(1.0, opts.quick * opts.time_limit - (time.monotonic() - t0))
        if opts.work is not None:
            prm.max_deterministic_time = opts.work.start_dtime
        try:
            status = solver.solve(rm.model)
        finally:
            prm.stop_after_first_solution = False
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            stats["quick_seconds"] = round(time.monotonic() - began, 2)
            return None
        roster = rm.roster(list(solver.response_proto.solution))
    first = evaluate(problem, roster)
    if report is not None and first.hard_violations == 0:
        report(first.cost, roster)
    stats["quick_first_cost"] = first.cost
    stats["quick_first_seconds"] = round(time.monotonic() - t0, 2)
    roster = _anneal_briefly(problem, roster, opts)
    cost = evaluate(problem, roster).cost
    stats["quick_seconds"] = round(time.monotonic() - began, 2)
    stats["quick_cost"] = cost
    return roster, cost


def _anneal_briefly(problem: RosterProblem, roster: Roster, opts: SolveOptions) -> Roster:
    """The quick start's short annealing by the local search's moves (`quick_descent` of the time, or
    ten runs' moves under a budget of work; a descent without `quick_anneal`), from `opts`'s
    temperatures: its best roster."""
    from chalicelib.scheduling.domain.roster.localsearch import LocalSearch

    moves = LocalSearch(problem)
    rng = random.Random(opts.seed)  # noqa: S311 - search, not security
    hot, cold = _temperatures(problem, opts) if opts.quick_anneal else (0.0, 0.0)
    if opts.work is not None:
        return moves.run(roster, rng, 0.0, hot, cold, moves=10 * opts.work.moves)
    return moves.run(roster, rng, max(0.2, opts.quick_descent * opts.time_limit), hot, cold)


def _temperatures(problem: RosterProblem, opts: SolveOptions) -> tuple[float, float]:
    """The annealing's start and end temperatures, in units of the largest soft weight / 30
    (INRC-II's scale)."""
    scale = max(1, *vars(problem.weights).values()) / 30
    return opts.anneal_t0 * scale, opts.anneal_t1 * scale


# a start's rows (shift index per nurse and day, -1 = off), the days to roster again in full, and
# the cells (nurse, day) to roster again around the rows
_Start = tuple[list[list[int]], set[int], set[tuple[int, int]]]


def _dive_applies(problem: RosterProblem) -> bool:
    from chalicelib.scheduling.domain.roster.localsearch import LocalSearch

    return LocalSearch.applicable(problem)


def _dive(
    problem: RosterProblem,
    seconds: float,
    open_rows: int,
    stats: dict[str, Any],
    work: Work | None = None,
    relax_seconds: float | None = None,
    steps_seconds: float = 0.0,
    keep: tuple[Sequence[Sequence[int]], Sequence[Sequence[bool]]] | None = None,
    around: int = 1,
) -> _Start | None:
    """The rows of a dive on the column-generation relaxation (None if the relaxation did not
    converge in time), the days to roster again (those whose minimum coverage the rows miss, with
    `around` days before and after: successions) and the cells (nurse, day) of the `open_rows`
    nurses the dive left free. The relaxation's bound goes into `stats` (the search stops if it is
    reached). `keep` (grid, free): only the free cells (nurse, day) are dived, the rest keep the
    grid's values and are priced with them (`ColumnGeneration.keep`); no bound then, and the open
    nurses' cells are their free ones."""
    from chalicelib.scheduling.domain.roster.bound import ColumnGeneration

    cg = ColumnGeneration(problem)
    if keep is not None:
        cg.keep(*keep)
    grid = cg.dive(
        seconds,
        leave_open=open_rows,
        relax_rounds=None if work is None else work.relax_rounds,
        relax_seconds=relax_seconds,
        steps_seconds=steps_seconds,
    )
    if cg.bound is not None:
        stats["dive_lp_rounds"] = cg.bound.rounds
        stats["dive_lp_seconds"] = round(cg.bound.seconds, 2)
        if cg.bound.lp > 0:  # how far from converged: the relaxation's value over its Lagrangian bound
            stats["dive_lp_gap"] = round(1 - cg.bound.value / cg.bound.lp, 4)
        converged = cg.bound.proved_optimal_lp or grid is not None  # or nearly: a bound all the same
        if keep is None and converged:
            stats["dive_bound"] = math.ceil(cg.bound.value - 1e-6)
    if grid is None:
        return None
    stats["dive_missed_days"] = len(cg.missed)
    stats["dive_open_nurses"] = len(cg.open)
    days = {d + e for d in cg.missed for e in range(-around, around + 1) if 0 <= d + e < problem.num_days}
    stats["dive_free_days"] = len(days)
    free = None if keep is None else keep[1]
    return (
        grid,
        days,
        {(n, d) for n in cg.open for d in range(problem.num_days) if free is None or free[n][d]},
    )


def _dive_parts(
    problem: RosterProblem, seconds: float, open_rows: int, stats: dict[str, Any], opts: SolveOptions
) -> _Start | None:
    """A long horizon's rows dived part by part (`SolveOptions.dive_part_days`): each part is a
    problem of its own (`window_problem`: its totals scaled to the days up to its end, its history
    the rows before it), dived in its share of `seconds`. None if any part's dive gives up (the
    solve starts from its quick roster). No bound comes of it: the parts' totals are scaled, so
    their bounds do not add up to the horizon's. The days whose minimum coverage a part's rows
    miss are rostered again (with the days either side), and so are the nurses a part left open,
    within that part."""
    D = problem.num_days
    # parts of at most about `dive_part_days`, each ending on a week's end
    count = math.ceil(D / opts.dive_part_days)
    ends = sorted({7 * round(D * (i + 1) / count / 7) for i in range(count - 1)} - {0} | {D})
    spans = list(zip([0, *ends[:-1]], ends, strict=True))
    grid: list[list[int]] = [[-1] * D for _ in problem.nurses]
    # per part: the days to roster again and the open nurses' cells, in the horizon's days
    days: list[set[int]] = [set() for _ in spans]
    cells: list[set[tuple[int, int]]] = [set() for _ in spans]
    deadline = time.monotonic() + seconds
    parts: list[dict[str, Any]] = []
    part_stats: dict[str, Any]
    stats["dive_parts"] = parts  # each part's, as it ends (a dive given up keeps the parts so far)

    def dive(
        sub: RosterProblem,
        share: float,
        part_stats: dict[str, Any],
        keep: tuple[Sequence[Sequence[int]], Sequence[Sequence[bool]]] | None = None,
    ) -> _Start | None:
        """A part's dive in `share` seconds. A part dived again frees only the days it missed for
        the completion, not the days either side: over the whole horizon its dive missed 0-8 days
        where the first pass's missed none, and with their neighbours freed for every nurse, CP-SAT's
        completion ended far higher in its 12 s (n120w8_0_0-8-1-7, two dives again from one first
        pass: 6310 with 12 days free, 3965 with the 5 missed; benchmarks, run 22)."""
        relax, steps = opts.dive_relax * share, opts.dive_steps * share
        around = 1 if keep is None else 0
        return _dive(sub, share, open_rows, part_stats, opts.work, relax, steps, keep=keep, around=around)

    for i, (begin, end) in enumerate(spans):
        sub = window_problem(problem, grid, begin, end)
        share = max(1.0, (deadline - time.monotonic()) / (len(ends) - i))
        part_stats = {}
        made = dive(sub, share, part_stats)
        parts.append({k: v for k, v in part_stats.items() if k != "dive_bound"} | {"days": end - begin})
        if made is None:
            return None
        rows, missed, open_cells = made
        for n, row in enumerate(rows):
            grid[n][begin:end] = row
        days[i] = {d + begin for d in missed}
        cells[i] = {(n, d + begin) for n, d in open_cells}
    # With `dive_sweep`, each part but the last again, in order, with the rest of the horizon as
    # it stands: the whole problem, its totals unscaled, the other parts' cells kept and priced
    # with the part's rows. The first pass sees only the past: it ends a part's runs and spends
    # its scaled totals as if the horizon ended with it, and the next part pays (n120w8_2's rows,
    # completed, from 3740-4175 to 3330-3485 with month 1 dived again; the last part has no
    # future to meet). The other parts' open nurses keep their suggested rows meanwhile (dived
    # again with the part, their 56-day rows took the relaxation 98-102 rounds instead of 23-42).
    # A part whose dive gives up keeps its rows. The sweep's time runs from the first pass's end,
    # or from its deadline if that is later (what the first pass left unused goes to the sweep).
    sweep_end = max(time.monotonic(), deadline) + opts.dive_sweep * opts.time_limit
    again = spans[:-1] if opts.dive_sweep > 0 else []
    for i, (begin, end) in enumerate(again):
        share = (sweep_end - time.monotonic()) / (len(again) - i)
        if opts.work is None and share < 1.0:
            break
        share = max(1.0, share)
        part_stats = {}
        free = [[begin <= d < end for d in range(D)] for _ in grid]
        made = dive(problem, share, part_stats, (grid, free))
        parts.append(part_stats | {"days": end - begin, "again": True, "rows": made is not None})
        if made is None:
            continue
        rows, missed, open_cells = made
        for n, row in enumerate(rows):
            grid[n][begin:end] = row[begin:end]
        days[i], cells[i] = missed, open_cells
    return grid, set().union(*days), set().union(*cells)


def truncated(problem: RosterProblem, days: int) -> RosterProblem:
    """The first `days` days of a problem, with the contracts' horizon totals scaled to them."""
    frac = days / problem.num_days
    n_weekends = len(problem.weekends()) or 1
    kept_weekends = len([wk for wk in problem.weekends() if wk[0] < days])
    contracts = {
        cid: replace(
            c,
            min_assignments=math.floor(c.min_assignments * frac),
            max_assignments=c.max_assignments
            if c.max_assignments >= UNLIMITED
            else math.ceil(c.max_assignments * frac),
            max_working_weekends=c.max_working_weekends
            if c.max_working_weekends >= UNLIMITED
            else math.ceil(c.max_working_weekends * kept_weekends / n_weekends),
            min_hours=c.min_hours * frac,
            max_hours=c.max_hours if c.max_hours >= UNLIMITED else c.max_hours * frac,
            max_nights=c.max_nights if c.max_nights >= UNLIMITED else math.ceil(c.max_nights * frac),
        )
        for cid, c in problem.contracts.items()
    }
    return replace(
        problem,
        num_days=days,
        contracts=MappingProxyType(contracts),
        demand=tuple(x for x in problem.demand if x.day < days),
        leave=tuple(x for x in problem.leave if x.day < days),
        requests=tuple(x for x in problem.requests if x.day < days),
        pins=tuple(x for x in problem.pins if x.day < days),
        holidays=frozenset(d for d in problem.holidays if d < days),
    )


def _equals(value: int) -> Callable[[int], bool]:
    return lambda v: v == value


def _streak(row: Sequence[int], pred: Callable[[int], bool], carried: int) -> int:
    """Days at the end of `row` satisfying `pred`, plus `carried` if the whole row does."""
    k = 0
    while k < len(row) and pred(row[len(row) - 1 - k]):
        k += 1
    return k + carried if k == len(row) else k


def history_at(problem: RosterProblem, grid: Sequence[Sequence[int]], begin: int) -> dict[str, NurseHistory]:
    """The history each nurse carries into day `begin`, given the shifts of days [0, begin) in `grid`."""
    out = {}
    for n, nurse in enumerate(problem.nurses):
        h = problem.history_of(nurse.id)
        row = grid[n][:begin]
        if not row:
            out[nurse.id] = h
            continue
        worked = sum(1 for v in row if v >= 0)
        nights = h.nights + sum(1 for v in row if v >= 0 and problem.shift_types[v].night)
        weekends = sum(1 for wk in problem.weekends() if wk[-1] < begin and any(row[d] >= 0 for d in wk))
        last = row[-1]

        if last >= 0:
            last_id = problem.shift_types[last].id
            same = _streak(
                row,
                _equals(last),
                h.consecutive_same_shift if h.last_shift == last_id else 0,
            )
            work = _streak(row, lambda v: v >= 0, h.consecutive_work)
            out[nurse.id] = NurseHistory(
                h.assignments + worked,
                h.working_weekends + weekends,
                last_id,
                same,
                work,
                0,
                h.hours + sum(problem.shift_types[v].hours for v in row if v >= 0),
                nights,
            )
        else:
            off = _streak(row, lambda v: v < 0, h.consecutive_off)
            out[nurse.id] = NurseHistory(
                h.assignments + worked,
                h.working_weekends + weekends,
                None,
                0,
                0,
                off,
                h.hours + sum(problem.shift_types[v].hours for v in row if v >= 0),
                nights,
            )
    return out


def window_problem(
    problem: RosterProblem, grid: Sequence[Sequence[int]], begin: int, end: int
) -> RosterProblem:
    """Days [begin, end) as a problem of their own: the history carried in from the grid's earlier
    days, and the contracts' totals scaled to the first `end` days (as a week-by-week planner does)."""
    head = truncated(problem, end)

    def shifted(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(replace(x, day=x.day - begin) for x in items if x.day >= begin)

    return replace(
        head,
        start=problem.date_of(begin),
        num_days=end - begin,
        demand=shifted(head.demand),
        leave=shifted(head.leave),
        requests=shifted(head.requests),
        pins=shifted(head.pins),
        holidays=frozenset(d - begin for d in head.holidays if d >= begin),
        history=MappingProxyType(history_at(problem, grid, begin)),
    )


def construct(
    problem: RosterProblem,
    budget: float,
    opts: SolveOptions,
    hard_deadline: float | None = None,
    roles: list[Assignment] | None = None,
) -> list[list[int]] | None:
    """A first roster built chunk by chunk (as a week-by-week planner would); None if a chunk fails.
    `roles`, if given, receives the chunks' assignments with their roles (a roster of its own)."""
    from ortools.sat.python import cp_model

    D = problem.num_days
    ends = [*range(opts.chunk_days, D, opts.chunk_days), D]
    grid: list[list[int]] = [[-1] * D for _ in problem.nurses]
    deadline = time.monotonic() + budget
    hard_deadline = hard_deadline if hard_deadline is not None else deadline + 60.0
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = max(2, opts.num_workers)  # a single worker often finds no first roster at all
    prm.random_seed = opts.seed
    if opts.construct_params:
        for key, value in opts.construct_params.items():
            setattr(prm, key, value)
    begin = 0
    for i, end in enumerate(ends):
        rm = RosterModel(window_problem(problem, grid, begin, end))
        left = len(ends) - i
        share = max(min(2.0, (hard_deadline - time.monotonic()) / left), (deadline - time.monotonic()) / left)
        for attempt in range(3):  # a chunk that found nothing yet gets more time
            prm.max_time_in_seconds = max(0.1, min(share * (2**attempt), hard_deadline - time.monotonic()))
            if opts.work is not None:
                prm.max_time_in_seconds = max(0.1, hard_deadline - time.monotonic())
                prm.max_deterministic_time = opts.work.start_dtime * (2**attempt)
            status = solver.solve(rm.model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) or status == cp_model.INFEASIBLE:
                break
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        part = rm.values(list(solver.response_proto.solution))
        chunk = rm.roster(list(solver.response_proto.solution)) if roles is not None else None
        chunk_deadline = time.monotonic() + max(0.0, (deadline - time.monotonic()) / left)
        if (
            opts.chunk_lns
            and opts.work is None
            and status != cp_model.OPTIMAL
            and chunk_deadline - time.monotonic() > 0.5
        ):
            # Polish the week with the same neighbourhood search: 7-day sub-problems close fast.
            search = _Search(
                rm.problem,
                rm.roster(list(solver.response_proto.solution)),
                chunk_deadline,
                opts,
                _Progress(0, None),
                0.0,
            )
            search.run()
            part = grid_of(rm.problem, search.roster)
            chunk = search.roster
        if roles is not None and chunk is not None:
            roles.extend(replace(a, day=a.day + begin) for a in chunk.assignments)
        for n, row in enumerate(part):
            grid[n][begin:end] = row
        begin = end
    return grid


@dataclass
class _Neighbourhood:
    name: str
    size: float  # nurses
    lo: float
    hi: float
    span: int  # days (the whole horizon for the pair kinds)
    reward: float = 1.0
    tries: int = 0
    gains: int = 0
    optimal: int = 0
    seconds: float = 0.0


def subproblem(
    problem: RosterProblem, roster: Roster, free: set[str], lo: int, hi: int
) -> tuple[RosterProblem, list[tuple[Nurse, Assignment]]]:
    """The problem left when everything but the `free` nurses' days [lo, hi) is kept as in `roster`:
    only the free nurses (their cells outside the window pinned), plus the other nurses' assignments
    as fixed shifts whose skills may still change. Its cost differs from the full problem's by a
    constant, so it is optimised on its own, in a model a fraction of the size."""
    nurses = {n.id: n for n in problem.nurses}
    pins = [p for p in problem.pins if p.nurse in free]
    pinned_cells = {(p.nurse, p.day) for p in pins}
    cells = roster.by_nurse_day()
    # Outside the window every cell is kept, so coverage there is a constant: only the window's
    # demand and the other nurses' shifts inside it enter the sub-model.
    # A pinned role stays: such a cell counts as a nurse with that one skill.
    role = {(p.nurse, p.day): p.skill for p in problem.pins if p.skill is not None}
    fixed = [
        (
            replace(nurses[a.nurse], skills=(role[a.nurse, a.day],))
            if (a.nurse, a.day) in role
            else nurses[a.nurse],
            a,
        )
        for a in roster.assignments
        if a.nurse not in free and lo <= a.day < hi
    ]
    for nurse_id in free:
        for d in range(problem.num_days):
            if lo <= d < hi or (nurse_id, d) in pinned_cells:
                continue
            a = cells.get((nurse_id, d))
            pins.append(Pin(nurse_id, d, a.shift if a else None, a.skill if a else None))
    sub = replace(
        problem,
        nurses=tuple(n for n in problem.nurses if n.id in free),
        demand=tuple(x for x in problem.demand if lo <= x.day < hi),
        leave=tuple(x for x in problem.leave if x.nurse in free),
        requests=tuple(x for x in problem.requests if x.nurse in free),
        pins=tuple(pins),
    )
    return sub, fixed


class _Annealer:
    """Simulated annealing (`LocalSearch.run` with a temperature) in a forked process, so that it
    has a core of its own and no OR-Tools in it. One long cooling runs over the whole search, in
    segments: after each the process sends back the best roster it met and goes on where it
    stopped."""

    def __init__(self, conn: Any, process: Any) -> None:
        self.conn = conn
        self.process = process

    @staticmethod
    def start(moves: LocalSearch) -> _Annealer | None:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return None  # no fork (Windows, macOS default): the in-thread local search instead
        ctx = multiprocessing.get_context("fork")
        try:
            parent, child = ctx.Pipe()
            process = ctx.Process(target=_anneal_main, args=(child, moves), daemon=True)
            process.start()
        except OSError:
            return None
        child.close()
        return _Annealer(parent, process)

    def begin(
        self,
        roster: Roster,
        seed: int,
        seconds: float,
        segment: float,
        temps: tuple[float, float],
        work: tuple[int, int] | None = None,
    ) -> bool:
        """Starts the cooling: over `seconds` in segments of `segment` s, or with `work` (segments,
        moves a segment) over exactly that many moves."""
        try:
            self.conn.send((roster, seed, seconds, segment, temps, work))
            return True
        except OSError:
            return False

    def segment(self, timeout: float) -> Roster | None:
        """The best roster of the next segment, None if the annealing is over."""
        try:
            if not self.conn.poll(timeout):
                return None
            out: Roster | None = self.conn.recv()
            return out
        except (EOFError, OSError):
            return None

    def stop(self) -> None:
        self.conn.close()
        self.process.join(timeout=2.0)
        if self.process.is_alive():
            self.process.kill()


def _anneal_main(conn: Any, moves: LocalSearch) -> None:
    """The annealing process: one cooling from `t0` to `t1` over `seconds`, reported per segment."""
    try:
        job = conn.recv()
        if job is None:
            return
        current, seed, seconds, segment, (t0, t1), work = job
        rng = random.Random(seed)  # noqa: S311 - search, not security
        if work is not None:
            segments, count = work
            for i in range(segments):
                high, low = t0 * (t1 / t0) ** (i / segments), t0 * (t1 / t0) ** ((i + 1) / segments)
                conn.send(moves.run(current, rng, 0.0, high, low, moves=count))
                current = moves.current
            conn.send(None)
            return
        start = time.monotonic()
        while (left := start + seconds - time.monotonic()) > 0.05:
            begin = (time.monotonic() - start) / seconds
            end = min(1.0, begin + segment / seconds)
            best = moves.run(current, rng, min(segment, left), t0 * (t1 / t0) ** begin, t0 * (t1 / t0) ** end)
            current = moves.current
            conn.send(best)
        conn.send(None)
    except (EOFError, OSError):
        return


class _Search:
    """Parallel large-neighbourhood search: one thread per core. Each iteration picks a neighbourhood
    (nurses over a window of days, or a few nurses over the whole horizon), builds the small model
    of the sub-problem (`subproblem`), and re-optimises it with a single-worker CP-SAT solve at
    linearization level 2, which closes such sub-problems far faster than the portfolio does. The
    result is merged into the shared best roster if the evaluator's cost does not get worse."""

    def __init__(
        self,
        problem: RosterProblem,
        roster: Roster,
        deadline: float,
        opts: SolveOptions,
        progress: _Progress,
        bound: float,
    ) -> None:
        P = self.problem = problem
        self.roster = roster
        ev = evaluate(problem, roster)
        self.cost = ev.cost
        self.per_nurse_cost = self._nurse_costs(ev.per_nurse)
        self.excess: dict[str, int] = {}  # shifts and (x3) weekends above the contract's maximum
        self.spare = self._spare(roster)
        self.deadline = deadline
        self.opts = opts
        self.progress = progress
        self.bound = bound
        self.lock = threading.Lock()
        self.iterations = 0
        # Re-solve time per neighbourhood: doubled (up to 8x) whenever the search stalls, so the
        # neighbourhoods grow past the local optimum of the small ones.
        self.sub_time = opts.sub_time
        self.last_gain = time.monotonic()
        self.escalations = 0
        self.timing: dict[str, float] = {}
        N, D = len(P.nurses), P.num_days
        span = min(D, opts.window_days)
        # What a sub-solve of 1 s closes best (measured on n030w4): 5-8 nurses over 7-14 days, or
        # 2 nurses over the whole horizon; 3-4 nurses over 28 days mostly time out (weak LP).
        self.hoods = [
            _Neighbourhood("window", min(N, 5.0), 2, N, span),
            _Neighbourhood("skill_window", min(N, 5.0), 2, N, span),
            _Neighbourhood("costly_window", min(N, 5.0), 2, N, span),
            _Neighbourhood("days", min(N, 15.0), 2, N, min(D, 3)),
            _Neighbourhood("pair", min(N, 2.0), 1, min(N, 3), D),
            _Neighbourhood("costly_pair", min(N, 2.0), 1, min(N, 3), D),
            _Neighbourhood("transfer", min(N, 2.0), 1, min(N, 3), D),
        ]
        self.moves: LocalSearch | None = None
        self.moves_busy = False
        self.annealers: list[_Annealer] = []
        from chalicelib.scheduling.domain.roster.localsearch import LocalSearch

        if LocalSearch.applicable(P):
            # One instance serves all: each forked annealer works on its own copy.
            moves = LocalSearch(P)
            if opts.anneal_segment > 0 and opts.num_workers >= 2:
                for _ in range(max(1, min(opts.anneal_chains, opts.num_workers - 1))):
                    if (annealer := _Annealer.start(moves)) is not None:
                        self.annealers.append(annealer)
            if opts.moves > 0:
                self.moves = moves
                self.hoods.append(_Neighbourhood("moves", 0.0, 0, 0, D))
        self.anneal_hood = _Neighbourhood("anneal", 0.0, 0, 0, D)
        now = time.monotonic()
        self.anneal_from = now + opts.anneal_after * max(0.0, deadline - now)
        self.work = opts.work
        if self.work is not None:
            self.anneal_from = now  # a budget of work anneals from the start roster
        self.skills_of = {k: [n for n, nurse in enumerate(P.nurses) if k in nurse.skills] for k in P.skills}

    def _nurse_costs(self, per: dict[str, dict[str, int]]) -> list[int]:
        return [1 + sum(per.get(n.id, {}).values()) for n in self.problem.nurses]

    def _spare(self, roster: Roster) -> list[int]:
        """Per nurse, 1 + the assignments and (x3) weekends she may still take within her contract."""
        P = self.problem
        days: dict[str, set[int]] = {}
        for a in roster.assignments:
            days.setdefault(a.nurse, set()).add(a.day)
        out = []
        for n in P.nurses:
            c, h, mine = P.contract_of(n), P.history_of(n.id), days.get(n.id, set())
            weekends = h.working_weekends + sum(1 for wk in P.weekends() if mine.intersection(wk))
            spare = max(0, min(c.max_assignments, 10**3) - h.assignments - len(mine))
            spare += 3 * max(0, min(c.max_working_weekends, 10**3) - weekends)
            out.append(1 + spare)
            over = max(0, h.assignments + len(mine) - c.max_assignments)
            over += 3 * max(0, weekends - c.max_working_weekends)
            self.excess[n.id] = over
        return out

    def _choose(self, rng: random.Random) -> tuple[_Neighbourhood, set[str], int, int]:
        P = self.problem
        N, D = len(P.nurses), P.num_days
        # One local search at a time: it holds the GIL, so two would only slow each other.
        hoods = [h for h in self.hoods if not (h.name == "moves" and self.moves_busy)]
        pick = rng.random() * sum(h.reward for h in hoods)
        hood = hoods[-1]
        for h in hoods:
            pick -= h.reward
            if pick <= 0:
                hood = h
                break
        if hood.name == "moves":
            self.moves_busy = True
        size = min(N, max(1, round(hood.size)))
        span = hood.span
        lo = rng.randrange(0, D - span + 1)
        hi = lo + span
        nurses: set[int] = set()
        if hood.name in ("window", "pair"):
            nurses = set(rng.sample(range(N), size))
        elif hood.name in ("costly_window", "costly_pair", "transfer"):
            # One nurse by her share of the cost, then others who can take over her shifts.
            first = rng.choices(range(N), weights=self.per_nurse_cost)[0]
            over = [self.excess.get(nurse.id, 0) for nurse in P.nurses]
            if hood.name == "transfer" and any(over):
                # One nurse above her maximum (shifts, weekends), mates with room below theirs.
                first = rng.choices(range(N), weights=over)[0]
            nurses.add(first)
            mates = sorted({m for k in P.nurses[first].skills for m in self.skills_of[k]} - {first})
            # Half the time the mates are costly too (swaps between two bad rows), half the time
            # they have room (shifts and weekends under their maximum) to take hers over.
            costly = hood.name != "transfer" and rng.random() < 0.5
            spread = self.per_nurse_cost if costly else self.spare
            weights = [spread[m] for m in mates]
            while mates and len(nurses) < size:
                j = rng.choices(range(len(mates)), weights=weights)[0]
                nurses.add(mates.pop(j))
                weights.pop(j)
        elif hood.name == "skill_window":
            pool = self.skills_of[rng.choice(P.skills)] or list(range(N))
            nurses = set(rng.sample(pool, min(len(pool), size)))
        else:  # days: many nurses over a few days
            nurses = set(rng.sample(range(N), size))
        while len(nurses) < size:
            nurses.add(rng.randrange(N))
        return hood, {P.nurses[n].id for n in nurses}, lo, hi

    def worker(self, k: int) -> None:
        from ortools.sat.python import cp_model

        rng = random.Random(self.opts.seed * 1009 + k)  # noqa: S311 - search, not security
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1
        prm.linearization_level = 2
        work = self.work
        # the first descent and each local-search run: seconds, or moves under a budget of work
        descent = min(self.opts.descent, 0.1 * max(0.0, self.deadline - time.monotonic()))
        each: float = self.opts.moves
        if work is not None:
            descent, each = (10.0 * work.moves if self.opts.descent > 0 else 0.0), float(work.moves)
        while True:
            remaining = self.deadline - time.monotonic()
            with self.lock:
                if remaining < 0.3 or self.cost <= self.bound:
                    return
                if work is not None and self.iterations >= work.iterations:
                    return
                if k >= self.opts.num_workers - len(self.annealers) and time.monotonic() >= self.anneal_from:
                    return  # its core goes to an annealing process
                self.iterations += 1
                prm.random_seed = self.opts.seed + self.iterations
                hood, free, lo, hi = self._choose(rng)
                budget = each
                if k == 0 and descent > 0 and self.moves is not None:
                    # First a longer descent by the local search from the start roster, while
                    # the other thread runs CP-SAT neighbourhoods.
                    hood, budget, descent = self.hoods[-1], descent, 0.0
                    self.moves_busy = True
                roster, base_cost = self.roster, self.cost
            t_a = time.monotonic()
            if hood.name == "moves" and self.moves is not None:
                # Block swaps and cell changes priced per nurse, without CP-SAT.
                if work is None:
                    moved = self.moves.run(roster, rng, budget)
                else:
                    moved = self.moves.run(roster, rng, 0.0, moves=round(budget))
                self.moves_busy = False
                self._merge(hood, moved, evaluate(self.problem, moved), base_cost, t_a, None)
                continue
            sub, fixed = subproblem(self.problem, roster, free, lo, hi)
            rm = RosterModel(sub, fixed)
            t_b = time.monotonic()
            # Hinting the shifts is enough: the auxiliary variables follow by propagation (a first
            # solve with every shift fixed, to hint them too, cost a third of the time for nothing).
            rm.hint(grid_of(sub, roster))
            t_c = time.monotonic()
            sub_time = self.sub_time
            prm.max_time_in_seconds = max(0.1, min(sub_time, self.deadline - time.monotonic()))
            if work is not None:
                prm.max_time_in_seconds = max(0.1, self.deadline - time.monotonic())
                prm.max_deterministic_time = work.sub_dtime
            status = solver.solve(rm.model)
            t_d = time.monotonic()
            candidate = None
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                solution = list(solver.response_proto.solution)
                # Outside the window nothing changed (the sub-model has no roles there).
                kept = tuple(a for a in roster.assignments if not lo <= a.day < hi)
                inside = tuple(a for a in rm.roster(solution).assignments if lo <= a.day < hi)
                candidate = Roster(kept + tuple(rm.relabelled(solution)) + inside)
                ev = evaluate(self.problem, candidate)
            t_e = time.monotonic()
            with self.lock:
                for key, dt in (
                    ("build", t_b - t_a),
                    ("hint", t_c - t_b),
                    ("solve", t_d - t_c),
                    ("eval", t_e - t_d),
                ):
                    self.timing[key] = self.timing.get(key, 0.0) + dt
            # how long the sub-solve took against its limit: its deterministic time under a budget
            # of work (so that the neighbourhoods grow and shrink alike on any machine)
            used, limit = t_d - t_c, sub_time
            if work is not None:
                used, limit = solver.response_proto.deterministic_time, work.sub_dtime
            self._merge(hood, candidate, ev if candidate else None, base_cost, t_a, status, used, limit)

    def _merge(
        self,
        hood: _Neighbourhood,
        candidate: Roster | None,
        ev: Any,
        base_cost: int,
        t_a: float,
        status: Any,
        used: float = 0.0,
        limit: float = 0.0,
    ) -> None:
        """Keep `candidate` if it is no worse than the best roster; adapt the neighbourhood's size
        and reward (cost gained per second)."""
        from ortools.sat.python import cp_model

        t_e = time.monotonic()
        with self.lock:
            hood.tries += 1
            gain = 0
            if candidate is not None and ev.hard_violations == 0:
                gain = base_cost - ev.cost
                if ev.cost < self.cost or (ev.cost == self.cost and base_cost == self.cost):
                    improved = ev.cost < self.cost
                    self.roster, self.cost = candidate, ev.cost
                    if improved:
                        self.last_gain = t_e
                        hood.gains += 1
                        self.progress.report(ev.cost, candidate)
                        self.per_nurse_cost = self._nurse_costs(ev.per_nurse)
                        self.spare = self._spare(candidate)
            spent = t_e - t_a
            stalled = self.work is None and t_e - self.last_gain > 10 * self.sub_time
            if stalled and self.sub_time < 8 * self.opts.sub_time:
                self.sub_time *= 2
                self.escalations += 1
                self.last_gain = t_e
            hood.seconds += spent
            if status is None:  # the local search: no size to adapt
                rate = max(0, gain) / max(1, self.cost) / max(0.05, spent)
                hood.reward = 0.9 * hood.reward + 0.1 * (0.2 + 100.0 * rate)
                return
            # Grow while the sub-problems close well inside the limit, shrink when they do not;
            # reward the improvement per second so the cheap productive kinds are picked more.
            if status == cp_model.OPTIMAL:
                hood.optimal += 1
                if used < 0.4 * limit:
                    if hood.name == "days" and hood.size >= hood.hi:
                        # Every nurse is free already: widen the window of days instead.
                        hood.span = min(self.problem.num_days, hood.span + 1)
                    hood.size = min(hood.hi, hood.size * 1.1)
            elif hood.name == "days" and hood.span > 2:
                hood.span -= 1
            else:
                hood.size = max(hood.lo, hood.size * 0.85)
            rate = max(0, gain) / max(1, self.cost) / max(0.05, spent)
            hood.reward = 0.9 * hood.reward + 0.1 * (0.2 + 100.0 * rate)

    def anneal(self, annealer: _Annealer, chain: int) -> None:
        """Drive one annealing process and merge what it finds; waiting on the pipe holds no lock,
        so the CP-SAT threads run meanwhile. The chain goes its own way: it does not take up the
        rosters the others find (a hot chain would lose its walk to a colder local optimum)."""
        try:
            # From the start roster by default (`anneal_after` 0): with compiled moves, starting at
            # once did better than at 60 % of the time (README, run 7).
            time.sleep(max(0.0, self.anneal_from - time.monotonic()))
            with self.lock:
                roster, seconds = self.roster, self.deadline - time.monotonic() - 0.5
            temps = _temperatures(self.problem, self.opts)
            work = None if self.work is None else (self.work.anneal_segments, self.work.moves)
            if seconds < 1.0 or not annealer.begin(
                roster, self.opts.seed + 7919 * chain, seconds, self.opts.anneal_segment, temps, work
            ):
                return
            while True:
                t_a = time.monotonic()
                with self.lock:
                    base_cost = self.cost
                wait = self.opts.anneal_segment + 30.0
                if work is not None:  # a segment takes what its moves take: only a hang is bounded
                    wait = max(1.0, self.deadline - time.monotonic())
                best = annealer.segment(wait)
                if best is None:  # over, or the process is gone: the CP-SAT threads go on alone
                    return
                ev = evaluate(self.problem, best)
                self._merge(self.anneal_hood, best, ev, base_cost, t_a, None)
        finally:
            annealer.stop()

    def run(self) -> None:
        workers = max(1, self.opts.num_workers)
        targets: list[Callable[[], None]] = []
        # Each annealer takes a CP-SAT thread's core (the last ones) when it starts.
        targets += [partial(self.anneal, a, i) for i, a in enumerate(self.annealers)]
        targets += [partial(self.worker, k) for k in range(workers)]
        threads = [threading.Thread(target=t, daemon=True) for t in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            h.name: {
                "tries": h.tries,
                "gains": h.gains,
                "optimal": h.optimal,
                "size": round(h.size, 1),
                "seconds": round(h.seconds, 1),
                "span": h.span,
            }
            for h in [*self.hoods, self.anneal_hood]
            if h.tries
        }
        out["anneal_chains"] = len(self.annealers)
        out["timing"] = {k: round(v, 1) for k, v in self.timing.items()}
        out["sub_time"] = {"final": self.sub_time, "escalations": self.escalations}
        return out
