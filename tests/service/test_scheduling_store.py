"""Scheduling's repositories, the same checks on the DynamoDB adapters (on moto) and on the in-memory
fakes the service-layer tests use: a fake that drifts from the adapter fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from chalicelib.scheduling.adapters.dynamodb import DynamoLiveJobs, DynamoSolveJobs, DynamoStore
from chalicelib.scheduling.domain.leave import Window
from chalicelib.scheduling.domain.problem import Certificate
from chalicelib.scheduling.domain.records import LeaveRecord, StaffRecord, Unit
from chalicelib.scheduling.domain.roster.model import Assignment
from chalicelib.scheduling.domain.setup import (
    CalendarDay,
    ContractDef,
    DemandRule,
    FairnessOverTime,
    ShiftDef,
)
from chalicelib.scheduling.domain.solve_jobs import SolveJob, SolveSettings
from chalicelib.scheduling.domain.ward_rules import WardRules

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.persistence.uow import UnitOfWork
from tests.unit.scheduling.fakes import FakeLiveJobs, FakeSolveJobs, FakeStore, JobTables, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# A store for a tenant, and how to run a change on it: (tenant) -> (store for reads, write(fn)).
Opener = Callable[[str], tuple[Any, Callable[[Callable[[Any], None]], None]]]


def _dynamo(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    def write(change: Callable[[Any], None]) -> None:
        principal = Principal(tenant=tenant, user="service:scheduling", kind="service")
        with UnitOfWork("scheduling", principal, "test") as uow:
            change(DynamoStore(tenant, uow))
            uow.commit()

    return DynamoStore(tenant), write


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    store = FakeStore(tenant, tables=_TABLES)

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def person(n: int, name: str | None = None) -> StaffRecord:
    return StaffRecord(f"s{n:02d}", name or f"护士{n}", f"E{n}", "d1", None, AT)


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_staff_put_replaces_remove_removes_and_pages_cover_everyone_once(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: [s.staff.put(person(n)) for n in range(5)])
    write(lambda s: s.staff.put(person(1, "改名")))
    write(lambda s: s.staff.remove("s03"))
    write(lambda s: s.staff.remove("never-there"))
    rows = all_pages(lambda cursor: store.staff.page(2, cursor))
    assert [(r.id, r.name) for r in rows] == [
        ("s00", "护士0"),
        ("s01", "改名"),
        ("s02", "护士2"),
        ("s04", "护士4"),
    ]
    assert rows[0] == person(0)


def test_staff_of_another_tenant_and_its_cursors_stay_apart(opener: Opener) -> None:
    mine, other = f"t-{uuid.uuid4().hex[:10]}", f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(mine)
    write(lambda s: [s.staff.put(person(n)) for n in range(3)])
    other_store, _ = opener(other)
    assert other_store.staff.page(10, None) == ([], None)
    _, cursor = store.staff.page(1, None)
    assert cursor is not None
    with pytest.raises(RuleViolation):
        other_store.staff.page(1, cursor)


def test_nothing_is_written_without_a_commit(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, _ = opener(tenant)
    if isinstance(store, FakeStore):
        with store.uow:
            store.staff.put(person(1))
    else:
        with UnitOfWork("scheduling", None, "test") as uow:
            DynamoStore(tenant, uow).staff.put(person(1))
    assert store.staff.page(10, None)[0] == []


def leave(staff: str, instance: str, start: str, end: str) -> LeaveRecord:
    start_day, end_day = date.fromisoformat(start), date.fromisoformat(end)
    return LeaveRecord(staff, instance, "年假", start_day, end_day, AT, staff_name=f"员工{staff}")


def test_leave_overlapping_a_window_by_person_and_by_hospital(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    records = [
        leave("s1", "over", "2026-11-01", "2026-11-30"),
        leave("s1", "running", "2026-11-20", "2026-12-03"),
        leave("s2", "inside", "2026-12-10", "2026-12-12"),
        leave("s1", "last-day", "2026-12-31", "2027-01-02"),
        leave("s2", "after", "2027-01-01", "2027-01-05"),
        leave("s2", "long-ago", "2025-01-01", "2025-02-01"),
    ]
    write(lambda s: [s.leave.put(r) for r in records])
    write(lambda s: s.leave.put(records[1]))  # the same approval again
    december = Window(date(2026, 12, 1), date(2026, 12, 31))
    everyone = all_pages(lambda cursor: store.leave.overlapping(None, december, 2, cursor))
    assert [r.instance_id for r in everyone] == ["running", "inside", "last-day"]
    assert everyone[0] == records[1]
    s1 = all_pages(lambda cursor: store.leave.overlapping("s1", december, 1, cursor))
    assert [r.instance_id for r in s1] == ["running", "last-day"]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.leave.overlapping(None, december, 10, None) == ([], None)


def test_leave_cancelled_before_or_after_its_approval_stays_cancelled_and_out_of_the_window(
    opener: Opener,
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    half = LeaveRecord("s1", "half", "事假", date(2026, 12, 7), date(2026, 12, 8), AT, "pm", "am", 1.0)
    write(lambda s: s.leave.put(half))
    december = Window(date(2026, 12, 1), date(2026, 12, 31))
    assert store.leave.overlapping("s1", december, 10, None)[0] == [half]
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    write(lambda s: s.leave.cancel(half, AT))
    write(lambda s: s.leave.cancel(half, later))  # again: the first time stays
    write(lambda s: s.leave.put(half))  # the approval again (redriven): still cancelled
    assert store.leave.overlapping("s1", december, 10, None) == ([], None)
    assert store.leave.overlapping(None, december, 10, None) == ([], None)
    early = leave("s2", "early", "2026-12-20", "2026-12-21")
    write(lambda s: s.leave.cancel(early, AT))  # the cancellation first
    write(lambda s: s.leave.put(early))
    assert store.leave.overlapping(None, december, 10, None) == ([], None)


# --- rostering setup: the projection by unit, the shift catalogue, a ward's rules, the calendar ----


def nurse(n: int, unit: str, **fields: Any) -> StaffRecord:
    return StaffRecord(f"n{n:02d}", f"护士{n}", f"E{n}", unit, None, AT, **fields)


def test_staff_keep_grade_roles_certificates_and_status_and_are_found_by_unit(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    certified = nurse(
        1,
        "w1",
        nurse_grade="N3",
        roles=("nurse", "head_nurse"),
        certificates=(Certificate("ICU专科护士", date(2027, 6, 30)), Certificate("静脉治疗")),
        status="on_leave",
    )
    write(lambda s: [s.staff.put(r) for r in (nurse(2, "w1"), certified, nurse(3, "w2"), nurse(4, "w3"))])
    assert store.staff.of_units(["w1"]) == [certified, nurse(2, "w1")]
    assert [r.id for r in store.staff.of_units(["w2", "w1", "w2"])] == ["n03", "n01", "n02"]
    write(lambda s: s.staff.put(nurse(2, "w2")))  # moved: found under the new unit only
    assert [r.id for r in store.staff.of_units(["w1"])] == ["n01"]
    assert [r.id for r in store.staff.of_units(["w2"])] == ["n02", "n03"]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.staff.of_units(["w1"]) == []


def test_the_shift_catalogue_puts_replaces_and_removes_only_what_is_there(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    assert store.shift_types.all() == []
    day = ShiftDef("D", "白班", time(8), time(16))
    night = ShiftDef("N", "大夜", time(0), time(8), "#7b61ff", "senior", 3)
    write(lambda s: [s.shift_types.put(x) for x in (night, day)])
    assert store.shift_types.all() == [day, night]
    write(lambda s: s.shift_types.put(ShiftDef("D", "白班", time(7, 30), time(15, 30))))
    assert [s.start for s in store.shift_types.all()] == [time(7, 30), time(0)]
    write(lambda s: s.shift_types.remove("D"))
    with pytest.raises(NotFound):
        write(lambda s: s.shift_types.remove("D"))
    assert store.shift_types.all() == [night]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.shift_types.all() == []


def test_a_wards_rules_round_trip_and_a_stale_version_is_refused(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    assert store.ward_rules.get("w1") == WardRules("w1")
    rules = WardRules(
        "w1",
        shifts=(ShiftDef("A", "值班", time(8), time(8), skill="senior"),),
        shift_codes=("D", "A"),
        forbidden_successions=(("A", "D"),),
        min_rest_hours=12.0,
        contracts=(ContractDef("full_time", "全职", max_shifts_per_week=5.0),),
        default_contract="full_time",
        nurse_contracts={"n01": "full_time"},
        demand=(DemandRule("holiday", "D", "nurse", 2, 3),),
        skip_approval=True,
        fairness=FairnessOverTime(True, date(2027, 1, 1), 6, 25),
        updated_at=AT,
        updated_by="王护士长",
    )
    write(lambda s: s.ward_rules.save(rules, 0))
    assert store.ward_rules.get("w1") == replace(rules, version=1)
    with pytest.raises(Conflict):
        write(lambda s: s.ward_rules.save(rules, 0))  # based on a version that is no longer there
    unset = WardRules("w1", updated_at=AT)
    write(lambda s: s.ward_rules.save(unset, 1))
    assert store.ward_rules.get("w1") == replace(unset, version=2)
    with pytest.raises(Conflict):
        write(lambda s: s.ward_rules.save(WardRules("w2"), 3))  # a version of a ward with none saved
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.ward_rules.get("w1").version == 0


def test_the_hospitals_calendar_days_by_window(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    days = [
        CalendarDay(date(2026, 12, 31), "holiday", "院庆"),
        CalendarDay(date(2027, 1, 1), "holiday", "元旦"),
        CalendarDay(date(2027, 2, 6), "workday", "春节调休"),
    ]
    write(lambda s: [s.calendar.put(d) for d in days])
    assert store.calendar.between(date(2027, 1, 1), date(2027, 12, 31)) == days[1:]
    write(lambda s: s.calendar.put(CalendarDay(date(2027, 1, 1), "holiday", "新年")))
    write(lambda s: s.calendar.remove(date(2026, 12, 31)))
    with pytest.raises(NotFound):
        write(lambda s: s.calendar.remove(date(2026, 12, 31)))
    assert [d.name for d in store.calendar.between(date(2026, 1, 1), date(2027, 12, 31))] == [
        "新年",
        "春节调休",
    ]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.calendar.between(date(2026, 1, 1), date(2027, 12, 31)) == []


def test_the_directory_read_model_gives_units_and_a_persons_rostering_details(stack: Any) -> None:
    """The adapter side of ``Directory`` (the fake is a plain map): units with parents and heads in one
    Query, a person's grade, roles and certificates in one GetItem."""
    from chalicelib.scheduling.adapters.dynamodb import DirectoryReadModel

    from shared.directory import DepartmentItem, StaffItem

    tenant = f"t-{uuid.uuid4().hex[:10]}"
    DepartmentItem.new(tenant, "med", name="内科").save()
    DepartmentItem.new(tenant, "w1", name="心内科病区", kind="ward", parent_id="med", head_id="hn").save()
    certificates = '[{"type": "ICU专科护士", "number": "C1", "valid_until": "2027-06-30"}]'
    StaffItem.new(
        tenant,
        "hn",
        name="王护士长",
        employee_no="E1",
        department_id="w1",
        nurse_grade="N4",
        roles=["head_nurse"],
        certificates=certificates,
    ).save()
    directory = DirectoryReadModel()
    units = directory.units(tenant)
    assert units["w1"] == Unit("w1", "心内科病区", "ward", "med", "hn")
    assert units["med"].parent_id is None and set(units) == {"med", "w1"}
    person = directory.staff(tenant, "hn")
    assert person is not None
    assert (person.department_id, person.nurse_grade, list(person.roles)) == ("w1", "N4", ["head_nurse"])
    assert [c["type"] for c in person.certificates] == ["ICU专科护士"]
    assert directory.units(f"t-{uuid.uuid4().hex[:10]}") == {}


# ---- auto-roster jobs: the same checks on DynamoSolveJobs / DynamoLiveJobs and on their fakes -----------

JobsOpener = Callable[[str], tuple[Any, Any]]  # tenant -> (SolveJobs, LiveJobs)
_JOB_TABLES = JobTables()


@pytest.fixture(params=["dynamodb", "memory"])
def jobs_opener(request: pytest.FixtureRequest) -> Iterator[JobsOpener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield lambda tenant: (DynamoSolveJobs(tenant), DynamoLiveJobs())
    else:
        yield lambda tenant: (FakeSolveJobs(tenant, _JOB_TABLES), FakeLiveJobs(_JOB_TABLES))


def a_job(job_id: str, period_id: str = "p1", at: datetime = AT) -> SolveJob:
    return SolveJob(
        id=job_id,
        period_id=period_id,
        period_name="3月",
        ward_ids=("w1", "w2"),
        settings=SolveSettings(time_limit=90, keep_pinned=False, keep_published_days=True, mode="fill"),
        state="queued",
        created_at=at,
        created_by="s01",
        created_by_name="王护士长",
        base_revision=4,
    )


def test_a_job_is_created_with_its_periods_lock_and_a_second_is_refused(jobs_opener: JobsOpener) -> None:
    jobs, _ = jobs_opener(f"t-{uuid.uuid4().hex[:10]}")
    assert jobs.running("p1") is None
    jobs.create(a_job("0001"))
    assert jobs.running("p1") == "0001"
    assert jobs.get("p1", "0001") == a_job("0001")
    with pytest.raises(Conflict, match="0001"):
        jobs.create(a_job("0002"))
    assert jobs.get("p1", "0002") is None and jobs.get("p2", "0001") is None


def test_a_job_starts_once_beats_while_running_and_is_asked_to_stop(jobs_opener: JobsOpener) -> None:
    jobs, _ = jobs_opener(f"t-{uuid.uuid4().hex[:10]}")
    jobs.create(a_job("0001"))
    queued = jobs.get("p1", "0001")
    assert jobs.beat(queued, AT, 5, ()) is None  # not running yet
    assert not jobs.request_cancel(queued)
    running = jobs.start(queued, AT)
    assert running is not None and (running.state, running.started_at, running.heartbeat_at) == (
        "running",
        AT,
        AT,
    )
    assert jobs.start(queued, AT) is None  # never a second worker
    later = AT + timedelta(seconds=5)
    beaten = jobs.beat(running, later, 8, ((1.5, 300), (4.0, 240)))
    assert beaten is not None and (beaten.percent, beaten.progress, beaten.heartbeat_at) == (
        8,
        ((1.5, 300), (4.0, 240)),
        later,
    )
    assert not beaten.cancel_requested
    assert jobs.request_cancel(beaten)
    assert jobs.beat(beaten, later + timedelta(seconds=5), 16, ()).cancel_requested


def test_a_live_job_is_asked_to_stop_and_keep_its_best_by_name_and_an_ended_one_is_not(
    jobs_opener: JobsOpener,
) -> None:
    jobs, _ = jobs_opener(f"t-{uuid.uuid4().hex[:10]}")
    jobs.create(a_job("0001"))
    asked = jobs.request_stop(jobs.get("p1", "0001"), "王护士长")  # queued: its worker reads it at start
    assert asked is not None and (asked.state, asked.stop_requested, asked.stop_requested_by) == (
        "queued",
        True,
        "王护士长",
    )
    running = jobs.start(asked, AT)
    assert running is not None and running.stop_requested and running.stop_requested_by == "王护士长"
    beaten = jobs.beat(running, AT + timedelta(seconds=5), 4, ())
    assert beaten.stop_requested and not beaten.cancel_requested
    assert jobs.finish(beaten, replace(beaten, state="succeeded", result="saved", revision=5))
    ended = jobs.get("p1", "0001")
    assert ended.stop_requested and ended.stop_requested_by == "王护士长"
    assert jobs.request_stop(ended, "李护士长") is None
    assert jobs.get("p1", "0001").stop_requested_by == "王护士长"


def test_a_job_ends_once_from_the_state_and_beat_it_was_read_in(jobs_opener: JobsOpener) -> None:
    jobs, _ = jobs_opener(f"t-{uuid.uuid4().hex[:10]}")
    jobs.create(a_job("0001"))
    running = jobs.start(jobs.get("p1", "0001"), AT)
    beaten = jobs.beat(running, AT + timedelta(seconds=5), 10, ())
    assert not jobs.finish(running, replace(running, state="failed"))  # a beat since: still alive
    roster = (Assignment("n1", 0, "D", "nurse"), Assignment("n2", 3, "N", "senior"))
    ended = replace(
        beaten,
        state="succeeded",
        ended_at=AT + timedelta(seconds=9),
        percent=100,
        cost=120,
        cost_by_rule={"S1": 90, "S6": 30},
        result="kept",
        reason="the draft changed",
        kept=roster,
    )
    assert jobs.finish(beaten, ended)
    assert jobs.get("p1", "0001") == ended
    assert jobs.running("p1") is None
    assert not jobs.finish(beaten, replace(beaten, state="failed"))
    assert jobs.mark_applied(ended, 7)
    applied = jobs.get("p1", "0001")
    assert (applied.result, applied.revision) == ("applied", 7)
    assert not jobs.mark_applied(applied, 8)
    jobs.create(a_job("0002"))  # the period is free again
    assert [j.id for j in all_pages(lambda cursor: jobs.page("p1", 1, cursor))] == ["0002", "0001"]


def test_the_live_jobs_index_finds_every_hospitals_overdue_jobs_only(jobs_opener: JobsOpener) -> None:
    tenants = [f"t-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    at = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
        minutes=uuid.uuid4().int % 10_000
    )  # this test's own time
    for n, tenant in enumerate(tenants):
        jobs, _ = jobs_opener(tenant)
        jobs.create(a_job(f"000{n}", at=at))
    jobs, live = jobs_opener(tenants[0])
    running = jobs.start(jobs.get("p1", "0000"), at + timedelta(minutes=1))  # stale at +3 min

    def overdue(now: datetime) -> set[tuple[str, str]]:
        return {(tenant, job.id) for tenant, job in live.stale(now, 100) if tenant in tenants}

    assert overdue(at + timedelta(minutes=2)) == set()
    assert overdue(at + timedelta(minutes=3)) == {(tenants[0], "0000")}
    assert overdue(at + timedelta(minutes=5)) == {(tenants[0], "0000"), (tenants[1], "0001")}
    jobs.finish(running, replace(running, state="failed"))
    assert overdue(at + timedelta(minutes=5)) == {(tenants[1], "0001")}  # an ended job leaves the index
