"""Product operations on a realistic ward: 30 nurses, a month, leave, requests, charge-nurse cover."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Assignment, Pin, Roster, RosterProblem
from chalicelib.scheduling.domain.roster.operations import (
    apply_rotation,
    copy_block,
    explain,
    fill_open_shifts,
    pins_from,
    restrict_to_wards,
    solve_wards,
)

pytest.importorskip("ortools")
from chalicelib.scheduling.domain.roster.solver import SolveOptions, SolveResult, Work

# A budget of work, not of seconds (the result does not depend on the machine's load); 600 s only
# bounds a hang. The week-by-week start: the relaxation's dive is tested on its own.
FAST = SolveOptions(600, seed=3, dive=0.0, work=Work(start_dtime=1.0, iterations=20, sub_dtime=0.5))


@pytest.fixture(scope="module")
def solved(ward: RosterProblem) -> SolveResult:
    return solve_wards(ward, options=FAST)


def test_the_ward_is_rostered_without_hard_violations(ward: RosterProblem, solved: SolveResult) -> None:
    ev = evaluate(ward, solved.roster)
    assert ev.hard_violations == 0, ev.hard
    assert solved.cost == ev.cost
    on_leave = {(x.nurse, x.day) for x in ward.leave}
    assert not [a for a in solved.roster.assignments if (a.nurse, a.day) in on_leave]
    # the 11-hour rest rule: no day shift after an evening or a night, no evening after a night
    cells = solved.roster.by_nurse_day()
    for (nurse, day), a in cells.items():
        nxt = cells.get((nurse, day + 1))
        assert nxt is None or (a.shift, nxt.shift) not in {("E", "D"), ("N", "D"), ("N", "E")}
    # a charge nurse on every day and evening shift
    charge = Counter((a.day, a.shift) for a in solved.roster.assignments if a.skill == "charge")
    assert all(charge[(d, s)] >= 1 for d in range(ward.num_days) for s in ("D", "E"))
    granted = sum(
        1
        for r in ward.requests
        if (r.nurse, r.day) not in cells or (r.shift is not None and cells[(r.nurse, r.day)].shift != r.shift)
    )
    assert granted >= len(ward.requests) * 0.7


def test_group_of_wards_covers_each_ward_with_its_own_nurses(
    ward_factory: Callable[..., RosterProblem],
) -> None:
    group = ward_factory(nurses=30, wards=("W5A", "W5B"))
    result = solve_wards(group, ["W5A", "W5B"], options=FAST)
    assert evaluate(group, result.roster).hard_violations == 0
    only_a = restrict_to_wards(group, ["W5A"])
    assert {n.ward for n in only_a.nurses} == {"W5A"}
    assert len(only_a.nurses) == sum(1 for n in group.nurses if n.ward == "W5A") > 0
    assert all(d.ward in ("", "W5A") for d in only_a.demand)
    # each ward's tagged demand is met by that ward's nurses alone
    ward_of = {n.id: n.ward for n in group.nurses}
    got = Counter((a.day, a.shift, a.skill, ward_of[a.nurse]) for a in result.roster.assignments)
    for dem in group.demand:
        assert got[(dem.day, dem.shift, dem.skill, dem.ward)] >= dem.minimum


def test_fill_open_shifts_keeps_published_days_and_edits(ward: RosterProblem, solved: SolveResult) -> None:
    published = pins_from(solved.roster, days=range(7))  # week 1 is published
    first_week = Roster(tuple(a for a in solved.roster.assignments if a.day < 7))
    # a manual edit in week 2: a charge nurse takes an evening shift on day 9
    edit = Assignment(ward.nurses[0].id, 9, "E", "charge")
    existing = Roster((*first_week.assignments, edit))
    result = fill_open_shifts(ward, existing, options=FAST, keep_days_off=[(ward.nurses[5].id, 12)])
    cells = result.roster.by_nurse_day()
    for pin in published:
        assert cells[(pin.nurse, pin.day)].shift == pin.shift
    assert cells[(edit.nurse, 9)] == edit
    assert (ward.nurses[5].id, 12) not in cells
    with_pins = ward.with_pins(
        [*published, Pin(edit.nurse, 9, "E", "charge"), Pin(ward.nurses[5].id, 12, None)]
    )
    ev = evaluate(with_pins, result.roster)
    assert ev.hard_violations == 0, ev.hard
    assert len(cells) > len(existing.assignments) + 300  # the open month got filled


def test_copy_a_week_to_the_other_weeks_and_to_another_group(
    ward: RosterProblem, solved: SolveResult
) -> None:
    copied = copy_block(solved.roster, range(7), [7, 14, 21], ward.num_days)
    cells = copied.by_nurse_day()
    for n in ward.nurses:
        week1 = [cells[(n.id, d)].shift if (n.id, d) in cells else None for d in range(7)]
        for start in (7, 14, 21):
            assert [
                cells[(n.id, start + d)].shift if (n.id, start + d) in cells else None for d in range(7)
            ] == week1
    group_a, group_b = [n.id for n in ward.nurses[:10]], [n.id for n in ward.nurses[10:20]]
    moved = copy_block(solved.roster, range(7), [0], ward.num_days, dict(zip(group_a, group_b, strict=True)))
    moved_cells = moved.by_nurse_day()
    original = solved.roster.by_nurse_day()
    for a_id, b_id in zip(group_a, group_b, strict=True):
        for d in range(7):
            assert (moved_cells.get((b_id, d)) or Assignment(b_id, d, "-", "-")).shift == (
                original.get((a_id, d)) or Assignment(a_id, d, "-", "-")
            ).shift
        assert [a for a in moved.of(b_id) if a.day >= 7] == [a for a in solved.roster.of(b_id) if a.day >= 7]


def test_rotation_pattern_then_solve_around_it(ward: RosterProblem) -> None:
    pattern = ["D", "D", "E", "E", "N", "N", None, None]
    team = [n.id for n in ward.nurses if "charge" not in n.skills][:8]
    rotation = apply_rotation(ward, pattern, team, stagger=1)
    cells = rotation.by_nurse_day()
    leave = {(x.nurse, x.day) for x in ward.leave}
    for i, nurse in enumerate(team):
        for d in range(ward.num_days):
            want = pattern[(d + i) % len(pattern)]
            got = cells.get((nurse, d))
            if (nurse, d) in leave:
                assert got is None
            else:
                assert (got.shift if got else None) == want
    # every position of the cycle is worked by someone on every day
    for d in range(ward.num_days):
        assert len({cells[(n, d)].shift for n in team if (n, d) in cells}) == 3


def test_explain_a_roster_per_person(ward: RosterProblem, solved: SolveResult) -> None:
    why = explain(ward, solved.roster)
    assert set(why) == {n.id for n in ward.nurses}
    ev = evaluate(ward, solved.roster)
    assert sum(e.cost for e in why.values()) == ev.cost - ev.soft["S1"] - ev.soft["fairness"]
    for n in ward.nurses:
        mine = solved.roster.of(n.id)
        e = why[n.id]
        assert e.assignments == len(mine)
        assert e.nights == sum(1 for a in mine if a.shift == "N")
        assert e.hours == 8.0 * len(mine)
        assert f"{e.nights} nights" in e.text()
