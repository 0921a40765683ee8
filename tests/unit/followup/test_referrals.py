"""Two-way referral on the fakes: a doctor of A refers a patient to B (a member of the same consortium);
B's desk sees the content and the masked label only until it accepts; acceptance seals the minimal
identity into a patient of B and both access logs record the disclosure; the states move in order, each
change emitted once per side; a hospital outside (or one that left) sees nothing; the SLA timer fires
once, from a fresh store (a restart), and escalates to B's desk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chalicelib.followup.contracts import referrals as models
from chalicelib.followup.domain.patients import Patient, masks
from chalicelib.followup.service import referrals, timers

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import (
    FakeConsortia,
    FakeDirectory,
    FakeDueTimers,
    FakeFiles,
    FakeStore,
    FakeVault,
)

A, B, C = "h-county", "h-city", "h-other"
CID = "c1"
AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ID_NUMBER = "11010519491231002X"

DOC_A = Principal(A, "docA", "staff", frozenset({"doctor"}), staff_id="docA", staff_name="王医生")
DESK_B = Principal(B, "deskB", "staff", frozenset({"referral_desk"}), staff_id="deskB", staff_name="转诊李")
DOC_B = Principal(B, "docB", "staff", frozenset({"doctor"}), staff_id="docB", staff_name="赵医生")
DESK_C = Principal(C, "deskC", "staff", frozenset({"referral_desk"}), staff_id="deskC", staff_name="外院")
DOC_A2 = Principal(A, "docA2", "staff", frozenset({"doctor"}), staff_id="docA2", staff_name="外科医生")


class World:
    def __init__(self) -> None:
        self.tables = FakeStore(A).tables
        self.dir = FakeDirectory()
        self.cons = FakeConsortia()
        self.vault = FakeVault()
        self.dir.add_unit(A, "a-cardio", "心内科")
        self.dir.add_unit(A, "a-surg", "外科")
        self.dir.add_unit(B, "b-cardio", "心血管内科")
        self.dir.add_person(A, "docA", "王医生", "a-cardio", "doctor")
        self.dir.add_person(A, "docA2", "外科医生", "a-surg", "doctor")
        self.dir.add_person(B, "deskB", "转诊李", "b-desk", "referral_desk")
        self.dir.add_person(B, "docB", "赵医生", "b-cardio", "doctor")
        self.dir.add_person(C, "deskC", "外院", "c-desk", "referral_desk")
        self.cons.found(CID, B, A, name="城市医共体")
        self.cons.names.update({A: "县医院", B: "市医院", C: "外省医院"})
        self.cons.desks[B] = ["deskB"]
        values = {"name": "张建国", "id_number": ID_NUMBER, "mobile": "13812345678", "address": ""}
        patient = Patient(
            id="pA",
            masked=masks(values["name"], ID_NUMBER, values["mobile"], ""),
            sealed={k: self.vault.seal(A, v) for k, v in values.items() if v},
            id_number_index="idx",
            sex="male",
            birth_date=date(1949, 12, 31),
            department_id="a-cardio",
            department_name="心内科",
            created_at=AT,
            updated_at=AT,
        )
        store = FakeStore(A, self.tables)
        with store.uow:
            store.patients.add(patient, Conflict("taken"))
            store.commit()

    def store(self, who: Principal) -> FakeStore:
        return FakeStore(who.tenant, self.tables).as_caller(who)

    def kw(self, who: Principal) -> dict:
        return {"store": self.store(who), "directory": self.dir, "consortia": self.cons}

    def refer(self, urgency: str = "urgent", **over: object) -> models.ReferralView:
        fields: dict = {
            "patient_id": "pA",
            "to_hospital_id": B,
            "consortium_id": CID,
            "to_department_id": "b-cardio",
            "urgency": urgency,
            "reason": "胸痛反复发作",
            "diagnosis_code": "I20.0",
            "diagnosis_name": "不稳定型心绞痛",
            "consent": models.ConsentIn(given=True, method="signed"),
        }
        body = models.NewReferral(**{**fields, **over})
        kw = self.kw(DOC_A)
        made = referrals.request(DOC_A, body, now=AT, **kw)
        self.last = kw["store"]
        return made

    def accept(self, rid: str, who: Principal = DESK_B) -> models.ReferralView:
        kw = self.kw(who)
        body = models.AcceptReferral(appointment_at=AT + timedelta(days=1), receiver_id="docB")
        made = referrals.accept(who, rid, body, vault=self.vault, now=AT, **kw)
        self.last = kw["store"]
        return made


@pytest.fixture
def w() -> World:
    return World()


def test_a_referral_is_stored_at_both_ends_and_the_receiver_sees_only_the_masked_label(w: World) -> None:
    made = w.refer()
    assert (made.box, made.state, made.patient_id, made.to_hospital_name) == (
        "out",
        "requested",
        "pA",
        "市医院",
    )
    assert made.sla_due_at == AT + timedelta(minutes=240)
    events = w.last.uow.published
    assert [(e.type, e.tenant, e.data["side"]) for e in events] == [
        ("referral.requested", A, "from"),
        ("referral.requested", B, "to"),
    ]
    assert events[1].data["notify"] == ["deskB"] and events[0].data["group_members"] == {
        A: ["docA"],
        B: ["deskB"],
    }
    assert "张建国" not in str([e.data for e in events]) and "张*" in events[1].data["title"]
    theirs = referrals.get(DESK_B, made.id, **w.kw(DESK_B))
    assert (theirs.box, theirs.patient_id, theirs.patient_label, theirs.sex, theirs.age) == (
        "in",
        "",
        "张*",
        "male",
        76,
    )
    assert "13812345678" not in theirs.model_dump_json() and ID_NUMBER not in theirs.model_dump_json()
    # the consent recorded in the sender's access log, the timer under the receiver's tenant
    assert [e.action for e in w.tables.access[(A, "pA")]] == ["referral.requested"]
    assert list(w.tables.timers) == [(B, f"referral#{made.id}#escalate")]
    board = referrals.list_referrals(
        DESK_B, models.ReferralsQuery(box="in"), store=w.store(DESK_B), consortia=w.cons
    )
    assert [r.id for r in board.items] == [made.id]


def test_refusals_consent_the_consortium_and_the_patients_reach(w: World) -> None:
    with pytest.raises(RuleViolation) as err:
        w.refer(consent=models.ConsentIn(given=False))  # type: ignore[arg-type]
    assert err.value.field == "consent"
    with pytest.raises(RuleViolation):  # C is not a member: no referral there
        body = models.NewReferral(
            patient_id="pA",
            to_hospital_id=C,
            consortium_id=CID,
            to_department_id="x",
            reason="r",
            diagnosis_code="I20.0",
            consent=models.ConsentIn(given=True),
        )
        referrals.request(DOC_A, body, **w.kw(DOC_A))
    with pytest.raises(NotFound):  # a doctor who does not reach the patient
        body = models.NewReferral(
            patient_id="pA",
            to_hospital_id=B,
            consortium_id=CID,
            to_department_id="b-cardio",
            reason="r",
            diagnosis_code="I20.0",
            consent=models.ConsentIn(given=True),
        )
        referrals.request(DOC_A2, body, **w.kw(DOC_A2))


def test_acceptance_seals_the_identity_into_a_patient_of_the_receiver_and_both_logs_record_it(
    w: World,
) -> None:
    made = w.refer()
    accepted = w.accept(made.id)
    assert (accepted.state, accepted.receiver_name) == ("accepted", "赵医生")
    pb = accepted.patient_id
    theirs = w.tables.patients[(B, pb)] if (B, pb) in getattr(w.tables, "patients", {}) else None
    assert theirs is not None
    assert w.vault.open(B, theirs.sealed["id_number"]) == ID_NUMBER  # sealed with B's key
    assert theirs.masked["name"] == "张*"
    # follow-up was not asked at B yet: nothing recorded, so B's own discharge may still enrol him
    assert "followup" not in theirs.consents and not theirs.refuses("followup")
    assert "referral.disclosed" in [e.action for e in w.tables.access[(A, "pA")]]
    assert "referral.received" in [e.action for e in w.tables.access[(B, pb)]]
    assert w.tables.timers == {}  # answered: no escalation
    sent = referrals.get(DOC_A, made.id, **w.kw(DOC_A))
    assert (sent.state, sent.patient_id, sent.appointment_at) == ("accepted", "pA", AT + timedelta(days=1))
    events = w.last.uow.published
    by_side = {e.data["side"]: e.data for e in events if e.type == "referral.accepted"}
    assert by_side["from"]["notify"] == ["docA"] and by_side["to"]["notify"] == ["docB"]
    assert by_side["from"]["group_members"][B] == ["deskB", "docB"]
    # arrival and completion by the desk; each step at both ends
    referrals.arrived(DESK_B, made.id, models.NoteBody(), **w.kw(DESK_B))
    done = referrals.complete(DOC_B, made.id, models.NoteBody(), **w.kw(DOC_B))  # the receiving doctor
    assert done.state == "completed"
    assert [h.state for h in referrals.get(DOC_A, made.id, **w.kw(DOC_A)).history] == [
        "requested",
        "accepted",
        "arrived",
        "completed",
    ]
    with pytest.raises(Conflict):
        referrals.cancel(DOC_A, made.id, models.NoteBody(), **w.kw(DOC_A))


def test_reject_no_show_and_the_order_of_states(w: World) -> None:
    one = w.refer()
    with pytest.raises(Forbidden):  # the sender does not answer its own referral
        referrals.reject(DOC_A, one.id, models.RejectReferral(reason="x"), **w.kw(DOC_A))
    with pytest.raises(Forbidden):  # a doctor of B is not the desk
        referrals.reject(DOC_B, one.id, models.RejectReferral(reason="x"), **w.kw(DOC_B))
    rejected = referrals.reject(DESK_B, one.id, models.RejectReferral(reason="本院暂无床位"), **w.kw(DESK_B))
    assert (rejected.state, rejected.reject_reason) == ("rejected", "本院暂无床位")
    assert referrals.get(DOC_A, one.id, **w.kw(DOC_A)).state == "rejected"
    with pytest.raises(Conflict):
        w.accept(one.id)
    two = w.refer()
    w.accept(two.id)
    assert referrals.no_show(DESK_B, two.id, models.NoteBody(), **w.kw(DESK_B)).state == "no_show"
    three = w.refer()
    with pytest.raises(Conflict):
        referrals.arrived(DESK_B, three.id, models.NoteBody(), **w.kw(DESK_B))
    cancelled = referrals.cancel(DOC_A, three.id, models.NoteBody(), **w.kw(DOC_A))
    assert (
        cancelled.state == "cancelled"
        and referrals.get(DESK_B, three.id, **w.kw(DESK_B)).state == "cancelled"
    )
    assert not w.tables.timers


def test_a_hospital_outside_or_one_that_left_sees_nothing(w: World) -> None:
    made = w.refer()
    for call in (
        lambda: referrals.get(DESK_C, made.id, **w.kw(DESK_C)),
        lambda: w.accept(made.id, DESK_C),
        lambda: referrals.reject(DESK_C, made.id, models.RejectReferral(reason="x"), **w.kw(DESK_C)),
        lambda: referrals.cancel(DESK_C, made.id, models.NoteBody(), **w.kw(DESK_C)),
    ):
        with pytest.raises(NotFound) as err:
            call()
        assert made.id not in str(err.value)
    w.cons.leave(CID, B)  # B leaves mid-referral
    gone = referrals.list_referrals(
        DESK_B, models.ReferralsQuery(box="in"), store=w.store(DESK_B), consortia=w.cons
    )
    assert gone.items == []
    out = referrals.list_referrals(
        DOC_A, models.ReferralsQuery(box="out"), store=w.store(DOC_A), consortia=w.cons
    )
    assert [(r.id, r.linked) for r in out.items] == [(made.id, False)]
    with pytest.raises(NotFound):
        referrals.get(DESK_B, made.id, **w.kw(DESK_B))
    with pytest.raises(NotFound):
        w.accept(made.id)
    mine = referrals.get(DOC_A, made.id, **w.kw(DOC_A))
    assert (mine.linked, mine.state) == (False, "requested")  # the sender still sees its own record
    assert referrals.cancel(DOC_A, made.id, models.NoteBody(), **w.kw(DOC_A)).state == "cancelled"


def test_the_sla_timer_fires_once_from_a_fresh_store_and_escalates_to_the_desk_on_duty(
    w: World, monkeypatch
) -> None:
    made = w.refer("emergency")
    assert made.sla_due_at == AT + timedelta(minutes=30)
    # a restart: nothing but the tables survive; the sweep opens its own stores
    fresh: list[FakeStore] = []

    def system_store(tenant: str) -> FakeStore:
        store = FakeStore(tenant, w.tables, principal=Principal(tenant, "system:followup", "service"))
        fresh.append(store)
        return store

    monkeypatch.setattr(referrals.wiring, "system_store", system_store)
    monkeypatch.setattr(referrals.wiring, "consortia", lambda: w.cons)
    w.cons.desks[B] = ["deskB", "deskB2"]
    w.cons.desk_duty[B] = ["deskB2"]  # the desk's roster: only she is on duty when it runs over
    due = FakeDueTimers(w.tables)
    assert timers.fire_due(AT + timedelta(minutes=29), due) == 0
    assert timers.fire_due(AT + timedelta(minutes=31), due) == 1
    assert timers.fire_due(AT + timedelta(minutes=32), due) == 0  # once
    overdue = [e for s in fresh for e in s.uow.published if e.type == "referral.overdue"]
    assert [(e.tenant, e.data["side"], e.data["urgent"]) for e in overdue] == [
        (A, "from", True),
        (B, "to", True),
    ]
    assert overdue[1].data["notify"] == ["deskB2"]  # the desk's on-duty staff, by DING
    assert overdue[0].data["notify"] == ["docA"]  # the referring doctor hears it ran over
    assert referrals.get(DOC_A, made.id, **w.kw(DOC_A)).overdue
    assert referrals.get(DESK_B, made.id, **w.kw(DESK_B)).overdue


def test_destinations_are_the_other_active_members(w: World) -> None:
    found = referrals.destinations(DOC_A, consortia=w.cons)
    assert [(d.hospital_id, d.consortium_name) for d in found.items] == [(B, "城市医共体")]


def test_a_destinations_departments_are_named_to_its_partners_only(w: World) -> None:
    from chalicelib.followup.contracts.referrals import DepartmentsQuery

    found = referrals.destination_departments(DOC_A, B, DepartmentsQuery(), consortia=w.cons, directory=w.dir)
    assert (found.hospital_name, [d.name for d in found.items]) == ("市医院", ["心血管内科"])
    for hospital in (C, "h-nowhere"):  # outside the consortium, or unknown: the same 404
        with pytest.raises(NotFound):
            referrals.destination_departments(
                DOC_A, hospital, DepartmentsQuery(), consortia=w.cons, directory=w.dir
            )
    w.cons.leave(CID, B)
    with pytest.raises(NotFound):
        referrals.destination_departments(
            DOC_A, B, DepartmentsQuery(consortium_id=CID), consortia=w.cons, directory=w.dir
        )


def test_a_down_referral_accepted_enrols_the_patient_in_the_receivers_follow_up(w: World) -> None:
    """下转: the plan travels (a built-in one here), the clinic's patient is enrolled with its team; the
    tasks are the clinic's (its tenant), never the sender's."""
    from chalicelib.followup.domain.teams import CareTeam

    w.dir.add_unit(B, "b-gp", "全科")
    team = CareTeam(
        id="team1", name="城东家庭医生团队", department_id="b-gp", members=[], created_at=AT, updated_at=AT
    )
    w.tables.teams[(B, "team1")] = team
    made = w.refer(direction="down", followup_plan_id="hypertension", summary="出院小结：血压控制平稳")
    kw = w.kw(DESK_B)
    body = models.AcceptReferral(appointment_at=AT + timedelta(days=3), team_id="team1")
    accepted = referrals.accept(DESK_B, made.id, body, vault=w.vault, now=AT, **kw)
    assert accepted.enrolment_id
    tasks = [t for (tenant, _), t in w.tables.tasks.items() if tenant == B]
    assert tasks and all(t.patient_id == accepted.patient_id and t.team_id == "team1" for t in tasks)
    assert not [t for (tenant, _), t in w.tables.tasks.items() if tenant == A]
    assert "followup.enrolled" in [e.type for e in kw["store"].uow.published]
    with pytest.raises(RuleViolation) as err:  # a plan the clinic does not have
        other = w.refer(direction="down", followup_plan_id="no-such-plan")
        referrals.accept(
            DESK_B, other.id, models.AcceptReferral(appointment_at=AT), vault=w.vault, **w.kw(DESK_B)
        )
    assert err.value.field == "plan_id"


def test_the_summary_and_the_leads_consortium_counts_carry_no_patient(w: World) -> None:
    one, two = w.refer(), w.refer()
    w.accept(one.id)
    referrals.reject(DESK_B, two.id, models.RejectReferral(reason="满床"), **w.kw(DESK_B))
    w.refer(direction="down", followup_plan_id="hypertension")
    mine = referrals.summary(DOC_A, store=w.store(DOC_A))
    assert (mine.outbound["requested"], mine.outbound["accepted"], mine.outbound["rejected"]) == (1, 1, 1)
    theirs = referrals.summary(DESK_B, store=w.store(DESK_B))
    assert (theirs.inbound["requested"], theirs.inbound["accepted"]) == (1, 1) and theirs.outbound[
        "requested"
    ] == 0
    lead_admin = Principal(B, "adm", "staff", frozenset({"hospital_admin"}))
    month = datetime.now(UTC).strftime("%Y-%m")
    counts = referrals.consortium_counts(lead_admin, CID, month, store=w.store(lead_admin), consortia=w.cons)
    assert (counts.up, counts.down, counts.accepted, counts.rejected) == (2, 1, 1, 1)
    assert "张" not in counts.model_dump_json()
    member_admin = Principal(A, "adm", "staff", frozenset({"hospital_admin"}))
    with pytest.raises(NotFound):  # a member, not the lead
        referrals.consortium_counts(member_admin, CID, month, store=w.store(member_admin), consortia=w.cons)


def test_the_fhir_export_is_a_service_request_and_its_task_with_the_history(w: World) -> None:
    made = w.refer()
    w.accept(made.id)
    bundle = referrals.export_fhir(DOC_A, made.id, **w.kw(DOC_A))
    request, task = (e["resource"] for e in bundle["entry"])
    assert (request["resourceType"], request["status"], request["priority"]) == (
        "ServiceRequest",
        "active",
        "urgent",
    )
    assert request["reasonCode"][0]["coding"][0]["code"] == "I20.0"
    assert (task["resourceType"], task["status"]) == ("Task", "accepted")
    assert [n["text"].split(" · ")[0] for n in task["note"]] == ["requested", "accepted"]
    before = w.refer()
    theirs = referrals.export_fhir(DESK_B, before.id, **w.kw(DESK_B))
    assert "reference" not in theirs["entry"][0]["resource"]["subject"]  # the masked label only
    assert ID_NUMBER not in str(theirs) and "张建国" not in str(theirs)


def test_the_receivers_sla_settings_set_the_due_time(w: World) -> None:
    admin_b = Principal(B, "adm", "staff", frozenset({"hospital_admin"}))
    assert referrals.get_settings(admin_b, store=w.store(admin_b)).urgent == 240
    saved = referrals.put_settings(
        admin_b, models.SettingsBody(emergency=15, urgent=120, routine=720), store=w.store(admin_b)
    )
    assert saved.revision == 1
    assert w.refer("urgent").sla_due_at == AT + timedelta(minutes=120)
    with pytest.raises(Conflict):  # saved over a stale revision
        referrals.put_settings(
            admin_b, models.SettingsBody(emergency=15, urgent=60, routine=720), store=w.store(admin_b)
        )


# ---- attachments ---------------------------------------------------------------------------------------


def _upload(w: World, files: FakeFiles, name: str = "出院小结.pdf", land: bool = True) -> models.UploadView:
    up = referrals.new_upload(
        DOC_A,
        models.NewUpload(filename=name, content_type="application/pdf", size=1234),
        store=w.store(DOC_A),
        directory=w.dir,
        files=files,
        now=AT,
    )
    if land:
        files.uploads.add(up.key)  # the client PUT it
    return up


def _refer_with(w: World, files: FakeFiles, attachments: list[dict]) -> models.ReferralView:
    body = models.NewReferral(
        patient_id="pA",
        to_hospital_id=B,
        consortium_id=CID,
        to_department_id="b-cardio",
        reason="胸痛反复发作",
        diagnosis_code="I20.0",
        consent=models.ConsentIn(given=True),
        attachments=[models.AttachmentIn(**a) for a in attachments],
    )
    return referrals.request(DOC_A, body, now=AT, files=files, **w.kw(DOC_A))


def test_an_upload_is_a_presigned_put_under_the_senders_tenant_and_nothing_is_stored(w: World) -> None:
    files = FakeFiles()
    up = _upload(w, files, name="../../etc/出院小结.pdf", land=False)
    assert up.key == f"{A}/followup/referrals/uploads/{up.upload_id}/出院小结.pdf"
    assert files.asked == [(up.key, "application/pdf", 1234)]
    assert up.expires_at == AT + timedelta(seconds=900) and up.upload_headers == {
        "Content-Type": "application/pdf"
    }
    with pytest.raises(Forbidden):  # the referral desk is not clinical staff
        referrals.new_upload(
            DESK_B,
            models.NewUpload(filename="x.pdf", content_type="application/pdf", size=1),
            store=w.store(DESK_B),
            directory=w.dir,
            files=files,
        )
    for bad in ({"content_type": "text/html", "size": 1}, {"content_type": "image/png", "size": 21 * 2**20}):
        with pytest.raises(ValueError):
            models.NewUpload(filename="x", **bad)


def test_a_referral_carries_only_uploads_of_the_senders_that_landed(w: World) -> None:
    files = FakeFiles()
    up = _upload(w, files)
    pending = _upload(w, files, name="ct.png", land=False)
    for named in (
        [{"upload_id": pending.upload_id, "filename": "ct.png"}],  # never PUT
        [{"upload_id": up.upload_id, "filename": "another.pdf"}],  # not the name it was uploaded under
        [{"upload_id": "0" * 22 + "-pdf-99", "filename": "出院小结.pdf"}],  # an id we never issued
    ):
        with pytest.raises(RuleViolation) as err:
            _refer_with(w, files, named)
        assert err.value.field == "attachments" and A not in str(err.value)
    # another hospital's upload, named by its id: looked for under MY tenant, so never found
    uid = "1" * 22 + "-pdf-5"
    files.uploads.add(f"{C}/followup/referrals/uploads/{uid}/a.pdf")
    with pytest.raises(RuleViolation) as err:
        _refer_with(w, files, [{"upload_id": uid, "filename": "a.pdf"}])
    assert C not in str(err.value)
    with pytest.raises(ValueError):  # at most 10
        models.NewReferral.model_validate(
            {
                "patient_id": "pA",
                "to_hospital_id": B,
                "consortium_id": CID,
                "to_department_id": "b-cardio",
                "reason": "x",
                "diagnosis_code": "I20.0",
                "consent": {"given": True},
                "attachments": [{"upload_id": up.upload_id, "filename": "a.pdf"}] * 11,
            }
        )
    made = _refer_with(w, files, [{"upload_id": up.upload_id, "filename": "出院小结.pdf", "kind": "summary"}])
    assert [a.model_dump() for a in made.attachments] == [
        {"filename": "出院小结.pdf", "kind": "summary", "content_type": "application/pdf", "size": 1234}
    ]
    theirs = referrals.get(DESK_B, made.id, **w.kw(DESK_B))
    assert theirs.attachments == made.attachments and "uploads" not in theirs.model_dump_json()


def test_either_end_downloads_an_attachment_and_the_senders_log_records_each_read(w: World) -> None:
    files = FakeFiles()
    up = _upload(w, files)
    made = _refer_with(w, files, [{"upload_id": up.upload_id, "filename": "出院小结.pdf", "kind": "summary"}])
    link = referrals.attachment_link(DOC_A, made.id, 0, files=files, now=AT, **w.kw(DOC_A))
    assert link.url.startswith(f"https://bucket.example/{up.key}?get") and link.filename == "出院小结.pdf"
    assert link.expires_at == AT + timedelta(seconds=300)
    got = referrals.attachment_link(DESK_B, made.id, "0", files=files, now=AT, **w.kw(DESK_B))
    assert got.url == link.url
    reads = [e for e in w.tables.access[(A, "pA")] if e.action == "read:referral-attachment"]
    assert [e.reason for e in reads] == ["出院小结.pdf, read by 县医院", "出院小结.pdf, read by 市医院"]
    for n in (1, "-1", "x", "999999"):
        with pytest.raises(NotFound):
            referrals.attachment_link(DESK_B, made.id, n, files=files, **w.kw(DESK_B))
    with pytest.raises(NotFound) as err:  # a third hospital: no referral, no echo
        referrals.attachment_link(DESK_C, made.id, 0, files=files, **w.kw(DESK_C))
    assert made.id not in str(err.value)
    accepted = w.accept(made.id)
    referrals.attachment_link(DOC_B, made.id, 0, files=files, **w.kw(DOC_B))  # the receiving doctor
    assert any(e.action == "read:referral-attachment" for e in w.tables.access[(B, accepted.patient_id)])
    w.cons.leave(CID, B)  # the link is gone: the receiver reads nothing
    with pytest.raises(NotFound):
        referrals.attachment_link(DESK_B, made.id, 0, files=files, **w.kw(DESK_B))
