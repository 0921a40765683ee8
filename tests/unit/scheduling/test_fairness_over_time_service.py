"""Fairness over months on the fakes: the ward's ledger (who reads which lines, what is counted from the
live versions, the spread per contract), the ward's opt-in, and a solve of the next period that gives
the fewer nights to the nurse who worked more before (the engine on a budget of work, one worker)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chalicelib.scheduling.contracts.fairness import LedgerQuery
from chalicelib.scheduling.contracts.setup import SetupChange
from chalicelib.scheduling.domain import fairness as rules
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import FairShare
from chalicelib.scheduling.domain.setup import CalendarDay, FairnessOverTime
from chalicelib.scheduling.service import fairness, periods, setup
from pydantic import ValidationError

from shared.auth import Principal
from shared.errors import Forbidden, NotFound, RuleViolation
from tests.unit.scheduling.fakes import Person
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, OUTSIDER, T, Ward

HANG = 600.0
FIRST = (date(2027, 1, 4), date(2027, 1, 17))  # a fortnight, Monday to Sunday
NEXT = (date(2027, 1, 18), date(2027, 1, 31))


def opt_in(w: Ward, **fairness_setting: Any) -> Any:
    body = SetupChange.model_validate({"version": 0, "fairness": {"over_time": True, **fairness_setting}})
    return setup.change_setup(
        HEAD, "w-cardio", body, "req", store=w.store, uow=w.store.uow, directory=w.directory
    )  # type: ignore[arg-type]


def ledger(w: Ward, who: Principal = HEAD, first: str = "2027-01-01", last: str = "2027-01-31") -> Any:
    query = LedgerQuery.model_validate({"from": first, "to": last})
    return fairness.ledger(who, "w-cardio", query, **w.kw())


def published_fortnight(w: Ward) -> str:
    """A published fortnight: s-a works five weekday nights, s-b days on both weekends (three days),
    s-c one day on a public holiday the hospital added (the 11th), s-d nothing."""
    w.store.tables.calendar[(T, "2027-01-11")] = CalendarDay(date(2027, 1, 11), "holiday", "院庆")
    period_id = w.create(*FIRST)
    w.edit(
        period_id,
        *[("s-a", f"2027-01-{d:02d}", "N") for d in (4, 6, 8, 12, 14)],
        ("s-b", "2027-01-09", "D"),
        ("s-b", "2027-01-16", "D"),
        ("s-b", "2027-01-17", "D"),
        ("s-c", "2027-01-11", "D"),
    )
    w.approve_and_publish(period_id)
    return period_id


def test_the_ledger_counts_the_live_version_per_nurse_and_period() -> None:
    w = Ward()
    period_id = published_fortnight(w)
    view = ledger(w)
    assert (view.ward_name, view.scope, view.fairness.over_time) == ("心内科病区", "ward", False)
    assert [(p.period_id, p.version) for p in view.periods] == [(period_id, 1)]
    lines = {n.staff_id: n for n in view.nurses}
    assert set(lines) == {"s-a", "s-b", "s-c", "s-d"}  # the ward's nurses, a nurse with no shift too
    a, b, c, d = (lines[k].total for k in ("s-a", "s-b", "s-c", "s-d"))
    assert (a.nights, a.weekends, a.holidays, a.shifts, a.hours) == (5, 0, 0, 5, 40.0)
    assert (b.nights, b.weekends, b.holidays, b.shifts) == (0, 2, 0, 3)  # 9th; 16th + 17th: one weekend
    assert (c.nights, c.holidays) == (0, 1)
    assert (d.shifts, lines["s-d"].periods) == (0, [])
    assert lines["s-a"].staff_name == "陈思雨" and lines["s-a"].contract_name == "全职"
    assert [(p.period_name, p.counts.nights) for p in lines["s-a"].periods] == [
        ("心内科病区 2027年1月4日–1月17日排班", 5)
    ]
    (group,) = view.groups
    assert (group.contract_id, group.nurses) == ("full_time", 4)
    assert (group.nights.low, group.nights.high, group.nights.spread, group.nights.mean) == (0, 5, 5, 1.25)
    # a window that cuts the period counts only its own days
    cut = ledger(w, first="2027-01-07", last="2027-01-09")
    assert {n.staff_id: n.total.nights for n in cut.nurses}["s-a"] == 1


def test_a_nurse_reads_her_own_line_and_the_spreads_an_outsider_nothing() -> None:
    w = Ward()
    published_fortnight(w)
    mine = ledger(w, NURSE)
    assert mine.scope == "self"
    assert [n.staff_id for n in mine.nurses] == ["s-a"]
    assert mine.groups[0].nights.spread == 5  # the ward's spread, naming nobody
    with pytest.raises(Forbidden):
        ledger(w, OUTSIDER)
    stranger = Principal(tenant="t-other", user="x", staff_id="x", roles=frozenset({"hospital_admin"}))
    with pytest.raises(NotFound):
        ledger(w, stranger)


def test_the_department_head_reads_every_line() -> None:
    w = Ward()
    published_fortnight(w)
    w.directory.add_unit(T, "med", "内科", kind="department", head_id="s-dir")
    w.directory.people[(T, "s-dir")] = Person("科主任", "E8", "med", roles=("doctor",))
    head_of_department = Principal(tenant=T, user="u-dir", staff_id="s-dir", roles=frozenset({"doctor"}))
    view = ledger(w, head_of_department)
    assert view.scope == "ward" and len(view.nurses) == 4


def test_the_window_is_checked() -> None:
    w = Ward()
    with pytest.raises(RuleViolation, match="ends before it starts") as reversed_:
        ledger(w, first="2027-02-01", last="2027-01-01")
    assert reversed_.value.field == "to"
    with pytest.raises(RuleViolation, match="longer than a year"):
        ledger(w, first="2026-01-01", last="2027-01-02")
    assert ledger(w, first="2026-01-02", last="2027-01-02").periods == []


def test_the_opt_in_is_validated_saved_and_shown() -> None:
    w = Ward()
    view = opt_in(w, since="2027-01-01", weight=25)
    assert view.fairness.source == "ward"
    assert view.fairness.settings.model_dump() == {
        "over_time": True,
        "since": date(2027, 1, 1),
        "months": 12,
        "weight": 25,
    }
    assert w.store.tables.ward_rules[(T, "w-cardio")].fairness == FairnessOverTime(
        True, date(2027, 1, 1), 12, 25
    )
    for wrong in (
        {"over_time": True, "weight": 0},
        {"over_time": True, "months": 13},
        {"since": "2027-01-01"},
    ):
        with pytest.raises(ValidationError) as refused:
            SetupChange.model_validate({"version": 1, "fairness": wrong})
        assert refused.value.errors()[0]["loc"][0] == "fairness"
    off = setup.change_setup(
        HEAD,
        "w-cardio",
        SetupChange(version=1, fairness=None),
        "req",
        store=w.store,
        uow=w.store.uow,
        directory=w.directory,  # type: ignore[arg-type]
    )
    assert (off.fairness.source, off.fairness.settings.over_time) == ("default", False)


def test_the_running_window_is_the_months_before_not_before_since() -> None:
    setting = FairnessOverTime(True, None, 3, 20)
    assert rules.running_window(date(2027, 5, 31), setting) == (date(2027, 2, 28), date(2027, 5, 30))
    assert rules.running_window(date(2027, 5, 1), FairnessOverTime(True, date(2027, 4, 1))) == (
        date(2027, 4, 1),
        date(2027, 4, 30),
    )
    assert rules.running_window(date(2027, 5, 1), FairnessOverTime(True, date(2027, 5, 1))) is None
    assert rules.year_from(date(2027, 1, 1)) == date(2027, 12, 31)


def test_without_the_opt_in_a_solve_carries_nothing_with_it_the_running_totals_and_the_weight() -> None:
    w = Ward()
    published_fortnight(w)
    next_id = w.create(*NEXT)
    plain, _, _ = periods.period_problem(T, next_id, True, False, NEXT[0], store=w.store)
    assert plain.weights.fairness == 0 and dict(plain.fair_share) == {}
    opt_in(w)
    problem, roster, _ = periods.period_problem(T, next_id, True, False, NEXT[0], store=w.store)
    assert problem.weights.fairness == 20
    assert problem.fair_share["s-a"] == FairShare(nights=5, weekends=0, holidays=0)
    assert problem.fair_share["s-b"] == FairShare(nights=0, weekends=2, holidays=0)
    assert problem.fair_share["s-c"] == FairShare(nights=0, weekends=0, holidays=1)
    # the draft is judged as the grid judges it, plus the fairness charge
    assert evaluate(problem, roster).hard == evaluate(plain, roster).hard
    # a `since` after the fortnight leaves nothing to carry, the weight still on
    opt_in_again = SetupChange.model_validate(
        {"version": 1, "fairness": {"over_time": True, "since": "2027-01-18"}}
    )
    setup.change_setup(
        HEAD, "w-cardio", opt_in_again, "req", store=w.store, uow=w.store.uow, directory=w.directory
    )  # type: ignore[arg-type]
    later, _, _ = periods.period_problem(T, next_id, True, False, NEXT[0], store=w.store)
    assert later.weights.fairness == 20 and dict(later.fair_share) == {}


cp_model = pytest.importorskip("ortools.sat.python.cp_model")

from chalicelib.scheduling.domain.roster.solver import SolveOptions, Work, solve  # noqa: E402


def test_the_next_solve_gives_the_fewer_nights_to_the_nurse_who_worked_more() -> None:
    """s-a worked five nights in the published fortnight, s-b none; both are on the same contract.
    Over months the solve gives s-a the fewer nights. Not by luck of the search: every roster of this
    fortnight in which s-a works as many nights as s-b costs at least 180 (CP-SAT proves it optimal with
    that constraint added), and the solve's deterministic first roster already costs less, which the
    search only ever improves."""
    w = Ward()
    published_fortnight(w)
    opt_in(w)
    next_id = w.create(*NEXT)
    problem, _, _ = periods.period_problem(T, next_id, True, False, NEXT[0], store=w.store)
    options = SolveOptions(
        HANG, num_workers=1, seed=0, work=Work(start_dtime=5, iterations=10, sub_dtime=0.5)
    )

    def nights_of(roster: Any) -> dict[str, int]:
        nights = {n.id: 0 for n in problem.nurses}
        for a in roster.assignments:
            nights[a.nurse] += int(problem.shift(a.shift).night)
        return nights

    result = solve(problem, options)
    ev = evaluate(problem, result.roster)
    assert ev.hard_violations == 0 and result.cost == ev.cost
    assert result.cost < 180
    nights = nights_of(result.roster)
    assert nights["s-a"] < nights["s-b"], nights
