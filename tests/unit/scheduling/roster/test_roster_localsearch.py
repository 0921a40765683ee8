"""The per-nurse local search: its pricing is the evaluator's, and its moves keep the hard rules."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.localsearch import LocalSearch
from chalicelib.scheduling.domain.roster.model import Assignment, Pin, Roster, RosterProblem, Weights

from fh.roster.inrc2 import load_instance, read_solution


def _reference(inrc2_dir: Path) -> tuple[RosterProblem, Roster]:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    return problem, read_solution(folder, problem)


@pytest.mark.parametrize(
    ("instance", "inverted"),
    [("n005w4_0_1-2-3-3", False), ("n030w4_1_6-2-9-1", False), ("n005w4_0_1-2-3-3", True)],
)
def test_row_cost_is_the_evaluators_per_nurse_cost(inrc2_dir: Path, instance: str, inverted: bool) -> None:
    """Random rows (history streaks on the first days included) priced as the evaluator does;
    `inverted`: contracts whose minimum total is above their maximum are charged both ways."""
    problem, roster = _reference(inrc2_dir)
    problem = load_instance(inrc2_dir, instance)
    if inverted:
        contracts = {
            k: replace(c, min_assignments=c.max_assignments + 3) for k, c in problem.contracts.items()
        }
        problem = replace(problem, contracts=contracts)
    ls = LocalSearch(problem)
    rng = random.Random(3)
    rosters = [roster] if instance.startswith("n005") else []
    for i in range(30):  # skills ignored: only the per-nurse rules are compared
        # Blocks of 1, 4 or 7 days of one value: short runs, and runs past the maximum.
        block = (1, 4, 7)[i % 3]
        cells = {}
        for n in problem.nurses:
            for d in range(0, problem.num_days, block):
                if rng.random() < 0.6:
                    shift = rng.choice(problem.shift_types).id
                    for day in range(d, min(d + block, problem.num_days)):
                        cells[(n.id, day)] = Assignment(n.id, day, shift, n.skills[0])
        rosters.append(Roster(tuple(cells.values())))
    index = {s.id: i for i, s in enumerate(problem.shift_types)}
    for r in rosters:
        ev = evaluate(problem, r)
        cells = r.by_nurse_day()
        for n, nurse in enumerate(problem.nurses):
            row = [index[cells[(nurse.id, d)].shift] if (nurse.id, d) in cells else -1 for d in range(28)]
            expected = sum(v for rule, v in ev.per_nurse.get(nurse.id, {}).items() if rule != "S1")
            assert ls.row_cost(n, row) == expected
            if n < 3:  # the same function uncompiled (numba's py_func): what runs without numba
                plain = getattr(kernel.row_cost, "py_func", kernel.row_cost)
                assert plain(n, np.array(row, np.int64), *ls.pricing) == expected


def test_moves_lower_the_cost_exactly_and_keep_the_hard_rules(inrc2_dir: Path) -> None:
    problem, roster = _reference(inrc2_dir)
    before = evaluate(problem, roster)
    ls = LocalSearch(problem)
    out = ls.run(roster, random.Random(0), 0.0, moves=500_000)
    after = evaluate(problem, out)
    assert after.hard_violations == 0, after.hard
    assert after.cost == before.cost - ls.gained
    assert after.cost <= before.cost and ls.tries == 500_000


def test_moves_respect_pins_and_leave(inrc2_dir: Path) -> None:
    problem, roster = _reference(inrc2_dir)
    cells = roster.by_nurse_day()
    nurse = problem.nurses[0].id
    pins = tuple(
        Pin(nurse, d, cells[(nurse, d)].shift if (nurse, d) in cells else None) for d in range(0, 28, 2)
    )
    problem = replace(problem, pins=pins, weights=replace(problem.weights, total_assignments=40))
    out = LocalSearch(problem).run(roster, random.Random(1), 0.0, moves=400_000)
    ev = evaluate(problem, out)
    assert ev.hard_violations == 0, ev.hard


def test_not_applicable_with_fairness_or_ward_demand(ward_factory: Callable[..., RosterProblem]) -> None:
    ward = ward_factory(nurses=8, days=14)
    assert LocalSearch.applicable(ward)
    assert not LocalSearch.applicable(replace(ward, weights=Weights(fairness=5)))
    assert not LocalSearch.applicable(ward_factory(nurses=8, days=14, wards=("A", "B")))


def test_annealing_returns_the_best_roster_met_and_where_it_stopped(inrc2_dir: Path) -> None:
    """Hot enough, annealing accepts worse rosters: where it stops is worse than the start, yet
    the roster it returns is the best it met, never worse than the start, priced exactly."""
    problem = load_instance(inrc2_dir, "n030w4_1_6-2-9-1")
    start = LocalSearch(problem).run(
        _feasible_start(inrc2_dir, problem), random.Random(0), 0.0, moves=2_000_000
    )
    before = evaluate(problem, start)
    ls = LocalSearch(problem)
    best = ls.run(start, random.Random(2), 0.0, t0=500.0, t1=200.0, moves=2_000_000)
    stopped = _check_annealed(problem, before.cost, ls, best)
    assert stopped > before.cost  # it did walk uphill


def _check_annealed(problem: RosterProblem, before: int, ls: LocalSearch, best: Roster) -> int:
    """The roster returned and the one where the search stopped keep the hard rules and cost what
    the search says it gained; the returned one is no worse than the start. Returns where it stopped."""
    after, stopped = evaluate(problem, best), evaluate(problem, ls.current)
    assert after.hard_violations == 0 and stopped.hard_violations == 0, (after.hard, stopped.hard)
    assert after.cost == before - ls.gained <= before
    assert stopped.cost == before - ls.current_gain
    return stopped.cost


def _feasible_start(inrc2_dir: Path, problem: RosterProblem) -> Roster:
    pytest.importorskip("ortools.sat.python.cp_model")
    from chalicelib.scheduling.domain.roster.solver import SolveOptions, Work, solve

    return solve(problem, SolveOptions(600, seed=0, lns=False, work=Work(start_dtime=3))).roster


def test_the_uncompiled_search_loop_prices_and_keeps_the_rules_too(
    inrc2_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without numba the move loop runs as plain Python (`py_func`): the same exact pricing, the
    same hard rules, annealing included."""
    plain = getattr(kernel.search, "py_func", None)
    if plain is None:  # pragma: no cover - numba is in the solver extra
        pytest.skip("numba is not installed: every run is already uncompiled")
    monkeypatch.setattr(kernel, "search", plain)
    problem, roster = _reference(inrc2_dir)
    before = evaluate(problem, roster)
    ls = LocalSearch(problem)
    best = ls.run(roster, random.Random(4), 0.0, t0=60.0, t1=20.0, moves=2_000)
    stopped = _check_annealed(problem, before.cost, ls, best)
    assert ls.tries == 2_000 and stopped != before.cost  # it did move


def test_the_kernel_compiles_where_no_cache_folder_is_writable(
    fresh_process: Callable[[str], str],
) -> None:
    """In a read-only deployment numba has no folder to cache machine code in and refuses
    `cache=True`; the kernel then compiles per process instead of failing every solve."""
    out = fresh_process(
        "import random, sys\n"
        "from pathlib import Path\n"
        "from chalicelib.scheduling.domain.roster.evaluate import evaluate\n"
        "from fh.roster.inrc2 import load_instance, read_solution\n"
        "from chalicelib.scheduling.domain.roster.localsearch import LocalSearch\n"
        "data = Path(sys.argv[1])\n"
        "problem = load_instance(data, 'n005w4_0_1-2-3-3')\n"
        "roster = read_solution(data / 'reference_solutions/n005w4/Solution_H_0-WD_1-2-3-3', problem)\n"
        "ls = LocalSearch(problem)\n"
        "out = ls.run(roster, random.Random(0), 0.0, moves=100_000)\n"
        "ev = evaluate(problem, out)\n"
        "print(ev.hard_violations, ev.cost == evaluate(problem, roster).cost - ls.gained)\n"
    )
    assert out.split() == ["0", "True"], out
