"""A real auto-roster job: the engine in its own process (as in the solver function), on a small ward
built by ``build_problem`` (seven nurses, a week). Asserts what a head nurse gets, not how fast."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from chalicelib.scheduling.adapters.engine import ProcessEngine
from chalicelib.scheduling.domain.problem import RosterNurse, build_problem
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.domain.roster.model import Roster, RosterProblem
from chalicelib.scheduling.domain.setup import WardSetup
from chalicelib.scheduling.domain.solve_jobs import SolveJob, SolveSettings
from chalicelib.scheduling.service import solve_jobs

from tests.unit.scheduling.fakes import FakeProblemSource, FakeSolveJobs


def ward(nurses: int, days: int) -> RosterProblem:
    people = [
        RosterNurse(f"n{i}", f"护士{i}", "ward-1", grade="N3" if i < nurses // 3 else "N1", roles=())
        for i in range(nurses)
    ]
    return build_problem(WardSetup("ward-1"), people, date(2026, 3, 2), days)


def queued(jobs: FakeSolveJobs, seconds: int, mode: str = "solve") -> SolveJob:
    job = SolveJob(
        id="job-1",
        period_id="p1",
        ward_ids=("ward-1",),
        settings=SolveSettings(time_limit=seconds, mode=mode),  # type: ignore[arg-type]
        state="queued",
        created_at=datetime.now(UTC),
        created_by="u-head",
    )
    jobs.create(job)
    return job


def _recording(engine: ProcessEngine) -> list[object]:
    runs: list[object] = []
    start = engine.start

    def started(*args: object) -> object:
        run = start(*args)  # type: ignore[arg-type]
        runs.append(run)
        return run

    engine.start = started  # type: ignore[method-assign]
    return runs


def test_a_real_solve_of_a_small_ward_becomes_a_roster_without_hard_violations() -> None:
    problem = ward(7, 7)
    source, jobs = FakeProblemSource(problem), FakeSolveJobs("h1")
    queued(jobs, seconds=3)
    outcome = solve_jobs.run_job(
        "h1", "p1", "job-1", jobs=jobs, source=source, engine=ProcessEngine(), beat_seconds=0.5
    )
    done = jobs.get("p1", "job-1")
    assert outcome == "succeeded", done
    assert (done.result, done.revision) == ("saved", 2)
    ((revision, roster, _),) = source.saves
    assert revision == 2
    evaluation = evaluate(problem, roster)
    assert evaluation.feasible and roster.assignments
    assert done.cost == evaluation.cost and done.progress and done.progress[-1][1] >= done.cost


def test_a_real_fill_keeps_every_existing_assignment() -> None:
    problem = ward(7, 7)
    first = FakeProblemSource(problem)
    jobs = FakeSolveJobs("h1")
    queued(jobs, seconds=3)
    solve_jobs.run_job("h1", "p1", "job-1", jobs=jobs, source=first, engine=ProcessEngine(), beat_seconds=0.5)
    keep = Roster(first.roster.assignments[: len(first.roster.assignments) // 2])
    source, jobs = FakeProblemSource(problem, roster=keep), FakeSolveJobs("h1")
    queued(jobs, seconds=3, mode="fill")
    assert (
        solve_jobs.run_job(
            "h1", "p1", "job-1", jobs=jobs, source=source, engine=ProcessEngine(), beat_seconds=0.5
        )
        == "succeeded"
    )
    filled = source.roster
    assert set(keep.assignments) <= set(filled.assignments)
    assert evaluate(problem, filled).feasible


def test_a_real_solve_cancelled_at_a_beat_stops_its_process_and_keeps_nothing() -> None:
    problem = ward(30, 28)  # big enough to still be searching at the first beat
    source, jobs = FakeProblemSource(problem), FakeSolveJobs("h1")
    job = queued(jobs, seconds=120)
    engine = ProcessEngine()
    runs = _recording(engine)
    real_beat = jobs.beat

    def beat_then_cancel(*args: object) -> SolveJob | None:
        stored = real_beat(*args)  # type: ignore[arg-type]
        jobs.request_cancel(replace(job, state="running"))
        return jobs.get("p1", "job-1") if stored else None

    jobs.beat = beat_then_cancel  # type: ignore[method-assign]
    outcome = solve_jobs.run_job(
        "h1", "p1", "job-1", jobs=jobs, source=source, engine=engine, beat_seconds=0.5
    )
    assert outcome == "cancelled"
    assert jobs.get("p1", "job-1").state == "cancelled" and source.saves == []
    (run,) = runs
    assert not run.process.is_alive()  # type: ignore[attr-defined]  # killed with its group, not left searching


def _stopped_and_saved(
    problem: RosterProblem,
    source: FakeProblemSource,
    jobs: FakeSolveJobs,
    engine: ProcessEngine,
    runs: list[object],
) -> int:
    """Run the job to its end: it succeeds, stopped by 王护士长, its feasible roster saved as the draft
    at the cost the job shows, and the engine's process gone (the search and its annealing did not
    go on to the time limit). Returns that cost."""
    outcome = solve_jobs.run_job(
        "h1", "p1", "job-1", jobs=jobs, source=source, engine=engine, beat_seconds=0.5
    )
    done = jobs.get("p1", "job-1")
    assert outcome == "succeeded", done
    assert done.result == "saved" and done.reason.startswith("stopped by 王护士长 after ")
    ((_, roster, _),) = source.saves
    evaluation = evaluate(problem, roster)
    assert evaluation.feasible and done.cost == evaluation.cost
    (run,) = runs
    assert not run.process.is_alive()  # type: ignore[attr-defined]
    return evaluation.cost


def test_a_real_solve_stopped_keeps_its_best_roster_and_stops_its_process() -> None:
    """Stop and keep the best, asked at a beat once the search has a roster (its progress shows a
    cost): the best roster so far is the result at once, long before the 120 s asked for."""
    problem = ward(30, 28)
    source, jobs = FakeProblemSource(problem), FakeSolveJobs("h1")
    job = queued(jobs, seconds=120)
    engine = ProcessEngine()
    runs = _recording(engine)
    real_beat = jobs.beat
    asked_at: list[tuple[tuple[float, int], ...]] = []

    def beat_then_stop(*args: object) -> SolveJob | None:
        stored = real_beat(*args)  # type: ignore[arg-type]
        progress = args[3]
        if progress and not asked_at:  # a roster exists: its cost was reported
            asked_at.append(progress)  # type: ignore[arg-type]
            jobs.request_stop(replace(job, state="running"), "王护士长")
        return jobs.get("p1", "job-1") if stored else None

    jobs.beat = beat_then_stop  # type: ignore[method-assign]
    cost = _stopped_and_saved(problem, source, jobs, engine, runs)
    # the roster is the search's best: no worse than the best cost reported when the stop was asked
    assert cost <= asked_at[0][-1][1]


def test_a_real_solve_stopped_before_it_started_keeps_its_first_roster() -> None:
    """Asked before the worker took the job (no roster yet): the first roster the search finds is
    the result."""
    problem = ward(30, 28)
    source, jobs = FakeProblemSource(problem), FakeSolveJobs("h1")
    job = queued(jobs, seconds=120)
    assert jobs.request_stop(job, "王护士长") is not None
    engine = ProcessEngine()
    _stopped_and_saved(problem, source, jobs, engine, _recording(engine))
