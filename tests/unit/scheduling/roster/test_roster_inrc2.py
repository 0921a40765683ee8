"""INRC-II files: instance names, parsing, solution files and the best-known table."""

from __future__ import annotations

from pathlib import Path

import pytest
from chalicelib.scheduling.domain.roster.evaluate import evaluate

from fh.roster.bench import default_instances
from fh.roster.inrc2 import (
    load_instance,
    parse_best_known,
    parse_instance_name,
    read_solution,
    write_solution,
)


def test_instance_names() -> None:
    name = parse_instance_name("n030w4_1_6-2-9-1")
    assert (name.dataset, name.history, name.weeks) == ("n030w4", 1, (6, 2, 9, 1))
    assert str(name) == "n030w4_1_6-2-9-1"
    with pytest.raises(ValueError, match="not an INRC-II instance"):
        parse_instance_name("n030w4-1")


def test_load_instance_maps_the_scenario(inrc2_dir: Path) -> None:
    p = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    assert p.num_days == 28 and len(p.nurses) == 5
    assert [s.id for s in p.shift_types] == ["Early", "Late", "Night"]
    assert ("Night", "Early") in p.forbidden() and ("Early", "Night") not in p.forbidden()
    assert p.contracts["FullTime"].max_assignments == 22
    assert p.history_of("Patrick").last_shift == "Night"
    assert p.is_weekend(5) and not p.is_weekend(4)
    assert len(p.weekends()) == 4
    # WD-1 has 5 shift-off requests, then WD-2, WD-3, WD-3 add theirs on later weeks
    assert sum(1 for r in p.requests if r.day < 7) == 5


def test_solution_files_round_trip(inrc2_dir: Path, tmp_path: Path) -> None:
    folder = inrc2_dir / "reference_solutions" / "n005w4" / "Solution_H_0-WD_1-2-3-3"
    problem = load_instance(inrc2_dir, "n005w4_0_1-2-3-3")
    roster = read_solution(folder, problem)
    paths = write_solution(tmp_path, "n005w4_0_1-2-3-3", roster)
    assert [p.name for p in paths] == [
        "Sol-n005w4-1-0.txt",
        "Sol-n005w4-2-1.txt",
        "Sol-n005w4-3-2.txt",
        "Sol-n005w4-3-3.txt",
    ]
    again = read_solution(tmp_path, problem)
    assert sorted(again.assignments, key=repr) == sorted(roster.assignments, key=repr)
    assert evaluate(problem, again).cost == evaluate(problem, roster).cost


def test_best_known_table(inrc2_dir: Path, tmp_path: Path) -> None:
    best = parse_best_known(inrc2_dir / "README.md")
    assert best["n030w4_1_6-2-9-1"] == 1670
    assert len(default_instances(best)) == 14
    other = tmp_path / "best.txt"
    other.write_text("n005w4_0_1-2-3-3 1695\nnot a line\n")
    assert parse_best_known(other) == {"n005w4_0_1-2-3-3": 1695}
