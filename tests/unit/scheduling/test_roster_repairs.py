"""Late leave, sick calls and repairs on the fakes: leave approved after publishing and a sick call flag the
live cells she can no longer work (and tell the ward's rosterers once), the nurses who can cover, a repair
job whose result is a proposal (never the draft), accepting it or a candidate as the live roster's next
version (once, even when retried; a stale proposal is a 409), rejecting and dismissing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from chalicelib.scheduling.contracts import repairs as models
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.ports import EngineOutcome, PeriodSummary
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Assignment, Roster, RosterProblem
from chalicelib.scheduling.service import periods, repairs, solve_jobs
from chalicelib.scheduling.service.amendments import Actor, amend_live

from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.published.approvals import LEAVE_APPROVED, LEAVE_CANCELLED, LeaveApproved, LeaveCancelled
from shared.problems import Problem
from tests.unit.scheduling.fakes import FakeEngine, FakeLauncher, FakeRun, FakeSolveJobs
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, OUTSIDER, T, Ward

WEEK = (date(2027, 1, 4), date(2027, 1, 10))
TODAY = date(2027, 1, 5)


def published(w: Ward) -> str:
    pid = w.create(*WEEK)
    w.edit(pid, ("s-a", "2027-01-05", "D"), ("s-b", "2027-01-06", "N"), ("s-c", "2027-01-07", "P"))
    w.approve_and_publish(pid)
    return pid


def leave(w: Ward, staff_id: str, start: str, end: str, instance: str = "lv-1") -> Any:
    data = LeaveApproved(
        instance_id=instance,
        staff_id=staff_id,
        leave_type="年假",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        days=2,
    )
    envelope = LEAVE_APPROVED.envelope(T, data)
    with w.store.uow as uow:
        repairs.flag_leave(envelope, uow, store=w.store, directory=w.directory)  # type: ignore[arg-type]
        uow.commit()
    return envelope


def listed(w: Ward, pid: str) -> list[models.DisruptionView]:
    return repairs.list_disruptions(HEAD, pid, 50, None, **w.kw()).items


def absent(w: Ward, pid: str, staff_id: str, day: str, who: Any = HEAD) -> models.DisruptionView:
    body = models.ReportAbsence(staff_id=staff_id, date=date.fromisoformat(day), reason="发热")
    return repairs.report_absence(who, pid, body, today=TODAY, **w.kw())


def hard_ok(w: Ward, pid: str) -> None:
    """Every hard rule an amendment is judged by holds on the live version (H1 one shift a day, H3 rest,
    H4 skills, leave and absences)."""
    period, rows, _ = w.store.periods.sheet(pid)
    assert period is not None
    ctx = periods._context(T, period, rows, w.store)
    live = w.store.versions.get(pid, period.version)
    assert live is not None
    from chalicelib.scheduling.domain.amendments import live_rows

    roster = rules.roster_of(ctx.problem, live_rows(live, ctx.rows).values())
    ev = evaluate(ctx.problem, roster)
    assert {k: v for k, v in ev.hard.items() if k != "H2"} == dict.fromkeys(set(ev.hard) - {"H2"}, 0)
    away = {(lv.nurse, lv.day) for lv in ctx.problem.leave}
    assert not [a for a in roster.assignments if (a.nurse, a.day) in away]


# --- flagging ---------------------------------------------------------------------------------------------


def test_leave_approved_after_publishing_flags_her_live_cells_once_and_tells_the_wards_rosterers() -> None:
    w = Ward()
    pid = published(w)
    envelope = leave(w, "s-a", "2027-01-05", "2027-01-06")
    (d,) = listed(w, pid)
    assert (d.kind, d.kind_name, d.staff_id, d.staff_name, d.state) == (
        "leave",
        "发布后请假",
        "s-a",
        "陈思雨",
        "open",
    )
    assert [(c.date, c.shift, c.shift_name) for c in d.cells] == [(date(2027, 1, 5), "D", "白班")]
    assert (d.leave_id, d.version, d.proposal) == ("lv-1", 1, None)
    (told,) = w.events("roster.disrupted")
    assert told.data["notify"] == ["s-hn"] and told.data["days"] == ["2027-01-05"]  # the ward's head nurse
    assert told.data["disruption_id"] == d.id and "reason" not in told.data
    with w.store.uow as uow:  # the same approval again (a replay past the inbox): nothing more
        repairs.flag_leave(envelope, uow, store=w.store, directory=w.directory)  # type: ignore[arg-type]
        uow.commit()
    leave(w, "s-d", "2027-01-05", "2027-01-06", "lv-2")  # she works none of those days: nothing to flag
    assert len(listed(w, pid)) == 1 and len(w.events("roster.disrupted")) == 1


def cancel(w: Ward, staff_id: str, start: str, end: str, instance: str = "lv-1") -> None:
    data = LeaveCancelled(
        instance_id=instance,
        staff_id=staff_id,
        leave_type="年假",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        days=2,
        cancelled_by=staff_id,
    )
    with w.store.uow as uow:
        envelope = LEAVE_CANCELLED.envelope(T, data)
        repairs.drop_cancelled_leave(envelope, uow, store=w.store, directory=w.directory)  # type: ignore[arg-type]
        uow.commit()


def test_leave_cancelled_before_its_repair_dismisses_what_it_flagged_and_a_repaired_one_stays() -> None:
    w = Ward()
    pid = published(w)
    leave(w, "s-a", "2027-01-05", "2027-01-06")
    leave(w, "s-b", "2027-01-06", "2027-01-06", "lv-2")
    cancel(w, "s-a", "2027-01-05", "2027-01-06")  # 销假: she can work her 白班 after all
    states = {d.staff_id: d.state for d in listed(w, pid)}
    assert states == {"s-a": "dismissed", "s-b": "open"}
    record = w.store.uow.audit_records[-1]
    assert (
        record["action"] == "roster.disruption.dismiss" and record["after"]["why"] == "leave cancelled (销假)"
    )
    cancel(w, "s-a", "2027-01-05", "2027-01-06")  # heard again: nothing open, nothing done
    assert len([r for r in w.store.uow.audit_records if r["action"] == "roster.disruption.dismiss"]) == 1
    (lina,) = [d for d in listed(w, pid) if d.staff_id == "s-b"]
    candidates = repairs.candidates(HEAD, pid, lina.id, **w.kw())
    take = models.AcceptRepair(version=1, staff_id=candidates.candidates[0].staff_id)
    repairs.accept(HEAD, pid, lina.id, take, **w.kw())
    cancel(w, "s-b", "2027-01-06", "2027-01-06", "lv-2")  # repaired already: version 2 stays live
    assert {d.staff_id: d.state for d in listed(w, pid)} == {"s-a": "dismissed", "s-b": "resolved"}


def test_a_sick_call_makes_her_unavailable_in_later_problems_and_is_reported_once() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    assert (d.kind, d.staff_name, d.reason, d.created_by_name) == ("sick", "李娜", "发热", "周护士长")
    assert [c.shift for c in d.cells] == ["N"]
    (grid_nurse,) = [n for n in w.grid(pid).nurses if n.staff_id == "s-b"]
    assert grid_nurse.on_leave == [date(2027, 1, 6)]  # every later problem of the period holds her off
    with pytest.raises(Problem):  # an edit putting her back on that day is refused (leave)
        w.edit(pid, ("s-b", "2027-01-06", "D"))
    with pytest.raises(Conflict):
        absent(w, pid, "s-b", "2027-01-06")
    with pytest.raises(RuleViolation, match="no shift that day"):
        absent(w, pid, "s-d", "2027-01-06")
    with pytest.raises(RuleViolation, match="today or a later day"):
        absent(w, pid, "s-c", "2027-01-04")
    audit = [r for r in w.store.uow.audit_records if r["action"] == "roster.absence"]
    assert audit and audit[-1]["after"]["staff_name"] == "李娜"


def test_a_nurse_reports_her_own_sick_call_only_and_only_rosterers_read_the_disruptions() -> None:
    w = Ward()
    pid = published(w)
    mine = absent(w, pid, "s-a", "2027-01-05", who=NURSE)  # 陈思雨 calls in sick herself
    assert mine.created_by_name == "陈思雨"
    told = w.events("roster.disrupted")[-1]
    assert told.data["notify"] == ["s-hn"] and told.data["reported_by"] == "s-a"
    with pytest.raises(Forbidden):
        absent(w, pid, "s-c", "2027-01-07", who=NURSE)
    with pytest.raises(Forbidden):
        repairs.list_disruptions(NURSE, pid, 50, None, **w.kw())
    with pytest.raises(Forbidden):
        repairs.get_disruption(OUTSIDER, pid, mine.id, **w.kw())
    with pytest.raises(NotFound):
        repairs.get_disruption(HEAD, pid, "nope", **w.kw())
    with pytest.raises(NotFound):
        repairs.list_disruptions(HEAD, "no-such-period", 50, None, **w.kw())


# --- candidates and accepting one ---------------------------------------------------------------------------


def test_candidates_are_free_skilled_and_break_no_hard_rule_and_one_is_accepted_once() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    found = repairs.candidates(HEAD, pid, d.id, **w.kw())
    names = [c.staff_name for c in found.candidates]
    assert found.version == 1 and found.staff_name == "李娜"
    assert "李娜" not in names and "赵敏" in names  # 赵敏 is free that day
    assert "陈思雨" not in names  # 白班 on the 5th, then 大夜 from midnight: too short a rest (H3)
    assert [c.added_cost for c in found.candidates] == sorted(c.added_cost for c in found.candidates)
    with pytest.raises(RuleViolation):  # 李娜 herself is never a candidate
        repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1, staff_id="s-b"), **w.kw())
    done = repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1, staff_id="s-d"), **w.kw())
    assert (done.state, done.resolved_version, done.resolved_by_name) == ("resolved", 2, "周护士长")
    live = w.store.versions.get(pid, 2)
    assert live is not None
    assert live.cells["s-d"][date(2027, 1, 6)].shift == "N" and date(2027, 1, 6) not in live.cells.get(
        "s-b", {}
    )
    (v2,) = [e for e in w.events("roster.published") if e.data["version"] == 2]
    assert {c["staff_id"] for c in v2.data["changes"]} == {"s-b", "s-d"}  # the two nurses told, once
    record = w.store.uow.audit_records[-1]
    assert record["action"] == "roster.repair" and record["after"]["disruption_id"] == d.id
    assert record["after"]["candidate"] == "s-d"
    assert [(c["staff_name"], c["before"], c["after"]) for c in record["after"]["cells"]] == [
        ("李娜", "N", None),
        ("赵敏", None, "N"),
    ]
    again = repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1, staff_id="s-d"), **w.kw())
    assert again.resolved_version == 2  # a retry answers what was done, and applies nothing
    assert len(w.events("roster.published")) == 2
    with pytest.raises(Conflict):
        repairs.dismiss(HEAD, pid, d.id, **w.kw())
    hard_ok(w, pid)
    from chalicelib.scheduling.contracts import history as trail_models
    from chalicelib.scheduling.service import history

    from tests.unit.scheduling.fakes import FakeAuditTrail

    page = history.period_history(
        HEAD,
        pid,
        trail_models.HistoryQuery(),
        "zh-CN",
        store=w.store,
        trail=FakeAuditTrail(w.store.uow),
        directory=w.directory,
    )
    named = [(e.action_name, e.by_name) for e in page.items[:2]]
    assert named == [
        ("排班调整", "周护士长"),
        ("登记病假缺勤", "周护士长"),
    ]  # the period's history names both


# --- the repair job and its proposal ------------------------------------------------------------------------


@dataclass
class Source:
    """The periods' ``ProblemSource`` on the ward's fakes (the wiring's, with ``store=``)."""

    w: Ward
    loaded: list[RosterProblem] = field(default_factory=list)

    def describe(self, tenant: str, period_id: str) -> PeriodSummary:
        return periods.summary(tenant, period_id, store=self.w.store)

    def load(self, *args: Any) -> Any:
        raise AssertionError("a repair never loads the draft's problem")

    def save(self, *args: Any) -> int:
        raise AssertionError("a repair's result is never saved to the draft")

    def load_repair(
        self, tenant: str, period_id: str, disruption_id: str, days: Any
    ) -> tuple[RosterProblem, Roster, int]:
        out = repairs.load_repair(tenant, period_id, disruption_id, days, store=self.w.store)
        self.loaded.append(out[0])
        return out

    def propose(
        self, tenant: str, period_id: str, disruption_id: str, job_id: str, version: int, roster: Roster
    ) -> None:
        repairs.propose(tenant, period_id, disruption_id, job_id, version, roster, store=self.w.store)

    def abandon(self, tenant: str, period_id: str, disruption_id: str, job_id: str, reason: str) -> None:
        repairs.abandon(tenant, period_id, disruption_id, job_id, reason, store=self.w.store)


def repair(w: Ward, pid: str, disruption_id: str, move: tuple[str, str]) -> str:
    """Ask for a repair and run its job with an engine that moves the cell from one nurse to another."""
    jobs, launcher = FakeSolveJobs(T), FakeLauncher()
    job = repairs.start_repair(
        HEAD, pid, disruption_id, models.RepairRequest(), jobs=jobs, launcher=launcher, **w.kw()
    )
    assert (job.mode, job.state, job.disruption_id) == ("repair", "queued", disruption_id)
    source = Source(w)
    problem, live, _ = source.load_repair(T, pid, disruption_id, [date(2027, 1, 6)])
    gone, to = move
    moved = [
        Assignment(to, a.day, a.shift, a.skill)
        if a.nurse == gone and problem.date_of(a.day) == date(2027, 1, 6)
        else a
        for a in live.assignments
    ]
    engine = FakeEngine(FakeRun(EngineOutcome(Roster(tuple(moved)), cost=0)))
    ended = solve_jobs.run_job(T, pid, job.id, jobs=jobs, source=source, engine=engine)
    assert ended == "succeeded"
    stored = jobs.get(pid, job.id)
    assert stored is not None and stored.result == "proposed"
    return job.id


def test_a_repair_job_frees_only_the_disrupted_days_and_its_result_is_a_proposal_not_the_draft() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    revision = w.store.periods.get(pid).revision  # type: ignore[union-attr]
    problem, _, version = repairs.load_repair(T, pid, d.id, [date(2027, 1, 6)], store=w.store)
    pinned = {(p.nurse, problem.date_of(p.day)): p.shift for p in problem.pins}
    assert version == 1
    assert pinned[("s-a", date(2027, 1, 5))] == "D" and pinned[("s-c", date(2027, 1, 7))] == "P"
    assert pinned[("s-d", date(2027, 1, 5))] is None  # days off are kept too
    assert pinned[("s-b", date(2027, 1, 6))] is None  # she is off on the day repaired
    assert ("s-d", date(2027, 1, 6)) not in pinned and ("s-a", date(2027, 1, 6)) not in pinned
    # the others ask to keep what they do that day, so a repair moves as few cells as it must
    stay = {(r.nurse, problem.date_of(r.day)): (r.shift, r.on) for r in problem.requests}
    assert stay[("s-d", date(2027, 1, 6))] == (None, False)  # off stays off unless needed
    assert ("s-b", date(2027, 1, 6)) not in stay  # not her: she is away
    assert all(day == date(2027, 1, 6) for _, day in stay)
    job_id = repair(w, pid, d.id, ("s-b", "s-d"))
    shown = repairs.get_disruption(HEAD, pid, d.id, **w.kw())
    p = shown.proposal
    assert p is not None and (p.state, p.version, p.job_id) == ("ready", 1, job_id)
    assert [(m.staff_name, m.date, m.before_name, m.after_name) for m in p.moves] == [
        ("李娜", date(2027, 1, 6), "大夜", "休"),
        ("赵敏", date(2027, 1, 6), "休", "大夜"),
    ]
    assert p.cost_change == p.cost_after - p.cost_before  # type: ignore[operator]
    assert w.store.periods.get(pid).revision == revision  # type: ignore[union-attr]  # the draft untouched
    done = repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1), **w.kw())
    assert (done.state, done.resolved_version) == ("resolved", 2)
    assert w.store.versions.get(pid, 2).cells["s-d"][date(2027, 1, 6)].shift == "N"  # type: ignore[union-attr]
    assert w.store.uow.audit_records[-1]["after"]["job_id"] == job_id
    hard_ok(w, pid)


def test_a_stale_proposal_is_a_409_a_rejected_one_leaves_the_disruption_open_and_dismiss_closes_it() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    repair(w, pid, d.id, ("s-b", "s-d"))
    # meanwhile another change to the live roster (a swap): version 2
    amend_live(
        w.store,
        T,
        pid,
        [rules.Change("s-c", date(2027, 1, 7), None)],
        Actor("s-hn", "周护士长"),
        "roster.swap",
        {},
        lambda e: Problem(422, "x", "x", "x"),
    )
    with pytest.raises(Conflict, match="ask for a new proposal"):
        repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1), **w.kw())
    with pytest.raises(Conflict, match="version 1 and the live roster is at version 2"):
        repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=2), **w.kw())
    rejected = repairs.reject(HEAD, pid, d.id, **w.kw())
    assert (
        rejected.state == "open" and rejected.proposal is not None and rejected.proposal.state == "rejected"
    )
    with pytest.raises(Conflict):
        repairs.reject(HEAD, pid, d.id, **w.kw())
    again = repair(w, pid, d.id, ("s-b", "s-a"))  # a new proposal, on version 2
    shown = repairs.get_disruption(HEAD, pid, d.id, **w.kw())
    assert shown.proposal is not None and (shown.proposal.version, shown.proposal.job_id) == (2, again)
    dismissed = repairs.dismiss(HEAD, pid, d.id, **w.kw())
    assert dismissed.state == "dismissed"
    with pytest.raises(Conflict):
        repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=2), **w.kw())
    assert len(w.events("roster.published")) == 2  # v1, the swap; nothing from the repair


def test_a_repair_finishing_after_its_disruption_was_resolved_keeps_nothing() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    jobs, launcher = FakeSolveJobs(T), FakeLauncher()
    job = repairs.start_repair(
        HEAD, pid, d.id, models.RepairRequest(), jobs=jobs, launcher=launcher, **w.kw()
    )
    repairs.accept(HEAD, pid, d.id, models.AcceptRepair(version=1, staff_id="s-d"), **w.kw())
    source = Source(w)
    engine = FakeEngine(FakeRun(EngineOutcome(Roster(()), cost=0)))
    assert solve_jobs.run_job(T, pid, job.id, jobs=jobs, source=source, engine=engine) == "succeeded"
    stored = jobs.get(pid, job.id)
    assert stored is not None and stored.result is None and "resolved or dismissed" in stored.reason
    assert repairs.get_disruption(HEAD, pid, d.id, **w.kw()).state == "resolved"


def test_a_repair_that_finds_nothing_says_why_on_the_disruption_and_can_be_asked_again() -> None:
    w = Ward()
    pid = published(w)
    d = absent(w, pid, "s-b", "2027-01-06")
    jobs, launcher = FakeSolveJobs(T), FakeLauncher()
    job = repairs.start_repair(
        HEAD, pid, d.id, models.RepairRequest(), jobs=jobs, launcher=launcher, **w.kw()
    )
    engine = FakeEngine(FakeRun(EngineOutcome(None, error="error", message="boom")))
    assert solve_jobs.run_job(T, pid, job.id, jobs=jobs, source=Source(w), engine=engine) == "failed"
    shown = repairs.get_disruption(HEAD, pid, d.id, "zh-CN", **w.kw())
    p = shown.proposal
    assert p is not None and (p.state, p.state_name, p.job_id) == ("failed", "未能生成", job.id)
    assert p.reason == "排班求解失败：boom"  # the job's reason, in the reader's language
    assert shown.state == "open"
    again = repair(w, pid, d.id, ("s-b", "s-d"))
    assert repairs.get_disruption(HEAD, pid, d.id, **w.kw()).proposal.job_id == again  # type: ignore[union-attr]
