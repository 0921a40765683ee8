"""Follow-up's repositories: the same checks on the DynamoDB adapters (on moto) and on the in-memory
fakes the service-layer tests use, so a fake that drifts from the adapter fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.tasks import Task

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
Opener = Callable[[str], tuple[Any, Callable[[Callable[[Any], None]], None]]]


def _principal(tenant: str) -> Principal:
    return Principal(
        tenant=tenant, user="doc-1", kind="staff", roles=frozenset({"doctor"}), staff_name="李医生"
    )


def _dynamo(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return DynamoStore(tenant, None, _principal(tenant), "test"), write


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

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


def patient(n: int, department: str = "d1", mobile: str = "m1", created: datetime = AT) -> Patient:
    return Patient(
        id=f"p{n:03d}",
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": f"sealed-name-{n}", "id_number": f"sealed-idn-{n}"},
        id_number_index=f"idn-{n}",
        mobile_index=mobile,
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=department,
        department_name="心内科",
        created_at=created + timedelta(minutes=n),
        updated_at=created,
    )


def task(
    n: int, patient_id: str, due: date, doctor: str = "doc-1", team: str = "", state: str = "open"
) -> Task:
    return Task(
        id=f"{patient_id}-t{n:03d}",
        patient_id=patient_id,
        patient_label="张*",
        kind="call",
        title=f"电话随访{n}",
        due=due,
        department_id="d1",
        doctor_id=doctor,
        team_id=team,
        state=state,  # type: ignore[arg-type]
        created_at=AT,
    )


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_a_patient_is_found_by_blind_index_and_an_id_number_registers_once(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: s.patients.add(patient(1), Conflict("taken")))
    write(lambda s: s.patients.add(patient(2, mobile="m1"), Conflict("taken")))
    again = patient(3).model_copy(update={"id_number_index": "idn-1"})
    with pytest.raises(Conflict, match="taken"):
        write(lambda s: s.patients.add(again, Conflict("taken")))
    found = store.patients.by_id_number("idn-1")
    assert found is not None and found.id == "p001" and found.revision == 0
    assert found == store.patients.get("p001") == store.patients.claimed("idn-1")
    assert store.patients.claimed("idn-3") is None
    assert {p.id for p in store.patients.by_mobile("m1")} == {"p001", "p002"}
    assert store.patients.get("p003") is None
    # another hospital finds none of them, by any path
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.patients.get("p001") is None and other.patients.by_id_number("idn-1") is None
    assert other.patients.by_mobile("m1") == []


def test_a_patient_saves_only_over_the_revision_it_read(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: s.patients.add(patient(1), Conflict("taken")))
    read = store.patients.get("p001")
    write(lambda s: s.patients.save(read.model_copy(update={"team_ids": ["team-1"]}), Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.patients.save(read.model_copy(update={"team_ids": []}), Conflict("stale")))
    now = store.patients.get("p001")
    assert now.team_ids == ["team-1"] and now.revision == 1


def test_a_department_lists_its_patients_newest_first_over_pages(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(
        lambda s: [
            s.patients.add(patient(n, "d1" if n % 2 else "d2", f"m{n}"), Conflict("x")) for n in range(7)
        ]
    )
    rows = all_pages(lambda cursor: store.patients.of_department("d1", 2, cursor))
    assert [p.id for p in rows] == ["p005", "p003", "p001"]


def test_a_task_is_on_its_boards_by_state_and_due_date_and_moves_when_done(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    write(lambda s: s.patients.add(patient(1), Conflict("taken")))
    today = date(2026, 12, 4)
    tasks = [task(n, "p001", today + timedelta(days=n - 2), team="team-1" if n % 2 else "") for n in range(5)]
    write(lambda s: [s.tasks.add(t) for t in tasks])

    def ids(scope: str, owner: str, state: str, lo: date | None, hi: date | None) -> list[str]:
        return [t.id for t in all_pages(lambda c: store.tasks.board(scope, owner, state, lo, hi, 2, c))]

    assert ids("doctor", "doc-1", "open", None, today - timedelta(days=1)) == ["p001-t000", "p001-t001"]
    assert ids("doctor", "doc-1", "open", today, today) == ["p001-t002"]
    assert ids("team", "team-1", "open", None, None) == ["p001-t001", "p001-t003"]
    assert ids("department", "d1", "open", None, None) == [t.id for t in tasks]
    done = store.tasks.get("p001-t002")
    assert done == tasks[2]
    write(
        lambda s: s.tasks.save(done.model_copy(update={"state": "done", "outcome": "reached"}), Conflict("s"))
    )
    with pytest.raises(Conflict):
        write(lambda s: s.tasks.save(done.model_copy(update={"state": "missed"}), Conflict("s")))
    assert ids("doctor", "doc-1", "open", today, today) == []
    assert ids("doctor", "doc-1", "done", None, None) == ["p001-t002"]
    assert ids("department", "d1", "done", None, None) == ["p001-t002"]
    assert store.tasks.get("p001-t002").revision == 1
    assert [t.id for t in all_pages(lambda c: store.tasks.of_patient("p001", 3, c))] == [t.id for t in tasks]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.tasks.get("p001-t002") is None
    assert other.tasks.board("doctor", "doc-1", "done", None, None, 10, None)[0] == []


def test_every_read_recorded_is_in_the_patients_access_log_newest_first(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, _ = opener(tenant)
    store.access.record("p001", "read:record")
    store.access.record("p001", "reveal:mobile", "回访电话无人接听，核对号码")
    rows = all_pages(lambda c: store.access.page("p001", 1, c))
    assert [(r.action, r.reason, r.actor, r.actor_name) for r in rows] == [
        ("reveal:mobile", "回访电话无人接听，核对号码", "doc-1", "李医生"),
        ("read:record", "", "doc-1", "李医生"),
    ]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.access.page("p001", 10, None)[0] == []
