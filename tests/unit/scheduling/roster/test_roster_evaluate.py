"""The evaluator against the INRC-II reference solutions and the border rules of the specification."""

from __future__ import annotations

from pathlib import Path

import pytest
from chalicelib.scheduling.domain.roster.evaluate import evaluate, run_penalty

from fh.roster.inrc2 import load_instance, read_solution, reference_instance


def _validator_breakdown(path: Path) -> dict[str, int]:
    """The official validator's report, as rule -> cost."""
    labels = {
        "Total assignment constraints": "S6",
        "Consecutive constraints": "S2",
        "Non working days constraints": "S3",
        "Preferences": "S4",
        "Max working weekend": "S7",
        "Complete weekends": "S5",
        "Optimal coverage constraints": "S1",
        "Total cost": "total",
    }
    out = {}
    for line in path.read_text().splitlines():
        label, _, value = line.partition(":")
        if label.strip() in labels and value.strip().isdigit():
            out[labels[label.strip()]] = int(value)
    return out


def test_reproduces_the_official_breakdown_for_n005w4(inrc2_dir: Path) -> None:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    ev = evaluate(problem, read_solution(folder, problem))
    expected = _validator_breakdown(folder / "validator.txt")
    assert expected["total"] == 1695
    assert ev.hard_violations == 0
    assert {k: ev.soft[k] for k in ("S1", "S2", "S3", "S4", "S5", "S6", "S7")} == {
        k: v for k, v in expected.items() if k != "total"
    }
    assert ev.cost == expected["total"]


def _reference_folders(root: Path) -> list[tuple[str, Path]]:
    return [
        (reference_instance(folder.name, dataset.name), folder)
        for dataset in sorted((root / "reference_solutions").iterdir())
        if dataset.is_dir()
        for folder in sorted(dataset.iterdir())
        if folder.is_dir()
    ]


def test_every_reference_solution_is_feasible(inrc2_dir: Path) -> None:
    folders = _reference_folders(inrc2_dir)
    assert len(folders) >= 9
    for name, folder in folders:
        problem = load_instance(inrc2_dir, name)
        roster = read_solution(folder, problem)
        ev = evaluate(problem, roster)
        assert ev.hard_violations == 0, (name, ev.hard)
        assert ev.cost > 0
        assert len({(a.nurse, a.day) for a in roster.assignments}) == len(roster.assignments)


def test_breaking_a_reference_solution_is_reported(inrc2_dir: Path) -> None:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    roster = read_solution(folder, problem)
    first = roster.assignments[0]
    from dataclasses import replace

    from chalicelib.scheduling.domain.roster.model import Roster

    doubled = Roster((*roster.assignments, replace(first, shift="Early")))
    assert evaluate(problem, doubled).hard["H1"] == 1
    wrong_skill = Roster(
        tuple(replace(a, skill="HeadNurse") if a.nurse == "Sara" else a for a in roster.assignments)
    )
    assert evaluate(problem, wrong_skill).hard["H4"] > 0
    dropped = Roster(tuple(a for a in roster.assignments if a.day != 0))
    assert evaluate(problem, dropped).hard["H2"] > 0


@pytest.mark.parametrize(
    ("worked", "streak", "low", "high", "expected"),
    [
        ([True, True, True], 0, 2, 5, 0),  # a run reaching the horizon end is never short
        ([True, False, True, True], 0, 2, 5, 1),  # run of 1 ending inside: 1 short
        ([True] * 7 + [False], 0, 2, 5, 2),  # 7 > 5: 2 over
        ([True, True, False], 4, 2, 5, 1),  # 4 from history + 2 = 6: only the new excess (1)
        ([True, False], 6, 2, 5, 1),  # history already 1 over; one new day over
        ([False, True], 1, 3, 5, 2),  # history run of 1 ends on day 0: charged against min with 1
        ([False, True], 3, 3, 5, 0),
        ([], 2, 5, 9, 0),
    ],
)
def test_run_border_rules(worked: list[bool], streak: int, low: int, high: int, expected: int) -> None:
    assert run_penalty(worked, streak, low, high) == expected


def test_the_roster_package_imports_no_solver_libraries() -> None:
    """The API functions import the model and the evaluator; OR-Tools, numba and numpy are loaded
    only when a solve starts (they come with the `solver` extra)."""
    import subprocess
    import sys

    service = Path(__file__).resolve().parents[4] / "services" / "scheduling"
    code = (
        "import sys, chalicelib.scheduling.domain.roster, chalicelib.scheduling.domain.roster.solver;"
        "print(sorted(m for m in ('ortools', 'numba', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=service, capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
