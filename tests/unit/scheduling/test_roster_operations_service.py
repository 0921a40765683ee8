"""The engine's operations on a period's draft, on the fakes: copying a block (区域复制) within a period,
from last month and to another ward's nurses; laying a rotation with a stagger or offsets; both judged
like a hand edit (revision, state, rosterers, hard rules) and leaving leave days and pins alone; and
explaining one nurse's roster to her rosterers and to herself, in English or Chinese."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.contracts import roster_operations as ops_models
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord
from chalicelib.scheduling.service import periods
from chalicelib.scheduling.service import roster_operations as ops

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.problems import Problem
from tests.unit.scheduling.fakes import Person
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, OUTSIDER, T, Ward, cells

WEEK = (date(2027, 1, 4), date(2027, 1, 24))  # three weeks, Monday to Sunday
ADMIN = Principal(
    tenant=T, user="u-ad", staff_id="s-ad", staff_name="院管理员", roles=frozenset({"hospital_admin"})
)
ZH = "zh-CN,zh;q=0.9"


def copy(w: Ward, period_id: str, who: Principal = HEAD, **body: Any) -> ops_models.OperationResult:
    return ops.copy_block(who, period_id, ops_models.CopyBlock.model_validate(body), **w.kw())


def rotate(w: Ward, period_id: str, who: Principal = HEAD, **body: Any) -> ops_models.OperationResult:
    return ops.rotation(who, period_id, ops_models.Rotation.model_validate(body), **w.kw())


def explain(w: Ward, period_id: str, staff_id: str, who: Principal = HEAD, lang: str | None = None) -> Any:
    return ops.explain(who, period_id, staff_id, lang, **w.kw())


def leave(w: Ward, staff_id: str, first: date, last: date) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    w.store.tables.leave[(T, first.isoformat(), staff_id, "lv1")] = LeaveRecord(
        staff_id, "lv1", "年假", first, last, at
    )


def errors(excinfo: pytest.ExceptionInfo[Problem]) -> list[tuple[str, str]]:
    return [(e.code, e.message) for e in excinfo.value.errors]


# --- copy --------------------------------------------------------------------------------------------------


def test_a_week_is_copied_to_the_next_two_replacing_what_was_there() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-04", "D"), ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-06", "N"))
    w.edit(pid, ("s-c", "2027-01-12", "P"))  # in the target week; 王芳 is off on the source's Tuesday
    result = copy(
        w, pid, **{"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11", "2027-01-18"]}
    )
    assert result.period.revision == 3 and result.period.state == "draft"
    grid = w.grid(pid)
    assert cells(grid, "s-a") == {f"2027-01-{d:02d}": "D" for d in (4, 5, 11, 12, 18, 19)}
    assert cells(grid, "s-b") == {"2027-01-06": "N", "2027-01-13": "N", "2027-01-20": "N"}
    assert cells(grid, "s-c") == {}  # a copied day off clears the target cell
    assert result.changed == 7 and result.skipped == []
    assert result.cost == grid.cost and any(c.rule == "H2" for c in result.costs)
    assert w.store.uow.audited[-1] == ("roster.copy", "roster_period", pid)


def test_a_copy_leaves_leave_days_off_and_pinned_cells_as_they_are_and_says_so() -> None:
    w = Ward()
    leave(w, "s-b", date(2027, 1, 13), date(2027, 1, 13))
    pid = w.create(*WEEK)
    w.edit(pid, ("s-b", "2027-01-06", "N"), ("s-a", "2027-01-05", "D"))
    w.edit(pid, ("s-a", "2027-01-12", "P"), pinned=True)
    result = copy(w, pid, **{"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11"]})
    assert [(s.staff_name, s.date.isoformat(), s.reason, s.wanted) for s in result.skipped] == [
        ("陈思雨", "2027-01-12", "pinned", "D"),
        ("李娜", "2027-01-13", "leave", "N"),
    ]
    assert result.skipped[0].reason_name == "a pinned cell: kept as it is"
    grid = w.grid(pid)
    assert cells(grid, "s-a")["2027-01-12"] == "P" and "2027-01-13" not in cells(grid, "s-b")
    forced = ops.copy_block(
        HEAD,
        pid,
        ops_models.CopyBlock.model_validate(
            {"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11"], "keep_pinned": False}
        ),
        language=ZH,
        **w.kw(),
    )
    assert [(s.reason, s.reason_name) for s in forced.skipped] == [("leave", "当天已批准请假：保持休息")]
    assert cells(w.grid(pid), "s-a")["2027-01-12"] == "D"


def test_a_copy_that_breaks_a_hard_rule_is_refused_naming_the_rule_the_nurse_and_the_day() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-10", "P"), ("s-a", "2027-01-18", "D"))
    with pytest.raises(Problem) as excinfo:  # 小夜 on the 17th, then the 18th's 白班 after 8 h of rest
        copy(w, pid, **{"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11"]})
    assert excinfo.value.status == 422 and excinfo.value.type.endswith("roster-rule-violated")
    assert errors(excinfo) == [
        ("H3", "陈思雨 1月17日: 班次衔接（禁止的衔接或休息不足）（1月17日小夜后1月18日不能接白班）")
    ]
    assert excinfo.value.detail.startswith("the copy breaks a hard rule: 陈思雨 1月17日")
    assert w.grid(pid).period.revision == 1  # nothing of it was applied


def test_last_months_first_week_is_copied_into_this_month_to_the_same_nurses_or_mapped_ones() -> None:
    w = Ward()
    december = w.create(date(2026, 12, 1), date(2026, 12, 31))
    w.edit(december, ("s-a", "2026-12-01", "N"), ("s-b", "2026-12-02", "D"))
    w.approve_and_publish(december)
    january = w.create(date(2027, 1, 1), date(2027, 1, 31))
    same = copy(
        w,
        january,
        **{"from": "2026-12-01", "to": "2026-12-07", "starts": ["2027-01-04"], "source_period_id": december},
    )
    assert same.period.revision == 1
    assert cells(w.grid(january), "s-a") == {"2027-01-04": "N"}
    assert cells(w.grid(january), "s-b") == {"2027-01-05": "D"}
    mapped = copy(
        w,
        january,
        **{
            "from": "2026-12-01",
            "to": "2026-12-02",
            "starts": ["2027-01-11"],
            "source_period_id": december,
            "nurse_map": {"s-a": "s-c", "s-b": "s-d"},
        },
    )
    assert mapped.changed == 2
    assert cells(w.grid(january), "s-c") == {"2027-01-11": "N"}
    assert cells(w.grid(january), "s-d") == {"2027-01-12": "D"}
    with pytest.raises(RuleViolation, match="not a nurse of this period"):
        copy(
            w,
            january,
            **{
                "from": "2026-12-01",
                "to": "2026-12-02",
                "starts": ["2027-01-11"],
                "source_period_id": december,
                "nurse_map": {"s-a": "s-r"},
            },
        )
    with pytest.raises(RuleViolation, match="not a day of the roster period"):  # the block is December's
        copy(w, january, **{"from": "2026-12-01", "to": "2026-12-02", "starts": ["2027-01-11"]})


def test_a_period_of_another_ward_is_no_source() -> None:
    w = Ward()
    w.directory.people[(T, "s-ad")] = Person("院管理员", "A0", "med", roles=("hospital_admin",))
    other = periods.create_period(
        ADMIN,
        models.CreatePeriod(ward_ids=["w-resp"], start=date(2026, 12, 1), end=date(2026, 12, 31)),
        **w.kw(),
    ).id
    january = w.create(date(2027, 1, 1), date(2027, 1, 31))
    body = {"from": "2026-12-01", "to": "2026-12-07", "starts": ["2027-01-04"], "source_period_id": other}
    with pytest.raises(RuleViolation, match="none of this period's wards"):
        copy(w, january, **body)
    with pytest.raises(NotFound):
        copy(w, january, **{**body, "source_period_id": "p-none"})


def test_a_group_periods_ward_is_copied_to_the_other_wards_nurses_by_position() -> None:
    w = Ward()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    w.store.tables.staff[(T, "s-r2")] = StaffRecord(
        "s-r2", "呼吸科二", "E8", "w-resp", None, at, roles=("nurse",)
    )
    body = models.CreatePeriod(ward_ids=["w-cardio", "w-resp"], start=WEEK[0], end=WEEK[1])
    pid = periods.create_period(ADMIN, body, **w.kw()).id
    periods.edit_cells(
        ADMIN,
        pid,
        models.EditCells(
            changes=[
                models.CellChange(staff_id="s-a", date=date(2027, 1, 4), shift="D"),  # 陈思雨: first by name
                models.CellChange(staff_id="s-b", date=date(2027, 1, 5), shift="N"),  # 李娜: second
            ]
        ),
        **w.kw(),
    )
    result = copy(
        w,
        pid,
        ADMIN,
        **{
            "from": "2027-01-04",
            "to": "2027-01-10",
            "starts": ["2027-01-04"],
            "from_ward_id": "w-cardio",
            "to_ward_id": "w-resp",
        },
    )
    grid = w.grid(pid, ADMIN)
    cardio = [n.staff_id for n in grid.nurses if n.ward_id == "w-cardio"]  # the grid's order: by name
    resp = [n.staff_id for n in grid.nurses if n.ward_id == "w-resp"]
    assert cardio == ["s-b", "s-c", "s-d", "s-a"] and resp == ["s-r2", "s-r"]  # 李 王 赵 陈; 二 护
    assert cells(grid, "s-r2") == {"2027-01-05": "N"}  # 李娜's week, to the first of 呼吸科
    assert cells(grid, "s-r") == {}  # 王芳's (empty) week, to the second
    assert cells(grid, "s-a") == {"2027-01-04": "D"}  # the source stays; 陈思雨 had no partner
    assert result.changed == 1
    with pytest.raises(RuleViolation, match="not one of the roster period's wards"):
        copy(
            w,
            pid,
            ADMIN,
            **{"from": "2027-01-04", "to": "2027-01-04", "starts": ["2027-01-11"], "to_ward_id": "w-x"},
        )


def test_a_copy_is_a_change_of_the_draft_like_an_edit() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-04", "D"))
    block = {"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11"]}
    with pytest.raises(Conflict, match="revision 1, not 0"):
        copy(w, pid, **block, revision=0)
    with pytest.raises(Conflict, match="revision 1, not 0"):
        ops.copy_block(HEAD, pid, ops_models.CopyBlock.model_validate(block), if_match='"0"', **w.kw())
    with pytest.raises(Forbidden):
        copy(w, pid, NURSE, **block)
    w.submit(pid)
    with pytest.raises(Conflict, match="submitted: withdraw it"):
        copy(w, pid, **block)
    periods.withdraw(HEAD, pid, models.Revisioned(), **w.kw())
    w.edit(pid, ("s-b", "2027-01-04", "D"))  # a second nurse on the day, then publish
    w.approve_and_publish(pid)
    again = copy(w, pid, **block)
    assert (again.period.state, again.period.version) == ("draft", 1)  # version 1 stays live


def test_a_block_that_ends_before_it_starts_or_is_mapped_twice_over_is_refused() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    with pytest.raises(RuleViolation, match="ends before it starts"):
        copy(w, pid, **{"from": "2027-01-10", "to": "2027-01-04", "starts": ["2027-01-11"]})
    with pytest.raises(RuleViolation, match="match or nurse_map"):
        copy(
            w,
            pid,
            **{
                "from": "2027-01-04",
                "to": "2027-01-04",
                "starts": ["2027-01-11"],
                "match": "same",
                "nurse_map": {},
            },
        )
    with pytest.raises(RuleViolation, match="target nurse is named twice"):
        copy(
            w,
            pid,
            **{
                "from": "2027-01-04",
                "to": "2027-01-04",
                "starts": ["2027-01-11"],
                "nurse_map": {"s-a": "s-c", "s-b": "s-c"},
            },
        )


# --- rotation --------------------------------------------------------------------------------------------

CYCLE = ["N", "N", None, "D", "D", "P", "P", None]  # no 大夜 after 白班 or 小夜 (the 11 h rest)


def test_a_rotation_staggers_the_nurses_over_the_cycle() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    result = rotate(w, pid, pattern=CYCLE, staff_ids=["s-a", "s-b"], stagger=2)
    assert result.period.revision == 1 and result.skipped == []
    grid = w.grid(pid)
    days = [date(2027, 1, d) for d in range(4, 25)]

    def expected(offset: int) -> dict[str, str]:
        out = {}
        for i, day in enumerate(days):
            code = CYCLE[(i + offset) % len(CYCLE)]
            if code is not None:
                out[day.isoformat()] = code
        return out

    assert cells(grid, "s-a") == expected(0)
    assert cells(grid, "s-b") == expected(2)
    assert cells(grid, "s-c") == {}  # not named: untouched
    assert result.changed == len(expected(0)) + len(expected(2))
    assert w.store.uow.audited[-1] == ("roster.rotation", "roster_period", pid)


def test_a_rotation_with_explicit_offsets_over_a_range_keeps_pins_and_leave() -> None:
    w = Ward()
    leave(w, "s-c", date(2027, 1, 14), date(2027, 1, 14))
    pid = w.create(*WEEK)
    w.edit(pid, ("s-d", "2027-01-12", "P"), pinned=True)
    w.edit(pid, ("s-d", "2027-01-20", "P"))  # after the range: stays
    result = rotate(
        w, pid, pattern=CYCLE, offsets={"s-c": 3, "s-d": 0}, **{"from": "2027-01-11", "to": "2027-01-17"}
    )
    # 王芳 starts at position 3 (D D P P off N N); 赵敏 at 0 (N N off D D P P)
    grid = w.grid(pid)
    assert cells(grid, "s-c") == {
        "2027-01-11": "D",
        "2027-01-12": "D",
        "2027-01-13": "P",
        "2027-01-16": "N",
        "2027-01-17": "N",
    }
    assert cells(grid, "s-d") == {
        "2027-01-11": "N",
        "2027-01-12": "P",  # pinned: kept
        "2027-01-14": "D",
        "2027-01-15": "D",
        "2027-01-16": "P",
        "2027-01-17": "P",
        "2027-01-20": "P",
    }
    assert [(s.staff_name, s.date.isoformat(), s.reason, s.wanted) for s in result.skipped] == [
        ("王芳", "2027-01-14", "leave", "P"),
        ("赵敏", "2027-01-12", "pinned", "N"),
    ]


def test_a_rotation_that_breaks_a_hard_rule_or_names_an_unknown_shift_or_nurse_is_refused() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    with pytest.raises(Problem) as excinfo:  # 白班 then 大夜 the next night: 8 h of rest
        rotate(w, pid, pattern=["D", "N"], staff_ids=["s-a"], **{"from": "2027-01-04", "to": "2027-01-05"})
    assert errors(excinfo)[0] == (
        "H3",
        "陈思雨 1月4日: 班次衔接（禁止的衔接或休息不足）（1月4日白班后1月5日不能接大夜）",
    )
    assert excinfo.value.detail.startswith("the rotation breaks a hard rule")
    with pytest.raises(RuleViolation, match="no shift X"):
        rotate(w, pid, pattern=["D", "X"])
    with pytest.raises(RuleViolation, match="s-r is not a nurse of this period"):
        rotate(w, pid, pattern=CYCLE, staff_ids=["s-a", "s-r"])
    with pytest.raises(RuleViolation, match="not a day of the roster period"):
        rotate(w, pid, pattern=CYCLE, **{"from": "2027-02-01"})
    with pytest.raises(Forbidden):
        rotate(w, pid, OUTSIDER, pattern=CYCLE)
    with pytest.raises(RuleViolation, match="offsets, or staff_ids and stagger"):
        rotate(w, pid, pattern=CYCLE, offsets={"s-a": 1}, stagger=2)
    with pytest.raises(RuleViolation, match="the pattern has no shift"):
        rotate(w, pid, pattern=[None, None])
    assert w.grid(pid).period.revision == 0


def test_a_rotation_of_all_nurses_counts_as_one_revision_and_a_stale_one_is_a_conflict() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    result = rotate(w, pid, pattern=CYCLE, stagger=2, revision=0)
    assert result.period.revision == 1
    grid = w.grid(pid)
    assert all(cells(grid, n.staff_id) for n in grid.nurses)
    with pytest.raises(Conflict, match="revision 1, not 0"):
        rotate(w, pid, pattern=CYCLE, revision=0)


# --- explain ------------------------------------------------------------------------------------------------


def test_a_nurses_roster_is_explained_with_the_rules_it_costs_in_words() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    nights = [(f"2027-01-{d:02d}", "N") for d in (4, 5, 6, 11, 12, 13)]
    w.edit(
        pid, *[("s-a", d, code) for d, code in nights], ("s-b", "2027-01-04", "D"), ("s-b", "2027-01-09", "D")
    )
    why = explain(w, pid, "s-a")
    assert (why.staff_name, why.ward_name, why.contract_name) == ("陈思雨", "心内科病区", "全职")
    assert (why.assignments, why.nights, why.hours) == (6, 6, 48.0)
    assert [(s.shift, s.shift_name, s.count, s.hours) for s in why.shifts] == [("N", "大夜", 6, 48.0)]
    assert why.cost == sum(c.cost for c in why.costs) > 0
    rules_costing = {c.rule: c.rule_name for c in why.costs}
    assert rules_costing["S6"] == "total assignments"  # 6 shifts in three weeks: under the contract
    assert [c.cost for c in why.costs] == sorted((c.cost for c in why.costs), reverse=True)
    assert why.peers.nurses == 4 and why.peers.nights == 1.5
    assert why.lines[0].startswith("陈思雨 (全职): 6 shifts") and "6 nights" in why.lines[0]
    zh = explain(w, pid, "s-a", lang=ZH)
    assert {c.rule: c.rule_name for c in zh.costs}["S6"] == "班次总数"
    assert zh.lines[0].startswith("陈思雨（全职）：6 个班") and "6 个夜班" in zh.lines[0]
    assert zh.lines[2] == "班次：大夜 6 个"
    b = explain(w, pid, "s-b")
    assert (b.nights, b.weekends_worked) == (0, 1)  # Saturday the 9th
    assert why.nights_allowed == 6  # full time: 8 nights in 4 weeks, 6 in these three
    assert "6 nights (at most 6)" in why.lines[0] and "6 个夜班（最多 6 个）" in zh.lines[0]
    assert "nights" not in rules_costing


def test_nights_above_the_contract_cost_and_are_named_in_the_explanation() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    nights = [(f"2027-01-{d:02d}", "N") for d in (4, 5, 6, 11, 12, 13, 18, 19)]
    w.edit(pid, *[("s-a", d, code) for d, code in nights])
    why = explain(w, pid, "s-a")
    assert (why.nights, why.nights_allowed) == (8, 6)
    costs = {c.rule: (c.rule_name, c.cost) for c in why.costs}
    assert costs["nights"] == ("nights above the contract's maximum", 60)  # 2 nights over, 30 each
    zh = explain(w, pid, "s-a", lang=ZH)
    assert {c.rule: c.rule_name for c in zh.costs}["nights"] == "夜班数超过合同上限"
    assert "8 个夜班（最多 6 个）" in zh.lines[0]


def test_a_nurse_reads_her_own_explanation_and_no_one_elses() -> None:
    w = Ward()
    pid = w.create(*WEEK)
    assert explain(w, pid, "s-a", NURSE).staff_id == "s-a"
    with pytest.raises(Forbidden, match="rosterers and to herself"):
        explain(w, pid, "s-b", NURSE)
    with pytest.raises(NotFound):
        explain(w, pid, "s-r")  # 呼吸科's nurse is not in this period
    with pytest.raises(NotFound):
        explain(w, "p-none", "s-a")
