"""The task board and doing a task, on the in-memory fakes: board views for the hospital's today, who may
read which board, a task done once with its outcome (deceased cancels the rest), the call log with its
recording, and the daily sweep announcing each due task once and marking the missed ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts.board import BoardQuery, FinishTask, LogCall, RecordingUpload
from chalicelib.followup.domain import board as rules
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import board, sweep
from pydantic import ValidationError

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import FakeDirectory, FakeFiles, FakeHospitals, FakeStore, Tables

T = "t-board"
# 2026-12-04 23:30 in UTC is already the 5th in Shanghai: the board's today is the hospital's.
NOW = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
TODAY = date(2026, 12, 5)
AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def who(user: str, *roles: str, tenant: str = T) -> Principal:
    return Principal(tenant=tenant, user=user, kind="staff", roles=frozenset(roles), staff_name=user)


@pytest.fixture
def world() -> dict[str, Any]:
    directory = FakeDirectory()
    directory.add_unit(T, "cardio", "心内科")
    directory.add_unit(T, "cardio-ward", "心内科病区", "cardio")
    directory.add_unit(T, "surgery", "普外科")
    directory.add_person(T, "doc-li", "李医生", "cardio", "doctor")
    directory.add_person(T, "doc-wang", "王医生", "cardio", "doctor")
    directory.add_person(T, "nurse-zhao", "赵护士", "cardio-ward", "nurse")
    directory.add_person(T, "doc-sun", "孙医生", "surgery", "doctor")
    directory.add_person(T, "clerk", "钱文员", "cardio")
    directory.add_person(T, "head-chen", "陈主任", "cardio", "department_head")
    store = FakeStore(T, Tables())
    hospitals = FakeHospitals({T: "Asia/Shanghai"})
    return {"directory": directory, "store": store, "hospitals": hospitals, "files": FakeFiles()}


def add_patient(
    store: FakeStore, pid: str, department: str = "cardio", teams: list[str] | None = None
) -> None:
    patient = Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed-name", "id_number": "sealed-idn"},
        id_number_index=f"idn-{pid}",
        mobile_index=f"m-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=department,
        department_name="心内科",
        team_ids=teams or [],
        created_at=AT,
        updated_at=AT,
    )
    with store.uow as uow:
        store.patients.add(patient, Conflict("taken"))
        uow.commit()


def add_task(
    store: FakeStore,
    n: int,
    pid: str,
    due: date,
    doctor: str = "doc-li",
    team: str = "",
    department: str = "cardio",
    window: int = 7,
) -> Task:
    task = Task(
        id=f"{pid}-t{n:03d}",
        patient_id=pid,
        patient_label="张*",
        kind="call",
        title=f"出院后电话随访{n}",
        due=due,
        window_days=window,
        department_id=department,
        department_name="心内科",
        doctor_id=doctor,
        doctor_name="李医生" if doctor == "doc-li" else "",
        team_id=team,
        team_name="高血压家庭医生团队" if team else "",
        created_at=AT,
    )
    with store.uow as uow:
        store.tasks.add(task)
        uow.commit()
    return task


def page(world: dict[str, Any], caller: Principal, **query: Any) -> Any:
    return board.board(
        caller,
        BoardQuery(**query),
        store=world["store"].as_caller(caller),
        directory=world["directory"],
        hospitals=world["hospitals"],
        now=NOW,
    )


def test_the_views_are_the_hospitals_today_overdue_done_and_missed(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    for n, offset in enumerate([-3, -1, 0, 0, 1]):
        add_task(store, n, "p1", TODAY + timedelta(days=offset))
    li = who("doc-li", "doctor")
    today = page(world, li)
    assert today.today == TODAY  # Shanghai's date, not UTC's 4th
    assert [i.task_id for i in today.items] == ["p1-t002", "p1-t003"]
    assert {i.days_overdue for i in today.items} == {0}
    overdue = page(world, li, view="overdue")
    assert [(i.task_id, i.days_overdue) for i in overdue.items] == [("p1-t000", 3), ("p1-t001", 1)]
    # what a row shows: a masked patient, names beside ids, no identifier in full
    row = overdue.items[0]
    assert (row.patient_label, row.doctor_name, row.department_name) == ("张*", "李医生", "心内科")
    assert "110105" not in row.model_dump_json()
    finished = board.finish_task(
        li,
        "p1-t000",
        FinishTask(outcome="reached"),
        store=store.as_caller(li),
        directory=world["directory"],
        now=NOW,
    )
    assert finished.state == "done"
    assert [i.task_id for i in page(world, li, view="done").items] == ["p1-t000"]
    assert [i.task_id for i in page(world, li, view="overdue").items] == ["p1-t001"]


def test_a_board_is_one_query_a_page_and_pages_to_the_end(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    for n in range(5):
        add_task(store, n, "p1", TODAY)
    li = who("doc-li", "doctor")
    seen, cursor = [], None
    while True:
        before = len(store.tables.reads)
        result = page(world, li, limit=2, cursor=cursor)
        assert store.tables.reads[before:] == ["Query"]  # the board; the caller's record is the directory's
        seen += [i.task_id for i in result.items]
        cursor = result.next_cursor
        if cursor is None:
            break
    assert seen == [f"p1-t{n:03d}" for n in range(5)]


def test_who_reads_which_board(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1", teams=["team-htn"])
    add_task(store, 0, "p1", TODAY, doctor="doc-wang", team="team-htn")
    li, zhao, sun = who("doc-li", "doctor"), who("nurse-zhao", "nurse"), who("doc-sun", "doctor")
    # a colleague's board and the department's, in her own department; a ward nurse does not reach the
    # department above her ward, nor a surgeon cardiology's
    assert [i.task_id for i in page(world, li, owner_id="doc-wang").items] == ["p1-t000"]
    assert [i.task_id for i in page(world, li, scope="department").items] == ["p1-t000"]
    with pytest.raises(Forbidden):
        page(world, zhao, scope="department", owner_id="cardio")
    # the head of cardiology reaches the ward under it; the ward nurse her own ward
    add_task(store, 1, "p1", TODAY, doctor="", department="cardio-ward")
    ward = [
        i.task_id
        for i in page(
            world, who("head-chen", "department_head"), scope="department", owner_id="cardio-ward"
        ).items
    ]
    assert ward == ["p1-t001"]
    assert [i.task_id for i in page(world, zhao, scope="department").items] == ["p1-t001"]
    with pytest.raises(Forbidden):
        page(world, sun, owner_id="doc-wang")
    with pytest.raises(Forbidden):
        page(world, sun, scope="department", owner_id="cardio")
    # a team's board: its members only
    with pytest.raises(Forbidden):
        page(world, li, scope="team", owner_id="team-htn")
    store.memberships.join("doc-sun", "team-htn")
    assert [i.task_id for i in page(world, sun, scope="team", owner_id="team-htn").items] == ["p1-t000"]
    with pytest.raises(RuleViolation):
        page(world, sun, scope="team")
    # not clinical staff: no board; someone the directory does not know has nothing assigned (her own
    # board is empty) and reads no other board
    with pytest.raises(Forbidden):
        page(world, who("clerk"))
    assert page(world, who("nobody", "doctor")).items == []
    with pytest.raises(Forbidden):
        page(world, who("nobody", "doctor"), scope="department", owner_id="cardio")


def test_a_task_reads_with_its_calls_and_the_read_is_in_the_patients_access_log(
    world: dict[str, Any],
) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY)
    li = who("doc-li", "doctor")
    call = LogCall(at=NOW, duration_s=0, result="no_answer", note="无人接听")
    board.log_call(li, "p1-t000", call, store=store.as_caller(li), directory=world["directory"], now=NOW)
    view = board.get_task(li, "p1-t000", store=store.as_caller(li), directory=world["directory"])
    assert view.state == "open"  # a call not reaching the patient is an attempt: the task stays open
    assert [(c.result, c.by, c.by_name) for c in view.calls] == [("no_answer", "doc-li", "李医生")]
    assert view.closes_on == TODAY + timedelta(days=7)
    actions = [e.action for e in store.tables.access[(T, "p1")]]
    assert actions == ["task.call", "read:task"]


def test_someone_who_does_not_reach_the_patient_gets_a_404_without_the_id(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY)
    sun = who("doc-sun", "doctor")
    for attempt in (
        lambda s: board.get_task(sun, "p1-t000", store=s, directory=world["directory"]),
        lambda s: board.finish_task(
            sun, "p1-t000", FinishTask(outcome="reached"), store=s, directory=world["directory"]
        ),
        lambda s: board.get_task(sun, "p9-t000", store=s, directory=world["directory"]),
    ):
        with pytest.raises(NotFound) as caught:
            attempt(store.as_caller(sun))
        assert "p1" not in str(caught.value) and "p9" not in str(caught.value)
    other = who("doc-li", "doctor", tenant="t-other")
    world["directory"].add_person("t-other", "doc-li", "李医生", "cardio", "doctor")
    with pytest.raises(NotFound):
        board.get_task(other, "p1-t000", store=store.as_caller(other), directory=world["directory"])
    assert (T, "p1") not in store.tables.access  # nobody read anything


def test_done_is_once_and_two_doctors_finishing_together_one_wins(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY)
    li, wang = who("doc-li", "doctor"), who("doc-wang", "doctor")
    # both read the task, then both finish it: the second's save is over a stale revision
    first, second = store.as_caller(li), store.as_caller(wang)
    board.finish_task(
        li,
        "p1-t000",
        FinishTask(outcome="reached", notes="血压平稳"),
        store=first,
        directory=world["directory"],
    )
    with pytest.raises(Conflict):
        board.finish_task(
            wang, "p1-t000", FinishTask(outcome="refused"), store=second, directory=world["directory"]
        )
    stored = store.tables.tasks[(T, "p1-t000")]
    assert (stored.outcome, stored.done_by, stored.notes, stored.revision) == (
        "reached",
        "doc-li",
        "血压平稳",
        1,
    )
    assert [e.type for e in first.uow.published] == ["followup.task.done"]
    assert first.uow.published[0].data["outcome"] == "reached"
    assert second.uow.published == []


def test_racing_saves_are_refused_by_revision(world: dict[str, Any]) -> None:
    """The same race at the store: two finishes staged over the same read, committed one after the other."""
    store = world["store"]
    add_patient(store, "p1")
    task = add_task(store, 0, "p1", TODAY)
    a, b = store.as_caller(who("doc-li", "doctor")), store.as_caller(who("doc-wang", "doctor"))
    a.tasks.save(rules.finish(task, "reached", "", "", "doc-li", "李医生", NOW), Conflict("stale"))
    b.tasks.save(rules.finish(task, "refused", "", "", "doc-wang", "王医生", NOW), Conflict("stale"))
    a.commit()
    with pytest.raises(Conflict, match="stale"):
        b.commit()
    assert store.tables.tasks[(T, "p1-t000")].outcome == "reached"


def test_lost_to_follow_up_needs_its_reason(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY)
    li = who("doc-li", "doctor")
    with pytest.raises(RuleViolation) as caught:
        board.finish_task(
            li, "p1-t000", FinishTask(outcome="lost"), store=store.as_caller(li), directory=world["directory"]
        )
    assert caught.value.field == "reason"
    done = board.finish_task(
        li,
        "p1-t000",
        FinishTask(outcome="lost", reason="号码停机，家属搬迁"),
        store=store.as_caller(li),
        directory=world["directory"],
    )
    assert (done.outcome, done.outcome_reason) == ("lost", "号码停机，家属搬迁")


def test_deceased_cancels_the_patients_other_open_tasks_in_chunks_within_the_transaction_limit(
    world: dict[str, Any],
) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_patient(store, "p2")
    for n in range(45):
        add_task(store, n, "p1", TODAY + timedelta(days=n))
    add_task(store, 99, "p2", TODAY)
    li = who("doc-li", "doctor")
    mine = store.as_caller(li)
    board.finish_task(li, "p1-t001", FinishTask(outcome="reached"), store=mine, directory=world["directory"])
    mine = store.as_caller(li)
    view = board.finish_task(
        li, "p1-t000", FinishTask(outcome="deceased"), store=mine, directory=world["directory"]
    )
    states = {t.id: t.state for (_, _), t in store.tables.tasks.items()}
    assert view.cancelled_tasks == 43
    assert states["p1-t000"] == "done" and states["p1-t001"] == "done"
    assert {states[f"p1-t{n:03d}"] for n in range(2, 45)} == {"cancelled"}
    assert states["p2-t099"] == "open"  # another patient's are untouched
    assert mine.uow.commits == 2  # 40 with the outcome, then the other 3
    assert [e.type for e in mine.uow.published] == ["followup.task.done"]
    assert [a[0] for a in mine.uow.audited] == ["task.done", "task.cancelled"]


def test_a_call_with_a_recording_gets_an_upload_url_and_its_download_is_an_audited_read(
    world: dict[str, Any],
) -> None:
    store, files = world["store"], world["files"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY)
    li = who("doc-li", "doctor")
    call = LogCall(
        at=NOW,
        duration_s=185,
        result="reached",
        recording=RecordingUpload(content_type="audio/amr", size=48_000),
    )
    logged = board.log_call(
        li, "p1-t000", call, store=store.as_caller(li), directory=world["directory"], files=files, now=NOW
    )
    key = f"{T}/followup/recordings/{logged.id}"
    assert files.asked == [(key, "audio/amr", 48_000)]
    assert logged.upload_url and key in logged.upload_url
    assert logged.upload_headers == {"Content-Type": "audio/amr"}
    assert logged.id.startswith("p1-")  # the patient's: purged with the patient
    # not uploaded yet: no link; uploaded: a link, and the read is in the patient's access log
    with pytest.raises(Conflict):
        board.recording_link(
            li, "p1-t000", logged.id, store=store.as_caller(li), directory=world["directory"], files=files
        )
    files.uploads.add(key)
    link = board.recording_link(
        li, "p1-t000", logged.id, store=store.as_caller(li), directory=world["directory"], files=files
    )
    assert key in link.url and link.content_type == "audio/amr"
    assert [e.action for e in store.tables.access[(T, "p1")]][-1] == "read:recording"
    # a call of another task, or a call without a recording, has none
    add_task(store, 1, "p1", TODAY)
    with pytest.raises(NotFound):
        board.recording_link(
            li, "p1-t001", logged.id, store=store.as_caller(li), directory=world["directory"], files=files
        )


def test_a_recording_is_audio_within_the_size_limit() -> None:
    for content_type, size in (
        ("video/mp4", 1000),
        ("audio/mpeg", rules.MAX_RECORDING_BYTES + 1),
        ("audio/", 10),
    ):
        with pytest.raises(ValidationError):
            RecordingUpload(content_type=content_type, size=size)
    assert RecordingUpload(content_type="audio/mpeg", size=rules.MAX_RECORDING_BYTES).size


# ---- the daily sweep ------------------------------------------------------------------------------------


def run_sweep(world: dict[str, Any], now: datetime = NOW, **budget: int) -> sweep.SweepReport:
    store = world["store"]
    published: list[Any] = world.setdefault("published", [])

    def opened(tenant: str) -> FakeStore:
        s = store.for_tenant(tenant, Principal(tenant=tenant, user="service:followup", kind="service"))
        original = s.uow.commit

        def commit() -> None:
            original()
            published.extend(s.uow.published)  # a store of the sweep commits once

        s.uow.commit = commit  # type: ignore[method-assign]
        return s

    return sweep.sweep(
        now,
        hospitals=world["hospitals"],
        stores=opened,
        directories=lambda tenant: world["directory"],
        budget=sweep.Budget(**budget) if budget else None,
    )


def test_the_sweep_announces_each_due_task_once_and_marks_the_missed(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_patient(store, "p2", department="surgery")
    add_task(store, 0, "p1", TODAY)  # due today: announced
    add_task(store, 1, "p1", TODAY - timedelta(days=3))  # overdue, within its window: left
    add_task(store, 2, "p1", TODAY - timedelta(days=8))  # its window closed yesterday: missed
    add_task(store, 3, "p1", TODAY - timedelta(days=1), window=0)  # closed yesterday too
    add_task(store, 4, "p2", TODAY, doctor="doc-sun", department="surgery")
    report = run_sweep(world)
    assert (report.announced, report.missed, report.hospitals_finished) == (2, 2, [T])
    published = world["published"]
    assert sorted((e.type, e.data["task_id"]) for e in published) == [
        ("followup.task.due", "p1-t000"),
        ("followup.task.due", "p2-t004"),
        ("followup.task.missed", "p1-t002"),
        ("followup.task.missed", "p1-t003"),
    ]
    states = {t.id: t.state for t in store.tables.tasks.values()}
    assert (states["p1-t001"], states["p1-t002"], states["p1-t003"]) == ("open", "missed", "missed")
    # the events are thin: no name, no identifier
    assert all("张" not in str(e.data) and "110105" not in str(e.data) for e in published)
    # a rerun the same day does nothing again, even after losing its progress mark
    again = run_sweep(world)
    assert (again.announced, again.missed) == (0, 0)
    store.tables.progress.clear()
    again = run_sweep(world)
    assert (again.announced, again.missed) == (0, 0)
    assert len(world["published"]) == 4


def test_a_sweep_out_of_budget_resumes_where_it_stopped(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    for n in range(250):
        add_task(store, n, "p1", TODAY)
    first = run_sweep(world, pages=2)  # two pages of 100
    assert first.stopped and first.announced == 200
    second = run_sweep(world)  # the third page, then the overdue and the other departments
    assert second.announced == 50 and not second.stopped and second.hospitals_finished == [T]
    assert len({e.data["task_id"] for e in world["published"]}) == 250 == len(world["published"])
    reads = len(store.tables.reads)
    third = run_sweep(world)
    assert third.announced == 0 and third.hospitals_finished == []
    assert store.tables.reads[reads:] == ["GetItem"]  # the day is finished: only its mark is read


def test_the_next_day_is_a_new_sweep(world: dict[str, Any]) -> None:
    store = world["store"]
    add_patient(store, "p1")
    add_task(store, 0, "p1", TODAY + timedelta(days=1))
    assert run_sweep(world).announced == 0
    assert run_sweep(world, now=NOW + timedelta(days=1)).announced == 1


def test_a_call_says_when_with_its_time_zone() -> None:
    with pytest.raises(ValidationError):
        LogCall(at=datetime(2026, 12, 5, 9, 30), duration_s=60, result="reached")
    assert LogCall(at=NOW, duration_s=60, result="busy").at == NOW
