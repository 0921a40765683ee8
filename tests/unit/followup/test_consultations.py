"""Consultations (会诊) on the fakes: a local emergency consultation is asked, reminded at half its SLA and,
unanswered at ten minutes, escalated to the target department's on-duty doctor (once, however many sweeps
run); accepted and answered it stops its timers and counts on time; a remote one is kept by both
hospitals, told once per side, read by the receiving side only while both share the consortium, each read
in the requesting hospital's access log; an MDT is answered when every department gave its opinion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts import consultations as models
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.service import consultations, timers, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.fakes import MemoryUnitOfWork
from tests.unit.followup.fakes import FakeDirectory, FakeDueTimers, FakePeers, FakeStore, Tables

A, B, C = "hosp-a", "hosp-b", "hosp-c"
AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def staff(tenant: str, sid: str, name: str, *roles: str) -> Principal:
    return Principal(tenant, sid, "staff", frozenset(roles), staff_id=sid, staff_name=name)


FENG = staff(A, "feng", "冯志远", "doctor")  # 心血管内科, A: asks
NEURO = staff(A, "neuro1", "王神经", "doctor")  # 神经内科, A
SURGEON = staff(A, "surg1", "李外科", "doctor")  # 普外科, A
B_DOC = staff(B, "b-doc", "赵医生", "doctor")  # 心内科, B
C_DOC = staff(C, "c-doc", "钱医生", "doctor")  # C: outside the consortium
ADMIN_A = staff(A, "admin-a", "管理员", "hospital_admin")


class World:
    def __init__(self) -> None:
        self.tables = Tables()
        self.d = FakeDirectory()
        self.peers = FakePeers(names={A: "市一院", B: "城东社区医院", C: "外省医院"})
        d = self.d
        d.add_unit(A, "card", "心血管内科")
        d.add_unit(A, "neuro", "神经内科")
        d.add_unit(A, "neuro-w1", "神经内科一病区", parent_id="neuro")
        d.add_unit(A, "surg", "普外科")
        d.add_person(A, "feng", "冯志远", "card", "doctor")
        d.add_person(A, "neuro1", "王神经", "neuro", "doctor")
        d.add_person(A, "neuro2", "陈值班", "neuro-w1", "doctor")
        d.add_person(A, "nurse-n", "刘护士", "neuro-w1", "nurse")
        d.add_person(A, "surg1", "李外科", "surg", "doctor")
        d.add_person(A, "admin-a", "管理员", "card", "hospital_admin")
        d.add_unit(B, "b-card", "心内科")
        d.add_person(B, "b-doc", "赵医生", "b-card", "doctor")
        d.add_unit(C, "c-card", "心内科")
        d.add_person(C, "c-doc", "钱医生", "c-card", "doctor")
        self.peers.join("cons-1", A, B)
        self.peers.duty[(A, "neuro-w1")] = ["neuro2", "nurse-n"]
        s = self.store(FENG)
        s.patients.add(patient("p1"), Conflict("taken"))
        s.commit()

    def store(self, who: Principal) -> FakeStore:
        return FakeStore(who.tenant, self.tables, MemoryUnitOfWork(), who)

    def system(self, tenant: str) -> FakeStore:
        return FakeStore(
            tenant, self.tables, MemoryUnitOfWork(), Principal(tenant, "system:followup", "service")
        )

    def kw(self, who: Principal) -> dict[str, Any]:
        return {"store": self.store(who), "directory": self.d, "peers": self.peers}

    def ask(
        self, who: Principal = FENG, now: datetime = AT, **body: Any
    ) -> tuple[models.ConsultationView, list[Any]]:
        fields: dict[str, Any] = {
            "patient_id": "p1",
            "urgency": "emergency",
            "department_ids": ["neuro"],
            "question": "突发言语不清1小时，请会诊",
            "summary": "男，76岁，高血压",
        }
        fields.update(body)
        s = self.store(who)
        view = consultations.request(
            who, models.NewConsultation(**fields), store=s, directory=self.d, peers=self.peers, now=now
        )
        return view, s.uow.published

    def sweep(self, now: datetime, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[Any]]:
        published: list[Any] = []

        def system_store(tenant: str) -> FakeStore:
            s = self.system(tenant)
            s.uow.published = published
            return s

        monkeypatch.setattr(wiring, "system_store", system_store)
        monkeypatch.setattr(wiring, "directory", lambda: self.d)
        monkeypatch.setattr(wiring, "consultation_peers", lambda: self.peers)
        return timers.fire_due(now, FakeDueTimers(self.tables)), published


def patient(pid: str) -> Patient:
    return Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed:张建国", "id_number": "sealed"},
        id_number_index=f"idn-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id="card",
        department_name="心血管内科",
        created_at=AT,
        updated_at=AT,
    )


@pytest.fixture
def w() -> World:
    return World()


def _data(events: list[Any]) -> list[tuple[str, str, Any]]:
    return [(e.type, e.tenant, e.data) for e in events]


def test_an_unanswered_emergency_consultation_is_reminded_then_escalated_to_the_on_duty_doctor_once(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, events = w.ask()
    assert (made.state, made.patient_label, made.departments[0].name, made.due_at) == (
        "requested",
        "张*",
        "神经内科",
        AT + timedelta(minutes=10),
    )
    ((kind, tenant, data),) = _data(events)
    assert (kind, tenant, data["side"], data["urgent"], data["notify"]) == (
        "consultation.requested",
        A,
        "from",
        True,
        ["neuro1"],  # the department's doctors (none invited)
    )
    assert data["title"] == "急会诊：张* · 神经内科"

    assert w.sweep(AT + timedelta(minutes=4), monkeypatch)[0] == 0
    fired, published = w.sweep(AT + timedelta(minutes=5), monkeypatch)
    assert fired == 1 and [e.type for e in published] == ["consultation.reminded"]
    fired, published = w.sweep(AT + timedelta(minutes=10), monkeypatch)
    assert fired == 1
    ((kind, tenant, data),) = _data(published)
    # the ward's on-duty doctor (the nurse on duty is not escalated to), by DING
    assert (kind, tenant, data["notify"], data["urgent"]) == ("consultation.overdue", A, ["neuro2"], True)
    again, published = w.sweep(AT + timedelta(minutes=30), monkeypatch)
    assert (again, published) == (0, [])

    seen = consultations.get(NEURO, made.id, **w.kw(NEURO), now=AT + timedelta(minutes=11))
    assert seen.overdue and seen.overdue_at == AT + timedelta(minutes=10)
    assert [(p.id, p.name) for p in seen.escalated_to] == [("neuro2", "陈值班")]  # by name
    board = consultations.list_consultations(
        NEURO, models.ConsultationsQuery(box="in"), **w.kw(NEURO), now=AT + timedelta(minutes=11)
    )
    assert [(c.id, c.overdue) for c in board.items] == [(made.id, True)]
    stats = consultations.stats(
        ADMIN_A, models.StatsQuery(month="2026-12"), store=w.store(ADMIN_A), directory=w.d
    )
    assert [(s.department_name, s.requested, s.overdue, s.on_time_rate) for s in stats.items] == [
        ("神经内科", 1, 1, 0.0)
    ]
    # the on-duty doctor woken (a doctor of the department's ward) opens it and answers for the department
    on_duty = staff(A, "neuro2", "陈值班", "doctor")
    assert consultations.get(on_duty, made.id, **w.kw(on_duty), now=AT + timedelta(minutes=11)).overdue
    late = consultations.opinion(
        on_duty,
        made.id,
        models.OpinionIn(findings="构音障碍", assessment="急性脑梗死可能", recommendations="急查头颅CT"),
        **w.kw(on_duty),
        now=AT + timedelta(minutes=12),
    )
    assert (late.state, late.on_time, late.opinions[0].department_name) == ("answered", False, "神经内科")


def test_two_overlapping_sweeps_fire_a_timer_once(w: World) -> None:
    w.ask()
    due = FakeDueTimers(w.tables).due(AT + timedelta(minutes=10), 10)
    remind = next(t for _, t in due if t.step == "remind")
    first, second = w.system(A), w.system(A)
    consultations.on_timer(A, remind, AT + timedelta(minutes=5), store=first, directory=w.d, peers=w.peers)
    with pytest.raises(Conflict):
        consultations.on_timer(
            A, remind, AT + timedelta(minutes=5), store=second, directory=w.d, peers=w.peers
        )
    assert [e.type for e in first.uow.published + second.uow.published] == ["consultation.reminded"]


def test_accepted_and_answered_it_stops_its_timers_counts_on_time_and_tells_the_requester(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _ = w.ask(urgency="ordinary")
    assert made.due_at == AT + timedelta(hours=24)
    with pytest.raises(Forbidden):
        consultations.accept(FENG, made.id, **w.kw(FENG))
    with pytest.raises(NotFound):
        consultations.accept(SURGEON, made.id, **w.kw(SURGEON))  # another department: not theirs to see
    accepted = consultations.accept(NEURO, made.id, **w.kw(NEURO), now=AT + timedelta(hours=1))
    assert (accepted.state, accepted.accepted_by_name) == ("accepted", "王神经")
    s = w.store(NEURO)
    body = models.OpinionIn(
        findings="右侧肢体肌力4级",
        assessment="急性缺血性卒中",
        recommendations="头颅MRI，抗血小板",
        diagnoses=["i63.9"],
    )
    answered = consultations.opinion(
        NEURO, made.id, body, store=s, directory=w.d, peers=w.peers, now=AT + timedelta(hours=2)
    )
    assert (answered.state, answered.on_time, answered.opinions[0].diagnoses) == ("answered", True, ["I63.9"])
    ((kind, _, data),) = _data(s.uow.published)
    assert (kind, data["notify"], data["on_time"]) == ("consultation.answered", ["feng"], True)
    assert w.tables.timers == {}
    assert w.sweep(AT + timedelta(days=2), monkeypatch)[0] == 0
    with pytest.raises(Conflict):
        consultations.cancel(FENG, made.id, models.CancelConsultation(), **w.kw(FENG))
    stats = consultations.stats(
        NEURO, models.StatsQuery(month="2026-12"), store=w.store(NEURO), directory=w.d
    )
    assert [(s.requested, s.answered, s.on_time, s.on_time_rate) for s in stats.items] == [(1, 1, 1, 1.0)]
    # the requesting doctor's read is in the patient's access log
    consultations.get(FENG, made.id, **w.kw(FENG))
    assert "read:consultation" in [e.action for e in w.tables.access[(A, "p1")]]


def test_only_the_requester_cancels_and_the_timers_stop(w: World) -> None:
    made, _ = w.ask()
    with pytest.raises(Forbidden):
        consultations.cancel(NEURO, made.id, models.CancelConsultation(), **w.kw(NEURO))
    done = consultations.cancel(FENG, made.id, models.CancelConsultation(reason="患者已转院"), **w.kw(FENG))
    assert (done.state, done.cancel_reason) == ("cancelled", "患者已转院")
    assert w.tables.timers == {}
    stats = consultations.stats(
        ADMIN_A, models.StatsQuery(month="2026-12"), store=w.store(ADMIN_A), directory=w.d
    )
    assert [s.requested for s in stats.items] == [0]


def test_a_request_is_checked(w: World) -> None:
    with pytest.raises(RuleViolation) as e:
        w.ask(urgency="mdt")
    assert e.value.field == "department_ids"
    with pytest.raises(RuleViolation) as e:
        w.ask(department_ids=["neuro", "surg"])
    assert e.value.field == "department_ids"
    with pytest.raises(RuleViolation) as e:
        w.ask(invited=["surg1"])  # not of a target department
    assert e.value.field == "invited"
    with pytest.raises(NotFound):
        w.ask(who=NEURO)  # not a patient the neurologist follows
    with pytest.raises(RuleViolation) as e:
        w.ask(scope="remote", consortium_id="cons-1", to_hospital_id=C, department_ids=["c-card"])
    assert e.value.field == "to_hospital_id"


def test_an_mdt_is_answered_when_every_department_gave_its_opinion(w: World) -> None:
    slot = {"start": AT + timedelta(hours=2), "end": AT + timedelta(hours=3)}
    made, events = w.ask(urgency="mdt", department_ids=["neuro", "surg"], slot=slot, invited=["surg1"])
    assert made.due_at == AT + timedelta(hours=3)
    assert _data(events)[0][2]["notify"] == ["surg1"]  # the invited only
    note = {"findings": "所见", "assessment": "评估", "recommendations": "建议"}
    half = consultations.opinion(
        NEURO, made.id, models.OpinionIn(**note), **w.kw(NEURO), now=AT + timedelta(hours=2)
    )
    assert (half.state, len(half.opinions)) == ("accepted", 1)
    with pytest.raises(Conflict):
        consultations.opinion(NEURO, made.id, models.OpinionIn(**note), **w.kw(NEURO))
    done = consultations.opinion(
        SURGEON, made.id, models.OpinionIn(**note), **w.kw(SURGEON), now=AT + timedelta(hours=4)
    )
    assert (done.state, done.on_time, [o.department_name for o in done.opinions]) == (
        "answered",
        False,
        ["神经内科", "普外科"],
    )


def test_a_remote_consultation_is_kept_by_both_told_per_side_and_closed_to_a_hospital_that_left(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, events = w.ask(scope="remote", consortium_id="cons-1", to_hospital_id=B, department_ids=["b-card"])
    assert (made.to_hospital_name, made.consortium_name, made.departments[0].name) == (
        "城东社区医院",
        "城东医联体",
        "心内科",
    )
    assert [(t, d["side"], d["notify"]) for _, t, d in _data(events)] == [
        (A, "from", []),
        (B, "to", ["b-doc"]),
    ]
    assert ("disclose:consultation") in [e.action for e in w.tables.access[(A, "p1")]]
    # the receiving copy holds no patient id; B reads it (masked), the read in A's access log
    theirs = consultations.get(B_DOC, made.id, **w.kw(B_DOC))
    assert (theirs.side, theirs.patient_id, theirs.patient_label, theirs.patient_age) == ("to", "", "张*", 76)
    assert "p1" not in theirs.model_dump_json()
    log = w.tables.access[(A, "p1")]
    assert [(e.action, e.actor) for e in log if e.action == "read:consultation"] == [
        ("read:consultation", "b-doc")
    ]
    box = consultations.list_consultations(B_DOC, models.ConsultationsQuery(box="in"), **w.kw(B_DOC))
    assert [c.id for c in box.items] == [made.id]
    # C, outside, and A's other doctors do not see it
    with pytest.raises(NotFound) as e:
        consultations.get(C_DOC, made.id, **w.kw(C_DOC))
    assert made.id not in str(e.value)
    # B accepts: both copies move in one transaction
    consultations.accept(B_DOC, made.id, **w.kw(B_DOC))
    assert consultations.get(FENG, made.id, **w.kw(FENG)).accepted_by_name == "赵医生"
    # B leaves mid-consultation: it sees a 404, its list leaves it out, its timers stop without a word
    w.peers.leave(B, "cons-1")
    with pytest.raises(NotFound):
        consultations.get(B_DOC, made.id, **w.kw(B_DOC))
    with pytest.raises(NotFound):
        consultations.opinion(
            B_DOC, made.id, models.OpinionIn(findings="f", assessment="a", recommendations="r"), **w.kw(B_DOC)
        )
    assert (
        consultations.list_consultations(B_DOC, models.ConsultationsQuery(box="in"), **w.kw(B_DOC)).items
        == []
    )
    fired, published = w.sweep(AT + timedelta(minutes=11), monkeypatch)
    assert fired == 2 and published == []
    # A still has its copy and may withdraw it (B's copy is not touched any more)
    done = consultations.cancel(FENG, made.id, models.CancelConsultation(), **w.kw(FENG))
    assert done.state == "cancelled"


def test_a_remote_emergency_escalates_in_the_receiving_hospital_and_tells_both_sides(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w.d.add_unit(B, "b-card", "心内科")
    w.d.unit_records[(B, "b-card")] = w.d.unit_records[(B, "b-card")].__class__(
        "b-card", "心内科", None, "b-doc"
    )
    made, _ = w.ask(scope="remote", consortium_id="cons-1", to_hospital_id=B, department_ids=["b-card"])
    fired, published = w.sweep(AT + timedelta(minutes=10), monkeypatch)
    assert fired == 2
    overdue = [
        (e.tenant, e.data["side"], e.data["notify"]) for e in published if e.type == "consultation.overdue"
    ]
    assert overdue == [(A, "from", ["feng"]), (B, "to", ["b-doc"])]  # no one on duty: the department's head
    mine = consultations.get(FENG, made.id, **w.kw(FENG), now=AT + timedelta(minutes=10))
    assert mine.overdue_at == AT + timedelta(minutes=10)


def test_the_sla_comes_from_the_receiving_hospitals_settings(w: World) -> None:
    admin_b = staff(B, "admin-b", "管理员", "hospital_admin")
    with pytest.raises(Forbidden):
        consultations.put_settings(FENG, models.SettingsIn(version=0), store=w.store(FENG))
    saved = consultations.put_settings(
        admin_b,
        models.SettingsIn(version=0, emergency_minutes=30, remind_fraction=0.8),
        store=w.store(admin_b),
    )
    assert saved.version == 1
    with pytest.raises(Conflict):
        consultations.put_settings(admin_b, models.SettingsIn(version=0), store=w.store(admin_b))
    made, _ = w.ask(scope="remote", consortium_id="cons-1", to_hospital_id=B, department_ids=["b-card"])
    assert made.due_at == AT + timedelta(minutes=30)
    assert sorted(t.due_at for t in w.tables.timers.values()) == [
        AT + timedelta(minutes=24),
        AT + timedelta(minutes=30),
    ]
    assert consultations.get_settings(ADMIN_A, store=w.store(ADMIN_A)).emergency_minutes == 10


def test_the_fhir_export_is_a_service_request_a_task_and_the_opinion(w: World) -> None:
    made, _ = w.ask()
    note = models.OpinionIn(
        findings="所见", assessment="急性缺血性卒中", recommendations="建议", diagnoses=["I63.9"]
    )
    consultations.opinion(NEURO, made.id, note, **w.kw(NEURO), now=AT + timedelta(minutes=5))
    bundle = consultations.fhir(FENG, made.id, **w.kw(FENG))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["ServiceRequest", "Task", "ClinicalImpression"]
    request, task, impression = (e["resource"] for e in bundle["entry"])
    assert (request["priority"], request["status"], task["status"]) == ("stat", "completed", "completed")
    assert impression["summary"] == "急性缺血性卒中"
    assert impression["finding"][0]["itemCodeableConcept"]["coding"][0]["code"] == "I63.9"
    assert "export:consultation-fhir" in [e.action for e in w.tables.access[(A, "p1")]]


def test_no_one_accepts_or_answers_the_consultation_they_asked_for_a_colleague_does(w: World) -> None:
    """A consultation within a department (科内会诊) is answered by a colleague, never by the doctor who
    asked, whatever department they belong to."""
    s = w.store(NEURO)
    s.patients.add(patient("p2").model_copy(update={"department_id": "neuro"}), Conflict("taken"))
    s.commit()
    made, _ = w.ask(who=NEURO, patient_id="p2", urgency="ordinary")
    with pytest.raises(Forbidden):
        consultations.accept(NEURO, made.id, **w.kw(NEURO))
    note = models.OpinionIn(findings="所见", assessment="评估", recommendations="建议")
    with pytest.raises(Forbidden):
        consultations.opinion(NEURO, made.id, note, **w.kw(NEURO))
    w.d.add_person(A, "neuro3", "周神经", "neuro", "doctor")
    colleague = staff(A, "neuro3", "周神经", "doctor")
    answered = consultations.opinion(colleague, made.id, note, **w.kw(colleague), now=AT + timedelta(hours=1))
    assert (answered.state, answered.opinions[0].doctor_name) == ("answered", "周神经")
