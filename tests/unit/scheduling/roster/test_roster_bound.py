"""The lower bound: its row pricing is exact and optimal, and the bound never exceeds a real roster.

The relaxation and the dive run on rounds here, or on a clock the test sets: never on how fast
the machine happens to be."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.bound import ColumnGeneration, lower_bound
from chalicelib.scheduling.domain.roster.evaluate import evaluate

from fh.roster.inrc2 import load_instance, read_solution


def test_best_row_is_exact_and_no_single_day_change_beats_it(inrc2_dir: Path) -> None:
    """At random day prices the returned price is the row's own cost (the evaluator's rules, via
    `row_cost`) plus its prices, and changing any one day to another legal value costs more."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    cg = ColumnGeneration(problem)
    ls, S, D = cg.ls, cg.S, cg.D
    forbidden, last, leave = ls.rules_moves[:3]
    rng = np.random.default_rng(5)
    row = np.zeros(D, np.int64)
    for _ in range(30):
        n = int(rng.integers(cg.N))
        extra = rng.normal(0, 40, (D, S + 1))
        price = kernel.best_row(n, cg.requests[n] + extra, *cg.dp_args, row, cg.work[0])
        # with no workspace (too short to hold the back pointers) it allocates its own: the same row
        alone = np.zeros(D, np.int64)
        assert kernel.best_row(n, cg.requests[n] + extra, *cg.dp_args, alone, np.empty(0, np.int32)) == price
        assert (alone == row).all()

        def priced(r: np.ndarray, n: int = n, extra: np.ndarray = extra) -> float:
            return kernel.row_cost(n, r, *ls.pricing) + sum(extra[d, r[d] + 1] for d in range(D))

        assert abs(price - priced(row)) < 1e-6
        for d in range(D):
            for v in range(-1, S):
                other = row.copy()
                other[d] = v
                if v == row[d] or not kernel.legal(n, other, d, d, forbidden, last, leave):
                    continue
                assert priced(other) >= price - 1e-6, (n, d, v)


def test_best_row_is_the_cheapest_of_all_rows_and_its_pruning_changes_nothing(inrc2_dir: Path) -> None:
    """The dynamic program skips the states that cannot be on a cheapest row (a state beaten by
    another by more than their totals' and weekends' difference can be worth; a state whose cost
    plus a bound on its completion exceeds a greedy row's). Over a week every legal row is tried:
    none is cheaper. Over 56 days (the totals and weekends where the skipping bites) the program
    with the skipping finds the same price and row as without, at prices that make work cheap
    (totals over their maximum), dear (under their minimum) or anything between."""
    import itertools

    from chalicelib.scheduling.domain.roster.solver import truncated

    week = truncated(load_instance(inrc2_dir, "n030w4_1_6-2-9-1"), 7)
    cg = ColumnGeneration(week)
    ls, S, D = cg.ls, cg.S, cg.D
    forbidden, last, leave = ls.rules_moves[:3]
    every = np.array(list(itertools.product(range(-1, S), repeat=D)), np.int64)
    rng = np.random.default_rng(17)
    row = np.zeros(D, np.int64)
    for n, shift in zip(rng.choice(cg.N, 6, replace=False), (-40.0, 0.0, 40.0) * 2, strict=True):
        extra = rng.normal(shift, 30, (D, S + 1))
        extra[:, 0] = 0.0
        price = kernel.best_row(int(n), cg.requests[n] + extra, *cg.dp_args, row, cg.work[0])
        costs = [
            kernel.row_cost(int(n), r, *ls.pricing) + float(extra[np.arange(D), r + 1].sum())
            for r in every
            if kernel.legal(int(n), r, 0, D - 1, forbidden, last, leave)
        ]
        assert abs(price - min(costs)) < 1e-6
    for name in ("n030w8_1_2-7-0-9-3-6-0-6", "n005w4_0_1-2-3-3"):
        cg = ColumnGeneration(load_instance(inrc2_dir, name))
        D, S = cg.D, cg.S
        row, plain = np.zeros(D, np.int64), np.zeros(D, np.int64)
        for k in range(12):
            n = int(rng.integers(cg.N))
            extra = rng.normal((-60.0, -20.0, 0.0, 30.0)[k % 4], 25, (D, S + 1))
            extra[:, 0] = 0.0
            price = kernel.best_row(n, cg.requests[n] + extra, *cg.dp_args, row, cg.work[0])
            unpruned = kernel.best_row(n, cg.requests[n] + extra, *cg.dp_args, plain, cg.work[1], False)
            assert price == unpruned and (row == plain).all(), (name, n, k)


def test_bound_is_below_the_reference_roster_and_an_early_stop_is_weaker(inrc2_dir: Path) -> None:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    reference = evaluate(problem, read_solution(folder, problem)).cost
    full = lower_bound(problem, seconds=math.inf)  # until it converges (148 rounds, smoothed)
    assert full.proved_optimal_lp
    assert abs(full.value - full.lp) < 1e-6
    # well above the trivial bound 0, and no roster (the reference one, 1695) costs less
    assert 0.8 * reference < full.value <= reference
    early = lower_bound(problem, seconds=math.inf, rounds=20)
    assert not early.proved_optimal_lp
    assert early.value <= full.value + 1e-6


class Ticker:
    """A clock that moves only when read: `tick` seconds a reading."""

    def __init__(self, tick: float) -> None:
        self.tick, self.now = tick, 0.0

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def _assert_legal_rows(cg: ColumnGeneration, grid: list[list[int]]) -> None:
    forbidden, last, leave = cg.ls.rules_moves[:3]
    assert len(grid) == cg.N
    for n, row in enumerate(grid):
        assert len(row) == cg.D and all(-1 <= v < cg.S for v in row)
        assert kernel.legal(n, np.asarray(row, np.int64), 0, cg.D - 1, forbidden, last, leave), n


def test_dive_gives_every_nurse_a_legal_row_close_to_the_bound(inrc2_dir: Path) -> None:
    """The dive converges the relaxation first (its bound is kept), then fixes rows until each
    nurse has one: successions and leave respected, and the rows' own costs plus the missed optimal
    coverage (what the roster costs, roles aside) no less than the bound and within 25 % of it."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    cg = ColumnGeneration(problem)
    grid = cg.dive(math.inf, relax_rounds=1000)
    assert grid is not None
    assert cg.bound is not None and cg.bound.proved_optimal_lp
    _assert_legal_rows(cg, grid)
    ls = cg.ls
    rows = sum(ls.row_cost(n, row) for n, row in enumerate(grid))
    # coverage at its best (roles are chosen afterwards): by shift, the workers against the
    # optimal demand summed over skills, a lower estimate of S1 that the roles can only raise
    working = np.zeros(ls.dopt.shape[:2])
    for row in grid:
        for d, s in enumerate(row):
            if s >= 0:
                working[d, s] += 1
    under = np.maximum(0, ls.dopt.sum(axis=2) - working).sum() * problem.weights.under_optimal
    assert cg.bound.value <= rows + under + 1e-6
    assert rows + under <= 1.25 * cg.bound.value
    # the days whose minimum coverage the rows may miss are listed (the solver rosters them
    # again); on every other day each shift has at least as many workers as its minimum needs
    short = np.maximum(0, ls.dmin.sum(axis=2) - working).sum(axis=1)
    assert set(np.flatnonzero(short)) <= set(cg.missed)


def test_a_window_dived_with_the_rest_kept_is_priced_across_its_seams(inrc2_dir: Path) -> None:
    """`keep`: only days [7, 14) are priced and dived, the other days keep a roster's values and are
    priced with them. The dynamic program's price of a row is then its whole row's cost (the
    evaluator's rules over all 28 days: the runs that cross the seams, the horizon's totals and
    weekends) plus its prices, no single change inside the window is cheaper, and the dive's rows
    are the roster's outside the window, legal across both seams."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    first = ColumnGeneration(problem).dive(math.inf, relax_rounds=1000)
    assert first is not None
    lo, hi = 7, 14
    cg = ColumnGeneration(problem)
    cg.keep(first, [[lo <= d < hi for d in range(cg.D)] for _ in first])
    ls, S, D = cg.ls, cg.S, cg.D
    forbidden, last, leave = ls.rules_moves[:3]
    rng = np.random.default_rng(11)
    row = np.zeros(D, np.int64)
    outside = [d for d in range(D) if not lo <= d < hi]
    for _ in range(30):
        n = int(rng.integers(cg.N))
        extra = rng.normal(0, 40, (D, S + 1))
        price = kernel.best_row(n, cg.requests[n] + extra, *cg.dp_args, row, cg.work[0])
        assert [int(row[d]) for d in outside] == [first[n][d] for d in outside]

        def priced(r: np.ndarray, n: int = n, extra: np.ndarray = extra) -> float:
            return kernel.row_cost(n, r, *ls.pricing) + sum(extra[d, r[d] + 1] for d in range(D))

        assert abs(price - priced(row)) < 1e-6
        for d in range(lo, hi):
            for v in range(-1, S):
                other = row.copy()
                other[d] = v
                if v == row[d] or not kernel.legal(n, other, 0, D - 1, forbidden, last, leave):
                    continue
                assert priced(other) >= price - 1e-6, (n, d, v)
    grid = cg.dive(math.inf, relax_rounds=1000, leave_open=5)
    assert grid is not None and cg.bound is not None and cg.bound.proved_optimal_lp
    _assert_legal_rows(cg, grid)
    assert all([row[d] for d in outside] == [first[n][d] for d in outside] for n, row in enumerate(grid))
    assert len(cg.open) <= 5  # (rows already whole are fixed at once: fewer may be left open)


def test_dive_out_of_time_still_rosters_every_nurse_and_can_leave_the_last_open(
    inrc2_dir: Path,
) -> None:
    """With little time left after the relaxation, the dive fixes many rows a step instead of one,
    and still ends with a legal row for every nurse, within a few seconds of its limit; with too
    little time for the relaxation itself it gives up (None), and the solver starts otherwise.
    With `leave_open` (as the solver dives) it stops with at most that many nurses free, for
    CP-SAT to roster; each of them has a suggested row, one the relaxation generated for her.
    The dive's clock is the test's: each reading is a tenth of a second later than the last."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    slow = Ticker(0.1)
    # a probe round at 0.1 s a reading: 40 rounds would take longer than the relaxation's share,
    # and the first round says so already (no second or third round spent to learn it)
    late = ColumnGeneration(problem, clock=slow)
    assert late.dive(seconds=0.5) is None
    assert late.bound is not None and late.bound.rounds == 1
    # a pace that misses by less than PROBE_EARLY (1.5 times) is one round's noise, not a verdict:
    # 0.2 s a round (two readings), 40 rounds = 8 s against 6.8 s left — the probe's three rounds
    # run, and then it gives up
    close = ColumnGeneration(problem, clock=Ticker(0.1))
    assert close.dive(seconds=100.0, relax_seconds=7.0) is None
    assert close.bound is not None and close.bound.rounds == 3
    clock = Ticker(0.0)
    cg = ColumnGeneration(problem, clock=clock)
    assert cg.run(math.inf).proved_optimal_lp
    clock.tick = 0.1  # from here on, every step of the dive seems slow
    began = clock.now
    grid = cg.dive(seconds=1.0, leave_open=7)
    assert grid is not None
    _assert_legal_rows(cg, grid)
    # more nurses a step as the time runs out: it ends within a few steps of its limit
    assert clock.now - began < 3.0
    assert 1 <= len(cg.open) <= 7
    assert set(cg.open).isdisjoint(cg.fixed) and len(cg.open) + len(cg.fixed) == len(problem.nurses)
    for n in cg.open:
        assert tuple(grid[n]) in cg.rows[n]
    for n, row in cg.fixed.items():
        assert tuple(grid[n]) == row


def test_a_relaxation_keeps_its_share_and_the_steps_their_time_when_the_dive_is_late(
    inrc2_dir: Path,
) -> None:
    """The solver's quick start comes before the dive, so the dive has less than it was planned
    with: `relax_seconds` keeps the relaxation its own share (with 60 % of these `seconds` it gives
    up: the test above), and `steps_seconds` gives the fixing steps their time after it, one nurse
    a step, past `seconds` (without it the dive ends within a few steps of its limit: the test
    above, 3 s on the same clock)."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    clock = Ticker(0.1)  # the same 0.1 s a reading as above
    cg = ColumnGeneration(problem, clock=clock)
    grid = cg.dive(seconds=0.5, relax_seconds=10_000.0, leave_open=7, steps_seconds=10_000.0)
    assert grid is not None and cg.bound is not None and cg.bound.proved_optimal_lp
    _assert_legal_rows(cg, grid)
    # one nurse a step (23 of them, down to the 7 left open), each step its readings of the clock
    steps = clock.now - cg.bound.seconds
    assert steps > 10.0 and len(cg.open) == 7


def test_a_dive_in_a_fresh_process_does_not_count_the_first_compile(
    fresh_process: Callable[[str], str],
) -> None:
    """The dive gives up when its first rounds' pace says the relaxation cannot converge in its
    time. In a fresh process the pricing's first call compiles it (about 2 s, longer than the
    whole relaxation of a small ward); that must not count as the pace, or the first solve after
    a deployment would never start from the dive. So: whenever the dive reads its clock, the
    pricing is compiled already (numba lists a signature once it has machine code)."""
    out = fresh_process(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from chalicelib.scheduling.domain.roster import kernel\n"
        "from chalicelib.scheduling.domain.roster.bound import ColumnGeneration\n"
        "from fh.roster.inrc2 import load_instance\n"
        "problem = load_instance(Path(sys.argv[1]), 'n005w4_0_1-2-3-3')\n"
        "compiled = []\n"
        "def clock():\n"
        "    compiled.append(bool(kernel.best_row.signatures))\n"
        "    return time.monotonic()\n"
        "cg = ColumnGeneration(problem, clock=clock)\n"
        "cg.dive(20.0, relax_rounds=1000)\n"
        "print(len(compiled) > 0, all(compiled), cg.bound.proved_optimal_lp)\n"
    )
    assert out.split() == ["True", "True", "True"], out


def test_a_relaxation_stopped_just_short_of_its_optimum_is_dived_from(inrc2_dir: Path) -> None:
    """A relaxation stopped one round before it converges is within `NEARLY` of its optimum (its
    Lagrangian bound says how far): the dive goes on from it. One stopped after two rounds is far
    from it and gives no dive (a dive from there cost 23 times the best known on n120w8_0)."""
    from chalicelib.scheduling.domain.roster.bound import NEARLY

    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")  # the relaxation as on any ward, in seconds
    full = ColumnGeneration(problem).run(math.inf)
    assert full.proved_optimal_lp
    cg = ColumnGeneration(problem)
    grid = cg.dive(math.inf, relax_rounds=full.rounds - 1)
    short = cg.bound
    assert short is not None and not short.proved_optimal_lp and short.value >= (1 - NEARLY) * short.lp
    assert grid is not None
    _assert_legal_rows(cg, grid)
    assert ColumnGeneration(problem).dive(math.inf, relax_rounds=2) is None


class _FlakyGlop:
    """GLOP that fails (ABNORMAL) on the given calls of `Solve` and is itself otherwise."""

    def __init__(self, lp: Any, failing: set[int]) -> None:
        self.lp, self.failing, self.calls = lp, failing, 0

    def Solve(self, *params: Any) -> int:
        self.calls += 1
        return 4 if self.calls in self.failing else int(self.lp.Solve(*params))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lp, name)


def test_glop_failing_once_is_solved_again_and_failing_for_good_ends_the_dive_with_none(
    inrc2_dir: Path,
) -> None:
    """GLOP can lose its way numerically (ABNORMAL mid-dive on n080w4_2_7-8-8-3): one failure is
    solved again from scratch and the dive goes on; a relaxation that still fails ends the dive
    with None and says why (the solver then starts from its other roster), never an exception."""
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    once = ColumnGeneration(problem)
    once.lp = _FlakyGlop(once.lp, {3})
    rows = once.dive(math.inf, leave_open=1, relax_rounds=1000)
    assert rows is not None and len(rows) == once.N and once.failed == ""
    for_good = ColumnGeneration(problem)
    for_good.lp = _FlakyGlop(for_good.lp, set(range(5, 10_000)))
    assert for_good.dive(math.inf, leave_open=1, relax_rounds=1000) is None
    assert "GLOP status 4" in for_good.failed


def _lagrangian(cg: ColumnGeneration, links: np.ndarray) -> float:
    """The Lagrangian function at the link prices `links`: each nurse's cheapest row at them plus
    the coverage's part."""
    rows = 0.0
    for n in range(cg.N):
        out = np.zeros(cg.D, np.int64)
        rows += kernel.best_row(n, cg.requests[n] + links[cg.group[n]], *cg.dp_args, out, cg.work[0])
    return rows + cg.coverage_part(links)


def test_the_coverage_part_is_the_relaxations_own_and_the_lagrangian_bounds_at_any_prices(
    inrc2_dir: Path,
) -> None:
    """At the relaxation's prices the coverage part (its greedy fill) is what the relaxation's
    optimum spends on coverage; at any prices at all the Lagrangian function is a bound: never
    above the converged relaxation's optimum, however far the prices are from the right ones."""
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    cg = ColumnGeneration(problem)
    cg.run(math.inf, rounds=20)
    _, one = cg.solve()
    row_part = sum(
        y.solution_value() * (y.reduced_cost() + one[n]) for n in range(cg.N) for y in cg.rows[n].values()
    )
    assert abs(cg.coverage_part(cg.links) - (cg.value - row_part)) < 1e-6
    full = ColumnGeneration(problem).run(math.inf)
    assert full.proved_optimal_lp
    rng = np.random.default_rng(11)
    values = []
    for scale in (0.0, 0.5, 1.0, 3.0):
        for _ in range(5):
            links = cg.links * scale + rng.normal(0, 20, cg.links.shape)
            links[..., 0] = 0.0  # a day off fills no coverage
            values.append(_lagrangian(cg, links))
    assert max(values) <= full.value + 1e-6
    # and at the converged relaxation's own prices it is the bound itself
    done = ColumnGeneration(problem)
    done.run(math.inf)
    done.solve()
    assert abs(_lagrangian(done, done.links) - full.value) < 1e-3


def test_smoothed_prices_reach_the_same_bound_in_fewer_rounds(inrc2_dir: Path) -> None:
    """Wentges' smoothing (the CLI's default) converges to the same relaxation's optimum as the
    plain column generation, in far fewer rounds (n005w4: 148 against 268; over 56 days n030w8_0
    took 197 against 450), and every round's bound is a valid one."""
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    plain = ColumnGeneration(problem).run(math.inf)
    smooth = ColumnGeneration(problem, smooth=0.8).run(math.inf)
    assert plain.proved_optimal_lp and smooth.proved_optimal_lp
    assert abs(smooth.value - plain.value) < 1e-3
    assert smooth.rounds < 0.75 * plain.rounds
    early = ColumnGeneration(problem, smooth=0.8).run(math.inf, rounds=30)
    assert not early.proved_optimal_lp and early.value <= plain.value + 1e-6
    assert lower_bound(problem, math.inf).rounds == smooth.rounds  # the CLI smooths


def test_the_bound_by_closed_group_is_the_whole_relaxations(inrc2_dir: Path) -> None:
    """The trainees share no skill with anyone else, so the relaxation splits into one per closed
    group: each converges on its own (over 56 days in a minute where the whole does not in
    minutes), and their bounds add up to the whole relaxation's optimum — n021w4_0_5-4-2-0's
    stored bound (validation.txt) from either."""
    from chalicelib.scheduling.domain.roster.bound import closed_groups, group_problem

    problem = load_instance(inrc2_dir, "n021w4_0_5-4-2-0")
    groups = closed_groups(problem)
    assert [len(g) for g in groups] == [5, 16]
    assert sorted(n for g in groups for n in g) == list(range(len(problem.nurses)))
    trainees = group_problem(problem, groups[0])
    assert {k for n in trainees.nurses for k in n.skills} == {"Trainee"} == set(trainees.skills)
    assert {x.skill for x in trainees.demand} == {"Trainee"}
    assert {x.nurse for x in trainees.requests} <= {n.id for n in trainees.nurses}
    whole = ColumnGeneration(problem, smooth=0.8).run(math.inf)
    split = lower_bound(problem, math.inf)
    assert whole.proved_optimal_lp and split.proved_optimal_lp
    assert abs(split.value - whole.value) < 1e-3 and math.floor(split.value + 1e-6) == 1694
    # each group's bound on its own, the sum the whole's
    parts = [ColumnGeneration(group_problem(problem, g), smooth=0.8).run(math.inf) for g in groups]
    assert abs(sum(b.value for b in parts) - split.value) < 1e-6 and all(b.value > 0 for b in parts)
