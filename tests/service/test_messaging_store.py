"""Messaging's directory store, the same checks on the DynamoDB adapter (on moto) and on the in-memory
fake the service-layer tests use: a fake that drifts from the adapter fails here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from chalicelib.messaging.adapters.dynamodb import CertificateReminder, DynamoDirectoryStore
from chalicelib.messaging.domain.records import DepartmentRecord, Reminder, StaffRecord

from shared.auth import Principal
from shared.errors import Conflict, RuleViolation
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeDirectoryStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# (tenant, user) -> a fresh store of that hospital for that caller
Opener = Callable[[str, str], Any]

_TABLES = Tables()


def _principal(tenant: str, user: str) -> Principal:
    return Principal(tenant=tenant, user=user, roles=frozenset({"hospital_admin"}))


def _dynamo(tenant: str, user: str) -> Any:
    return DynamoDirectoryStore(tenant, UnitOfWork("messaging", _principal(tenant, user), "req-1"))


def _fake(tenant: str, user: str) -> Any:
    return FakeDirectoryStore(tenant, _TABLES, _principal(tenant, user), "req-1")


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
        yield _dynamo
    else:
        yield _fake


def reminder_keys(store: Any) -> set[str]:
    if isinstance(store, FakeDirectoryStore):
        return {key for (tenant, key) in store.tables.reminders if tenant == store.tenant}
    return {r.sk for r in CertificateReminder.query(CertificateReminder.partition(store.tenant))}


def new_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def unit(n: int, parent: str | None = None, kind: str = "department") -> DepartmentRecord:
    return DepartmentRecord(f"d{n:02d}", f"科室{n}", kind, parent, AT, AT)


def person(n: int, **extra: Any) -> StaffRecord:
    values: dict[str, Any] = {
        "name": f"护士{n}",
        "employee_no": f"E{n}",
        "department_id": "d01",
        "search_blob": f"|护士{n}|hushi{n}|hs|e{n}|",
        **extra,
    }
    return StaffRecord(id=f"s{n:02d}", created_at=AT, updated_at=AT, **values)


def commit(store: Any, change: Callable[[Any], object]) -> None:
    with store:
        change(store)
        store.commit()


def all_pages(read: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    out, cursor = [], None
    while True:
        rows, cursor = read(cursor)
        out += rows
        if cursor is None:
            return out


def test_departments_are_created_at_version_one_saved_with_the_next_and_paged(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    made = [unit(n) for n in range(1, 6)]
    commit(store, lambda s: [s.departments.create(r) for r in made])
    assert [r.version for r in made] == [1] * 5
    assert store.departments.get("d01") == made[0]
    renamed = store.departments.get("d02")
    renamed.name, renamed.head_id = "改名", "s01"
    commit(store, lambda s: s.departments.save(renamed))
    assert renamed.version == 2
    assert store.departments.get("d02") == renamed
    assert store.departments.get("nope") is None
    listed = all_pages(lambda cursor: store.departments.page(2, cursor))
    assert [(r.id, r.name, r.version) for r in listed] == [
        ("d01", "科室1", 1),
        ("d02", "改名", 2),
        ("d03", "科室3", 1),
        ("d04", "科室4", 1),
        ("d05", "科室5", 1),
    ]


def test_a_stale_save_or_a_missing_required_unit_fails_the_commit_and_writes_nothing(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    commit(store, lambda s: s.departments.create(unit(1)))
    first, second = store.departments.get("d01"), store.departments.get("d01")
    first.name = "先到"
    commit(store, lambda s: s.departments.save(first))
    second.name = "后到"
    with pytest.raises(Conflict) as stale, store:
        store.departments.save(second)
        store.departments.create(unit(2))
        store.commit()
    assert "changed by someone else" in str(stale.value)
    with pytest.raises(RuleViolation) as missing, store:
        store.departments.create(unit(3, parent="gone"))
        store.departments.require("gone", RuleViolation("no such parent unit", field="parent_id"))
        store.commit()
    assert missing.value.field == "parent_id"
    assert [r.name for r in all_pages(lambda c: store.departments.page(10, c))] == ["先到"]


def test_units_and_cursors_of_another_hospital_stay_apart(opener: Opener) -> None:
    mine, other = opener(new_tenant(), "a"), opener(new_tenant(), "b")
    commit(mine, lambda s: [s.departments.create(unit(n)) for n in range(3)])
    assert other.departments.page(10, None) == ([], None)
    assert other.departments.get("d01") is None
    _, cursor = mine.departments.page(1, None)
    assert cursor is not None
    with pytest.raises(RuleViolation):
        other.departments.page(1, cursor)


def test_staff_round_trip_every_field_and_the_number_claim(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    full = person(
        1,
        title="主治医师",
        nurse_grade="N2",
        roles=["doctor", "nurse"],
        supervisor_id="s09",
        mobile_encrypted="sealed-token",
        mobile_masked="138****5678",
        mobile_index="index-digest",
        certificates=[{"type": "护士执业证书", "number": "N-1", "valid_until": "2027-03-01"}],
        user_id="user-1",
    )
    commit(store, lambda s: s.staff.create(full))
    assert full.version == 1
    assert store.staff.get("s01") == full
    assert store.staff.for_user("user-1") == full
    assert store.staff.for_user("nobody") is None
    with pytest.raises(Conflict) as taken, store:
        store.staff.create(person(2, employee_no="E1"))
        store.commit()
    assert "E1" in str(taken.value)
    assert store.staff.get("s02") is None
    commit(opener(new_tenant(), "admin"), lambda s: s.staff.create(person(2, employee_no="E1")))
    full.status, full.roles, full.left_at = "left", [], AT
    commit(store, lambda s: s.staff.save(full))
    assert store.staff.get("s01") == full and full.version == 2


def test_staff_pages_filter_and_supervisor_chains_stop_at_a_cycle(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    people = [
        person(1, supervisor_id="s02"),
        person(2, supervisor_id="s03", department_id="d02"),
        person(3, supervisor_id="s01", status="left"),  # a cycle back to s01
        person(4, name="张三", search_blob="|张三|zhangsan|zs|e4|"),
    ]
    commit(store, lambda s: [s.staff.create(p) for p in people])

    def ids(**query: Any) -> list[str]:
        args = {"search": None, "department_id": None, "status": None, **query}
        return [r.id for r in all_pages(lambda c: store.staff.page(1, c, **args))]

    assert ids() == ["s01", "s02", "s03", "s04"]
    assert ids(search="zhang") == ["s04"]
    assert ids(department_id="d01") == ["s01", "s03", "s04"]
    assert ids(status="active", department_id="d01") == ["s01", "s04"]
    assert [s.id for s in store.staff.supervisors("s01", 12)] == ["s02", "s03"]
    assert [s.id for s in store.staff.supervisors("s01", 1)] == ["s02"]
    assert store.staff.supervisors("s04", 12) == []


def test_reminders_are_added_and_removed_with_the_change(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    soon = Reminder("s01#BLS#B-1#2027-03-01", "s01", "BLS", "2027-03-01", date(2027, 1, 30))
    later = Reminder("s01#ACLS#A-1#2028-01-01", "s01", "ACLS", "2028-01-01", date(2027, 12, 2))
    commit(store, lambda s: [s.reminders.add(soon), s.reminders.add(later)])
    assert reminder_keys(store) == {soon.key, later.key}
    commit(store, lambda s: [s.reminders.remove(soon.key), s.reminders.remove("never-there")])
    assert reminder_keys(store) == {later.key}


def test_the_trail_holds_committed_changes_and_every_reveal_but_no_sealed_data(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin-1")
    record = person(1, mobile_encrypted="sealed-token", mobile_masked="138****5678", mobile_index="digest")
    before = person(1, name="旧名")

    def change(s: Any) -> None:
        s.staff.create(record)
        s.audit("staff.update", "staff", "s01", before=before, after=record)

    commit(store, change)
    with store:
        store.audit("staff.update", "staff", "s01", after=record)  # never committed
    store.trail.record_access("staff", "s01", ["mobile"])  # lands at once
    trail = all_pages(lambda c: store.trail.page("staff", "s01", 1, c))
    assert [(e.action, e.actor, e.request_id) for e in trail] == [
        ("staff.update", "admin-1", "req-1"),
        ("reveal:mobile", "admin-1", "req-1"),
    ]
    change_entry = trail[0]
    assert (change_entry.before or {})["name"] == "旧名" and (change_entry.after or {})["name"] == "护士1"
    assert (change_entry.after or {})["mobile_masked"] == "138****5678"
    assert "sealed-token" not in str(trail) and "digest" not in str(trail)
    assert (trail[1].before, trail[1].after) == (None, None)
    other = opener(new_tenant(), "x")
    assert other.trail.page("staff", "s01", 10, None) == ([], None)


def test_nothing_is_written_without_a_commit(opener: Opener) -> None:
    store = opener(new_tenant(), "admin")
    with store:
        store.departments.create(unit(1))
        store.staff.create(person(1))
        store.reminders.add(Reminder("k", "s01", "BLS", "2027-01-01", date(2026, 12, 2)))
    assert store.departments.get("d01") is None and store.staff.get("s01") is None
    assert reminder_keys(store) == set()
