"""Nurses' requests on the fakes: the deadline, the limits, own requests only, the engine's weights, and
each request granted or refused with the rule that explains it (on hand-made rosters and on a small ward
solved for a few seconds)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.contracts.setup import SetupChange
from chalicelib.scheduling.domain import requests as wishes
from chalicelib.scheduling.domain.records import LeaveRecord
from chalicelib.scheduling.domain.roster.model import Assignment, Leave, Roster, ShiftRequest
from chalicelib.scheduling.domain.roster.solver import SolveOptions, solve
from chalicelib.scheduling.service import periods, requests, setup

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, OUTSIDER, T, Ward, cells

WEEK = (date(2027, 1, 4), date(2027, 1, 10))  # Monday to Sunday
BEFORE = date(2026, 12, 20)  # a day well before the default deadline (2026-12-28)
LI = Principal(tenant=T, user="u-b", staff_id="s-b", staff_name="李娜", roles=frozenset({"nurse"}))


class Requests(Ward):
    def create(
        self, start: date = WEEK[0], end: date = WEEK[1], wards: tuple[str, ...] = ("w-cardio",)
    ) -> str:
        return super().create(start, end, wards)

    def file(
        self,
        period_id: str,
        day: str,
        kind: str = "day_off",
        shift: str | None = None,
        who: Principal = NURSE,
        today: date = BEFORE,
        **extra: Any,
    ) -> models.RosterRequest:
        body = models.FileRequest.model_validate({"date": day, "kind": kind, "shift": shift, **extra})
        return requests.file_request(
            who, period_id, body, store=self.store, directory=self.directory, today=today
        )

    def listed(self, period_id: str, who: Principal = HEAD, today: date = BEFORE) -> models.RequestList:
        return requests.list_requests(who, period_id, store=self.store, directory=self.directory, today=today)

    def withdraw(self, period_id: str, request_id: str, who: Principal = NURSE, today: date = BEFORE) -> None:
        requests.withdraw_request(
            who, period_id, request_id, store=self.store, directory=self.directory, today=today
        )


# --- the deadline -----------------------------------------------------------------------------------


def test_requests_close_seven_days_before_the_start_unless_the_rosterers_set_another_day() -> None:
    w = Requests()
    period_id = w.create()
    header = w.grid(period_id).period
    assert header.request_deadline == date(2026, 12, 28)  # 7 days before 2027-01-04
    w.file(period_id, "2027-01-05", today=date(2026, 12, 28))  # the deadline's own day is still open
    with pytest.raises(Conflict, match="closed on 2026-12-28"):
        w.file(period_id, "2027-01-06", today=date(2026, 12, 29))
    changed = periods.change_period(
        HEAD, period_id, models.ChangePeriod(request_deadline=date(2027, 1, 2)), **w.kw()
    )
    assert changed.request_deadline == date(2027, 1, 2) and changed.revision == header.revision
    w.file(period_id, "2027-01-06", today=date(2026, 12, 29))
    with pytest.raises(RuleViolation, match="after the period ends"):
        periods.change_period(
            HEAD, period_id, models.ChangePeriod(request_deadline=date(2027, 1, 11)), **w.kw()
        )
    with pytest.raises(Forbidden):  # a nurse does not move the deadline
        periods.change_period(
            NURSE, period_id, models.ChangePeriod(request_deadline=date(2027, 1, 3)), **w.kw()
        )
    back = periods.change_period(HEAD, period_id, models.ChangePeriod(request_deadline=None), **w.kw())
    assert back.request_deadline == date(2026, 12, 28)


def test_a_period_made_at_short_notice_takes_requests_on_the_day_it_is_made() -> None:
    w = Requests()
    soon = periods.local_today() + timedelta(days=2)
    period_id = w.create(soon, soon + timedelta(days=6))
    assert w.grid(period_id).period.request_deadline == periods.local_today()
    assert w.grid(period_id).period.requests_open


def test_a_deadline_given_at_creation_is_kept_and_may_not_be_after_the_end() -> None:
    w = Requests()
    body = models.CreatePeriod(
        ward_ids=["w-cardio"], start=WEEK[0], end=WEEK[1], request_deadline=date(2027, 1, 1)
    )
    assert periods.create_period(HEAD, body, **w.kw()).request_deadline == date(2027, 1, 1)
    late = models.CreatePeriod(
        ward_ids=["w-cardio"], start=date(2027, 2, 1), end=date(2027, 2, 7), request_deadline=date(2027, 2, 8)
    )
    with pytest.raises(RuleViolation, match="after the period ends"):
        periods.create_period(HEAD, late, **w.kw())


def test_requests_are_closed_once_the_period_is_submitted_and_rosterers_may_record_one_late() -> None:
    w = Requests()
    period_id = w.create()
    late = date(2027, 1, 2)
    made = w.file(period_id, "2027-01-05", who=HEAD, staff_id="s-b", today=late)  # told in person
    assert made.staff_name == "李娜"
    w.submit(period_id)
    with pytest.raises(Conflict, match="requests are closed"):
        w.file(period_id, "2027-01-06")
    with pytest.raises(Conflict, match="requests are closed"):
        w.withdraw(period_id, made.id, who=HEAD)


# --- the limits and who ---------------------------------------------------------------------------------


def test_one_request_per_nurse_and_day_and_at_most_eight_per_period() -> None:
    w = Requests()
    period_id = w.create(date(2027, 1, 1), date(2027, 1, 31))
    w.file(period_id, "2027-01-01")
    with pytest.raises(Conflict, match="陈思雨 already has a request on 2027-01-01"):
        w.file(period_id, "2027-01-01", "shift_on", "D")
    for day in range(2, 9):
        w.file(period_id, f"2027-01-{day:02d}", "shift_off", "N", priority=1)
    with pytest.raises(Conflict, match="at most 8 requests"):
        w.file(period_id, "2027-01-20")
    w.file(period_id, "2027-01-20", who=LI)  # another nurse has her own eight
    with pytest.raises(RuleViolation, match="not a day of the roster period"):
        w.file(period_id, "2027-02-01", who=LI)
    with pytest.raises(RuleViolation, match="no shift X"):
        w.file(period_id, "2027-01-21", "shift_on", "X", who=LI)
    with pytest.raises(RuleViolation, match="name the shift"):
        w.file(period_id, "2027-01-21", "shift_on", who=LI)
    with pytest.raises(RuleViolation, match="names no shift"):
        w.file(period_id, "2027-01-21", "day_off", "D", who=LI)


def test_only_the_periods_nurses_file_and_each_sees_and_withdraws_her_own() -> None:
    w = Requests()
    period_id = w.create()
    mine = w.file(period_id, "2027-01-05", reason="孩子家长会", priority=3)
    hers = w.file(period_id, "2027-01-06", "shift_on", "N", who=LI)
    with pytest.raises(Forbidden):
        w.file(period_id, "2027-01-07", who=OUTSIDER)  # 呼吸科's nurse
    with pytest.raises(Forbidden):
        w.file(period_id, "2027-01-07", staff_id="s-b")  # not for a colleague
    with pytest.raises(RuleViolation, match="not a nurse of this period"):
        w.file(period_id, "2027-01-07", who=HEAD, staff_id="s-r")
    everyone = w.listed(period_id)
    assert [(r.staff_name, r.date.isoformat(), r.kind_name) for r in everyone.items] == [
        ("陈思雨", "2027-01-05", "休息"),
        ("李娜", "2027-01-06", "希望上该班"),
    ]
    assert everyone.per_nurse == 8 and everyone.requests_open
    own = w.listed(period_id, NURSE)
    assert [(r.id, r.reason, r.priority_name, r.status) for r in own.items] == [
        (mine.id, "孩子家长会", "非常重要", "pending")
    ]
    grid = w.grid(period_id, NURSE)  # her grid shows her own requests only
    assert {n.staff_id: [r.id for r in n.requests] for n in grid.nurses if n.requests} == {"s-a": [mine.id]}
    assert {n.staff_id for n in w.grid(period_id).nurses if n.requests} == {"s-a", "s-b"}
    with pytest.raises(Forbidden):
        w.withdraw(period_id, hers.id)
    with pytest.raises(NotFound):
        w.withdraw(period_id, "nope")
    w.withdraw(period_id, mine.id)
    with pytest.raises(Conflict, match="closed on"):
        w.withdraw(period_id, hers.id, who=LI, today=date(2027, 1, 1))
    assert [r.id for r in w.listed(period_id).items] == [hers.id]
    assert ("roster.request.withdraw", "roster_period", period_id) in w.store.uow.audited


def test_deleting_a_draft_takes_its_requests_with_it() -> None:
    w = Requests()
    period_id = w.create()
    w.file(period_id, "2027-01-05")
    periods.delete_period(HEAD, period_id, **w.kw())
    assert w.store.period_tables.requests == {}


# --- the engine weighs them -------------------------------------------------------------------------------


def test_the_problem_carries_the_requests_with_their_priority_as_weight() -> None:
    w = Requests()
    period_id = w.create()
    w.file(period_id, "2027-01-05", priority=1)
    w.file(period_id, "2027-01-06", "shift_off", "N", who=LI, priority=2)
    w.file(period_id, "2027-01-07", "shift_on", "D", who=LI, priority=3)
    problem, _, _ = periods.period_problem(T, period_id, True, True, date(2027, 1, 1), store=w.store)
    assert sorted(problem.requests, key=lambda r: r.day) == [
        ShiftRequest("s-a", 1, None, on=False, weight=1),
        ShiftRequest("s-b", 2, "N", on=False, weight=3),
        ShiftRequest("s-b", 3, "D", on=True, weight=5),
    ]


def test_a_hand_edit_refusing_a_request_warns_of_its_cost() -> None:
    w = Requests()
    period_id = w.create()
    w.file(period_id, "2027-01-05", priority=3)
    result = w.edit(period_id, ("s-a", "2027-01-05", "D"))
    s4 = [x for x in result.warnings if x.rule == "S4"]
    assert [(x.staff_name, x.cost, x.rule_name) for x in s4] == [("陈思雨", 50, "排班意愿")]
    (mine,) = w.listed(period_id, NURSE).items
    # as the draft stands she is the only one on 白班 that day: the minimum needs her there
    assert (mine.status, mine.why) == ("refused", "H2")
    assert (
        mine.why_name is not None and "1月5日白班最少需要" in mine.why_name and "现有 1 名" in mine.why_name
    )


# --- granted or refused, and why (hand-made rosters) ----------------------------------------------------


def _problem(w: Requests, period_id: str) -> Any:
    problem, _, _ = periods.period_problem(T, period_id, False, False, date(2027, 1, 1), store=w.store)
    return problem


def _wish(
    day: date, kind: wishes.Kind = "day_off", shift: str | None = None, staff_id: str = "s-a"
) -> wishes.RosterRequest:
    return wishes.RosterRequest(
        "r1",
        "p",
        staff_id,
        "陈思雨",
        day,
        kind,
        shift,
        2,
        "",
        datetime(2026, 12, 1, tzinfo=UTC),
        staff_id,
    )


def test_why_a_shift_on_is_refused_rest_pins_leave_and_the_contracts_maximum() -> None:
    w = Requests()
    period_id = w.create()
    problem = _problem(w, period_id)
    night_before = Roster((Assignment("s-a", 0, "N", "nurse"), Assignment("s-b", 1, "D", "nurse")))
    v = wishes.verdict(
        problem,
        Roster((Assignment("s-a", 0, "P", "nurse"),)),
        _wish(WEEK[0] + timedelta(days=1), "shift_on", "N"),
    )
    assert v.status == "refused"  # 小夜 to 24:00 then 大夜 from 00:00 the next day: no rest
    assert v.why == "H3" and "小夜后" in (v.why_name or "")
    v = wishes.verdict(problem, night_before, _wish(WEEK[0], "shift_on", "D"))
    assert (v.status, v.why) == ("refused", "outweighed")  # she works N that day: nothing forbids D
    v = wishes.verdict(problem, night_before, _wish(WEEK[0], "shift_on", "N"))
    assert v.status == "granted"
    v = wishes.verdict(
        problem, night_before, _wish(WEEK[0] + timedelta(days=1), "shift_on", "D"), {("s-a", 1)}
    )
    assert (v.status, v.why) == ("refused", "pinned")
    full = Roster(tuple(Assignment("s-a", d, "D", "nurse") for d in range(7) if d != 3))
    capped = problem.contract_of(problem.nurse("s-a")).max_assignments
    assert capped == 5  # a full-time week: 4-5 shifts
    v = wishes.verdict(problem, full, _wish(WEEK[0] + timedelta(days=3), "shift_on", "D"))
    assert (v.why, v.detail) == ("contract_maximum", "已排 6 个班，最多 5 个")
    away = replace(problem, leave=(Leave("s-a", 1),))
    v = wishes.verdict(away, night_before, _wish(WEEK[0] + timedelta(days=1), "shift_on", "D"))
    assert (v.why, v.why_name) == ("leave", "当天已批准请假")
    assert wishes.verdict(problem, Roster(()), _wish(WEEK[0])).status == "pending"  # nothing rostered yet


def test_a_day_off_is_refused_when_the_days_minimum_needs_every_nurse_not_on_leave() -> None:
    w = Requests()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for staff_id in ("s-c", "s-d"):
        w.store.tables.leave[(T, "2027-01-06", staff_id, f"lv-{staff_id}")] = LeaveRecord(
            staff_id, f"lv-{staff_id}", "年假", date(2027, 1, 6), date(2027, 1, 6), at
        )
    _two_a_day(w)
    period_id = w.create()
    problem = _problem(w, period_id)
    roster = Roster((Assignment("s-a", 2, "D", "nurse"), Assignment("s-b", 2, "N", "nurse")))
    v = wishes.verdict(problem, roster, _wish(date(2027, 1, 6)))
    assert (v.status, v.why) == ("refused", "H2")
    assert "全天最少需要 2 名 nurse，未请假的仅 2 名" in (v.why_name or "")
    v = wishes.verdict(problem, roster, _wish(date(2027, 1, 6), "shift_off", "N", staff_id="s-b"))
    assert v.why == "H2"
    assert wishes.verdict(problem, roster, _wish(date(2027, 1, 6), "shift_off", "N")).status == "granted"


def _two_a_day(w: Requests) -> None:
    """The ward needs one 白班 and one 大夜 every day (at least, and at best)."""
    demand = [
        {"day": day, "shift": shift, "skill": "nurse", "minimum": 1, "optimal": 1}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")
        for shift in ("D", "N")
    ]
    body = SetupChange.model_validate({"version": 0, "demand": demand})
    setup.change_setup(HEAD, "w-cardio", body, "r", store=w.store, uow=w.store.uow, directory=w.directory)  # type: ignore[arg-type]


# --- granted or refused after a real solve ----------------------------------------------------------------


def test_after_a_solve_each_request_is_granted_or_refused_with_its_reason() -> None:
    """Four nurses, one 白班 and one 大夜 a day; 王芳 and 赵敏 on leave on the 6th, so 陈思雨 and 李娜 are
    both needed that day: 陈思雨's day off then is refused for the minimum; 赵敏's day off on the 8th,
    with two nurses to spare, is granted."""
    w = Requests()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for staff_id in ("s-c", "s-d"):
        w.store.tables.leave[(T, "2027-01-06", staff_id, f"lv-{staff_id}")] = LeaveRecord(
            staff_id, f"lv-{staff_id}", "年假", date(2027, 1, 6), date(2027, 1, 6), at
        )
    _two_a_day(w)
    period_id = w.create()
    refused = w.file(period_id, "2027-01-06", priority=3, reason="搬家")
    zhao = Principal(tenant=T, user="u-d", staff_id="s-d", staff_name="赵敏", roles=frozenset({"nurse"}))
    granted = w.file(period_id, "2027-01-08", priority=3, who=zhao)
    problem, _, revision = periods.period_problem(T, period_id, True, True, date(2027, 1, 1), store=w.store)
    assert len(problem.requests) == 2
    result = solve(problem, SolveOptions(time_limit=3, seed=0))
    periods.save_roster(T, period_id, revision, result.roster, "solve", store=w.store)
    grid = w.grid(period_id)
    assert "2027-01-06" in cells(grid, "s-a") and "2027-01-08" not in cells(grid, "s-d")
    shown = {r.id: r for n in grid.nurses for r in n.requests}
    assert (shown[refused.id].status, shown[refused.id].why, shown[refused.id].status_name) == (
        "refused",
        "H2",
        "未满足",
    )
    assert "未请假的仅 2 名" in (shown[refused.id].why_name or "")
    assert (shown[granted.id].status, shown[granted.id].why) == ("granted", None)
