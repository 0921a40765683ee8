"""`fh roster bench`: the validation set, the seeds' summary, the competing load."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from fh.roster import bench, validation
from fh.roster.inrc2 import load_instance, parse_best_known, parse_instance_name


def test_validation_set_is_the_fixed_draw_and_never_a_published_instance(inrc2_dir: Path) -> None:
    """The names in validation.txt are the seeded draw (so anyone can check the set was not
    picked by hand), twenty four-week instances across the sizes, none of the published table,
    each with a stored lower bound, and each loads from the public files."""
    published = set(parse_best_known(inrc2_dir / "README.md"))
    stored = validation.load()
    assert list(stored) == validation.draw(published)
    assert len(stored) == 20 and not published.intersection(stored)
    datasets = {parse_instance_name(n).dataset for n in stored}
    assert datasets == set(validation.DATASETS)
    assert all(isinstance(b, int) and b > 0 for b in stored.values())
    for name in stored:
        problem = load_instance(inrc2_dir, name)
        assert problem.num_days == 28 and len(problem.nurses) == int(name[1:4])


def test_8_week_validation_set_is_its_fixed_draw_one_per_dataset(inrc2_dir: Path) -> None:
    """validation_w8.txt is the seeded 8-week draw: one instance per dataset from 30 nurses up,
    none published, each with its bound (per closed group: the whole relaxation over 56 days does
    not converge in minutes), each loading as 56 days from the public files."""
    published = set(parse_best_known(inrc2_dir / "README.md"))
    stored = validation.load(validation.FILE_W8)
    assert list(stored) == validation.draw_w8(published)
    assert not published.intersection(stored)
    assert [parse_instance_name(n).dataset for n in stored] == list(validation.DATASETS_W8)
    assert all(isinstance(b, int) and b > 0 for b in stored.values())
    for name in stored:
        problem = load_instance(inrc2_dir, name)
        assert problem.num_days == 56 and len(problem.nurses) == int(name[1:4])


def test_summary_gives_each_instance_its_mean_and_worst_over_the_seeds() -> None:
    rows = [
        {"instance": "a", "seed": 0, "cost": 100, "ratio": None, "ratio_bound": 1.0, "bound": 100,
         "best_known": None, "first_roster_s": 2.0, "hard_violations": 0, "seconds": 10.0,
         "tenth_ratio_bound": 1.5},
        {"instance": "a", "seed": 1, "cost": 110, "ratio": None, "ratio_bound": 1.1, "bound": 100,
         "best_known": None, "first_roster_s": 4.0, "hard_violations": 0, "seconds": 10.0,
         "tenth_ratio_bound": 1.3},
        {"instance": "b", "seed": 0, "cost": 240, "ratio": 1.2, "ratio_bound": 1.2, "bound": 200,
         "best_known": 200, "first_roster_s": 9.0, "hard_violations": 0, "seconds": 10.0},
        {"instance": "b", "seed": 1, "cost": None, "ratio": None, "ratio_bound": None, "bound": 200,
         "best_known": 200, "first_roster_s": None, "hard_violations": None, "seconds": 10.0},
    ]  # fmt: skip
    s = bench.summarise(rows, 10.0)
    a, b = s["per_instance"]
    assert (a["cost_mean"], a["cost_worst"], a["ratio_bound_mean"], a["ratio_bound_worst"]) == (
        105,
        110,
        1.05,
        1.1,
    )
    assert a["first_roster_s_worst"] == 4.0 and a["feasible"] == 2
    assert b["feasible"] == 1 and b["ratio_bound_mean"] == 1.2  # a solve with no roster has no ratio
    assert s["solves"] == 4 and s["feasible"] == 3
    assert s["mean_ratio_bound"] == pytest.approx((1.05 + 1.2) / 2, abs=1e-4)
    assert s["max_ratio_bound"] == 1.2 and s["max_first_roster_s"] == 9.0
    table = bench.markdown(s)
    # at a tenth of the time: the mean and worst of what a solve stopped then keeps; none for b
    assert "| a | 100 | — | 105 (110) | 1.050 (1.100) | — | 3.0 (4.0) | 1.400 (1.500) |" in table
    assert "| b | 200 | 200 | 240 (240) | 1.200 (1.200) | 1.200 (1.200) | 9.0 (9.0) | — |" in table
    assert s["mean_tenth_ratio_bound"] == 1.4 and s["max_tenth_ratio_bound"] == 1.5
    assert "**1.125** (1.200)" in table


def test_competing_load_runs_beside_the_solves_and_stops_after() -> None:
    before = len(multiprocessing.active_children())
    with bench.competing_load(1):
        busy = [p for p in multiprocessing.active_children() if p.is_alive()]
        assert len(busy) == before + 1
    assert len(multiprocessing.active_children()) == before


def test_bench_solves_each_seed_and_reports_the_bound_ratio(
    inrc2_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two seeds of a small instance: one line per solve with its seed, the first roster's time
    and the ratio to the given best-known value, the summary over both."""
    table = tmp_path / "best.md"
    table.write_text("| n005w4_0_1-2-3-3 | 1695 | yes | 1695 |\n")
    code = bench.main(
        ["--instances", "n005w4_0_1-2-3-3", "--time-limit", "3", "--seeds", "0,1", "--quiet",
         "--data", str(inrc2_dir), "--best-known", str(table), "--markdown"]
    )  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    runs = [json.loads(x) for x in lines[:2]]
    assert [r["seed"] for r in runs] == [0, 1]
    for r in runs:
        assert r["hard_violations"] == 0 and r["ratio"] == round(r["cost"] / 1695, 4)
        assert 0 < r["first_roster_s"] <= r["seconds"]
        # the first roster is never better than the last; nor is the best at a tenth of the time
        assert r["first_roster_cost"] >= r["cost"] and (r["tenth_cost"] or r["cost"]) >= r["cost"]
    summary = json.loads(lines[2])["summary"]
    assert summary["solves"] == 2 and summary["per_instance"][0]["seeds"] == 2
    assert lines[3].startswith("| instance |")
