"""Fairness over months in the engine: each nurse's carried share (`FairShare`: nights, weekends and
public holidays from earlier periods) is added to her count before the spread is charged, and public
holidays are a third count. The evaluator and the CP-SAT objective agree on it exactly; a problem
that carries nothing costs what it cost before.

Solves run on a budget of work (`Work`) with one CP-SAT worker, so what they assert is deterministic."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from pathlib import Path
from types import MappingProxyType

import pytest
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import (
    Assignment,
    Contract,
    Demand,
    FairShare,
    Nurse,
    Roster,
    RosterProblem,
    ShiftType,
    Weights,
)

from fh.roster.inrc2 import load_instance, read_solution

HANG = 600.0


def _reference(inrc2_dir: Path) -> tuple[RosterProblem, Roster]:
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    return problem, read_solution(folder, problem)


def _nights_ward(carried: dict[str, int]) -> RosterProblem:
    """Four nurses on one contract of exactly 7 shifts, a fortnight of one day shift and one night
    shift a day (one nurse each: 28 shifts, 7 each), nothing else to choose between them: where the
    nights go is fairness's call alone."""
    shifts = (ShiftType("D", "白班", time(8), 8.0), ShiftType("N", "大夜", time(0), 8.0, night=True))
    contract = Contract("FT", min_assignments=7, max_assignments=7)
    nurses = tuple(Nurse(i, "FT", ("nurse",)) for i in ("a", "b", "c", "d"))
    demand = tuple(Demand(d, s, "nurse", 1, 1) for d in range(14) for s in ("D", "N"))
    return RosterProblem(
        name="fair",
        start=date(2026, 3, 2),
        num_days=14,
        shift_types=shifts,
        skills=("nurse",),
        contracts=MappingProxyType({"FT": contract}),
        nurses=nurses,
        demand=demand,
        weights=Weights(fairness=20, total_assignments=100),
        fair_share=MappingProxyType({k: FairShare(nights=v) for k, v in carried.items()}),
    )


def test_a_problem_carrying_nothing_costs_what_it_did(inrc2_dir: Path) -> None:
    problem, roster = _reference(inrc2_dir)
    fair = replace(problem, weights=replace(problem.weights, fairness=20))
    zeros = replace(fair, fair_share=MappingProxyType({n.id: FairShare() for n in problem.nurses}))
    assert evaluate(zeros, roster).cost == evaluate(fair, roster).cost
    assert evaluate(zeros, roster).soft == evaluate(fair, roster).soft
    # and without the weight, shares and holidays change nothing at all
    carried = replace(
        problem,
        fair_share=MappingProxyType({problem.nurses[0].id: FairShare(9, 9, 9)}),
        holidays=frozenset({0, 5}),
    )
    assert evaluate(carried, roster).soft == evaluate(problem, roster).soft


def test_the_evaluator_charges_the_spread_of_carried_plus_this_period() -> None:
    problem = _nights_ward({"a": 5})
    # a works every night, the others the days: nights a 14 (+5 carried), the others 0
    cells = [Assignment("a", d, "N", "nurse") for d in range(14)]
    cells += [Assignment(("b", "c", "d")[d % 3], d, "D", "nurse") for d in range(14)]
    roster = Roster(tuple(cells))
    ev = evaluate(problem, roster)
    weekends = [
        sum(1 for wk in problem.weekends() if any(a.nurse == n and a.day in wk for a in cells))
        for n in "abcd"
    ]
    assert ev.soft["fairness"] == 20 * ((14 + 5) - 0) + 20 * (max(weekends) - min(weekends))
    # the carried nights of the others close the gap: b carried 19 as a now has
    even = replace(
        problem,
        fair_share=MappingProxyType(
            {"a": FairShare(5), "b": FairShare(19), "c": FairShare(19), "d": FairShare(19)}
        ),
    )
    assert evaluate(even, roster).soft["fairness"] == 20 * (max(weekends) - min(weekends))


def test_public_holidays_are_a_third_count() -> None:
    problem = replace(_nights_ward({}), holidays=frozenset({0, 1}))
    cells = [Assignment("a", d, "N", "nurse") for d in range(14)]
    cells += [Assignment("b", d, "D", "nurse") for d in range(14)]
    roster = Roster(tuple(cells))
    without = evaluate(replace(problem, holidays=frozenset()), roster).soft["fairness"]
    # a and b worked both holidays, c and d none: a spread of 2
    assert evaluate(problem, roster).soft["fairness"] == without + 20 * 2
    # c and d carried two holidays each from earlier periods: everyone has two, no spread
    shares = {"c": FairShare(holidays=2), "d": FairShare(holidays=2)}
    assert evaluate(replace(problem, fair_share=MappingProxyType(shares)), roster).soft["fairness"] == without


cp_model = pytest.importorskip("ortools.sat.python.cp_model")

from chalicelib.scheduling.domain.roster.solver import SolveOptions, Work, solve  # noqa: E402


def test_the_solver_gives_the_nights_to_whoever_carried_fewer() -> None:
    problem = _nights_ward({"a": 6, "b": 0, "c": 0, "d": 0})
    result = solve(problem, SolveOptions(HANG, num_workers=1, seed=0, work=Work(start_dtime=5, iterations=5)))
    ev = evaluate(problem, result.roster)
    assert ev.hard_violations == 0
    assert result.cost == ev.cost
    nights = {n: sum(1 for a in result.roster.assignments if a.nurse == n and a.shift == "N") for n in "abcd"}
    # 14 nights for b, c and d (5, 5, 4): with a's 6 carried, no split ends closer than 6 to 4
    assert nights["a"] == 0
    assert sorted(nights[n] for n in "bcd") == [4, 5, 5]


def test_the_objective_equals_the_evaluator_with_carried_shares_and_holidays(inrc2_dir: Path) -> None:
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    shares = {
        n.id: FairShare(nights=3 * i, weekends=i % 2, holidays=2 - i % 3)
        for i, n in enumerate(problem.nurses)
    }
    fair = replace(
        problem,
        weights=replace(problem.weights, fairness=20),
        fair_share=MappingProxyType(shares),
        holidays=frozenset({4, 11, 25}),
    )
    result = solve(
        fair, SolveOptions(HANG, num_workers=1, seed=1, work=Work(start_dtime=3, iterations=8, sub_dtime=0.5))
    )
    ev = evaluate(fair, result.roster)
    assert ev.hard_violations == 0, ev.hard
    assert result.cost == ev.cost  # the model's objective is exactly the rules' cost
    # Patrick and Andrea are the one comparable pair (full time, head nurse and nurse): the charge is
    # the spread of their carried shares plus this horizon's counts, for each of the three counts
    worked = {(a.nurse, a.day): a for a in result.roster.assignments}
    pair = ("Patrick", "Andrea")
    nights = [
        shares[n].nights + sum(1 for (m, _), a in worked.items() if m == n and a.shift == "Night")
        for n in pair
    ]
    weekends = [
        shares[n].weekends + sum(1 for wk in fair.weekends() if any((n, d) in worked for d in wk))
        for n in pair
    ]
    holidays = [shares[n].holidays + sum(1 for d in fair.holidays if (n, d) in worked) for n in pair]
    assert ev.soft["fairness"] == 20 * sum(max(c) - min(c) for c in (nights, weekends, holidays))
