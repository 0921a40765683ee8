"""Roster periods on the fakes: create, the grid, hand edits judged by the rules, submit and the approval's
decision, publishing versions with what moved, the on-duty read model, and the solve seam."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord
from chalicelib.scheduling.domain.roster.model import Assignment, Roster
from chalicelib.scheduling.domain.setup import WardSetup
from chalicelib.scheduling.service import periods

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.published.approvals import ROSTER_DECIDED, RosterDecided
from shared.problems import Problem
from tests.unit.scheduling.fakes import FakeDirectory, FakePeriodStore, Person

T = "t-hospital"
JAN = (date(2027, 1, 1), date(2027, 1, 31))
NURSES = [("s-a", "陈思雨"), ("s-b", "李娜"), ("s-c", "王芳"), ("s-d", "赵敏")]


def hospital() -> FakeDirectory:
    d = FakeDirectory()
    d.add_unit(T, "med", "内科", kind="department")
    d.add_unit(T, "w-cardio", "心内科病区", parent_id="med", head_id="s-hn")
    d.add_unit(T, "w-resp", "呼吸科病区", parent_id="med")
    d.people[(T, "s-hn")] = Person("周护士长", "E0", "w-cardio", roles=("head_nurse",))
    for staff_id, name in NURSES:
        d.people[(T, staff_id)] = Person(name, staff_id, "w-cardio", roles=("nurse",))
    d.people[(T, "s-r")] = Person("呼吸科护士", "E9", "w-resp", roles=("nurse",))
    return d


def ward_store() -> FakePeriodStore:
    store = FakePeriodStore(T)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for staff_id, name in NURSES:
        store.tables.staff[(T, staff_id)] = StaffRecord(
            staff_id, name, staff_id, "w-cardio", None, at, roles=("nurse",)
        )
    store.tables.staff[(T, "s-r")] = StaffRecord(
        "s-r", "呼吸科护士", "E9", "w-resp", None, at, roles=("nurse",)
    )
    return store


HEAD = Principal(
    tenant=T, user="u-hn", staff_id="s-hn", staff_name="周护士长", roles=frozenset({"head_nurse"})
)
NURSE = Principal(tenant=T, user="u-a", staff_id="s-a", staff_name="陈思雨", roles=frozenset({"nurse"}))
OUTSIDER = Principal(tenant=T, user="u-r", staff_id="s-r", roles=frozenset({"nurse"}))


class Ward:
    """A ward with four nurses, its head nurse, and the fakes behind it."""

    def __init__(self) -> None:
        self.store = ward_store()
        self.directory = hospital()

    def kw(self) -> dict[str, Any]:
        return {"store": self.store, "directory": self.directory}

    def create(self, start: date = JAN[0], end: date = JAN[1], wards: tuple[str, ...] = ("w-cardio",)) -> str:
        body = models.CreatePeriod(ward_ids=list(wards), start=start, end=end)
        return periods.create_period(HEAD, body, **self.kw()).id

    def edit(self, period_id: str, *changes: tuple[str, str, str | None], **extra: Any) -> models.EditResult:
        body = models.EditCells(
            changes=[
                models.CellChange(staff_id=s, date=date.fromisoformat(d), shift=code, **extra)
                for s, d, code in changes
            ]
        )
        return periods.edit_cells(HEAD, period_id, body, **self.kw())

    def grid(self, period_id: str, who: Principal = HEAD) -> models.Grid:
        return periods.grid(who, period_id, **self.kw())

    def submit(self, period_id: str) -> models.Period:
        return periods.submit(HEAD, period_id, models.Revisioned(), **self.kw())

    def decide(self, period_id: str, revision: int, outcome: str, reason: str = "") -> None:
        data = RosterDecided(
            period_id=period_id, revision=revision, instance_id="ap1", outcome=outcome, reason=reason
        )  # type: ignore[arg-type]
        with self.store.uow as uow:
            periods.record_decision(ROSTER_DECIDED.envelope(T, data), uow, store=self.store)  # type: ignore[arg-type]
            uow.commit()

    def publish(self, period_id: str) -> models.Period:
        return periods.publish(HEAD, period_id, models.Revisioned(), **self.kw())

    def approve_and_publish(self, period_id: str) -> models.Period:
        submitted = self.submit(period_id)
        self.decide(period_id, submitted.revision, "approved")
        return self.publish(period_id)

    def events(self, kind: str) -> list[Any]:
        return [e for e in self.store.uow.published if e.type == kind]

    def project(self) -> None:
        """The on-duty consumer, on every roster.published so far."""
        for envelope in self.events("roster.published"):
            with self.store.uow as uow:
                periods.project_published(envelope, uow, store=self.store)  # type: ignore[arg-type]
                uow.commit()


def cells(grid: models.Grid, staff_id: str) -> dict[str, str]:
    (nurse,) = [n for n in grid.nurses if n.staff_id == staff_id]
    return {d.isoformat(): c.shift for d, c in nurse.cells.items()}


# --- create, list, delete ---------------------------------------------------------------------------


def test_a_head_nurse_creates_a_draft_named_after_her_ward_and_month() -> None:
    w = Ward()
    period = periods.create_period(
        HEAD, models.CreatePeriod(ward_ids=["w-cardio"], start=JAN[0], end=JAN[1]), **w.kw()
    )
    assert (period.state, period.revision, period.version) == ("draft", 0, 0)
    assert (period.name, period.title, period.ward_names) == ("心内科病区 2027年1月排班",) * 2 + (
        ["心内科病区"],
    )
    page = periods.list_periods(HEAD, models.PeriodQuery(ward_id="w-cardio"), **w.kw())
    assert [p.id for p in page.items] == [period.id]
    assert w.store.uow.audited == [("roster.create", "roster_period", period.id)]


def test_a_period_is_at_most_62_days_overlaps_no_other_and_is_made_by_the_wards_rosterers() -> None:
    w = Ward()
    with pytest.raises(RuleViolation, match="62 days"):
        w.create(date(2027, 1, 1), date(2027, 3, 5))
    with pytest.raises(RuleViolation, match="ends before"):
        w.create(date(2027, 1, 5), date(2027, 1, 1))
    w.create()
    with pytest.raises(Conflict, match="心内科病区 already has the roster period"):
        w.create(date(2027, 1, 25), date(2027, 2, 7))
    w.create(date(2027, 2, 1), date(2027, 2, 28))  # the next month is fine
    body = models.CreatePeriod(ward_ids=["w-cardio"], start=date(2027, 3, 1), end=date(2027, 3, 7))
    with pytest.raises(Forbidden):
        periods.create_period(NURSE, body, **w.kw())
    with pytest.raises(Forbidden):  # a group needs every ward to be hers: 呼吸科 is not
        w.create(date(2027, 3, 1), date(2027, 3, 7), ("w-cardio", "w-resp"))
    with pytest.raises(NotFound):
        w.create(date(2027, 3, 1), date(2027, 3, 7), ("w-cardio", "w-gone"))


def test_only_a_never_published_draft_can_be_deleted() -> None:
    w = Ward()
    period_id = w.create()
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    periods.delete_period(HEAD, period_id, **w.kw())
    with pytest.raises(NotFound):
        w.grid(period_id)
    assert w.store.period_tables.rows == {}
    other = w.create(date(2027, 2, 1), date(2027, 2, 7))
    w.approve_and_publish(other)
    with pytest.raises(Conflict, match="never published"):
        periods.delete_period(HEAD, other, **w.kw())


# --- the grid ---------------------------------------------------------------------------------------


def test_the_grid_lists_the_wards_nurses_coverage_against_demand_and_the_cost_per_rule() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"), ("s-b", "2027-01-04", "N"))
    grid = w.grid(period_id)
    assert [n.name for n in grid.nurses] == sorted(n for _, n in NURSES)  # the ward's nurses, not 呼吸科's
    assert cells(grid, "s-a") == {"2027-01-04": "D"}
    assert grid.nurses[0].contract == "full_time" and grid.nurses[0].contract_name == "全职"
    day = {(c.shift, c.skill): c for c in grid.coverage if c.day == date(2027, 1, 4)}
    assert day[("D", "nurse")].count == 1 and day[("D", "nurse")].minimum >= 1
    assert day[("P", "nurse")].count == 0 and day[("P", "nurse")].below_minimum >= 1
    assert grid.open_shifts == sum(c.open for c in grid.coverage) > 0
    rules_costing = {c.rule for c in grid.costs}
    assert "H2" in rules_costing and "S1" in rules_costing  # an incomplete draft: coverage is short
    assert grid.cost == sum(c.cost for c in grid.costs if not c.hard)
    assert [s.name for s in grid.shifts] == ["白班", "小夜", "大夜"]
    assert cells(w.grid(period_id, NURSE), "s-a") == {"2027-01-04": "D"}  # her own ward's grid
    with pytest.raises(Forbidden):
        w.grid(period_id, OUTSIDER)


# --- editing --------------------------------------------------------------------------------------------


def test_an_edit_bumps_the_revision_and_warns_of_the_soft_costs_it_adds() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    days = [f"2027-01-{d:02d}" for d in range(4, 11)]
    result = w.edit(period_id, *[("s-a", d, "D") for d in days])  # seven days in a row
    assert result.period.revision == 1
    s2 = [x for x in result.warnings if x.rule == "S2"]
    assert s2 and s2[0].staff_name == "陈思雨" and s2[0].cost > 0
    assert any(c.rule == "S2" for c in result.costs)
    cleared = w.edit(period_id, ("s-a", "2027-01-10", None))
    assert cleared.period.revision == 2
    assert "2027-01-10" not in cells(w.grid(period_id), "s-a")


def refused(excinfo: pytest.ExceptionInfo[Problem]) -> list[tuple[str, str]]:
    return [(e.code, e.message) for e in excinfo.value.errors]


def test_a_hard_rule_refuses_the_whole_batch_naming_the_rule_the_nurse_and_the_day() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    with pytest.raises(Problem) as excinfo:  # 小夜 ends at midnight: 白班 at 8 leaves 8 h of rest (< 11)
        w.edit(period_id, ("s-a", "2027-01-04", "P"), ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-04", "D"))
    assert excinfo.value.status == 422
    assert (
        "H3",
        "陈思雨 1月4日: 班次衔接（禁止的衔接或休息不足）（1月4日小夜后1月5日不能接白班）",
    ) in refused(excinfo)
    assert w.grid(period_id).period.revision == 0  # nothing of the batch was applied
    with pytest.raises(Problem) as excinfo:
        w.edit(period_id, ("s-b", "2027-01-06", "X"))
    assert refused(excinfo)[0][0] == "shift"
    with pytest.raises(Problem) as excinfo:
        w.edit(period_id, ("s-b", "2027-01-06", "D"), skill="icu")
    assert refused(excinfo)[0] == ("H4", "李娜 1月6日: 所需技能或层级（缺少技能 icu）")
    with pytest.raises(Problem) as excinfo:
        w.edit(period_id, ("s-b", "2027-02-06", "D"), ("s-x", "2027-01-06", "D"))
    assert [code for code, _ in refused(excinfo)] == ["day", "nurse"]


def test_approved_leave_blocks_the_days_it_covers() -> None:
    w = Ward()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    w.store.tables.leave[(T, "2027-01-05", "s-c", "lv1")] = LeaveRecord(
        "s-c", "lv1", "年假", date(2027, 1, 5), date(2027, 1, 6), at, start_half="pm"
    )
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    with pytest.raises(Problem) as excinfo:
        w.edit(period_id, ("s-c", "2027-01-06", "D"))
    assert refused(excinfo) == [("leave", "王芳 1月6日: 已批准的请假（当天已批准请假）")]
    w.edit(period_id, ("s-c", "2027-01-07", "D"))  # the day after is free
    (nurse,) = [n for n in w.grid(period_id).nurses if n.staff_id == "s-c"]
    assert nurse.on_leave == [date(2027, 1, 5), date(2027, 1, 6)]


def test_coverage_below_minimum_does_not_refuse_an_edit_of_an_incomplete_draft() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    result = w.edit(period_id, ("s-a", "2027-01-04", "D"))
    assert any(c.rule == "H2" and c.hard for c in result.costs)


def test_a_stale_revision_and_a_period_awaiting_approval_are_conflicts() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    stale = models.EditCells(
        revision=0, changes=[models.CellChange(staff_id="s-a", date="2027-01-05", shift="D")]
    )
    with pytest.raises(Conflict, match="revision 1, not 0"):
        periods.edit_cells(HEAD, period_id, stale, **w.kw())
    fresh = models.EditCells(changes=[models.CellChange(staff_id="s-a", date="2027-01-05", shift="D")])
    with pytest.raises(Conflict, match="revision 1, not 0"):
        periods.edit_cells(HEAD, period_id, fresh, if_match='W/"0"', **w.kw())
    periods.edit_cells(HEAD, period_id, fresh, if_match='"1"', **w.kw())
    w.submit(period_id)
    with pytest.raises(Conflict, match="submitted: withdraw it"):
        w.edit(period_id, ("s-a", "2027-01-06", "D"))
    back = periods.withdraw(HEAD, period_id, models.Revisioned(), **w.kw())
    assert (back.state, back.revision) == ("draft", 3)
    w.edit(period_id, ("s-a", "2027-01-06", "D"))


def test_withdrawing_a_submitted_period_tells_approvals_and_its_late_answer_moves_nothing() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    submitted = w.submit(period_id)
    back = periods.withdraw(HEAD, period_id, models.Revisioned(), **w.kw())
    # in the same transaction: approvals withdraws the 排班审批 of the revision that was submitted
    assert [e.data for e in w.events("roster.withdrawn")] == [
        {"period_id": period_id, "revision": submitted.revision, "by": HEAD.staff}
    ]
    # approvals' answer to that withdrawal finds a draft of a later revision: ignored
    w.decide(period_id, submitted.revision, "withdrawn", "撤回：护士长已撤回排班")
    after = w.grid(period_id).period
    assert (after.state, after.revision, after.decision_reason) == ("draft", back.revision, None)
    # an approved period withdrawn: its approval has ended already, nothing to withdraw in approvals
    again = w.submit(period_id)
    w.decide(period_id, again.revision, "approved")
    periods.withdraw(HEAD, period_id, models.Revisioned(), **w.kw())
    assert len(w.events("roster.withdrawn")) == 1


def test_the_store_refuses_a_write_over_a_revision_that_moved_meanwhile() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    period = w.store.periods.get(period_id)
    assert period is not None
    w.edit(period_id, ("s-a", "2027-01-04", "D"))  # someone else's edit lands first
    w.store.periods.save(rules.PeriodRecord(**{**period.__dict__, "revision": 1}), 0, [], relist=False)
    with pytest.raises(Conflict, match="changed meanwhile"):
        w.store.uow.commit()


# --- submit, the decision, publish --------------------------------------------------------------------


def test_submitting_emits_roster_submitted_with_names_and_a_summary() -> None:
    w = Ward()
    period_id = w.create()
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    period = w.submit(period_id)
    assert (period.state, period.submitted_revision) == ("submitted", 1)
    (event,) = w.events("roster.submitted")
    assert event.data["title"] == "心内科病区 2027年1月排班"
    assert event.data["revision"] == 1 and event.data["submitter"] == "s-hn"
    assert event.data["summary"].startswith("4名护士，1个班次，空缺")
    with pytest.raises(Conflict, match="is submitted"):
        w.submit(period_id)


def test_a_ward_that_skips_approval_publishes_from_draft_and_cannot_be_submitted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = Ward()
    original = periods.ward_inputs

    def skipping(*args: Any, **kwargs: Any) -> periods.Inputs:
        inputs = original(*args, **kwargs)
        return periods.Inputs(
            [WardSetup(s.ward_id, skip_approval=True) for s in inputs.setups], inputs.nurses, {}
        )

    monkeypatch.setattr(periods, "ward_inputs", skipping)
    period_id = w.create()
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    with pytest.raises(Conflict, match="publish the roster directly"):
        w.submit(period_id)
    assert w.publish(period_id).state == "published"


def test_a_draft_needing_approval_is_not_published() -> None:
    w = Ward()
    period_id = w.create()
    with pytest.raises(Conflict, match="submit it for approval"):
        w.publish(period_id)


def test_the_approvals_decision_moves_the_submitted_revision_only() -> None:
    w = Ward()
    period_id = w.create()
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    w.submit(period_id)
    w.decide(period_id, 0, "approved")  # about another revision: ignored
    assert w.grid(period_id).period.state == "submitted"
    w.decide(period_id, 1, "rejected", "1月4日白班人手不足")
    header = w.grid(period_id).period
    assert (header.state, header.decision_reason) == ("draft", "1月4日白班人手不足")
    assert header.revision == 2  # a new round: resubmitted unchanged, it is another submission
    w.decide(period_id, 1, "approved")  # the period is no longer submitted: ignored
    assert w.grid(period_id).period.state == "draft"
    w.submit(period_id)
    assert [e.data["revision"] for e in w.events("roster.submitted")] == [1, 2]  # so a second approval
    w.decide(period_id, 1, "approved")  # the first round's: ignored
    assert w.grid(period_id).period.state == "submitted"
    w.decide(period_id, 2, "approved")
    header = w.grid(period_id).period
    assert (header.state, header.approval_instance_id, header.decision_reason) == ("approved", "ap1", None)
    w.decide("p-unknown", 1, "approved")  # an unknown period: acknowledged, nothing happens


def test_publishing_makes_version_one_telling_every_rostered_nurse_then_only_those_whose_shifts_moved() -> (
    None
):
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"), ("s-b", "2027-01-04", "N"), ("s-b", "2027-01-05", "N"))
    first = w.approve_and_publish(period_id)
    assert (first.state, first.version, first.published_by_name) == ("published", 1, "周护士长")
    (v1,) = w.events("roster.published")
    assert v1.data["version"] == 1 and v1.data["title"] == "心内科病区 2027年1月4日–1月10日排班"
    # the coverage check at publishing, for the daily report (#27): places below the minimum, the optimum
    grid = w.grid(period_id)  # what the head nurse saw: the same coverage check
    assert (v1.data["below_minimum"], v1.data["open_shifts"]) == (grid.below_minimum, grid.open_shifts)
    assert grid.below_minimum > 0  # three cells cannot cover a week's demand
    assert {c["staff_id"]: c["lines"] for c in v1.data["changes"]} == {
        "s-a": ["1月4日 白班"],
        "s-b": ["1月4日 大夜", "1月5日 大夜"],
    }
    with pytest.raises(Conflict, match="published already"):  # a retried publish makes no second version
        w.publish(period_id)

    edited = w.edit(period_id, ("s-b", "2027-01-05", "P"), ("s-c", "2027-01-06", "D"))
    assert (edited.period.state, edited.period.version) == ("draft", 1)  # version 1 stays live
    second = w.approve_and_publish(period_id)
    assert second.version == 2
    v2 = w.events("roster.published")[1]
    assert v2.data["title"].endswith("（第2版）")
    assert {c["staff_id"]: c["lines"] for c in v2.data["changes"]} == {
        "s-b": ["1月5日 大夜 → 小夜"],
        "s-c": ["1月6日 休 → 白班"],
    }
    diff = periods.version_diff(HEAD, period_id, "2", **w.kw())
    assert [(n.name, n.lines) for n in diff.nurses] == [
        ("李娜", ["1月5日 大夜 → 小夜"]),
        ("王芳", ["1月6日 休 → 白班"]),
    ]
    assert diff.against == 1
    listed = periods.list_versions(HEAD, period_id, models.VersionQuery(), **w.kw())
    assert [v.version for v in listed.items] == [2, 1]
    version = periods.get_version(NURSE, period_id, "1", **w.kw())
    assert {n.name: n.shifts for n in version.nurses}["李娜"] == {
        date(2027, 1, 4): "N",
        date(2027, 1, 5): "N",
    }
    with pytest.raises(NotFound):
        periods.get_version(HEAD, period_id, "3", **w.kw())


def test_a_nurses_lines_stop_at_twenty_and_say_how_many_more() -> None:
    lines = rules.change_lines(None, {date(2027, 1, d): "D" for d in range(1, 26)}, {"D": "白班"})
    assert len(lines) == 21 and lines[0] == "1月1日 白班" and lines[-1] == "…另有 5 处变动"


# --- history across the month boundary ----------------------------------------------------------------


def test_the_previous_published_period_carries_the_streaks_into_the_next() -> None:
    w = Ward()
    dec = w.create(date(2026, 12, 1), date(2026, 12, 31))
    w.edit(dec, *[("s-a", f"2026-12-{d}", "D") for d in (28, 29, 30)], ("s-a", "2026-12-31", "P"))
    w.approve_and_publish(dec)
    jan = w.create()
    with pytest.raises(Problem) as excinfo:  # 12月31日 小夜 → 1月1日 白班: too short a rest
        w.edit(jan, ("s-a", "2027-01-01", "D"))
    assert refused(excinfo)[0][0] == "H3" and "12月31日小夜后1月1日不能接白班" in refused(excinfo)[0][1]
    w.edit(jan, ("s-a", "2027-01-01", "P"))
    history = rules.carried_history(
        {
            "s-a": {date(2026, 12, d): rules.Cell("D") for d in (29, 30)}
            | {date(2026, 12, 31): rules.Cell("P")}
        },
        date(2026, 12, 31),
        31,
    )
    assert (
        history["s-a"].last_shift,
        history["s-a"].consecutive_work,
        history["s-a"].consecutive_same_shift,
    ) == (
        "P",
        3,
        1,
    )


# --- the on-duty read model ---------------------------------------------------------------------------


def test_publishing_feeds_on_duty_and_my_shifts_replacing_the_previous_version() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"), ("s-b", "2027-01-04", "P"), ("s-c", "2027-01-05", "N"))
    w.approve_and_publish(period_id)
    w.project()
    at = datetime(2027, 1, 4, 10, tzinfo=rules.HOSPITAL_TZ)  # 10:00 in Shanghai: 白班
    duty = periods.on_duty(OUTSIDER, models.OnDutyQuery(ward_id="w-cardio", at=at), **w.kw())
    assert duty.known and [(p.name, p.shift_name) for p in duty.people] == [("陈思雨", "白班")]
    assert duty.ward_name == "心内科病区"
    late = periods.on_duty(
        OUTSIDER,
        models.OnDutyQuery(ward_id="w-cardio", at=datetime(2027, 1, 4, 23, 30, tzinfo=rules.HOSPITAL_TZ)),
        **w.kw(),
    )
    assert [p.name for p in late.people] == ["李娜"]  # 小夜 16:00–24:00
    (shift,) = periods.my_shifts(
        Principal(tenant=T, user="u-b", staff_id="s-b"),
        models.MyShiftsQuery.model_validate({"from": "2027-01-01", "to": "2027-01-31"}),
        store=w.store,
    ).items
    assert (shift.shift_name, shift.ward_name) == ("小夜", "心内科病区")
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2027, 1, 4, 8, tzinfo=UTC),
        datetime(2027, 1, 4, 16, tzinfo=UTC),  # midnight in Shanghai, the end of the day
    )

    w.edit(period_id, ("s-a", "2027-01-04", None), ("s-d", "2027-01-04", "D"))
    w.approve_and_publish(period_id)
    w.project()
    w.project()  # applying the versions again changes nothing
    duty = periods.on_duty(OUTSIDER, models.OnDutyQuery(ward_id="w-cardio", at=at), **w.kw())
    assert [p.name for p in duty.people] == ["赵敏"]
    mine = periods.my_shifts(
        NURSE, models.MyShiftsQuery.model_validate({"from": "2027-01-01", "to": "2027-01-31"}), store=w.store
    )
    assert mine.items == []  # her shift of version 1 is gone with version 2
    nobody = periods.on_duty(OUTSIDER, models.OnDutyQuery(ward_id="w-resp", at=at), **w.kw())
    assert (nobody.known, nobody.people) == (False, [])


def test_a_night_crossing_midnight_ends_the_next_day() -> None:
    night = rules.ShiftDef("N2", "夜班", time(20), time(8))
    start, end = rules.window_utc(night, date(2027, 1, 4))
    assert (start, end) == (datetime(2027, 1, 4, 12, tzinfo=UTC), datetime(2027, 1, 5, 0, tzinfo=UTC))


# --- the solve seam -------------------------------------------------------------------------------------


def test_the_problem_source_loads_pins_and_saves_only_over_the_revision_it_loaded() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"))
    w.edit(period_id, ("s-b", "2027-01-05", "N"), pinned=True)
    problem, roster, revision = periods.period_problem(
        T, period_id, True, False, date(2027, 1, 1), store=w.store
    )
    assert revision == 2 and len(problem.nurses) == 4 and problem.num_days == 7
    assert [(p.nurse, p.day, p.shift) for p in problem.pins] == [("s-b", 1, "N")]
    assert {(a.nurse, a.day, a.shift) for a in roster.assignments} == {("s-a", 0, "D"), ("s-b", 1, "N")}
    unpinned, _, _ = periods.period_problem(T, period_id, False, False, date(2027, 1, 1), store=w.store)
    assert unpinned.pins == ()

    solved = Roster((*roster.assignments, Assignment("s-c", 2, "D", "nurse")))
    assert periods.save_roster(T, period_id, revision, solved, "auto-roster", store=w.store) == 3
    assert cells(w.grid(period_id), "s-c") == {"2027-01-06": "D"}
    (b,) = [n for n in w.grid(period_id).nurses if n.staff_id == "s-b"]
    assert b.cells[date(2027, 1, 5)].pinned  # the pin kept
    w.edit(period_id, ("s-d", "2027-01-06", "D"))  # the head nurse edits meanwhile
    with pytest.raises(Conflict, match="revision 4, not 3"):
        periods.save_roster(T, period_id, 3, solved, "auto-roster", store=w.store)
    assert cells(w.grid(period_id), "s-d") == {"2027-01-06": "D"}  # manual work never overwritten


def test_published_days_before_today_are_pinned_as_they_were_published() -> None:
    w = Ward()
    period_id = w.create(date(2027, 1, 4), date(2027, 1, 10))
    w.edit(period_id, ("s-a", "2027-01-04", "D"), ("s-a", "2027-01-07", "D"))
    w.approve_and_publish(period_id)
    problem, _, _ = periods.period_problem(T, period_id, False, True, date(2027, 1, 6), store=w.store)
    pins = {(p.nurse, p.day): p.shift for p in problem.pins}
    assert pins[("s-a", 0)] == "D" and pins[("s-a", 1)] is None and pins[("s-b", 0)] is None  # days off too
    assert not any(day >= 2 for _, day in pins)  # from today on the solver is free
    assert len(pins) == 4 * 2


def test_another_hospital_sees_none_of_it() -> None:
    w = Ward()
    period_id = w.create()
    stranger = Principal(tenant="t-other", user="x", staff_id="x", roles=frozenset({"hospital_admin"}))
    with pytest.raises(NotFound):
        periods.grid(
            stranger,
            period_id,
            store=FakePeriodStore("t-other", w.store.tables, period_tables=w.store.period_tables),
            directory=w.directory,
        )


def test_a_window_of_my_shifts_is_checked() -> None:
    w = Ward()
    with pytest.raises(RuleViolation, match="62 days"):
        periods.my_shifts(
            NURSE,
            models.MyShiftsQuery.model_validate({"from": "2027-01-01", "to": "2027-04-01"}),
            store=w.store,
        )
    with pytest.raises(RuleViolation, match="ends before"):
        periods.my_shifts(
            NURSE,
            models.MyShiftsQuery.model_validate({"from": "2027-01-05", "to": "2027-01-01"}),
            store=w.store,
        )
