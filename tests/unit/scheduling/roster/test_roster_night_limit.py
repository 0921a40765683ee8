"""A contract's limit on nights (大夜 and any shift flagged `night`): the evaluator charges each night
above it, and every part of the engine that prices a roster agrees with it — the local search's
compiled row pricing, the CP-SAT objective, the sub-problems' scaled contracts and carried history."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from chalicelib.scheduling.domain.roster import kernel
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.localsearch import LocalSearch
from chalicelib.scheduling.domain.roster.model import (
    UNLIMITED,
    Assignment,
    NurseHistory,
    Roster,
    RosterProblem,
)

from fh.roster.inrc2 import load_instance, read_solution

HANG = 600.0


def _limited(inrc2_dir: Path, max_nights: int = 8, history_nights: int = 0) -> RosterProblem:
    """n005w4 (its Night shift type is a night) with every contract allowing `max_nights`, and each
    nurse bringing `history_nights` nights from the history."""
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    contracts = {k: replace(c, max_nights=max_nights) for k, c in problem.contracts.items()}
    history = {n.id: replace(problem.history_of(n.id), nights=history_nights) for n in problem.nurses}
    return replace(problem, contracts=contracts, history=history)


def _reference(problem: RosterProblem, inrc2_dir: Path) -> Roster:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    return read_solution(folder, problem)


def test_the_evaluator_charges_each_night_above_the_contract(inrc2_dir: Path) -> None:
    problem = _limited(inrc2_dir, max_nights=8, history_nights=1)
    roster = _reference(problem, inrc2_dir)
    nights = Counter(a.nurse for a in roster.assignments if a.shift == "Night")
    ev = evaluate(problem, roster)
    for nurse in problem.nurses:
        over = max(0, 1 + nights[nurse.id] - 8)
        assert ev.per_nurse.get(nurse.id, {}).get("nights", 0) == 30 * over
    assert ev.soft["nights"] == 30 * sum(max(0, 1 + k - 8) for k in nights.values()) > 0
    unlimited = evaluate(
        replace(
            problem, contracts={k: replace(c, max_nights=UNLIMITED) for k, c in problem.contracts.items()}
        ),
        roster,
    )
    assert unlimited.soft["nights"] == 0
    assert ev.cost - unlimited.cost == ev.soft["nights"]


@pytest.mark.parametrize(("max_nights", "history_nights"), [(3, 0), (5, 2), (0, 4)])
def test_the_compiled_row_pricing_charges_nights_as_the_evaluator(
    inrc2_dir: Path, max_nights: int, history_nights: int
) -> None:
    """Random rows priced by the local search's kernel (compiled, and as plain Python) against the
    evaluator's per-nurse cost, with the history's nights counted towards the limit."""
    problem = _limited(inrc2_dir, max_nights, history_nights)
    ls = LocalSearch(problem)
    rng = random.Random(max_nights)
    index = {s.id: i for i, s in enumerate(problem.shift_types)}
    charged = 0
    for _ in range(30):
        cells = {}
        for n in problem.nurses:
            for d in range(problem.num_days):
                if rng.random() < 0.6:
                    shift = rng.choice(problem.shift_types).id
                    cells[(n.id, d)] = Assignment(n.id, d, shift, n.skills[0])
        roster = Roster(tuple(cells.values()))
        ev = evaluate(problem, roster)
        charged += ev.soft["nights"]
        for n, nurse in enumerate(problem.nurses):
            row = [index[cells[(nurse.id, d)].shift] if (nurse.id, d) in cells else -1 for d in range(28)]
            expected = sum(v for rule, v in ev.per_nurse.get(nurse.id, {}).items() if rule != "S1")
            assert ls.row_cost(n, row) == expected
            plain = getattr(kernel.row_cost, "py_func", kernel.row_cost)
            assert plain(n, np.array(row, np.int64), *ls.pricing) == expected
    assert charged > 0  # the limit was met and passed in these rows


def test_sub_problems_scale_the_limit_and_carry_the_nights(inrc2_dir: Path) -> None:
    from chalicelib.scheduling.domain.roster.solver import grid_of, history_at, truncated

    problem = _limited(inrc2_dir, max_nights=9, history_nights=2)
    assert truncated(problem, 14).contracts["FullTime"].max_nights == 5  # ceil(9 * 14 / 28)
    assert truncated(_limited(inrc2_dir, UNLIMITED), 14).contracts["FullTime"].max_nights == UNLIMITED
    roster = _reference(problem, inrc2_dir)
    grid = grid_of(problem, roster)
    carried = history_at(problem, grid, 14)
    for nurse in problem.nurses:
        first = sum(1 for a in roster.of(nurse.id) if a.day < 14 and a.shift == "Night")
        assert carried[nurse.id].nights == 2 + first
    assert NurseHistory().nights == 0


def test_the_solver_keeps_nurses_within_their_nights_and_its_objective_is_the_evaluators(
    inrc2_dir: Path,
) -> None:
    """The reference roster gives two nurses 9 and 10 nights; at 8 each the solver finds a roster
    within every limit (capacity 40 for the 34 nights needed), and the cost it reports is the
    evaluator's, nights term included."""
    from chalicelib.scheduling.domain.roster.solver import SolveOptions, Work, solve

    problem = _limited(inrc2_dir, max_nights=8)
    assert evaluate(problem, _reference(problem, inrc2_dir)).soft["nights"] == 90
    work = Work(start_dtime=3, iterations=15, sub_dtime=0.5)
    # one worker, no annealing process: the same roster however loaded the machine is
    result = solve(problem, SolveOptions(HANG, num_workers=1, seed=1, dive=0.0, work=work))
    ev = evaluate(problem, result.roster)
    assert ev.hard_violations == 0 and result.cost == ev.cost
    nights = Counter(a.nurse for a in result.roster.assignments if a.shift == "Night")
    assert max(nights.values()) <= 8 and ev.soft["nights"] == 0
