"""Intake's repositories (plans and their versions, enrolment rules, encounters with their discharge
claims, enrolments, the extension index): the same checks on the DynamoDB adapters (on moto) and on
the in-memory fakes, so a fake that drifts from the adapter fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.followup.adapters.dynamodb import DynamoStore
from chalicelib.followup.adapters.intake import DynamoExtensionsDue
from chalicelib.followup.domain import builtin_plans
from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.rules import EnrolmentRule, RuleSet

from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.followup.fakes import FakeExtensionsDue, FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
Opener = Callable[[str], tuple[Any, Callable[[Callable[[Any], None]], None], Any]]


def _principal(tenant: str) -> Principal:
    return Principal(tenant=tenant, user="admin-1", kind="staff", roles=frozenset({"hospital_admin"}))


def _dynamo(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None], Any]:
    def write(change: Callable[[Any], None]) -> None:
        with UnitOfWork("followup", _principal(tenant), "test") as uow:
            change(DynamoStore(tenant, uow, _principal(tenant)))
            uow.commit()

    return DynamoStore(tenant, None, _principal(tenant), "test"), write, DynamoExtensionsDue()


_TABLES = Tables()


def _fake(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None], Any]:
    store = FakeStore(tenant, tables=_TABLES, principal=_principal(tenant))

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write, FakeExtensionsDue(_TABLES)


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_a_plan_publishes_versions_over_the_revision_it_read_and_keeps_each(opener: Opener) -> None:
    t = tenant()
    store, write, _ = opener(t)
    base = builtin_plans.BY_ID["hypertension"]
    mine = [base.model_copy(update={"id": f"plan{n}", "builtin": False}) for n in range(3)]
    write(lambda s: [s.plans.add(p, Conflict("taken")) for p in mine])
    with pytest.raises(Conflict, match="taken"):
        write(lambda s: s.plans.add(mine[0], Conflict("taken")))
    read = store.plans.get("plan0")
    assert read is not None and read.revision == 0 and read.version == 1
    v2 = read.model_copy(update={"version": 2, "name": "第二版"})
    write(lambda s: s.plans.publish(v2, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):  # published from the same read again
        write(lambda s: s.plans.publish(v2.model_copy(update={"version": 3}), Conflict("stale")))
    now = store.plans.get("plan0")
    assert (now.version, now.name, now.revision) == (2, "第二版", 1)
    assert store.plans.version("plan0", 1).name == base.name
    assert store.plans.version("plan0", 2).name == "第二版"
    assert store.plans.version("plan0", 3) is None
    assert [p.id for p in all_pages(lambda c: store.plans.page(2, c))] == ["plan0", "plan1", "plan2"]
    other, _, _ = opener(tenant())
    assert other.plans.get("plan0") is None and other.plans.version("plan0", 1) is None
    assert other.plans.page(10, None)[0] == []


def test_the_rules_are_created_once_then_saved_over_their_revision(opener: Opener) -> None:
    t = tenant()
    store, write, _ = opener(t)
    assert store.enrolment_rules.get() is None
    rules = RuleSet(rules=[EnrolmentRule(icd10_prefix="I10", plan_id="hypertension")], stored=True)
    write(lambda s: s.enrolment_rules.add(rules, Conflict("taken")))
    with pytest.raises(Conflict, match="taken"):
        write(lambda s: s.enrolment_rules.add(rules, Conflict("taken")))
    read = store.enrolment_rules.get()
    assert read.rules == rules.rules and read.revision == 0 and read.version == 1
    write(lambda s: s.enrolment_rules.save(read.model_copy(update={"rules": []}), Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.enrolment_rules.save(read, Conflict("stale")))
    assert store.enrolment_rules.get().rules == [] and store.enrolment_rules.get().version == 2
    other, _, _ = opener(tenant())
    assert other.enrolment_rules.get() is None


def encounter(patient_id: str, n: int) -> Encounter:
    return Encounter(
        id=f"{patient_id}-e{n:03d}",
        patient_id=patient_id,
        source="api",
        diagnoses=["I10"],
        department_id="cardio",
        department_name="心内科",
        discharge_date=date(2026, 12, n),
        doctor_id="doc-1",
        doctor_name="李医生",
        enrolment_id=f"{patient_id}-r{n:03d}",
        created_at=AT,
    )


def enrolment(patient_id: str, n: int, to: date, lifelong: bool = True) -> Enrolment:
    return Enrolment(
        id=f"{patient_id}-r{n:03d}",
        patient_id=patient_id,
        patient_label="张*",
        encounter_id=f"{patient_id}-e{n:03d}",
        plan_id="kidney-transplant",
        plan_name="肾移植术后终身随访",
        plan_version=1,
        lifelong=lifelong,
        discharge_date=date(2026, 12, n),
        department_id="cardio",
        doctor_id="doc-1",
        materialised_to=to,
        tasks=26,
        created_at=AT,
        updated_at=AT,
    )


def test_a_discharge_is_claimed_once_and_found_by_its_key(opener: Opener) -> None:
    t = tenant()
    store, write, _ = opener(t)
    write(lambda s: s.encounters.add(encounter("p1", 1), "his:E1", Conflict("again")))
    with pytest.raises(Conflict, match="again"):  # the same discharge, under another encounter id
        write(lambda s: s.encounters.add(encounter("p1", 2), "his:E1", Conflict("again")))
    claimed = store.encounters.by_discharge("his:E1")
    assert claimed.id == "p1-e001" and claimed.enrolment_id == "p1-r001" and claimed.diagnoses == []
    assert store.encounters.get("p1-e001").diagnoses == ["I10"]
    assert store.encounters.get("p1-e002") is None and store.encounters.by_discharge("his:E2") is None
    write(lambda s: s.encounters.add(encounter("p1", 3), "his:E3", Conflict("again")))
    rows = all_pages(lambda c: store.encounters.of_patient("p1", 1, c))
    assert [e.id for e in rows] == ["p1-e003", "p1-e001"]
    other, _, _ = opener(tenant())
    assert other.encounters.by_discharge("his:E1") is None and other.encounters.get("p1-e001") is None


def test_enrolments_save_over_their_revision_and_lifelong_ones_are_found_to_extend(opener: Opener) -> None:
    t = tenant()
    store, write, due = opener(t)
    early = enrolment("p1", 1, date(2027, 1, 10))
    late = enrolment("p1", 2, date(2027, 6, 1))
    finite = enrolment("p1", 3, date(2027, 1, 1), lifelong=False)
    write(lambda s: [s.enrolments.add(e) for e in (early, late, finite)])
    with pytest.raises(Conflict):
        write(lambda s: s.enrolments.add(early))
    found = [eid for tn, eid in due.due(date(2027, 2, 1), 100) if tn == t]
    assert found == ["p1-r001"]  # not the finite plan, not one whose tasks go further
    read = store.enrolments.get("p1-r001")
    moved = read.model_copy(update={"materialised_to": date(2028, 1, 10), "tasks": 38})
    write(lambda s: s.enrolments.save(moved, Conflict("stale")))
    with pytest.raises(Conflict, match="stale"):
        write(lambda s: s.enrolments.save(moved, Conflict("stale")))
    assert store.enrolments.get("p1-r001").tasks == 38 and store.enrolments.get("p1-r001").revision == 1
    assert [eid for tn, eid in due.due(date(2027, 2, 1), 100) if tn == t] == []
    assert [e.id for e in all_pages(lambda c: store.enrolments.of_patient("p1", 2, c))] == [
        "p1-r003",
        "p1-r002",
        "p1-r001",
    ]
    other, _, _ = opener(tenant())
    assert other.enrolments.get("p1-r001") is None
