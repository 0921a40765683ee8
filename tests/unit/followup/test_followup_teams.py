"""Care teams on the fakes: a team's members reach its signed residents and lose them the moment they
leave the team; a team's visit notes are read in the team only; signing is the team's or the department's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from chalicelib.followup.contracts import teams as models
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.service import teams

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import FakeDirectory, FakeStore

T = "t-teams"
AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
QUERY = models.TeamsQuery()


def staff(staff_id: str, name: str, *roles: str) -> Principal:
    return Principal(T, staff_id, "staff", frozenset(roles), staff_id=staff_id, staff_name=name)


ADMIN = Principal(T, "admin", "staff", frozenset({"hospital_admin"}))
HEAD = staff("head1", "周主任", "department_head", "doctor")
DOC = staff("doc1", "李医生", "doctor")
DOC2 = staff("doc2", "王医生", "doctor")
NURSE = staff("nurse1", "陈护士", "nurse")
PH = staff("ph1", "赵公卫", "nurse")  # the village clinic's public-health worker (another department)
OTHER_HEAD = staff("head2", "吴主任", "department_head")


@pytest.fixture
def world() -> tuple[FakeStore, FakeDirectory]:
    d = FakeDirectory()
    d.add_unit(T, "d1", "全科医学科")
    d.add_unit(T, "d2", "公共卫生科")
    for p, dept in ((HEAD, "d1"), (DOC, "d1"), (DOC2, "d1"), (NURSE, "d1"), (PH, "d2"), (OTHER_HEAD, "d2")):
        d.add_person(T, p.staff, p.staff_name or "", dept, *p.roles)
    store = FakeStore(T)
    with store.uow:
        store.patients.add(patient("p1"), Conflict("taken"))
        store.commit()
    return store, d


def patient(pid: str, department: str = "d1") -> Patient:
    return Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed", "id_number": "sealed"},
        id_number_index=f"idn-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=department,
        department_name="全科医学科",
        created_at=AT,
        updated_at=AT,
    )


def members(*pairs: tuple[Principal, str]) -> list[models.Member]:
    return [models.Member(staff_id=p.staff, role=role) for p, role in pairs]  # type: ignore[arg-type]


def make_team(store: FakeStore, d: FakeDirectory, who: Principal = HEAD) -> models.Team:
    body = models.NewTeam(
        name="城东家庭医生团队", department_id="d1", members=members((DOC, "doctor"), (PH, "public_health"))
    )
    return teams.create_team(who, body, store=store.as_caller(who), directory=d, now=AT)


def notes_of(store: FakeStore, d: FakeDirectory, who: Principal) -> list[str]:
    page = teams.list_notes(who, "p1", QUERY, store=store.as_caller(who), directory=d)
    return sorted(n.text for n in page.items)  # (two notes of one millisecond: no order between them)


def test_a_team_is_set_up_by_an_admin_or_its_departments_head_with_named_members(world) -> None:
    store, d = world
    team = make_team(store, d)
    assert (team.name, team.department_id, team.department_name) == ("城东家庭医生团队", "d1", "全科医学科")
    assert [(m.staff_id, m.name, m.role) for m in team.members] == [
        ("doc1", "李医生", "doctor"),
        ("ph1", "赵公卫", "public_health"),
    ]
    assert make_team(store, d, ADMIN).department_name == "全科医学科"
    for who in (DOC, OTHER_HEAD):  # a doctor, and the head of another department
        with pytest.raises(Forbidden):
            make_team(store, d, who)
    with pytest.raises(RuleViolation):
        teams.create_team(
            HEAD,
            models.NewTeam(
                name="x", department_id="d1", members=[models.Member(staff_id="ghost", role="nurse")]
            ),
            store=store.as_caller(HEAD),
            directory=d,
        )
    listed = teams.list_teams(NURSE, QUERY, store=store.as_caller(NURSE), directory=d)
    assert len(listed.items) == 2
    assert teams.get_team(DOC, team.id, store=store.as_caller(DOC), directory=d) == team
    with pytest.raises(NotFound):
        teams.get_team(DOC, "nope", store=store.as_caller(DOC), directory=d)


def test_a_member_reaches_the_teams_residents_and_loses_them_the_moment_they_leave(world) -> None:
    store, d = world
    team = make_team(store, d)
    with pytest.raises(NotFound):  # another department's worker: not yet a way to the patient
        notes_of(store, d, PH)
    resident = teams.sign_resident(
        DOC, team.id, models.SignResident(patient_id="p1"), store=store.as_caller(DOC), directory=d, now=AT
    )
    assert (resident.patient_label, resident.team_name, resident.signed_by_name) == (
        "张*",
        "城东家庭医生团队",
        "李医生",
    )
    assert store.patients.get("p1").team_ids == [team.id]
    assert notes_of(store, d, PH) == []  # reaches the patient through the team
    page = teams.list_residents(PH, team.id, QUERY, store=store.as_caller(PH), directory=d)
    assert [(r.patient_id, r.patient_label) for r in page.items] == [("p1", "张*")]
    with pytest.raises(Forbidden):  # the team's list is its members'
        teams.list_residents(DOC2, team.id, QUERY, store=store.as_caller(DOC2), directory=d)
    with pytest.raises(Conflict):
        teams.sign_resident(
            DOC, team.id, models.SignResident(patient_id="p1"), store=store.as_caller(DOC), directory=d
        )

    body = models.SetMembers(members=members((DOC, "doctor"), (NURSE, "nurse")), revision=team.revision)
    changed = teams.set_members(HEAD, team.id, body, store=store.as_caller(HEAD), directory=d)
    assert [m.name for m in changed.members] == ["李医生", "陈护士"] and changed.revision == team.revision + 1
    with pytest.raises(NotFound):  # removed: no way to the patient, at once
        notes_of(store, d, PH)
    with pytest.raises(Forbidden):
        teams.list_residents(PH, team.id, QUERY, store=store.as_caller(PH), directory=d)
    with pytest.raises(Conflict):  # set over a stale revision
        teams.set_members(HEAD, team.id, body, store=store.as_caller(HEAD), directory=d)


def test_ending_the_signing_takes_the_resident_off_the_list_and_away_from_the_team(world) -> None:
    store, d = world
    team = make_team(store, d)
    teams.sign_resident(
        DOC, team.id, models.SignResident(patient_id="p1"), store=store.as_caller(DOC), directory=d
    )
    with pytest.raises(NotFound):  # another department's head does not reach the patient at all
        teams.unsign_resident(OTHER_HEAD, team.id, "p1", store=store.as_caller(OTHER_HEAD), directory=d)
    body = models.NewTeam(name="第二团队", department_id="d1", members=members((DOC, "doctor")))
    other = teams.create_team(HEAD, body, store=store.as_caller(HEAD), directory=d)  # without her
    with pytest.raises(Forbidden):  # she reaches the patient through her team, but signs for no other
        teams.sign_resident(
            PH, other.id, models.SignResident(patient_id="p1"), store=store.as_caller(PH), directory=d
        )
    teams.unsign_resident(DOC, team.id, "p1", store=store.as_caller(DOC), directory=d)
    assert store.patients.get("p1").team_ids == []
    assert teams.list_residents(DOC, team.id, QUERY, store=store.as_caller(DOC), directory=d).items == []
    with pytest.raises(NotFound):
        notes_of(store, d, PH)
    with pytest.raises(NotFound):
        teams.unsign_resident(DOC, team.id, "p1", store=store.as_caller(DOC), directory=d)
    actions = [e.action for e in store.tables.access[(T, "p1")]]
    assert actions.count("patient.signed") == 1 and actions.count("patient.unsigned") == 1


def test_a_teams_note_is_read_by_its_members_and_its_author_only_and_every_read_is_audited(world) -> None:
    store, d = world
    team = make_team(store, d)
    teams.sign_resident(
        DOC, team.id, models.SignResident(patient_id="p1"), store=store.as_caller(DOC), directory=d
    )
    shared = models.NewNote(text="上门随访：血压 138/86", kind="home", team_id=team.id)
    note = teams.add_note(DOC, "p1", shared, store=store.as_caller(DOC), directory=d)
    assert (note.team_name, note.author_name, note.patient_label) == ("城东家庭医生团队", "李医生", "张*")
    teams.add_note(
        DOC2,
        "p1",
        models.NewNote(text="电话随访：已服药", kind="phone"),
        store=store.as_caller(DOC2),
        directory=d,
    )
    assert notes_of(store, d, DOC) == ["上门随访：血压 138/86", "电话随访：已服药"]
    assert notes_of(store, d, PH) == ["上门随访：血压 138/86", "电话随访：已服药"]
    assert notes_of(store, d, DOC2) == ["电话随访：已服药"]  # reaches the patient, not in the team
    assert notes_of(store, d, NURSE) == ["电话随访：已服药"]
    with pytest.raises(NotFound):
        notes_of(store, d, OTHER_HEAD)
    reads = [(e.actor, e.action) for e in store.tables.access[(T, "p1")] if e.action == "read:notes"]
    assert reads == [
        ("doc1", "read:notes"),
        ("ph1", "read:notes"),
        ("doc2", "read:notes"),
        ("nurse1", "read:notes"),
    ]
    with pytest.raises(RuleViolation):  # a note is shared only in a team its author belongs to
        teams.add_note(DOC2, "p1", shared, store=store.as_caller(DOC2), directory=d)
    body = models.NewTeam(name="第二团队", department_id="d1", members=members((DOC, "doctor")))
    other = teams.create_team(HEAD, body, store=store.as_caller(HEAD), directory=d)
    with pytest.raises(RuleViolation):  # ... and the patient is signed with
        teams.add_note(
            DOC,
            "p1",
            models.NewNote(text="x", kind="visit", team_id=other.id),
            store=store.as_caller(DOC),
            directory=d,
        )
