"""Care teams', visit notes' and revisit requests' repositories: the same checks on the DynamoDB adapters
(on moto) and on the in-memory fakes the use-case tests run on, so a fake that drifts fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.adapters.revisits import DynamoExpiredClaims
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.revisits import Revisit
from chalicelib.followup.domain.teams import CareTeam, SignedResident, TeamMember, VisitNote

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeExpiredClaims, FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
Write = Callable[[Callable[[Any], None]], None]
Opener = Callable[[str], tuple[Any, Write, Any]]


def _principal(tenant: str) -> Principal:
    return Principal(
        tenant=tenant, user="doc-1", kind="staff", roles=frozenset({"doctor"}), staff_name="李医生"
    )


def _dynamo(tenant: str) -> tuple[Any, Write, Any]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return DynamoStore(tenant, None, _principal(tenant), "test"), write, DynamoExpiredClaims()


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Write, Any]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write, FakeExpiredClaims(_TABLES)


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def fresh() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def patient(pid: str) -> Patient:
    return Patient(
        id=pid,
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed-name", "id_number": "sealed-idn"},
        id_number_index=f"idn-{pid}",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id="d1",
        created_at=AT,
        updated_at=AT,
    )


def team(tid: str, *members: str, department: str = "d1") -> CareTeam:
    return CareTeam(
        id=tid,
        name=f"团队{tid}",
        department_id=department,
        members=[TeamMember(staff_id=m, name=m, role="doctor") for m in members],
        created_at=AT,
        updated_at=AT,
    )


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_a_teams_memberships_are_written_and_removed_with_the_team(opener: Opener) -> None:
    tenant = fresh()
    store, write, _ = opener(tenant)
    write(lambda s: s.teams.add(team("tm1", "a", "b"), Conflict("taken")))
    write(lambda s: s.teams.add(team("tm2", "b", department="d0"), Conflict("taken")))
    with pytest.raises(Conflict, match="taken"):
        write(lambda s: s.teams.add(team("tm1"), Conflict("taken")))
    read = store.teams.get("tm1")
    assert read == team("tm1", "a", "b") and read.revision == 0
    assert store.memberships.teams_of("a") == {"tm1"} and store.memberships.teams_of("b") == {"tm1", "tm2"}
    assert [t.id for t in all_pages(lambda c: store.teams.page(1, c))] == ["tm2", "tm1"]  # by department
    changed = read.model_copy(
        update={"members": [TeamMember(staff_id="c", name="c", role="nurse"), read.members[1]]}
    )
    write(lambda s: s.teams.save(changed, read, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.teams.save(changed, read, Conflict("stale")))
    assert store.memberships.teams_of("a") == set()  # removed with the change
    assert store.memberships.teams_of("c") == {"tm1"} and store.memberships.teams_of("b") == {"tm1", "tm2"}
    assert store.teams.get("tm1").revision == 1
    other, _, _ = opener(fresh())
    assert other.teams.get("tm1") is None and other.memberships.teams_of("b") == set()
    assert other.teams.page(10, None)[0] == []


def test_signed_residents_are_on_the_teams_list_newest_first_once(opener: Opener) -> None:
    tenant = fresh()
    store, write, _ = opener(tenant)

    def signed(pid: str, minutes: int) -> SignedResident:
        return SignedResident(
            team_id="tm1",
            patient_id=pid,
            patient_label="张*",
            department_id="d1",
            signed_by="doc-1",
            signed_at=AT + timedelta(minutes=minutes),
        )

    write(lambda s: [s.patients.add(patient(p), Conflict("x")) for p in ("p1", "p2", "p3")])
    write(
        lambda s: [s.teams.sign(signed(p, n), Conflict("signed")) for n, p in enumerate(("p1", "p2", "p3"))]
    )
    with pytest.raises(Conflict, match="signed"):
        write(lambda s: s.teams.sign(signed("p1", 9), Conflict("signed")))
    assert [r.patient_id for r in all_pages(lambda c: store.teams.residents("tm1", 2, c))] == [
        "p3",
        "p2",
        "p1",
    ]
    assert store.teams.resident("tm1", "p2") == signed("p2", 1)
    write(lambda s: s.teams.unsign(signed("p2", 1)))
    assert store.teams.resident("tm1", "p2") is None
    assert [r.patient_id for r in all_pages(lambda c: store.teams.residents("tm1", 2, c))] == ["p3", "p1"]
    other, _, _ = opener(fresh())
    assert other.teams.residents("tm1", 10, None)[0] == [] and other.teams.resident("tm1", "p1") is None


def test_a_patients_visit_notes_come_newest_first(opener: Opener) -> None:
    tenant = fresh()
    store, write, _ = opener(tenant)

    def note(n: int) -> VisitNote:
        return VisitNote(
            id=f"p1-{n:04d}",
            patient_id="p1",
            patient_label="张*",
            kind="home",
            text=f"上门随访{n}",
            team_id="tm1" if n % 2 else "",
            author_id="doc-1",
            created_at=AT,
        )

    write(lambda s: s.patients.add(patient("p1"), Conflict("x")))
    write(lambda s: [s.notes.add(note(n)) for n in range(5)])
    with pytest.raises(Conflict):
        write(lambda s: s.notes.add(note(1)))
    assert [n.id for n in all_pages(lambda c: store.notes.of_patient("p1", 2, c))] == [
        f"p1-{n:04d}" for n in (4, 3, 2, 1, 0)
    ]
    assert store.notes.of_patient("p1", 10, None)[0][0] == note(4)
    other, _, _ = opener(fresh())
    assert other.notes.of_patient("p1", 10, None)[0] == []


def revisit(rid: str, created: datetime = AT) -> Revisit:
    return Revisit(
        id=f"p1-{rid}",
        patient_id="p1",
        patient_label="张*",
        department_id="d1",
        ask="renew",
        channel="partner",
        requested_by="app",
        created_at=created,
        updated_at=created,
    )


def test_a_claim_is_written_only_over_the_pool_at_the_revision_read(opener: Opener) -> None:
    tenant = fresh()
    store, write, _ = opener(tenant)
    write(lambda s: s.patients.add(patient("p1"), Conflict("x")))
    write(
        lambda s: [
            s.revisits.add(revisit(r, AT + timedelta(minutes=n))) for n, r in enumerate(("r1", "r2", "r3"))
        ]
    )
    read = store.revisits.get("p1-r1")
    assert read == revisit("r1") and read.revision == 0
    first = read.claim("doc-1", "李医生", AT, timedelta(minutes=30))
    second = read.claim("doc-2", "王医生", AT, timedelta(minutes=30))
    write(lambda s: s.revisits.save(first, "pool", Conflict("taken")))
    with pytest.raises(Conflict, match="taken"):  # the same read, another doctor: lost
        write(lambda s: s.revisits.save(second, "pool", Conflict("taken")))
    now = store.revisits.get("p1-r1")
    assert (now.state, now.doctor_name, now.revision) == ("claimed", "李医生", 1)
    with pytest.raises(Conflict, match="taken"):  # the right revision, but no longer in the pool
        write(lambda s: s.revisits.save(now, "pool", Conflict("taken")))

    def ids(state: str) -> list[str]:
        return [r.id for r in all_pages(lambda c: store.revisits.of_department("d1", state, 1, c))]

    assert ids("pool") == ["p1-r2", "p1-r3"] and ids("claimed") == ["p1-r1"]
    other, _, _ = opener(fresh())
    assert (
        other.revisits.get("p1-r1") is None and other.revisits.of_department("d1", "pool", 10, None)[0] == []
    )


def test_expired_claims_are_found_on_the_sparse_index_across_hospitals_until_returned(opener: Opener) -> None:
    tenant = fresh()
    store, write, claims = opener(tenant)
    write(lambda s: s.patients.add(patient("p1"), Conflict("x")))
    write(lambda s: [s.revisits.add(revisit(r)) for r in ("r1", "r2", "r3")])
    hold = timedelta(minutes=30)
    for n, rid in enumerate(("r1", "r2")):
        read = store.revisits.get(f"p1-{rid}")
        write(
            lambda s, r=read, n=n: s.revisits.save(
                r.claim("doc-1", "李医生", AT + timedelta(minutes=n), hold), "pool", Conflict("t")
            )
        )

    def due(at: datetime) -> list[str]:
        return [r.id for t, r in claims.due(at, 1000) if t == tenant]

    assert due(AT + timedelta(minutes=29)) == []
    assert due(AT + timedelta(minutes=30)) == ["p1-r1"]
    assert due(AT + timedelta(minutes=45)) == ["p1-r1", "p1-r2"]  # the longest overdue first
    claimed = store.revisits.get("p1-r1")
    write(lambda s: s.revisits.save(claimed.expire(AT + timedelta(minutes=45)), "claimed", Conflict("t")))
    assert due(AT + timedelta(minutes=45)) == ["p1-r2"]  # back in the pool: off the index
    assert store.revisits.get("p1-r1").state == "pool"
