"""Auto-roster jobs on the fakes: the states a job moves through, what is kept, cancel, the sweep on a
clock the test sets, retries that apply nothing twice, and the reasons a head nurse reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.scheduling.contracts.solve_jobs import SolveRequest
from chalicelib.scheduling.domain import solve_jobs as rules
from chalicelib.scheduling.domain.ports import EngineOutcome
from chalicelib.scheduling.domain.problem import RosterNurse, build_problem
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Assignment, Leave, Roster, RosterProblem
from chalicelib.scheduling.domain.setup import WardSetup
from chalicelib.scheduling.service import solve_jobs

from shared import i18n
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, TransientStoreError
from tests.unit.scheduling.fakes import (
    FakeDirectory,
    FakeEngine,
    FakeLauncher,
    FakeLiveJobs,
    FakeProblemSource,
    FakeRun,
    FakeSolveJobs,
    JobTables,
    Person,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# The hospital's directory: the head nurse is of the period's ward (the rostering policy lets her solve it).
DIRECTORY = FakeDirectory()
for hospital in ("h1", "h2"):
    DIRECTORY.add_unit(hospital, "ward-1", "心内科病区")
    DIRECTORY.people[(hospital, "u-head")] = Person("王护士长", "H1", "ward-1", roles=("head_nurse",))
HEAD_NURSE = Principal(tenant="h1", user="u-head", roles=frozenset({"head_nurse"}), staff_name="王护士长")
NURSE = Principal(tenant="h1", user="u-nurse", roles=frozenset({"nurse"}))


def small_problem(nurses: int = 7, start: date = date(2026, 3, 2)) -> RosterProblem:
    people = [
        RosterNurse(
            f"n{i}",
            f"护士{i}",
            "ward-1",
            grade="N3" if i < 3 else "N1",
            roles=("head_nurse",) if i == 0 else (),
        )
        for i in range(nurses)
    ]
    return build_problem(WardSetup("ward-1"), people, start, 7)


class Clock:
    """The test's time: each call reads it; ``advance`` moves it on."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class World:
    """One hospital's jobs, a period's problem source, a launcher and a clock."""

    def __init__(self, problem: RosterProblem | None = None) -> None:
        self.tables = JobTables()
        self.jobs = FakeSolveJobs("h1", self.tables)
        self.source = FakeProblemSource(problem or small_problem())
        self.launcher = FakeLauncher()
        self.clock = Clock()

    def start(self, principal: Principal = HEAD_NURSE, **request: Any) -> Any:
        return solve_jobs.start(
            principal,
            "p1",
            SolveRequest(**request),
            jobs=self.jobs,
            directory=DIRECTORY,
            source=self.source,
            launcher=self.launcher,
            now=self.clock(),
        )

    def run(self, job_id: str, run: FakeRun) -> tuple[str, FakeEngine]:
        engine = FakeEngine(run)
        outcome = solve_jobs.run_job(
            "h1", "p1", job_id, jobs=self.jobs, source=self.source, engine=engine, clock=self.clock
        )
        return outcome, engine

    def job(self, job_id: str) -> Any:
        return self.jobs.get("p1", job_id)


def a_roster(problem: RosterProblem) -> Roster:
    """Some roster of the problem (each nurse on the day shift on her first day)."""
    return Roster(tuple(Assignment(n.id, 0, "D", "nurse") for n in problem.nurses[:2]))


def ticking(world: World, seconds: float = 5.0) -> Any:
    return lambda call: world.clock.advance(seconds)


# -- starting ---------------------------------------------------------------------------------------------


def test_a_solve_is_queued_its_worker_launched_and_a_second_is_refused_naming_the_first() -> None:
    world = World()
    job = world.start(time_limit=30, keep_published_days=False)
    assert (job.state, job.time_limit, job.keep_pinned, job.keep_published_days, job.mode) == (
        "queued",
        30,
        True,
        False,
        "solve",
    )
    assert job.period_name == "3月第1周" and job.created_by_name == "王护士长"
    assert world.launcher.launched == [("h1", "p1", job.id)]
    with pytest.raises(Conflict, match=job.id):
        world.start()
    assert len(world.launcher.launched) == 1


def test_only_rosterers_solve_and_an_unknown_period_is_not_found() -> None:
    world = World()
    with pytest.raises(Forbidden):
        world.start(NURSE)
    with pytest.raises(NotFound):
        solve_jobs.start(
            HEAD_NURSE, "missing", SolveRequest(), jobs=world.jobs, directory=DIRECTORY, source=world.source
        )
    assert world.tables.jobs == {}


def test_a_worker_that_cannot_be_started_fails_the_job_and_frees_the_period() -> None:
    world = World()
    world.launcher.fail = True
    with pytest.raises(TransientStoreError):
        world.start()
    (failed,) = world.tables.jobs.values()
    assert failed.state == "failed" and failed.reason == rules.NOT_LAUNCHED
    world.launcher.fail = False
    assert world.start().state == "queued"  # the period is free again


# -- the worker -------------------------------------------------------------------------------------------


def test_a_job_runs_beats_and_its_result_becomes_the_next_draft_revision() -> None:
    world = World()
    job = world.start(time_limit=60)
    roster = a_roster(world.source.problem)
    run = FakeRun(EngineOutcome(roster, cost=0), waits=3, during=ticking(world, 5))
    outcome, engine = world.run(job.id, run)
    assert outcome == "succeeded" and engine.started == [("solve", 60)]
    done = world.job(job.id)
    evaluation = evaluate(world.source.problem, roster)
    assert (done.state, done.result, done.revision, done.base_revision) == ("succeeded", "saved", 2, 1)
    assert done.cost == evaluation.cost
    assert done.cost_by_rule == {rule: c for rule, c in evaluation.soft.items() if c} | {
        rule: n for rule, n in evaluation.hard.items() if n
    }
    assert done.progress == ((5.0, 999), (10.0, 998), (15.0, 997))  # best cost over time
    assert world.source.saves == [(2, roster, f"auto-roster job {job.id}")]
    assert world.jobs.running("p1") is None
    assert solve_jobs.view(done).percent == 100
    # the keep options reached the problem source, with the hospital's date
    assert world.source.loads == [(True, True, date(2026, 3, 1))]


def test_each_beat_records_the_time_and_the_percent_of_the_time_limit() -> None:
    world = World()
    job = world.start(time_limit=20)
    seen: list[tuple[int, datetime | None]] = []

    def during(call: int) -> None:
        world.clock.advance(5)
        stored = world.job(job.id)
        seen.append((stored.percent, stored.heartbeat_at))

    world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=3, during=during))
    # seen before each wait: the start, then each beat (5 s of 20 s = 25 %, ...)
    assert seen == [
        (0, T0),
        (25, T0 + timedelta(seconds=5)),
        (50, T0 + timedelta(seconds=10)),
        (75, T0 + timedelta(seconds=15)),
    ]


def test_fill_mode_runs_the_engines_fill() -> None:
    world = World()
    job = world.start(mode="fill", time_limit=10)
    _, engine = world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem))))
    assert engine.started == [("fill", 10)]


def test_never_two_workers_on_one_job() -> None:
    world = World()
    job = world.start()
    stored = world.job(job.id)
    assert world.jobs.start(stored, T0) is not None
    assert world.jobs.start(stored, T0) is None  # queued → running happens once
    outcome, engine = world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem))))
    assert outcome == "skipped" and engine.started == []  # a second invocation (Lambda's retry) does nothing


def test_a_draft_changed_while_solving_keeps_the_result_on_the_job_until_applied() -> None:
    world = World()
    job = world.start()
    roster = a_roster(world.source.problem)

    def a_manual_edit(call: int) -> None:
        world.clock.advance(5)
        if call == 1:
            world.source.edit()  # the head nurse changes a cell: revision 1 → 2

    outcome, _ = world.run(job.id, FakeRun(EngineOutcome(roster), waits=2, during=a_manual_edit))
    kept = world.job(job.id)
    assert outcome == "succeeded"
    assert (kept.result, kept.revision, kept.kept) == ("kept", None, roster.assignments)
    assert kept.reason == rules.DRAFT_CHANGED.format(1, 2)
    assert world.source.saves == [] and world.source.revision == 2  # the manual work is untouched
    assert "草稿已被修改" in solve_jobs.view(kept, "zh-CN").reason

    applied = solve_jobs.apply(
        HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY, source=world.source
    )
    assert (applied.result, applied.revision) == ("applied", 3)
    assert world.source.saves == [(3, roster, f"auto-roster job {job.id}, applied by 王护士长")]
    again = solve_jobs.apply(
        HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY, source=world.source
    )
    assert (again.result, again.revision) == ("applied", 3) and len(world.source.saves) == 1


def test_only_a_kept_result_can_be_applied() -> None:
    world = World()
    job = world.start()
    world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem))))
    with pytest.raises(Conflict, match="saved"):
        solve_jobs.apply(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY, source=world.source)
    with pytest.raises(Forbidden):
        solve_jobs.apply(NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY, source=world.source)


# -- cancel -----------------------------------------------------------------------------------------------


def test_a_queued_job_cancelled_never_runs() -> None:
    world = World()
    job = world.start()
    cancelled = solve_jobs.cancel(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY, now=T0)
    assert cancelled.state == "cancelled" and cancelled.reason == "cancelled by 王护士长"
    outcome, engine = world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem))))
    assert outcome == "skipped" and engine.started == []
    assert world.jobs.running("p1") is None
    with pytest.raises(Conflict, match="cancelled"):
        solve_jobs.cancel(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)


def test_a_running_job_cancelled_stops_at_its_next_beat_keeping_nothing() -> None:
    world = World()
    job = world.start()

    def cancel_on_the_second_wait(call: int) -> None:
        world.clock.advance(5)
        if call == 2:
            asked = solve_jobs.cancel(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
            assert asked.state == "running" and asked.cancel_requested

    run = FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=10, during=cancel_on_the_second_wait)
    outcome, _ = world.run(job.id, run)
    stopped = world.job(job.id)
    assert outcome == "cancelled" and run.stopped and run.calls == 2
    assert (stopped.state, stopped.result, stopped.revision) == ("cancelled", None, None)
    assert world.source.saves == [] and world.jobs.running("p1") is None


def test_a_cancel_that_arrives_as_the_solve_ends_keeps_nothing_either() -> None:
    world = World()
    job = world.start()

    def cancel_at_the_end(call: int) -> None:
        solve_jobs.cancel(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)

    outcome, _ = world.run(
        job.id, FakeRun(EngineOutcome(a_roster(world.source.problem)), during=cancel_at_the_end)
    )
    assert outcome == "cancelled" and world.source.saves == []


# -- failures ---------------------------------------------------------------------------------------------


# -- stop and keep the best ---------------------------------------------------------------------------------


def test_a_running_job_stopped_ends_at_its_next_beat_with_its_best_roster_as_the_new_draft() -> None:
    world = World()
    job = world.start(time_limit=120)
    best = a_roster(world.source.problem)

    def stop_on_the_second_wait(call: int) -> None:
        world.clock.advance(5)
        if call == 2:
            asked = solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
            assert (asked.state, asked.stop_requested, asked.stop_requested_by) == (
                "running",
                True,
                "王护士长",
            )
            again = solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
            assert again == asked  # asking twice changes nothing

    run = FakeRun(EngineOutcome(best), waits=20, during=stop_on_the_second_wait)
    outcome, _ = world.run(job.id, run)
    done = world.job(job.id)
    # asked at the second beat, the search ended there (not at its 120 s) and its roster was kept
    assert outcome == "succeeded" and run.finished_at == 2 and run.calls == 3 and not run.stopped
    assert (done.state, done.result, done.revision) == ("succeeded", "saved", 2)
    assert done.reason == "stopped by 王护士长 after 15 s: the best roster found by then"
    view = solve_jobs.get(HEAD_NURSE, "p1", job.id, "zh-CN", jobs=world.jobs, directory=DIRECTORY)
    assert view.reason == "已由 王护士长 在第 15 秒停止：保留此时找到的最佳排班"
    assert (
        view.stop_requested and view.percent == 100 and view.cost == evaluate(world.source.problem, best).cost
    )
    ((revision, saved, _),) = world.source.saves
    assert (revision, saved) == (2, best) and world.jobs.running("p1") is None
    with pytest.raises(Conflict, match="nothing to stop"):
        solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)


def test_a_queued_job_stopped_keeps_the_first_roster_its_search_finds() -> None:
    world = World()
    job = world.start(time_limit=600)
    asked = solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
    assert (asked.state, asked.stop_requested) == ("queued", True)
    run = FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=100, during=ticking(world))
    outcome, _ = world.run(job.id, run)
    assert outcome == "succeeded" and run.finished_at == 0 and run.calls == 1
    assert world.job(job.id).result == "saved" and len(world.source.saves) == 1


def test_a_stop_does_not_outrank_a_cancel_and_only_rosterers_stop() -> None:
    world = World()
    job = world.start()
    with pytest.raises(Forbidden):
        solve_jobs.stop(NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
    assert not world.job(job.id).stop_requested
    other = Principal(tenant="h2", user="u-head", roles=frozenset({"head_nurse"}), staff_name="王护士长")
    with pytest.raises(NotFound):
        solve_jobs.stop(other, "p1", job.id, jobs=FakeSolveJobs("h2", world.tables), directory=DIRECTORY)

    def stop_then_cancel(call: int) -> None:
        world.clock.advance(5)
        if call == 1:
            solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)
            solve_jobs.cancel(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)

    run = FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=10, during=stop_then_cancel)
    outcome, _ = world.run(job.id, run)
    assert outcome == "cancelled" and run.stopped and world.source.saves == []


def test_a_stopped_job_whose_search_finds_no_roster_fails_with_the_reason_as_it_would() -> None:
    world = World()
    job = world.start()

    def stop_at_once(call: int) -> None:
        if call == 1:
            solve_jobs.stop(HEAD_NURSE, "p1", job.id, jobs=world.jobs, directory=DIRECTORY)

    outcome, _ = world.run(
        job.id, FakeRun(EngineOutcome(None, error="infeasible"), waits=3, during=stop_at_once)
    )
    assert outcome == "failed" and world.job(job.id).reason.startswith("no roster satisfies")


def test_an_infeasible_problem_fails_naming_what_is_short() -> None:
    problem = small_problem(nurses=3)
    # all three on leave on day 2: nobody can cover that day's shifts
    problem = replace(problem, leave=tuple(Leave(n.id, 2) for n in problem.nurses))
    world = World(problem)
    job = world.start()
    outcome, _ = world.run(job.id, FakeRun(EngineOutcome(None, error="infeasible", message="INFEASIBLE")))
    failed = world.job(job.id)
    assert outcome == "failed" and failed.result is None
    assert failed.reason.startswith("no roster satisfies the hard rules: 2026-03-04 ")
    assert "needs 3 nurse, only 0 can work" in failed.reason
    zh = solve_jobs.view(failed, "zh-CN").reason
    assert (
        zh.startswith("没有满足全部硬性规则的排班方案：2026-03-04 ")
        and "需要 3 名" in zh
        and "只有 0 人可排" in zh
    )
    assert world.jobs.running("p1") is None


def test_an_engine_error_and_a_source_that_cannot_load_fail_the_job_with_the_reason() -> None:
    world = World()
    job = world.start()
    world.run(job.id, FakeRun(EngineOutcome(None, error="error", message="MemoryError: out of memory")))
    assert world.job(job.id).reason == "the solver failed: MemoryError: out of memory"

    world.source.fail_load = RuntimeError("MemoryError: out of memory")
    second = world.start()
    outcome, engine = world.run(second.id, FakeRun(EngineOutcome(None)))
    failed = world.job(second.id)
    assert outcome == "failed" and engine.started == []  # the engine never started on a problem not read
    assert failed.reason == "the solver failed: MemoryError: out of memory"


# -- the sweep --------------------------------------------------------------------------------------------


def test_the_sweep_fails_a_job_whose_heartbeat_stopped_and_frees_the_period() -> None:
    world = World()
    job = world.start()
    world.jobs.start(world.job(job.id), T0)
    running = world.job(job.id)
    world.jobs.beat(running, T0 + timedelta(seconds=30), 10, ())
    live = FakeLiveJobs(world.tables)
    stores = lambda tenant: FakeSolveJobs(tenant, world.tables)  # noqa: E731
    assert solve_jobs.sweep(T0 + timedelta(minutes=2), live, stores) == 0  # 90 s of silence: not yet
    assert solve_jobs.sweep(T0 + timedelta(minutes=2, seconds=31), live, stores) == 1
    failed = world.job(job.id)
    assert failed.state == "failed" and failed.reason == rules.HEARTBEAT_STOPPED.format(2)
    assert solve_jobs.view(failed, "zh").reason == "排班求解已无响应（2 分钟无心跳）"
    assert world.jobs.running("p1") is None
    assert solve_jobs.sweep(T0 + timedelta(minutes=10), live, stores) == 0  # ended: left alone


def test_the_sweep_fails_a_job_no_worker_took_and_the_late_worker_then_does_nothing() -> None:
    world = World()
    job = world.start()
    live, stores = FakeLiveJobs(world.tables), (lambda tenant: FakeSolveJobs(tenant, world.tables))
    assert solve_jobs.sweep(T0 + timedelta(minutes=4), live, stores) == 0
    assert solve_jobs.sweep(T0 + timedelta(minutes=5), live, stores) == 1
    assert world.job(job.id).reason == rules.NEVER_STARTED.format(5)
    outcome, engine = world.run(job.id, FakeRun(EngineOutcome(a_roster(world.source.problem))))
    assert outcome == "skipped" and engine.started == []


def test_a_beat_after_the_sweep_read_the_index_keeps_the_job_alive() -> None:
    world = World()
    job = world.start()
    world.jobs.start(world.job(job.id), T0)
    (stale,) = [j for _, j in FakeLiveJobs(world.tables).stale(T0 + timedelta(minutes=3), 10)]
    world.jobs.beat(world.job(job.id), T0 + timedelta(minutes=3), 50, ())  # the worker was only slow
    assert not world.jobs.finish(stale, replace(stale, state="failed"))
    assert world.job(job.id).state == "running"


def test_a_worker_whose_job_was_swept_stops_and_saves_nothing() -> None:
    world = World()
    job = world.start()

    def swept(call: int) -> None:
        world.clock.advance(5)
        stored = world.job(job.id)
        world.jobs.finish(stored, replace(stored, state="failed", reason="swept"))

    run = FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=5, during=swept)
    outcome, _ = world.run(job.id, run)
    assert outcome == "lost" and run.stopped and world.source.saves == []
    assert world.job(job.id).reason == "swept"


def test_the_sweep_reaches_every_hospital() -> None:
    tables = JobTables()
    for tenant in ("h1", "h2"):
        jobs = FakeSolveJobs(tenant, tables)
        solve_jobs.start(
            replace(HEAD_NURSE, tenant=tenant),
            "p1",
            SolveRequest(),
            jobs=jobs,
            directory=DIRECTORY,
            source=FakeProblemSource(small_problem()),
            launcher=FakeLauncher(),
            now=T0,
        )
    assert (
        solve_jobs.sweep(T0 + timedelta(hours=1), FakeLiveJobs(tables), lambda t: FakeSolveJobs(t, tables))
        == 2
    )
    assert {job.state for job in tables.jobs.values()} == {"failed"}


# -- listing, reading, the rules --------------------------------------------------------------------------


def test_a_periods_jobs_list_newest_first_for_its_rosterers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = iter(["0001", "0002"])  # time-ordered ids, as shared.ids makes them a millisecond apart
    monkeypatch.setattr(solve_jobs, "new_id", lambda: next(ids))
    world = World()
    first = world.start()
    solve_jobs.cancel(HEAD_NURSE, "p1", first.id, jobs=world.jobs, directory=DIRECTORY)
    second = world.start()
    page = solve_jobs.list_jobs(
        HEAD_NURSE, "p1", 10, None, jobs=world.jobs, directory=DIRECTORY, source=world.source
    )
    assert [j.id for j in page.items] == [second.id, first.id]
    with pytest.raises(Forbidden):
        solve_jobs.list_jobs(NURSE, "p1", 10, None, jobs=world.jobs, directory=DIRECTORY, source=world.source)
    with pytest.raises(NotFound):
        solve_jobs.get(HEAD_NURSE, "p1", "nope", jobs=world.jobs, directory=DIRECTORY)


def test_every_reason_a_job_records_reads_in_chinese() -> None:
    for name in (
        "HEARTBEAT_STOPPED",
        "NEVER_STARTED",
        "INFEASIBLE",
        "INFEASIBLE_SHORT",
        "SHORTAGE",
        "SOLVER_ERROR",
        "SOLVE_RUNNING",
        "ALREADY_ENDED",
        "NOT_KEPT",
        "CANCELLED",
        "CANCELLED_RUNNING",
        "STOPPED",
        "NOTHING_TO_STOP",
        "NOT_LAUNCHED",
        "DRAFT_CHANGED",
    ):
        assert i18n.known(getattr(rules, name)), name


def test_progress_is_thinned_to_twenty_points_keeping_the_first_and_the_last() -> None:
    points = [(float(i), 1000 - i) for i in range(100)]
    thinned = rules.thin(points)
    assert len(thinned) == 20 and thinned[0] == (0.0, 1000) and thinned[-1] == (99.0, 901)
    assert rules.percent(30, 60) == 50 and rules.percent(90, 60) == 99


def test_shortages_name_the_day_shift_and_skill() -> None:
    problem = small_problem(nurses=7)
    assert rules.shortages(problem) == []
    seniors_away = replace(problem, leave=tuple(Leave(f"n{i}", 0) for i in range(3)))
    short = rules.shortages(seniors_away)
    assert [(s.day, s.skill, s.available) for s in short if s.skill != "nurse"] == [
        (date(2026, 3, 2), s.skill, 0) for s in short if s.skill != "nurse"
    ]


def test_a_worker_told_to_stop_stops_its_solve_on_the_way_out() -> None:
    """``fh dev`` stopping sends its workers SIGTERM, which ``fh.local.worker`` turns into SystemExit."""
    world = World()
    job = world.start()

    def terminated(call: int) -> None:
        raise SystemExit(143)

    run = FakeRun(EngineOutcome(a_roster(world.source.problem)), waits=5, during=terminated)
    with pytest.raises(SystemExit):
        world.run(job.id, run)
    assert run.stopped and world.source.saves == []
