"""The task board over HTTP on moto: a cardiology team works its board (due today, overdue, done), a task is
done once (two doctors at once: one wins, the other 409), a death cancels the patient's other tasks, a call
is logged with a recording uploaded to S3 and opened through an audited link, the daily sweep announces and
misses tasks once, and the KPI counters follow the events (once each) into the department's figures.

Patients and tasks are put in through the store in the set-up (the routes that make them are other
features'); the rules are on the fakes in ``tests/unit/followup/test_followup_board.py`` and
``test_followup_kpis.py``."""

from __future__ import annotations

import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.consumers import KPI_COUNTERS
from chalicelib.followup.domain.board import local_day
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import kpis, sweep

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.consumer import handle_once
from shared.events.envelope import EventEnvelope
from shared.persistence.models import service_item_models, tenant_key
from shared.persistence.uow import UnitOfWork
from tests.service.approvals.conftest import Call

TODAY = local_day(datetime.now(UTC), "Asia/Shanghai")


@dataclass
class Hospital:
    tenant: str
    cardio: str
    surgery: str
    staff: dict[str, str]
    clients: dict[str, Any]
    stack: Any

    def as_(self, user: str, *roles: str) -> Call:
        return Call(self.clients["followup"], str(self.stack.token(self.tenant, user, list(roles))))


def _hospital(clients: dict[str, Any], stack: Any) -> Hospital:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin = Call(clients["messaging"], str(stack.token(tenant, "admin-1", ["hospital_admin"])))
    cardio = admin("POST", "/departments", {"name": "心内科"}).json_body["id"]
    surgery = admin("POST", "/departments", {"name": "普外科"}).json_body["id"]
    staff = {}
    people = [
        ("李医生", "li", ["doctor"], cardio),
        ("王医生", "wang", ["doctor"], cardio),
        ("陈主任", "chen", ["department_head"], cardio),
        ("孙医生", "sun", ["doctor"], surgery),
    ]
    for i, (name, user, roles, dept) in enumerate(people):
        body = {"name": name, "employee_no": f"E{i}", "department_id": dept, "roles": roles, "user_id": user}
        made = admin("POST", "/staff", body)
        assert made.status_code == 201, made.body
        staff[user] = made.json_body["id"]
    return Hospital(tenant, cardio, surgery, staff, clients, stack)


def _principal(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="set-up", kind="service")


def add_patient(h: Hospital, pid: str) -> None:
    patient = Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed-name", "id_number": "sealed-idn"},
        id_number_index=f"idn-{pid}",
        mobile_index=f"m-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=h.cardio,
        department_name="心内科",
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    with UnitOfWork("followup", _principal(h.tenant), "set-up") as uow:
        DynamoStore(h.tenant, uow, _principal(h.tenant)).patients.add(patient, Conflict("taken"))
        uow.commit()


def add_tasks(h: Hospital, pid: str, *dues: date, window: int = 7) -> list[str]:
    tasks = [
        Task(
            id=f"{pid}-t{n:03d}",
            patient_id=pid,
            patient_label="张*",
            kind="call",
            title="出院后第7天电话随访",
            due=due,
            window_days=window,
            department_id=h.cardio,
            department_name="心内科",
            doctor_id=h.staff["li"],
            doctor_name="李医生",
            created_at=datetime.now(UTC),
        )
        for n, due in enumerate(dues)
    ]
    with UnitOfWork("followup", _principal(h.tenant), "set-up") as uow:
        for task in tasks:
            DynamoStore(h.tenant, uow, _principal(h.tenant)).tasks.add(task)
        uow.commit()
    return [t.id for t in tasks]


def outbox(tenant: str, kind: str) -> list[dict[str, Any]]:
    items = service_item_models("followup")["outbox"].query(tenant_key(tenant, "outbox"))
    return [EventEnvelope.model_validate_json(i.event).data for i in items if i.event_type == kind]


@pytest.fixture
def h(clients: dict[str, Any], stack: Any) -> Hospital:
    return _hospital(clients, stack)


def test_the_team_works_its_board(h: Hospital) -> None:
    add_patient(h, "p1")
    add_tasks(h, "p1", TODAY - timedelta(days=2), TODAY, TODAY, TODAY + timedelta(days=3))
    li = h.as_("li", "doctor")
    board = li("GET", "/board")
    assert board.status_code == 200, board.body
    assert board.json_body["today"] == TODAY.isoformat()
    assert [i["task_id"] for i in board.json_body["items"]] == ["p1-t001", "p1-t002"]
    row = board.json_body["items"][0]
    assert (row["patient_label"], row["doctor_name"], row["department_name"]) == ("张*", "李医生", "心内科")
    # not even the masked identifiers (bare digit runs such as "138" also occur by chance in ids and times)
    assert "110105****" not in board.body.decode() and "138****" not in board.body.decode()
    first = li("GET", "/board?view=due_today&limit=1")
    assert len(first.json_body["items"]) == 1 and first.json_body["next_cursor"]
    second = li("GET", f"/board?view=due_today&limit=1&cursor={first.json_body['next_cursor']}")
    assert [i["task_id"] for i in second.json_body["items"]] == ["p1-t002"]
    overdue = li("GET", "/board?view=overdue")
    assert [(i["task_id"], i["days_overdue"]) for i in overdue.json_body["items"]] == [("p1-t000", 2)]
    # the department's board, for its head; not for another department's doctor
    chen = h.as_("chen", "department_head")
    department = chen("GET", "/board?scope=department&view=overdue")
    assert department.status_code == 200 and len(department.json_body["items"]) == 1
    assert h.as_("sun", "doctor")("GET", f"/board?scope=department&owner_id={h.cardio}").status_code == 403
    assert h.as_("sun", "doctor")("GET", f"/board?owner_id={h.staff['li']}").status_code == 403
    # a care team's board only for its members
    assert li("GET", "/board?scope=team&owner_id=team-x").status_code == 403


def test_a_task_is_done_once_and_a_colleague_finishing_it_too_gets_409(h: Hospital, stack: Any) -> None:
    add_patient(h, "p1")
    (task,) = add_tasks(h, "p1", TODAY)
    li, wang = h.as_("li", "doctor"), h.as_("wang", "doctor")
    read = li("GET", f"/tasks/{task}")
    assert read.status_code == 200, read.body
    assert (read.json_body["state"], read.json_body["patient_label"], read.json_body["calls"]) == (
        "open",
        "张*",
        [],
    )
    done = li("POST", f"/tasks/{task}/done", {"outcome": "reached", "notes": "血压平稳，按时服药"})
    assert done.status_code == 200, done.body
    assert (done.json_body["state"], done.json_body["outcome"], done.json_body["done_by_name"]) == (
        "done",
        "reached",
        "李医生",
    )
    again = wang("POST", f"/tasks/{task}/done", {"outcome": "refused"})
    assert again.status_code == 409, again.body
    assert outcome_events(h) == [(task, "reached")]
    # every read and change is in the patient's access log
    log = DynamoStore(h.tenant).access.page("p1", 10, None)[0]
    assert [e.action for e in log] == ["task.done", "read:task"]
    # the department's figures follow the event (once)
    stack.drain()
    chen = h.as_("chen", "department_head")
    figures = chen("GET", f"/kpis?month={TODAY:%Y-%m}")
    assert figures.status_code == 200, figures.body
    assert figures.json_body["department_name"] == "心内科"
    rate = figures.json_body["followup_rate"]
    assert (rate["numerator"], rate["denominator"], rate["rate"]) == (1, 1, 1.0)
    assert figures.json_body["on_time_rate"]["numerator"] == 1
    assert h.as_("sun", "doctor")("GET", f"/kpis?department_id={h.cardio}").status_code == 403


def outcome_events(h: Hospital) -> list[tuple[str, str]]:
    return [(e["task_id"], e["outcome"]) for e in outbox(h.tenant, "followup.task.done")]


def test_lost_needs_its_reason_and_a_death_cancels_the_patients_other_tasks(h: Hospital) -> None:
    add_patient(h, "p1")
    tasks = add_tasks(h, "p1", TODAY, TODAY + timedelta(days=30), TODAY + timedelta(days=90))
    li = h.as_("li", "doctor")
    lost = li("POST", f"/tasks/{tasks[0]}/done", {"outcome": "lost"})
    assert lost.status_code == 422, lost.body
    done = li("POST", f"/tasks/{tasks[0]}/done", {"outcome": "deceased", "notes": "家属告知患者已于上周去世"})
    assert done.status_code == 200, done.body
    assert done.json_body["cancelled_tasks"] == 2
    later = li("GET", f"/tasks/{tasks[2]}")
    assert later.json_body["state"] == "cancelled"
    assert li("POST", f"/tasks/{tasks[2]}/done", {"outcome": "reached"}).status_code == 409


def test_a_call_with_a_recording_is_uploaded_and_opened_through_an_audited_link(h: Hospital) -> None:
    add_patient(h, "p1")
    (task,) = add_tasks(h, "p1", TODAY)
    li = h.as_("li", "doctor")
    audio = b"#!AMR\n" + bytes(range(200))
    body = {
        "at": datetime.now(UTC).isoformat(),
        "duration_s": 95,
        "result": "reached",
        "note": "患者诉偶有头晕",
        "recording": {"content_type": "audio/amr", "size": len(audio)},
    }
    logged = li("POST", f"/tasks/{task}/calls", body)
    assert logged.status_code == 201, logged.body
    call = logged.json_body
    assert (call["by_name"], call["recording"]) == (
        "李医生",
        {"content_type": "audio/amr", "size": len(audio)},
    )
    link = f"/tasks/{task}/calls/{call['id']}/recording"
    assert li("GET", link).status_code == 409  # not uploaded yet
    put = urllib.request.Request(call["upload_url"], data=audio, method="PUT", headers=call["upload_headers"])
    with urllib.request.urlopen(put, timeout=10) as resp:
        assert resp.status == 200
    opened = li("GET", link)
    assert opened.status_code == 200, opened.body
    with urllib.request.urlopen(opened.json_body["url"], timeout=10) as resp:
        assert resp.read() == audio
    assert [c["id"] for c in li("GET", f"/tasks/{task}").json_body["calls"]] == [call["id"]]
    log = DynamoStore(h.tenant).access.page("p1", 10, None)[0]
    assert [e.action for e in log] == ["read:task", "read:recording", "task.call"]
    # too big, or not audio: refused before anything is written
    for recording in (
        {"content_type": "video/mp4", "size": 10},
        {"content_type": "audio/mpeg", "size": 10**9},
    ):
        assert li("POST", f"/tasks/{task}/calls", {**body, "recording": recording}).status_code in (400, 422)


def test_a_task_out_of_reach_is_a_404_that_does_not_echo_its_id(
    h: Hospital, clients: dict[str, Any], stack: Any
) -> None:
    add_patient(h, "p1")
    (task,) = add_tasks(h, "p1", TODAY)
    sun = h.as_("sun", "doctor")
    for method, path, body in (
        ("GET", f"/tasks/{task}", None),
        ("POST", f"/tasks/{task}/done", {"outcome": "reached"}),
        (
            "POST",
            f"/tasks/{task}/calls",
            {"at": datetime.now(UTC).isoformat(), "duration_s": 1, "result": "busy"},
        ),
        ("GET", f"/tasks/{task}/calls/p1-x/recording", None),
    ):
        answer = sun(method, path, body)
        assert answer.status_code == 404, (path, answer.body)
        assert "p1" not in answer.body.decode()
    other = _hospital(clients, stack)
    stranger = other.as_("li", "doctor")
    assert stranger("GET", f"/tasks/{task}").status_code == 404
    assert DynamoStore(h.tenant).access.page("p1", 10, None)[0] == []


class OneHospital:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    def all(self) -> list[tuple[str, str]]:
        return [(self.tenant, "Asia/Shanghai")]

    def time_zone(self, tenant: str) -> str | None:
        return "Asia/Shanghai"


def test_the_daily_sweep_announces_and_misses_each_task_once(h: Hospital) -> None:
    add_patient(h, "p1")
    tasks = add_tasks(h, "p1", TODAY, TODAY - timedelta(days=8), TODAY - timedelta(days=2))
    now = datetime.now(UTC)
    report = sweep.sweep(now, hospitals=OneHospital(h.tenant))
    assert (report.announced, report.missed, report.hospitals_finished) == (1, 1, [h.tenant])
    assert [e["task_id"] for e in outbox(h.tenant, "followup.task.due")] == [tasks[0]]
    assert [e["task_id"] for e in outbox(h.tenant, "followup.task.missed")] == [tasks[1]]
    li = h.as_("li", "doctor")
    assert [i["task_id"] for i in li("GET", "/board?view=missed").json_body["items"]] == [tasks[1]]
    assert [i["task_id"] for i in li("GET", "/board?view=overdue").json_body["items"]] == [tasks[2]]
    # run again, and again without its progress mark: nothing is announced or missed twice
    assert sweep.sweep(now, hospitals=OneHospital(h.tenant)).announced == 0
    with UnitOfWork("followup", _principal(h.tenant), "t") as uow:
        uow.delete(service_item_models("followup")["outbox"](tenant_key(h.tenant, "sweep"), f"day#{TODAY}"))
        uow.commit()
    again = sweep.sweep(now, hospitals=OneHospital(h.tenant))
    assert (again.announced, again.missed) == (0, 0)
    assert (
        len(outbox(h.tenant, "followup.task.due")) == 1 and len(outbox(h.tenant, "followup.task.missed")) == 1
    )


def test_a_redelivered_event_counts_once(h: Hospital) -> None:
    add_patient(h, "p1")
    (task,) = add_tasks(h, "p1", TODAY)
    assert (
        h.as_("li", "doctor")(
            "POST", f"/tasks/{task}/done", {"outcome": "lost", "reason": "空号"}
        ).status_code
        == 200
    )
    items = service_item_models("followup")["outbox"].query(tenant_key(h.tenant, "outbox"))
    (envelope,) = [
        EventEnvelope.model_validate_json(i.event) for i in items if i.event_type == "followup.task.done"
    ]
    assert handle_once(KPI_COUNTERS, envelope, kpis.count) is True
    assert handle_once(KPI_COUNTERS, envelope, kpis.count) is False
    counts = DynamoStore(h.tenant).kpis.get(h.cardio, f"{TODAY:%Y-%m}")
    assert (counts.done, counts.lost, counts.reached) == (1, 1, 0)


def test_the_scheduled_sweep_finds_the_hospital_through_the_province_index(h: Hospital, stack: Any) -> None:
    """What the timer runs (``fh dev`` plays it every few seconds): the province's hospitals, each its day."""
    from fh.local.runner import _context
    from tests.conftest import register_hospital

    register_hospital(h.tenant, "市第一人民医院")
    add_patient(h, "p1")
    (task,) = add_tasks(h, "p1", TODAY)
    handler = stack.apps["followup"].handler_map["followup-task-sweep"]
    event = {
        "version": "0",
        "id": uuid.uuid4().hex,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "cn-northwest-1",
        "resources": [],
        "detail": {},
    }
    result = handler(event, _context("followup-task-sweep"))
    assert result["announced"] >= 1
    assert [e["task_id"] for e in outbox(h.tenant, "followup.task.due")] == [task]
    assert DynamoStore(h.tenant).sweep.progress(TODAY).finished  # type: ignore[union-attr]
