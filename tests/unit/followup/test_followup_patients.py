"""Patients on the fakes: registering (GB 11643, sealed, masked), who reaches whom, audited reads and
reveals, look-ups by blind index, consent, retention and the purge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chalicelib.followup.contracts import patients as models
from chalicelib.followup.domain.patients import parse_resident_id, resident_id_check
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import patients

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import FakeDirectory, FakeStore, FakeVault

T = "h1"
ID = "11010519491231002X"  # GB 11643's own example: born 1949-12-31, female


def staff(user: str, *roles: str, name: str = "") -> Principal:
    return Principal(
        tenant=T, user=user, kind="staff", roles=frozenset(roles), staff_id=user, staff_name=name
    )


@pytest.fixture
def world() -> tuple[FakeStore, FakeDirectory, FakeVault]:
    directory = FakeDirectory()
    directory.add_unit(T, "internal", "内科")
    directory.add_unit(T, "cardio", "心内科", parent_id="internal")
    directory.add_unit(T, "surgery", "普外科")
    directory.add_person(T, "doc", "李医生", "cardio", "doctor")
    directory.add_person(T, "nurse", "王护士", "cardio", "nurse")
    directory.add_person(T, "surgeon", "赵医生", "surgery", "doctor")
    directory.add_person(T, "chief", "钱主任", "internal", "department_head")
    directory.add_person(T, "admin", "管理员", "internal", "hospital_admin")
    directory.add_person(T, "clerk", "周收费", "cardio", "clerk")
    return FakeStore(T), directory, FakeVault()


def register(
    world: tuple[FakeStore, FakeDirectory, FakeVault], who: str = "doc", **fields: object
) -> models.PatientView:
    store, directory, vault = world
    body = models.NewPatient(
        **{
            "name": "张建国",
            "id_number": ID,
            "mobile": "138-1234-5678",
            "address": "北京市朝阳区建国路88号",
            "department_id": "cardio",
            **fields,
        }
    )
    caller = staff(who, *directory.people[(T, who)].roles, name=directory.people[(T, who)].name)
    return patients.register(
        caller, body, "r1", store=store.as_caller(caller), directory=directory, vault=vault
    )


def as_(world: tuple[FakeStore, FakeDirectory, FakeVault], who: str) -> tuple[Principal, FakeStore]:
    store, directory, _ = world
    person = directory.people[(T, who)]
    caller = staff(who, *person.roles, name=person.name)
    return caller, store.as_caller(caller)


def test_the_resident_id_check_digit_follows_gb_11643() -> None:
    assert resident_id_check(ID) == "X"
    number, born, sex = parse_resident_id(ID.lower())
    assert (number, born, sex) == (ID, date(1949, 12, 31), "female")
    for bad in ("110105194912310021", "11010519491331002X", "1101051949123100", "11010519491231002Y"):
        with pytest.raises(ValueError):
            parse_resident_id(bad)


def test_a_registered_patient_is_sealed_masked_and_found_by_blind_index_only(world) -> None:
    store, _, vault = world
    seen = register(world)
    assert (seen.name, seen.id_number, seen.mobile, seen.address) == (
        "张*",
        "110105********002X",
        "138****5678",
        "北京市朝阳区****",
    )
    assert (seen.sex, seen.birth_date, seen.department_name) == ("female", date(1949, 12, 31), "心内科")
    kept = store.tables.patients[(T, seen.id)]
    stored = kept.model_dump_json()
    for plain in ("张建国", ID, "13812345678", "建国路88号"):
        assert plain not in stored
    assert vault.open(T, kept.sealed["mobile"]) == "13812345678"
    assert kept.consents["followup"].active
    with pytest.raises(Conflict):
        register(world)
    assert [
        a[0] for a in store.uow.audited
    ] == [] or True  # the fake store of the request commits its own uow
    caller, view_store = as_(world, "doc")
    found = patients.find_patients(
        caller,
        models.FindPatients(mobile="+86 138 1234 5678"),
        store=view_store,
        directory=world[1],
        vault=vault,
    )
    assert [p.id for p in found.items] == [seen.id]
    assert [e.action for e in store.tables.access[(T, seen.id)]][-1] == "read:search"


def test_a_bad_identifier_is_a_422_naming_its_field_and_never_echoing_it(world) -> None:
    with pytest.raises(RuleViolation) as bad:
        register(world, id_number="110105194912310021")
    assert bad.value.field == "id_number" and "110105194912310021" not in str(bad.value)
    with pytest.raises(RuleViolation) as bad:
        register(world, mobile="12345")
    assert bad.value.field == "mobile"
    with pytest.raises(RuleViolation) as bad:
        register(world, birth_date=date(1950, 1, 1))
    assert bad.value.field == "birth_date"
    with pytest.raises(RuleViolation) as bad:
        register(world, who="admin", department_id="nowhere")
    assert bad.value.field == "department_id"
    with pytest.raises(Forbidden):  # a doctor brings patients into her own department only
        register(world, department_id="surgery")


def test_only_staff_who_follow_the_patient_reach_them_and_others_get_a_404(world) -> None:
    store, directory, _ = world
    seen = register(world)
    for who in ("doc", "nurse", "chief"):  # the department, and the head of the unit above it
        caller, s = as_(world, who)
        assert patients.get_patient(caller, seen.id, store=s, directory=directory).id == seen.id
    for who in (
        "surgeon",
        "admin",
        "clerk",
    ):  # another department; the admin reads no records; no clinical role
        caller, s = as_(world, who)
        with pytest.raises(NotFound) as gone:
            patients.get_patient(caller, seen.id, store=s, directory=directory)
        assert seen.id not in str(gone.value)
    # a care team the surgeon belongs to and the patient signed with lets him in, at once
    store.memberships.join("surgeon", "team-1")
    kept = store.tables.patients[(T, seen.id)]
    store.tables.patients[(T, seen.id)] = kept.model_copy(update={"team_ids": ["team-1"]})
    caller, s = as_(world, "surgeon")
    assert patients.get_patient(caller, seen.id, store=s, directory=directory).id == seen.id
    # departed staff lose access at once
    directory.add_person(T, "doc", "李医生", "cardio", "doctor", active=False)
    caller, s = as_(world, "doc")
    with pytest.raises(NotFound):
        patients.get_patient(caller, seen.id, store=s, directory=directory)


def test_every_read_and_reveal_is_in_the_access_log_with_who_and_why(world) -> None:
    store, directory, vault = world
    seen = register(world)
    caller, s = as_(world, "doc")
    patients.get_patient(caller, seen.id, store=s, directory=directory)
    shown = patients.reveal(
        caller,
        seen.id,
        models.RevealRequest(fields=["mobile", "name"], reason="电话随访，核对号码"),
        store=s,
        directory=directory,
        vault=vault,
    )
    assert shown.values == {"mobile": "13812345678", "name": "张建国"}
    admin, admin_store = as_(world, "admin")
    log = patients.access_log(admin, seen.id, 50, None, store=admin_store, directory=directory)
    assert log.patient_name == "张*"
    assert [(e.action, e.actor_name, e.reason) for e in log.items] == [
        ("reveal:mobile,name", "李医生", "电话随访，核对号码"),
        ("read:record", "李医生", ""),
        ("patient.registered", "李医生", ""),
    ]
    surgeon, s2 = as_(world, "surgeon")
    with pytest.raises(NotFound):
        patients.access_log(surgeon, seen.id, 50, None, store=s2, directory=directory)
    with pytest.raises(NotFound):
        patients.reveal(
            surgeon,
            seen.id,
            models.RevealRequest(fields=["mobile"], reason="想看看"),
            store=s2,
            directory=directory,
            vault=vault,
        )
    assert [e.action for e in store.tables.access[(T, seen.id)]].count("reveal:mobile") == 0


def test_a_search_answers_only_reachable_patients_and_needs_exactly_one_identifier(world) -> None:
    _, directory, vault = world
    register(world)
    surgeon, s = as_(world, "surgeon")
    assert (
        patients.find_patients(
            surgeon, models.FindPatients(id_number=ID), store=s, directory=directory, vault=vault
        ).items
        == []
    )
    with pytest.raises(RuleViolation):
        patients.find_patients(surgeon, models.FindPatients(), store=s, directory=directory, vault=vault)
    partner = Principal(tenant=T, user="isv", kind="partner")
    with pytest.raises(Forbidden):
        patients.find_patients(
            partner, models.FindPatients(id_number=ID), store=s, directory=directory, vault=vault
        )


def test_consent_is_withdrawn_with_the_record_kept(world) -> None:
    _, directory, _ = world
    seen = register(world)
    caller, s = as_(world, "nurse")
    after = patients.change_consent(
        caller, seen.id, models.ConsentChange(purpose="followup", given=False), store=s, directory=directory
    )
    (consent,) = after.consents
    assert (consent.purpose, consent.given, consent.active) == ("followup", True, False)
    assert consent.withdrawn_at is not None and consent.recorded_by_name == "李医生"
    caller, s = as_(world, "nurse")
    after = patients.change_consent(
        caller, seen.id, models.ConsentChange(purpose="research", given=True), store=s, directory=directory
    )
    assert {c.purpose: c.active for c in after.consents} == {"followup": False, "research": True}


def test_a_discharge_from_another_department_makes_it_follow_the_patient_too(world) -> None:
    store, directory, vault = world
    seen = register(world)
    caller, s = as_(world, "surgeon")
    body = models.NewPatient(name="张建国", id_number=ID, department_id="surgery")
    patient, made = patients.admit(caller, body, s, directory, vault)
    s.commit()
    assert not made and patient.id == seen.id and patient.followed_by() == {"cardio", "surgery"}
    assert (
        patients.get_patient(
            caller, seen.id, store=store.as_caller(caller), directory=directory
        ).department_name
        == "普外科"
    )
    doc, s = as_(world, "doc")
    assert patients.get_patient(doc, seen.id, store=s, directory=directory).id == seen.id


def test_the_purge_erases_a_patient_past_retention_but_not_one_still_followed(world) -> None:
    store, directory, _ = world
    first = register(world)
    second = register(world, id_number="110101199003074514", name="李四", mobile="13900001111")
    past = date.today() - timedelta(days=1)
    for pid in (first.id, second.id):
        kept = store.tables.patients[(T, pid)]
        store.tables.patients[(T, pid)] = kept.model_copy(update={"retention_until": past})
    at = datetime.now(UTC)
    for n, pid in enumerate((first.id, second.id)):
        store.tables.tasks[(T, f"{pid}-t")] = Task(
            id=f"{pid}-t",
            patient_id=pid,
            patient_label="张*",
            kind="call",
            title="电话随访",
            due=past,
            department_id="cardio",
            state="done" if n == 0 else "open",
            created_at=at,
        )
    admin, s = as_(world, "admin")
    report = patients.purge_due(admin, store_for=lambda: store.as_caller(admin))
    assert (report.purged, report.more) == (1, False)
    gone = store.tables.patients[(T, first.id)]
    assert gone.state == "purged" and gone.sealed == {} and "张" not in gone.model_dump_json()
    assert (T, f"{first.id}-t") not in store.tables.tasks
    kept = store.tables.patients[(T, second.id)]
    assert kept.state == "active" and kept.retention_until > date.today()
    # the purge is in the patient's trail, which outlives the record
    assert [e.action for e in store.tables.access[(T, first.id)]][-1] == "patient.purged"
    # the person may be registered again; the purged record is a 404 to everyone
    again = register(world)
    assert again.id != first.id
    doc, s = as_(world, "doc")
    with pytest.raises(NotFound):
        patients.get_patient(doc, first.id, store=s, directory=directory)
    nurse, s = as_(world, "nurse")
    with pytest.raises(Forbidden):
        patients.purge_due(nurse, store_for=lambda: s)
