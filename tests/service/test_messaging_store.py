"""Messaging's directory, notification, DING, conversation and device stores, the same checks on the DynamoDB adapter (on moto) and on the in-memory
fake the service-layer tests use: a fake that drifts from the adapter fails here."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.messaging.adapters.dynamodb import (
    CertificateReminder,
    ConversationPointer,
    DingTimer,
    DynamoCertificateSweep,
    DynamoConsortiumStore,
    DynamoConversationStore,
    DynamoDepartmentGroupStore,
    DynamoDeviceStore,
    DynamoDingStore,
    DynamoDirectoryStore,
    DynamoImportStore,
    DynamoNotificationStore,
    HospitalLink,
    RosterEntry,
    find_conversation,
)
from chalicelib.messaging.contracts.events import CERTIFICATE_EXPIRING, CertificateExpiring
from chalicelib.messaging.domain.records import (
    AlertEntry,
    ApplyTally,
    AttachmentRecord,
    Colleague,
    ConsortiumGroupPointer,
    ConsortiumLink,
    ConversationRecord,
    DepartmentGroupRecord,
    DepartmentRecord,
    DingTimerRecord,
    DueReminder,
    FeedRecord,
    ImportJobRecord,
    ImportPageRecord,
    LastMessage,
    ListingRecord,
    MessageRecord,
    NotificationRecord,
    PointerRecord,
    PreviewTally,
    Reminder,
    RosterMember,
    SentRecord,
    StaffRecord,
    UnitRecord,
)
from chalicelib.messaging.domain.staff_search import search_key, search_tokens

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.persistence.models import AuditRecord, service_item_models, tenant_key
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import (
    ConsortiumTables,
    ConversationTables,
    DeviceTables,
    FakeCertificateSweep,
    FakeConsortiumStore,
    FakeConversationStore,
    FakeDepartmentGroupStore,
    FakeDeviceStore,
    FakeDingStore,
    FakeDirectoryStore,
    FakeImportStore,
    FakeNotificationStore,
    GroupTables,
    ImportTables,
    NotificationTables,
    Tables,
)

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
    values: dict[str, Any] = {"name": f"护士{n}", "employee_no": f"E{n}", "department_id": "d01", **extra}
    values.setdefault("search_tokens", search_tokens(values["name"], values["employee_no"]))
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


def test_all_units_at_once_and_a_removal_conditional_on_the_version_read(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    commit(store, lambda s: [s.departments.create(u) for u in (unit(2, "d01"), unit(1), unit(3, "d01"))])
    assert [(u.id, u.parent_id) for u in store.departments.all()] == [
        ("d01", None),
        ("d02", "d01"),
        ("d03", "d01"),
    ]
    assert opener(new_tenant(), "admin").departments.all() == []
    stale = store.departments.get("d02")
    renamed = store.departments.get("d02")
    renamed.name = "改名"
    commit(store, lambda s: s.departments.save(renamed))
    with pytest.raises(Conflict, match="changed by someone else"), store:
        store.departments.remove(stale)
        store.commit()
    with store:
        store.departments.remove(renamed)  # never committed
    assert store.departments.get("d02") == renamed
    commit(store, lambda s: s.departments.remove(renamed))
    assert store.departments.get("d02") is None
    assert [u.id for u in store.departments.all()] == ["d01", "d03"]
    with pytest.raises(Conflict), store:  # gone meanwhile
        store.departments.remove(renamed)
        store.commit()


def test_staff_are_counted_by_unit_until_they_leave(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    people = [person(1), person(2), person(3, department_id="d02"), person(4, status="left")]
    commit(store, lambda s: [s.staff.create(p) for p in people])
    assert [store.staff.count_in(d) for d in ("d01", "d02", "d09")] == [2, 1, 0]
    assert opener(new_tenant(), "admin").staff.count_in("d01") == 0


def test_names_are_read_for_the_people_asked_who_left_too_and_nobody_of_another_hospital(
    opener: Opener,
) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    people = [person(1), person(2, status="left"), person(3)]
    commit(store, lambda s: [s.staff.create(p) for p in people])
    ids = [p.id for p in people]
    assert store.staff.names([ids[0], ids[1], "nobody", ids[0]]) == {
        ids[0]: people[0].name,
        ids[1]: people[1].name,
    }
    assert opener(new_tenant(), "admin").staff.names(ids) == {}


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


def test_a_sign_in_is_bound_to_one_person_and_can_be_moved(opener: Opener) -> None:
    import dataclasses

    from chalicelib.messaging.domain.directory import SIGN_IN_TAKEN

    tenant = new_tenant()
    store = opener(tenant, "admin")
    commit(store, lambda s: [s.staff.create(person(1, user_id="idp-1")), s.staff.create(person(2))])
    with pytest.raises(Conflict) as taken, store:
        store.staff.create(person(3, user_id="idp-1"))
        store.commit()
    assert taken.value is SIGN_IN_TAKEN and store.staff.get("s03") is None
    # s02 signs in as its own id until bound; binding it to a subject someone holds fails
    second = store.staff.get("s02")
    assert second is not None
    with pytest.raises(Conflict) as taken, store:
        store.staff.save(dataclasses.replace(second, user_id="idp-1"), previous_sign_in="s02")
        store.commit()
    assert taken.value is SIGN_IN_TAKEN and store.staff.get("s02") == second
    # moved to a free subject; the one it left can be bound again
    first = store.staff.get("s01")
    assert first is not None
    commit(
        store, lambda s: s.staff.save(dataclasses.replace(first, user_id="idp-9"), previous_sign_in="idp-1")
    )
    commit(
        store, lambda s: s.staff.save(dataclasses.replace(second, user_id="idp-1"), previous_sign_in="s02")
    )
    assert store.staff.for_user("idp-1").id == "s02" and store.staff.for_user("idp-9").id == "s01"


def test_staff_pages_filter_and_supervisor_chains_stop_at_a_cycle(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    people = [
        person(1, supervisor_id="s02"),
        person(2, supervisor_id="s03", department_id="d02"),
        person(3, supervisor_id="s01", status="left"),  # a cycle back to s01
        person(4, name="张三"),
    ]
    commit(store, lambda s: [s.staff.create(p) for p in people])

    def ids(**query: Any) -> list[str]:
        args = {"department_id": None, "status": None, **query}
        return [r.id for r in all_pages(lambda c: store.staff.page(1, c, **args))]

    assert ids() == ["s01", "s02", "s03", "s04"]
    assert ids(department_id="d01") == ["s01", "s03", "s04"]
    assert ids(status="active", department_id="d01") == ["s01", "s04"]
    assert [s.id for s in store.staff.supervisors("s01", 12)] == ["s02", "s03"]
    assert [s.id for s in store.staff.supervisors("s01", 1)] == ["s02"]
    assert store.staff.supervisors("s04", 12) == []


def searched(store: Any, query: str, limit: int = 50, **filters: Any) -> list[StaffRecord]:
    args = {"department_id": None, "status": None, **filters}
    return all_pages(lambda c: store.staff.search(search_key(query), limit, c, **args))


def test_a_search_finds_a_match_on_its_first_page_however_late_it_sorts(opener: Opener) -> None:
    # 12 people before her by id and by name; a page of 3 read by id would hold none of them.
    tenant = new_tenant()
    store = opener(tenant, "admin")
    for n in range(1, 13):
        commit(store, lambda s, n=n: s.staff.create(person(n, name=f"王{n:02d}")))
    commit(store, lambda s: s.staff.create(person(99, name="曾乐", employee_no="Z99", title="护师")))
    first, _ = store.staff.search(search_key("zengyue"), 3, None, None, None)
    assert [(r.id, r.name, r.title, r.version) for r in first] == [("s99", "曾乐", "护师", 1)]
    assert [r.id for r in store.staff.search(search_key("曾"), 3, None, None, None)[0]] == ["s99"]
    assert store.staff.search(search_key("ceng"), 3, None, None, None) == ([], None)


def test_a_search_pages_over_its_matches_each_person_once(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    people = [person(n, name=f"李{c}") for n, c in enumerate("四伟娜强磊军杰", start=1)]
    for someone in [*people, person(20, name="张三")]:
        commit(store, lambda s, p=someone: s.staff.create(p))
    # "l" begins two tokens of each (lisi and ls): each person once, pages of 2 over the matches only
    assert sorted(r.id for r in searched(store, "l", limit=2)) == [p.id for p in people]
    assert [r.name for r in searched(store, "李四")] == ["李四"]
    assert [r.name for r in searched(store, "li", department_id="d02")] == []
    _, cursor = store.staff.search(search_key("li"), 2, None, None, None)
    with pytest.raises(RuleViolation):  # a cursor of another search
        store.staff.search(search_key("zhang"), 2, cursor, None, None)


def test_a_rename_a_move_and_a_departure_rewrite_the_search_entries(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    commit(store, lambda s: s.staff.create(person(1, name="钱七")))
    before = store.staff.get("s01")
    after = dataclasses.replace(
        before, name="孙八", department_id="d02", search_tokens=search_tokens("孙八", "E1")
    )
    commit(store, lambda s: s.staff.save(after, before=before))
    assert searched(store, "qianqi") == [] and searched(store, "钱") == []
    assert [(r.name, r.department_id, r.version) for r in searched(store, "sunba")] == [("孙八", "d02", 2)]
    assert [r.name for r in searched(store, "e1")] == ["孙八"]  # kept (it did not change), carrying the move
    gone = dataclasses.replace(store.staff.get("s01"), status="left")
    commit(store, lambda s: s.staff.save(gone, before=store.staff.get("s01")))
    assert searched(store, "sunba") == [] and searched(store, "sunba", status="active") == []
    assert [(r.name, r.status) for r in searched(store, "sunba", status="left")] == [("孙八", "left")]
    assert opener(new_tenant(), "admin").staff.search(search_key("sunba"), 5, None, None, "left") == (
        [],
        None,
    )


def test_a_search_filters_by_department_and_status_within_its_matches(opener: Opener) -> None:
    tenant = new_tenant()
    store = opener(tenant, "admin")
    for someone in (
        person(1, name="张伟"),
        person(2, name="张敏", department_id="d02"),
        person(3, name="张静", status="on_leave"),
    ):
        commit(store, lambda s, p=someone: s.staff.create(p))
    assert sorted(r.name for r in searched(store, "zhang")) == ["张伟", "张敏", "张静"]
    assert [r.name for r in searched(store, "zhang", department_id="d02")] == ["张敏"]
    assert [r.name for r in searched(store, "zhang", status="on_leave")] == ["张静"]
    assert opener(new_tenant(), "admin").staff.search(search_key("zhang"), 5, None, None, None) == ([], None)


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


# --- work notifications ---------------------------------------------------------------------------

_NOTE_TABLES = NotificationTables()


def _dynamo_notes(tenant: str, user: str) -> Any:
    return DynamoNotificationStore(tenant, UnitOfWork("messaging", _principal(tenant, user), "req-1"))


def _fake_notes(tenant: str, user: str) -> Any:
    return FakeNotificationStore(tenant, _NOTE_TABLES)


@pytest.fixture(params=["dynamodb", "memory"])
def notes(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield _dynamo_notes
    else:
        yield _fake_notes


def note(nid: str, *recipients: str, **extra: Any) -> NotificationRecord:
    return NotificationRecord(
        id=nid,
        sender="sender",
        title=f"通知{nid}",
        body="正文",
        created_at=AT,
        recipient_ids=list(recipients),
        **extra,
    )


def ding_timer_of(store: Any, nid: str) -> tuple[datetime, datetime, int | None] | None:
    if isinstance(store, FakeNotificationStore):
        return store.tables.dings.get((store.tenant, nid))
    try:
        timer = DingTimer.get(DingTimer.partition(store.tenant), nid)
    except DingTimer.DoesNotExist:
        return None
    assert timer.step == "sms" and timer.gsi1pk == "dingdue"
    return timer.due_at, timer.sent_at, timer.call_after_minutes


def test_notifications_round_trip_are_create_only_and_start_their_ding(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    full = note("n1", "s01", "s02", ack_required=True, ding=True)
    commit(store, lambda s: [s.notifications.create(full), s.notifications.start_ding("n1", 5, 15, AT)])
    assert store.notifications.get("n1") == full
    assert ding_timer_of(store, "n1") == (datetime(2026, 12, 1, 8, 5, tzinfo=UTC), AT, 15)
    with pytest.raises(Conflict), store:
        store.notifications.create(note("n2", "s01"))
        store.notifications.create(note("n1", "s09"))
        store.commit()
    assert store.notifications.get("n2") is None and store.notifications.get("n1") == full
    with store:
        store.notifications.create(note("n3", "s01"))  # never committed
    assert store.notifications.get("n3") is None and store.notifications.get("missing") is None
    assert notes(new_tenant(), "x").notifications.get("n1") is None


def test_delivery_checkpoints_and_finish(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    sent = note("n1", "s01", "s02", "s03", ack_required=True, sender_name="李护士长")
    commit(store, lambda s: s.notifications.create(sent))
    store.notifications.deliver(sent, ["s01", "s02"], {"s02": "护士2"})  # lands at once
    store.notifications.checkpoint(sent, 2)
    assert store.notifications.get("n1").delivered_count == 2
    got = store.notifications.recipient("n1", "s02")
    assert (got.notification_id, got.staff_id, got.title, got.sender, got.created_at) == (
        "n1",
        "s02",
        "通知n1",
        "sender",
        AT,
    )
    assert (got.ack_required, got.status, got.read_at, got.acked_at) == (True, "delivered", None, None)
    assert got.feed_key
    # the names of the day it was delivered: the recipient's and the sender's
    assert (got.name, got.sender_name) == ("护士2", "李护士长")
    assert store.notifications.recipient("n1", "s01").name == ""  # no name given: none
    assert store.notifications.recipient("n1", "s03") is None
    store.notifications.deliver(sent, ["s03"])
    with store:
        store.notifications.finish(sent, 3)  # not committed: still fanning out
    assert store.notifications.get("n1").status == "fanning_out"
    commit(store, lambda s: s.notifications.finish(sent, 3))
    done = store.notifications.get("n1")
    assert (done.status, done.delivered_count, done.read_count) == ("delivered", 3, 0)


def test_a_recipients_own_body_reaches_her_entry_and_stays_through_a_mark(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    sent = note("n1", "s01", "s02", bodies={"s01": "1月3日 白班 → 大夜\n1月4日 大夜 → 休"})
    commit(store, lambda s: s.notifications.create(sent))
    assert store.notifications.get("n1") == sent  # the bodies are kept with the notification
    store.notifications.deliver(sent, ["s01", "s02"])
    mine = store.notifications.recipient("n1", "s01")
    assert mine.body == "1月3日 白班 → 大夜\n1月4日 大夜 → 休"
    assert store.notifications.recipient("n1", "s02").body == ""  # none of her own: the notification's
    mine.status, mine.read_at = "read", AT
    commit(store, lambda s: s.notifications.mark(mine, "delivered", read=True, ack=False))
    assert store.notifications.recipient("n1", "s01") == mine


def test_marks_are_conditional_and_move_the_counts(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    sent = note("n1", "s01", "s02", "s03", sender_name="李护士长")
    commit(store, lambda s: s.notifications.create(sent))
    store.notifications.deliver(sent, ["s01", "s02", "s03"], {"s01": "护士1", "s02": "护士2"})
    first = store.notifications.recipient("n1", "s01")
    first.status, first.read_at = "read", AT
    commit(store, lambda s: s.notifications.mark(first, "delivered", read=True, ack=False))
    both = store.notifications.recipient("n1", "s02")
    both.status, both.read_at, both.acked_at = "acknowledged", AT, AT
    commit(store, lambda s: s.notifications.mark(both, "delivered", read=True, ack=True))
    assert store.notifications.recipient("n1", "s01") == first
    assert store.notifications.recipient("n1", "s02") == both
    assert (first.name, both.name, both.sender_name) == ("护士1", "护士2", "李护士长")  # a mark keeps them
    stale = store.notifications.recipient("n1", "s03")
    stale.status, stale.read_at = "read", AT
    with pytest.raises(Conflict, match="reload"), store:
        store.notifications.mark(stale, "acknowledged", read=True, ack=False)  # it is not what was read
        store.commit()
    counts = store.notifications.get("n1")
    assert (counts.read_count, counts.ack_count) == (2, 1)
    assert store.notifications.recipient("n1", "s03").status == "delivered"

    def ids(pending: str | None) -> list[str]:
        return [r.staff_id for r in all_pages(lambda c: store.notifications.recipients("n1", pending, 1, c))]

    assert ids(None) == ["s01", "s02", "s03"]
    assert ids("read") == ["s03"]
    assert ids("ack") == ["s01", "s03"]
    _, cursor = store.notifications.recipients("n1", None, 1, None)
    with pytest.raises(RuleViolation):
        store.notifications.recipients("n2", None, 1, cursor)  # a cursor of another list


def test_a_mark_on_a_notification_that_is_gone_fails(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    orphan = note("n1", "s01")
    store.notifications.deliver(orphan, ["s01"])  # its recipient entry, but no notification
    entry = store.notifications.recipient("n1", "s01")
    entry.status = "read"
    with pytest.raises(Conflict), store:
        store.notifications.mark(entry, "delivered", read=True, ack=False)
        store.commit()
    assert store.notifications.recipient("n1", "s01").status == "delivered"


def test_the_inbox_is_the_persons_deliveries_newest_first(notes: Opener) -> None:
    store = notes(new_tenant(), "sender")
    older, newer = note("n1", "s01", "s02"), note("n2", "s01")
    commit(store, lambda s: [s.notifications.create(older), s.notifications.create(newer)])
    store.notifications.deliver(older, ["s01", "s02"])
    time.sleep(0.003)  # feed positions are time-ordered ids
    store.notifications.deliver(newer, ["s01"])
    inbox = all_pages(lambda c: store.notifications.inbox("s01", 1, c))
    assert [(r.notification_id, r.title) for r in inbox] == [("n2", "通知n2"), ("n1", "通知n1")]
    assert [r.notification_id for r in all_pages(lambda c: store.notifications.inbox("s02", 5, c))] == ["n1"]
    assert store.notifications.inbox("s09", 5, None) == ([], None)


def test_a_senders_list_is_theirs_newest_first_with_the_counts(notes: Opener) -> None:
    tenant = new_tenant()
    store = notes(tenant, "sender")
    older = note("n1", *(f"s{n:02d}" for n in range(40)), ack_required=True)
    newer, theirs = note("n2", "s01", ding=True), dataclasses.replace(note("n3", "s01"), sender="other")
    commit(store, lambda s: [s.notifications.create(n) for n in (older, newer, theirs)])
    store.notifications.deliver(older, ["s01", "s02"])
    commit(store, lambda s: s.notifications.finish(older, 2))
    recipient = store.notifications.recipient("n1", "s01")
    recipient.status = "acknowledged"
    commit(store, lambda s: s.notifications.mark(recipient, "delivered", read=True, ack=True))
    mine = all_pages(lambda c: store.notifications.sent("sender", 1, c))
    assert mine == [
        SentRecord("n2", "通知n2", AT, 1, ding=True),
        SentRecord("n1", "通知n1", AT, 40, True, False, "delivered", 2, 1, 1),
    ]
    assert [r.id for r in store.notifications.sent("other", 5, None)[0]] == ["n3"]
    assert notes(new_tenant(), "sender").notifications.sent("sender", 5, None) == ([], None)
    _, cursor = store.notifications.sent("sender", 1, None)
    with pytest.raises(RuleViolation):
        store.notifications.sent("other", 1, cursor)  # a cursor of another sender's list


def seed_audience(store: Any, tenant: str) -> None:
    units = [unit(1), unit(2, parent="d01", kind="ward")]
    people = [
        person(1, roles=["nurse"], user_id="user-1"),
        person(2, department_id="d02", roles=["doctor", "head_nurse"]),
        person(3, status="left", roles=["nurse"]),
    ]
    if isinstance(store, FakeNotificationStore):
        store.tables.units[tenant] = [UnitRecord(u.id, u.parent_id, u.kind) for u in units]
        store.tables.staff[tenant] = [
            Colleague(p.id, p.department_id, tuple(p.roles), p.name) for p in people if p.status == "active"
        ]
        return
    commit(_dynamo(tenant, "admin"), lambda s: [s.departments.create(u) for u in units])
    commit(_dynamo(tenant, "admin"), lambda s: [s.staff.create(p) for p in people])


def test_the_audience_is_the_directorys_units_and_active_staff(notes: Opener) -> None:
    tenant = new_tenant()
    store = notes(tenant, "sender")
    seed_audience(store, tenant)
    assert sorted(store.audience.units(), key=lambda u: u.id) == [
        UnitRecord("d01", None, "department"),
        UnitRecord("d02", "d01", "ward"),
    ]
    names = {p.id: p.name for p in (person(1), person(2))}
    assert sorted(store.audience.active_staff(), key=lambda c: c.id) == [
        Colleague("s01", "d01", ("nurse",), names["s01"]),
        Colleague("s02", "d02", ("doctor", "head_nurse"), names["s02"]),
    ]
    assert store.audience.name_of("s01") == names["s01"] and store.audience.name_of("s99") is None
    assert store.audience.names(["s01", "s02", "s99"]) == {"s01": names["s01"], "s02": names["s02"]}
    assert store.audience.names([]) == {}
    # who of these is an active member (one who left, or an unknown id, is not)
    assert store.audience.active(["s01", "s02", "s03", "s99", "s01"]) == {"s01", "s02"}
    assert store.audience.active([]) == set()
    duty = store.audience.on_duty("d02", AT)
    assert (duty.known, duty.staff_ids, duty.reason) == (
        False,
        (),
        "no published roster covers this ward at this time",
    )
    other = notes(new_tenant(), "x")
    assert other.audience.units() == [] and other.audience.active_staff() == []


# --- DING escalation ------------------------------------------------------------------------------

_DING = FakeDingStore(_NOTE_TABLES)


@dataclass
class DingWorld:
    """A DING store and, to set the scene, the notification store of a hospital on the same tables."""

    store: Any
    notes: Opener
    seal: Callable[[str, str, str], None]  # (tenant, staff id, sealed mobile)


def _dynamo_seal(tenant: str, staff_id: str, sealed: str) -> None:
    n = int(staff_id[1:])
    commit(_dynamo(tenant, "admin"), lambda s: s.staff.create(person(n, mobile_encrypted=sealed)))


def _fake_seal(tenant: str, staff_id: str, sealed: str) -> None:
    _DING.mobiles[(tenant, staff_id)] = sealed
    _DING.names[(tenant, staff_id)] = f"护士{int(staff_id[1:])}"  # as person(n) names them


@pytest.fixture(params=["dynamodb", "memory"])
def dings(request: pytest.FixtureRequest) -> Iterator[DingWorld]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield DingWorld(DynamoDingStore(), _dynamo_notes, _dynamo_seal)
    else:
        yield DingWorld(_DING, _fake_notes, _fake_seal)


def timers_of(world: DingWorld, tenant: str) -> dict[str, DingTimerRecord]:
    far = datetime(2100, 1, 1, tzinfo=UTC)
    return {t.notification_id: t for t in world.store.due(far, 100) if t.tenant == tenant}


def alert(n: int, staff_id: str = "s01", channel: str = "sms") -> AlertEntry:
    return AlertEntry("n1", staff_id, channel, "139****0002", "sent", f"msg-{n}", AT + timedelta(seconds=n))


def test_ding_reads_due_timers_titles_the_unacknowledged_and_sealed_mobiles(dings: DingWorld) -> None:
    tenant = new_tenant()
    notes = dings.notes(tenant, "sender")
    sent = note("n1", "s01", "s02", ack_required=True, ding=True, sender_name="李护士长")
    commit(notes, lambda s: [s.notifications.create(sent), s.notifications.start_ding("n1", 5, 15, AT)])
    notes.notifications.deliver(sent, ["s01", "s02"])
    acked = notes.notifications.recipient("n1", "s02")
    acked.status, acked.read_at, acked.acked_at = "acknowledged", AT, AT
    commit(notes, lambda s: s.notifications.mark(acked, "delivered", read=True, ack=True))
    dings.seal(tenant, "s01", "sealed-mobile")

    due = [t for t in dings.store.due(AT + timedelta(minutes=5), 100) if t.tenant == tenant]
    assert due == [DingTimerRecord(tenant, "n1", "sms", AT + timedelta(minutes=5), AT, 15)]
    assert [t for t in dings.store.due(AT + timedelta(minutes=4), 100) if t.tenant == tenant] == []
    assert (
        dings.store.sender_name(tenant, "n1") == "李护士长"
        and dings.store.sender_name(tenant, "nope") is None
    )
    assert dings.store.policy(tenant).daily_alerts == 2000  # the default until the hospital sets one
    assert dings.store.reserve_alerts(tenant, "2026-12-01", 3, 4) == 3
    assert dings.store.reserve_alerts(tenant, "2026-12-01", 3, 4) == 1  # what was left
    assert dings.store.reserve_alerts(tenant, "2026-12-01", 1, 4) == 0
    assert dings.store.reserve_alerts(tenant, "2026-12-02", 2, 4) == 2  # a new day
    assert dings.store.unacknowledged(tenant, "n1") == ["s01"]
    assert dings.store.contact(tenant, "s01") == ("护士1", "sealed-mobile")
    assert dings.store.contact(tenant, "s09") == ("", None)
    assert dings.store.contact(new_tenant(), "s01") == ("", None)


def test_an_escalation_logs_and_moves_the_timer_on_once(dings: DingWorld) -> None:
    tenant = new_tenant()
    commit(dings.notes(tenant, "sender"), lambda s: s.notifications.start_ding("n1", 5, 15, AT))
    timer = timers_of(dings, tenant)["n1"]
    call = DingTimerRecord(tenant, "n1", "call", AT + timedelta(minutes=15), AT, None)
    dings.store.escalated(timer, [alert(1), alert(2, "s02")], call)
    assert timers_of(dings, tenant) == {"n1": call}
    with pytest.raises(Conflict):  # the sms step again: another sweep moved it on meanwhile
        dings.store.escalated(timer, [alert(3)], None)
    assert timers_of(dings, tenant) == {"n1": call}
    dings.store.escalated(call, [alert(4, channel="call")], None)
    assert timers_of(dings, tenant) == {}
    logged = all_pages(lambda c: dings.store.alerts(tenant, 2, c))
    assert [(e.staff_id, e.channel, e.detail) for e in logged] == [
        ("s01", "sms", "msg-1"),
        ("s02", "sms", "msg-2"),
        ("s01", "call", "msg-4"),
    ]
    assert logged[0] == alert(1)
    assert dings.store.alerts(new_tenant(), 10, None) == ([], None)


def test_a_large_escalation_logs_every_alert_and_stop_removes_a_timer(dings: DingWorld) -> None:
    tenant = new_tenant()
    commit(dings.notes(tenant, "sender"), lambda s: s.notifications.start_ding("n1", 5, None, AT))
    commit(dings.notes(tenant, "sender"), lambda s: s.notifications.start_ding("n2", 5, None, AT))
    many = [alert(n, f"s{n:03d}") for n in range(95)]  # beyond one transaction's 90
    dings.store.escalated(timers_of(dings, tenant)["n1"], many, None)
    assert len(all_pages(lambda c: dings.store.alerts(tenant, 50, c))) == 95
    dings.store.stop(tenant, "n2")
    dings.store.stop(tenant, "n2")  # nothing there: nothing happens
    assert timers_of(dings, tenant) == {}


# --- conversations --------------------------------------------------------------------------------

_CONV_TABLES = ConversationTables()


@dataclass
class ConversationWorld:
    """A conversation store for a caller of a hospital, and what it reads, set up on the same backend."""

    open: Callable[[str], Any]  # hospital -> a store for a caller of that hospital
    staff: Callable[[str, int, str, str | None], None]  # (hospital, n of s0n, status, user)
    join: Callable[[str, str, str, str], None]  # (hospital, consortium, lead, status)
    deliver: Callable[[str, str, str], None]  # (hospital, staff id, notification id)


def _dynamo_staff(hospital: str, n: int, status: str, user: str | None) -> None:
    commit(_dynamo(hospital, "admin"), lambda s: s.staff.create(person(n, status=status, user_id=user)))


def _dynamo_join(hospital: str, consortium: str, lead: str, status: str) -> None:
    role = "lead" if hospital == lead else "member"
    HospitalLink.new(
        hospital,
        consortium,
        consortium_name="县域医共体",
        kind="medical_community",
        lead_hospital_id=lead,
        role=role,
        status=status,
    ).save()
    RosterEntry.new(
        lead,
        hospital,
        pk=RosterEntry.partition(lead, consortium),
        role=role,
        status=status,
        hospital_name=f"医院-{hospital}",
    ).save()


def _fake_join(hospital: str, consortium: str, lead: str, status: str) -> None:
    _CONV_TABLES.join(hospital, consortium, lead, status)
    _CONV_TABLES.hospital_names[hospital] = f"医院-{hospital}"  # as it named itself


def _dynamo_deliver(hospital: str, staff_id: str, nid: str) -> None:
    sent = note(nid, staff_id, sender_name="李护士长")
    _dynamo_notes(hospital, "sender").notifications.deliver(sent, [staff_id])


def _fake_deliver(hospital: str, staff_id: str, nid: str) -> None:
    _CONV_TABLES.deliver(hospital, staff_id, nid, f"通知{nid}", "sender", AT, sender_name="李护士长")


@pytest.fixture(params=["dynamodb", "memory"])
def convs(request: pytest.FixtureRequest) -> Iterator[ConversationWorld]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield ConversationWorld(
            lambda h: DynamoConversationStore(h, UnitOfWork("messaging", _principal(h, "user"), "req-1")),
            _dynamo_staff,
            _dynamo_join,
            _dynamo_deliver,
        )
    else:
        yield ConversationWorld(
            lambda h: FakeConversationStore(h, _CONV_TABLES),
            lambda h, n, status, user: _CONV_TABLES.add_staff(h, f"s{n:02d}", status, name=f"护士{n}"),
            _fake_join,
            _fake_deliver,
        )


def conversation(cid: str, hospital: str, *members: str, **extra: Any) -> ConversationRecord:
    return ConversationRecord(cid, hospital, "group", "夜班群", frozenset(members), AT, **extra)


def test_a_consortiums_groups_are_listed_and_a_departure_is_applied_idempotently(
    convs: ConversationWorld,
) -> None:
    lead, home, town = new_tenant(), new_tenant(), new_tenant()
    store = convs.open(home)
    group = conversation(
        "c1",
        home,
        "s01",
        f"{town}:s02",
        consortium_id="k1",
        member_names={"s01": "王医生", f"{town}:s02": "赵医生"},
        hospital_names={home: "县人民医院", town: "镇卫生院"},
    )
    pointer = PointerRecord(town, "s02", "c1", home, "k1", "夜班群", AT)
    commit(
        store,
        lambda s: [
            s.conversations.create(group),
            s.conversations.add_pointer(pointer),
            s.conversations.register(lead, "k1", home, "c1"),
        ],
    )
    commit(store, lambda s: s.conversations.register(lead, "k1", home, "c1"))  # again: still one line
    assert store.conversations.registered(lead, "k1") == [(home, "c1")]
    assert (
        store.conversations.registered(lead, "k2") == [] and store.conversations.registered(town, "k1") == []
    )
    for _ in range(2):  # idempotent, as a redelivered event needs
        store.conversations.remove_members(group, {f"{town}:s02"})
        store.conversations.drop_pointer(town, "s02", "c1")
    left = store.conversations.get(home, "c1")
    assert left.member_ids == {"s01"} and left.member_names == {"s01": "王医生"}  # the name left too
    assert left.hospital_names == {home: "县人民医院", town: "镇卫生院"}
    assert store.conversations.pointer(town, "s02", "c1") is None


def test_members_join_and_a_group_closes_with_the_commit_only(convs: ConversationWorld) -> None:
    home, town = new_tenant(), new_tenant()
    store = convs.open(home)
    group = conversation("c1", home, "s01", consortium_id="k1", member_names={"s01": "王医生"})
    commit(store, lambda s: s.conversations.create(group))
    assert store.conversations.get(home, "c1").closed is False
    with store:  # staged, not committed: nothing changes
        store.conversations.add_members(group, {f"{town}:s02": "赵医生"})
        store.conversations.close(group)
    assert store.conversations.get(home, "c1").member_ids == {"s01"}
    joined = {f"{town}:s02": "赵医生", "s03": ""}
    commit(store, lambda s: s.conversations.add_members(group, joined))
    commit(store, lambda s: s.conversations.add_members(group, joined))  # again: nothing more
    now = store.conversations.get(home, "c1")
    assert now.member_ids == {"s01", f"{town}:s02", "s03"} and not now.closed
    assert now.member_names == {"s01": "王医生", f"{town}:s02": "赵医生"}
    commit(store, lambda s: s.conversations.close(group))
    assert store.conversations.get(home, "c1").closed is True


def test_two_hospitals_share_a_consortium_while_both_are_active_in_it(convs: ConversationWorld) -> None:
    lead, town, other = new_tenant(), new_tenant(), new_tenant()
    convs.join(lead, "k1", lead, "active")
    convs.join(town, "k1", lead, "active")
    convs.join(other, "k1", lead, "invited")
    access = convs.open(town).access
    assert access.shared_lead(town, lead, "k1") == lead and access.shared_lead(lead, town, "k1") == lead
    assert access.shared_lead(town, other, "k1") is None and access.shared_lead(town, town, "k1") is None
    assert access.shared_lead(town, lead, "k2") is None


def test_conversations_are_create_only_and_start_with_their_pointers_at_once(
    convs: ConversationWorld,
) -> None:
    home, town = new_tenant(), new_tenant()
    store = convs.open(home)
    group = conversation(
        "c1",
        home,
        "s01",
        f"{town}:s02",
        consortium_id="k1",
        member_names={"s01": "王医生", f"{town}:s02": "赵医生"},
        hospital_names={home: "县人民医院", town: "镇卫生院"},
    )
    pointer = PointerRecord(town, "s02", "c1", home, "k1", "夜班群", AT)
    commit(store, lambda s: [s.conversations.create(group), s.conversations.add_pointer(pointer)])
    assert store.conversations.get(home, "c1") == group
    assert store.conversations.pointer(town, "s02", "c1") == pointer
    assert (
        store.conversations.get(town, "c1") is None and store.conversations.pointer(home, "s02", "c1") is None
    )
    direct = ConversationRecord("d-s01-s02", home, "direct", None, frozenset({"s01", "s02"}), AT)
    with pytest.raises(Conflict, match="this conversation already exists"), store:
        store.conversations.create(direct)
        store.conversations.create(group, on_conflict=Conflict("this conversation already exists"))
        store.commit()
    with pytest.raises(Conflict), store:
        store.conversations.add_pointer(pointer)
        store.commit()
    with store:
        store.conversations.create(direct)  # never committed
    assert store.conversations.get(home, "d-s01-s02") is None
    commit(store, lambda s: s.conversations.create(direct))
    assert convs.open(town).conversations.get(home, "d-s01-s02") == direct  # read where it lives


def test_messages_page_newest_first_and_a_recall_drops_the_text_once(convs: ConversationWorld) -> None:
    home = new_tenant()
    store = convs.open(home)
    sent = [
        MessageRecord(
            f"m{n:02d}", "c1", "s01", f"第{n}条", AT, attachments=["a1"] * (n % 2), sender_name="护士1"
        )
        for n in range(5)
    ]
    for message in sent:
        store.messages.add(home, message)
    assert store.messages.get(home, "c1", "m01") == sent[1]
    assert (
        store.messages.get(home, "c2", "m01") is None
        and store.messages.get(new_tenant(), "c1", "m01") is None
    )
    paged = all_pages(lambda c: store.messages.page(home, "c1", 2, c))
    assert paged == sent[::-1]
    _, cursor = store.messages.page(home, "c1", 2, None)
    with pytest.raises(RuleViolation):
        store.messages.page(home, "c2", 2, cursor)  # a cursor of another conversation
    with pytest.raises(Exception):  # the store's own error: create-only
        store.messages.add(home, sent[0])
    assert store.messages.recall(home, sent[3]) is True
    recalled = store.messages.get(home, "c1", "m03")
    assert (recalled.recalled, recalled.text, recalled.sender_id) == (True, None, "s01")
    assert store.messages.recall(home, sent[3]) is False  # recalled meanwhile (a second device): no error
    assert store.messages.recall(home, MessageRecord("m99", "c1", "s01", "x", AT)) is False  # no such message
    assert store.messages.get(home, "c1", "m99") is None


def test_feeds_hold_each_persons_entries_in_the_order_they_landed(convs: ConversationWorld) -> None:
    home, town = new_tenant(), new_tenant()
    store = convs.open(home)
    message = MessageRecord("m1", "c1", "s01", "你好", AT, sender_name="护士1")
    people = [(home, "s01"), (home, "s02"), (town, "s03")]
    store.feeds.add(people, "message", "c1", message, AT)
    time.sleep(0.003)  # feed positions are time-ordered ids
    convs.deliver(home, "s02", "n1")
    time.sleep(0.003)
    recalled = MessageRecord("m1", "c1", "s01", None, AT, recalled=True)
    store.feeds.add(people, "recall", "c1", recalled, AT + timedelta(minutes=1))
    before = f"{int(time.time() * 1000) + 1000:012x}"
    feed = store.feeds.read(home, "s02", "", before, 10)
    assert [dataclasses.replace(e, position="") for e in feed] == [
        FeedRecord("", "message", "m1", "s01", AT, conversation_id="c1", text="你好", sender_name="护士1"),
        FeedRecord("", "notification", "n1", "sender", AT, title="通知n1", sender_name="李护士长"),
        FeedRecord("", "recall", "m1", "s01", AT + timedelta(minutes=1), conversation_id="c1"),
    ]
    positions = [e.position for e in feed]
    assert positions == sorted(positions) and len(set(positions)) == 3
    assert store.feeds.read(home, "s02", positions[0], before, 10) == feed[1:]
    assert store.feeds.read(home, "s02", "", before, 1) == feed[:1]
    assert store.feeds.read(home, "s02", "", positions[0], 10) == []
    assert [e.kind for e in store.feeds.read(town, "s03", "", before, 10)] == ["message", "recall"]
    assert store.feeds.read(home, "s03", "", before, 10) == []  # another hospital's feed
    store.feeds.strip({home, town}, "m1")  # a recall takes the text out where it was delivered
    stripped = store.feeds.read(home, "s02", "", before, 10)
    assert [(e.kind, e.text, e.position) for e in stripped] == [
        ("message", None, positions[0]),  # same place in the feed, no text
        ("notification", None, positions[1]),
        ("recall", None, positions[2]),
    ]
    assert [e.text for e in store.feeds.read(town, "s03", "", before, 10)] == [None, None]
    store.feeds.strip({home}, "m-none")  # nothing to strip: nothing happens
    time.sleep(0.003)
    store.feeds.add([(home, "s01")], "message", "c1", message, AT)  # the same entry again replaces it
    again = store.feeds.read(home, "s01", "", f"{int(time.time() * 1000) + 1000:012x}", 10)
    assert [e.kind for e in again] == ["recall", "message"]


def test_read_marks_only_move_forward(convs: ConversationWorld) -> None:
    home = new_tenant()
    store = convs.open(home)
    store.read_marks.advance(home, "c1", "s01", "m02")
    store.read_marks.advance(home, "c1", "s01", "m01")  # late: ignored
    store.read_marks.advance(home, "c1", "t-x:s02", "m03")
    assert store.read_marks.of(home, "c1") == {"s01": "m02", "t-x:s02": "m03"}
    assert store.read_marks.of(home, "c2") == {} and store.read_marks.of(new_tenant(), "c1") == {}


def test_attachments_round_trip_under_their_conversation(convs: ConversationWorld) -> None:
    home = new_tenant()
    store = convs.open(home)
    file = AttachmentRecord("a1", "c1", "交班.txt", "text/plain", 24, "t-x:s02")
    store.attachments.add(home, file)
    assert store.attachments.get(home, "c1", "a1") == file
    assert (
        store.attachments.get(home, "c2", "a1") is None
        and store.attachments.get(new_tenant(), "c1", "a1") is None
    )
    with pytest.raises(Exception):  # the store's own error: create-only
        store.attachments.add(home, file)


def test_people_are_each_hospitals_active_staff(convs: ConversationWorld) -> None:
    home, other = new_tenant(), new_tenant()
    convs.staff(home, 1, "active", "user-1")
    convs.staff(home, 2, "left", None)
    people = convs.open(home).people
    assert [people.active_name(home, s) for s in ("s01", "s02", "s09")] == ["护士1", None, None]
    assert people.active_name(other, "s01") is None


def test_people_are_named_in_one_batch_across_hospitals(convs: ConversationWorld) -> None:
    home, other = new_tenant(), new_tenant()
    convs.staff(home, 1, "active", None)
    convs.staff(home, 2, "left", None)
    convs.staff(other, 3, "active", None)
    people = convs.open(home).people
    wanted = [(home, "s01"), (home, "s02"), (other, "s03"), (home, "s09"), (other, "s01")]
    assert people.names(wanted) == {(home, "s01"): "护士1", (home, "s02"): "护士2", (other, "s03"): "护士3"}


def test_conversation_lists_order_by_moves_and_read_the_conversation_with_my_mark(
    convs: ConversationWorld,
) -> None:
    home, town = new_tenant(), new_tenant()
    store = convs.open(home)
    night = conversation("c1", home, "s01", "s02", f"{town}:s03")
    quiet = conversation("c2", home, "s01")
    lines = [ListingRecord(home, "s01", "c1", home), ListingRecord(town, "s03", "c1", home)]
    commit(store, lambda s: [s.conversations.create(night), s.conversations.list_in(lines)])
    with store:  # staged, never committed: nothing
        store.conversations.list_in([ListingRecord(home, "s02", "c1", home)])
    assert store.conversations.listed(home, "s02", 10, None) == ([], None)
    time.sleep(0.003)  # moves are time-ordered ids
    quiet_line = ListingRecord(home, "s01", "c2", home)
    commit(store, lambda s: [s.conversations.create(quiet), s.conversations.list_in([quiet_line])])
    assert all_pages(lambda c: store.conversations.listed(home, "s01", 1, c)) == [quiet_line, lines[0]]
    assert store.conversations.listed(town, "s03", 10, None) == ([lines[1]], None)  # under their hospital
    assert store.conversations.listed(town, "s01", 10, None) == ([], None)
    _, cursor = store.conversations.listed(home, "s01", 1, None)
    with pytest.raises(RuleViolation):
        store.conversations.listed(home, "s02", 1, cursor)  # a cursor of someone else's list
    time.sleep(0.003)
    store.conversations.list_now([lines[0]])  # the same line again: moved to the top, still one
    assert store.conversations.listed(home, "s01", 10, None)[0] == [lines[0], quiet_line]

    # the newest message, recorded only forward, and the window it reports
    first = MessageRecord("m01", "c1", "s02", "交班" * 40, AT)
    assert store.conversations.touch(night, first, "w1") is True
    assert store.conversations.touch(night, MessageRecord("m02", "c1", "s01", "好", AT), "w1") is False
    assert store.conversations.touch(night, MessageRecord("m00", "c1", "s01", "旧", AT), "w2") is False
    assert store.conversations.touch(night, MessageRecord("m03", "c1", "s02", "再", AT), "w2") is True
    store.read_marks.advance(home, "c1", "s01", "m02")
    found = store.conversations.overview([(home, "c1", "s01"), (home, "c2", "s01"), (home, "c9", "s01")])
    assert set(found) == {(home, "c1"), (home, "c2")}  # c9 is no conversation
    record, mark = found[(home, "c1")]
    assert (record.member_ids, mark) == (night.member_ids, "m02")
    assert record.last == LastMessage("m03", "s02", "再", AT)
    assert found[(home, "c2")] == (quiet, None)
    assert store.conversations.overview([(home, "c1", f"{town}:s03")])[(home, "c1")][1] is None
    assert convs.open(town).conversations.overview([(town, "c1", "s03")]) == {}  # it lives at home

    store.conversations.recalled(home, "c1", "m01")  # not the newest: the preview stays
    assert store.conversations.overview([(home, "c1", "s01")])[(home, "c1")][0].last.text == "再"
    store.conversations.recalled(home, "c1", "m03")
    last = store.conversations.overview([(home, "c1", "s01")])[(home, "c1")][0].last
    assert (last.id, last.text, last.recalled) == ("m03", None, True)
    long = MessageRecord("m04", "c1", "s02", "长" * 100, AT)
    store.conversations.touch(night, long, "w3")
    assert store.conversations.get(home, "c1").last.text == "长" * 60  # a preview, not a copy

    store.conversations.unlist(lines[1])
    store.conversations.unlist(lines[1])  # gone already: nothing happens
    assert store.conversations.listed(town, "s03", 10, None) == ([], None)


def test_cross_hospital_access_reads_each_hospitals_own_link(convs: ConversationWorld) -> None:
    lead, town, invited = sorted(new_tenant() for _ in range(3))
    convs.join(lead, "k1", lead, "active")
    convs.join(invited, "k1", lead, "invited")
    access = convs.open(town).access
    assert access.active_lead(lead, "k1") == lead
    assert access.active_lead(invited, "k1") is None and access.active_lead(town, "k1") is None
    assert access.active_lead(lead, "k2") is None
    assert access.active_hospitals(lead, "k1") == [lead]
    convs.join(town, "k1", lead, "active")
    assert access.active_lead(town, "k1") == lead
    assert access.active_hospitals(lead, "k1") == [lead, town]
    assert access.active_members(lead, "k1") == {
        lead: f"医院-{lead}",
        town: f"医院-{town}",
    }  # as each named itself


# --- push devices ---------------------------------------------------------------------------------

_DEVICE_TABLES = DeviceTables()


@dataclass
class DeviceWorld:
    open: Callable[[str], Any]  # hospital -> its device store


@pytest.fixture(params=["dynamodb", "memory"])
def devs(request: pytest.FixtureRequest) -> Iterator[DeviceWorld]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield DeviceWorld(DynamoDeviceStore)
    else:
        yield DeviceWorld(lambda h: FakeDeviceStore(h, _DEVICE_TABLES))


def test_a_persons_devices_are_kept_in_their_order_and_replaced_whole(devs: DeviceWorld) -> None:
    store = devs.open(new_tenant())
    assert store.endpoints("s01") == {}
    store.save("s01", {"d2": "arn:2", "d1": "arn:1"})
    assert list(store.endpoints("s01").items()) == [("d2", "arn:2"), ("d1", "arn:1")]
    store.save("s01", {"d1": "arn:1"})
    assert store.endpoints("s01") == {"d1": "arn:1"} and store.endpoints("s02") == {}
    assert devs.open(new_tenant()).endpoints("s01") == {}


def test_the_endpoints_of_many_people_are_read_in_batches(devs: DeviceWorld) -> None:
    store = devs.open(new_tenant())
    for n in (5, 120, 230):
        store.save(f"s{n:03d}", {f"d{n}": f"arn:{n}", f"e{n}": f"arn:e{n}"})
    people = [f"s{n:03d}" for n in range(250)]  # three batches of up to 100
    assert sorted(store.endpoints_of(people)) == sorted(
        f"arn:{p}{n}" for n in (5, 120, 230) for p in ("", "e")
    )
    assert list(store.endpoints_of([])) == []
    assert list(devs.open(new_tenant()).endpoints_of(people)) == []


def test_the_policy_round_trips_and_counters_stop_at_their_limit(notes: Opener) -> None:
    from chalicelib.messaging.domain.notify_policy import DEFAULT, NotifyPolicy

    from shared.errors import RateLimited

    tenant = new_tenant()
    store = notes(tenant, "admin")
    assert store.notifications.policy() == DEFAULT
    mine = NotifyPolicy(
        broadcast_roles=frozenset({"hospital_admin", "department_head"}),
        emergency_roles=frozenset({"head_nurse"}),
        per_sender_per_hour=2,
        updated_by="admin",
        updated_at=AT,
    )
    commit(store, lambda s: s.notifications.set_policy(mine))
    assert store.notifications.policy() == mine and notes(new_tenant(), "x").notifications.policy() == DEFAULT
    full = RateLimited("full", 60)
    for _ in range(2):
        commit(store, lambda s: s.notifications.count("sender#u1", "2026-12-01T08", 2, full))
    with pytest.raises(RateLimited), store:
        store.notifications.count("sender#u1", "2026-12-01T08", 2, full)
        store.notifications.create(note("n-late", "s01"))
        store.commit()
    assert store.notifications.get("n-late") is None  # nothing of the refused change
    assert store.notifications.used("sender#u1", "2026-12-01T08") == 2
    assert store.notifications.used("sender#u1", "2026-12-01T09") == 0
    commit(store, lambda s: s.notifications.count("sender#u1", "2026-12-01T09", 2, full))


# --- consortia (医共体/医联体) -----------------------------------------------------------------------

_CONSORTIA = ConsortiumTables()


def _dynamo_consortia(tenant: str, user: str) -> Any:
    return DynamoConsortiumStore(tenant, UnitOfWork("messaging", _principal(tenant, user), "req-1"))


def _fake_consortia(tenant: str, user: str) -> Any:
    return FakeConsortiumStore(tenant, _CONSORTIA)


@pytest.fixture(params=["dynamodb", "memory"])
def consortia_of(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield _dynamo_consortia
    else:
        yield _fake_consortia


def link_of(
    hospital: str, cid: str, lead: str, role: str = "member", status: str = "invited"
) -> ConsortiumLink:
    return ConsortiumLink(hospital, cid, "县域医共体", "medical_community", lead, role, status, AT)


def consortium_audits(store: Any, cid: str) -> list[tuple[str, Any, Any]]:
    if isinstance(store, FakeConsortiumStore):
        return [(a, b, c) for a, _, r, b, c in store.tables.audits if r == cid]
    records = AuditRecord.query(tenant_key(store.tenant, "consortium", cid))
    return [
        (r.action, json.loads(r.before) if r.before else None, json.loads(r.after) if r.after else None)
        for r in records
    ]


def test_links_and_rosters_round_trip_and_are_create_only(consortia_of: Opener) -> None:
    lead, town, cid = new_tenant(), new_tenant(), uuid.uuid4().hex
    store = consortia_of(lead, "admin")
    mine = link_of(lead, cid, lead, "lead", "active")
    theirs = link_of(town, cid, lead)
    head = RosterMember(lead, cid, lead, "县人民医院", "lead", "active")
    invited = RosterMember(lead, cid, town, None, "member", "invited")

    def create(s: Any) -> None:
        s.links.create(mine)
        s.rosters.create(head)
        s.links.create(theirs)
        s.rosters.create(invited)
        s.audit("consortium.create", "consortium", cid, after={"name": "县域医共体"})

    commit(store, create)
    assert store.links.get(lead, cid) == mine and store.links.get(town, cid) == theirs
    assert store.rosters.get(lead, cid, town) == invited and store.rosters.get(lead, cid, lead) == head
    assert store.links.get(new_tenant(), cid) is None and store.rosters.get(lead, cid, "t-none") is None
    assert consortium_audits(store, cid) == [("consortium.create", None, {"name": "县域医共体"})]
    again = link_of(town, cid, lead, status="active")
    with pytest.raises(NotFound, match="taken"), store:
        store.links.create(link_of(new_tenant(), cid, lead))  # would be fine on its own
        store.rosters.create(invited, NotFound("taken"))
        store.commit()
    with pytest.raises(Conflict), store:
        store.links.create(again)  # no conflict named: the unit of work's own
        store.commit()
    assert store.links.get(town, cid) == theirs
    assert [h.hospital_id for h in all_pages(lambda c: store.links.page(town, 5, c))] == [town]


def test_a_link_and_its_roster_entry_change_only_as_read(consortia_of: Opener) -> None:
    lead, town, cid = new_tenant(), new_tenant(), uuid.uuid4().hex
    store = consortia_of(lead, "admin")
    theirs = link_of(town, cid, lead)
    commit(
        store,
        lambda s: [
            s.links.create(theirs),
            s.rosters.create(RosterMember(lead, cid, town, None, "member", "invited")),
        ],
    )
    joined = link_of(town, cid, lead, status="active")
    commit(
        store,
        lambda s: [
            s.links.save(joined, "invited", Conflict("answered")),
            s.rosters.join(lead, cid, town, "镇卫生院", NotFound("gone")),
        ],
    )
    assert store.links.get(town, cid) == joined
    assert store.rosters.get(lead, cid, town) == RosterMember(lead, cid, town, "镇卫生院", "member", "active")
    with pytest.raises(Conflict, match="answered"), store:
        store.links.save(joined, "invited", Conflict("answered"))
        store.commit()
    with pytest.raises(NotFound, match="gone"), store:
        store.rosters.join(lead, cid, town, "又一次", NotFound("gone"))
        store.commit()
    with pytest.raises(NotFound, match="not as read"), store:
        store.links.delete(joined, "active", NotFound("not as read"))  # would succeed alone
        store.rosters.delete(lead, cid, town, "invited", NotFound("not as read"))
        store.commit()
    assert store.links.get(town, cid) == joined and store.rosters.get(lead, cid, town) is not None
    commit(
        store,
        lambda s: [
            s.links.delete(joined, "active", NotFound("x")),
            s.rosters.delete(lead, cid, town, "active", NotFound("x")),
        ],
    )
    assert store.links.get(town, cid) is None and store.rosters.get(lead, cid, town) is None
    with pytest.raises(NotFound), store:
        store.links.delete(joined, "active", NotFound("already gone"))
        store.commit()


def test_links_and_rosters_page_within_their_hospital_and_consortium(consortia_of: Opener) -> None:
    lead, cid = new_tenant(), uuid.uuid4().hex
    store = consortia_of(lead, "admin")
    ids = [f"k{n}" for n in range(4)]
    members = sorted(new_tenant() for _ in range(4))
    commit(store, lambda s: [s.links.create(link_of(lead, k, lead, "lead", "active")) for k in ids])
    commit(
        store,
        lambda s: [s.rosters.create(RosterMember(lead, cid, m, None, "member", "active")) for m in members],
    )
    assert [link.consortium_id for link in all_pages(lambda c: store.links.page(lead, 3, c))] == ids
    assert [m.hospital_id for m in all_pages(lambda c: store.rosters.page(lead, cid, 3, c))] == members
    assert store.rosters.first(lead, cid, 2) == members[:2]
    assert store.rosters.page(lead, "other", 5, None) == ([], None)
    _, cursor = store.links.page(lead, 1, None)
    with pytest.raises(RuleViolation):
        store.links.page(new_tenant(), 1, cursor)
    _, cursor = store.rosters.page(lead, cid, 1, None)
    with pytest.raises(RuleViolation):
        store.rosters.page(lead, "other", 1, cursor)


def test_group_pointers_are_the_persons_own_newest_first(consortia_of: Opener) -> None:
    tenant, home = new_tenant(), new_tenant()
    store = consortia_of(tenant, "zhou")
    pointers = [ConsortiumGroupPointer(f"c{n}", f"转诊群{n}", "k1", home, AT) for n in range(3)]
    if isinstance(store, FakeConsortiumStore):
        for p in pointers:
            store.tables.add_pointer(tenant, "s01", p)
    else:
        for p in pointers:
            ConversationPointer.new(
                tenant,
                p.conversation_id,
                pk=ConversationPointer.partition(tenant, "s01"),
                home_hospital_id=home,
                consortium_id="k1",
                name=p.name,
                joined_at=AT,
            ).save()
    assert all_pages(lambda c: store.groups.page("s01", 2, c)) == pointers[::-1]
    assert store.groups.page("s02", 5, None) == ([], None)
    assert consortia_of(new_tenant(), "x").groups.page("s01", 5, None) == ([], None)


# --- department groups ----------------------------------------------------------------------------

_GROUPS = GroupTables()


@dataclass
class GroupWorld:
    open: Callable[[str], Any]  # tenant -> a store on a fresh consumer unit of work
    commit: Callable[[Any], None]
    group: Callable[[str, str], DepartmentGroupRecord | None]  # (tenant, group id)
    listed: Callable[[str, str], set[str]]  # (tenant, staff id) -> the conversations in their list

    def members(self, tenant: str, gid: str) -> frozenset[str]:
        found = self.group(tenant, gid)
        assert found is not None, gid
        return found.member_ids


def _dynamo_group(tenant: str, gid: str) -> DepartmentGroupRecord | None:
    item = find_conversation(tenant, gid)
    if item is None:
        return None
    assert item.kind == "department"
    names = item.member_names.as_dict() if item.member_names is not None else {}
    return DepartmentGroupRecord(
        item.sk, item.department_id or "", item.name, frozenset(item.member_ids or ()), names
    )


@pytest.fixture(params=["dynamodb", "memory"])
def groups(request: pytest.FixtureRequest) -> Iterator[GroupWorld]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield GroupWorld(
            lambda t: DynamoDepartmentGroupStore(t, UnitOfWork("messaging", _principal(t, "service"))),
            lambda s: s.uow.commit(),
            _dynamo_group,
            lambda t, staff_id: {
                line.conversation_id
                for line in DynamoConversationStore(t, UnitOfWork("messaging")).conversations.listed(
                    t, staff_id, 50, None
                )[0]
            },
        )
    else:
        yield GroupWorld(
            lambda t: FakeDepartmentGroupStore(t, _TABLES, _GROUPS),
            lambda s: s.commit(),
            lambda t, gid: _GROUPS.groups.get((t, gid)),
            lambda t, staff_id: {
                line.conversation_id
                for line in _GROUPS.lines
                if (line.hospital_id, line.staff_id) == (t, staff_id)
            },
        )


def seed_directory(
    groups: GroupWorld, tenant: str, units: list[DepartmentRecord], people: list[StaffRecord]
) -> None:
    directory = _dynamo if "Dynamo" in type(groups.open(tenant)).__name__ else _fake
    commit(directory(tenant, "admin"), lambda s: [s.departments.create(u) for u in units])
    commit(directory(tenant, "admin"), lambda s: [s.staff.create(p) for p in people])


def test_department_groups_read_the_directory_and_are_made_at_once(groups: GroupWorld) -> None:
    tenant = new_tenant()
    seed_directory(groups, tenant, [unit(1), unit(2, kind="campus")], [person(1, status="left")])
    store = groups.open(tenant)
    got = store.department("d01")
    assert (got.id, got.name, got.kind, got.version) == ("d01", "科室1", "department", 1)
    assert store.department("d02").kind == "campus" and store.department("d09") is None
    assert (store.staff("s01").department_id, store.staff("s01").status) == ("d01", "left")
    assert store.staff("s09") is None and store.membership("s01") is None
    store.ensure_group("dept-d01", got)  # at once, no commit
    assert groups.group(tenant, "dept-d01") == DepartmentGroupRecord("dept-d01", "d01", "科室1")
    assert groups.open(new_tenant()).department("d01") is None


def test_joining_and_leaving_are_staged_and_need_the_group(groups: GroupWorld) -> None:
    tenant = new_tenant()
    seed_directory(groups, tenant, [unit(1), unit(2)], [])
    store = groups.open(tenant)
    store.ensure_group("dept-d01", store.department("d01"))
    store.join("dept-d01", "s01", "d01", "护士1")
    assert groups.members(tenant, "dept-d01") == frozenset()  # not before the commit
    groups.commit(store)
    second = groups.open(tenant)
    second.join("dept-d01", "s02", "d01", "护士2")  # one person a change (one transaction, one item)
    groups.commit(second)
    assert groups.members(tenant, "dept-d01") == {"s01", "s02"}
    assert groups.open(tenant).membership("s01") == "d01"
    assert groups.listed(tenant, "s01") == {"dept-d01"}  # in their conversation list, with the join

    renamed = store.department("d01")
    renamed.name = "改名"
    groups.open(tenant).ensure_group("dept-d01", renamed)
    assert groups.group(tenant, "dept-d01") == DepartmentGroupRecord(
        "dept-d01", "d01", "改名", frozenset({"s01", "s02"}), {"s01": "护士1", "s02": "护士2"}
    )

    moving = groups.open(tenant)
    moving.leave("dept-d01", "s02")
    moving.join("dept-d02", "s02", "d02", "护士2")  # no such group: the change fails whole
    with pytest.raises(Conflict):
        groups.commit(moving)
    assert groups.members(tenant, "dept-d01") == {"s01", "s02"}
    assert groups.open(tenant).membership("s02") == "d01"
    assert groups.listed(tenant, "s02") == {"dept-d01"}

    leaving = groups.open(tenant)
    leaving.leave("dept-d01", "s01")
    leaving.forget("s01")
    groups.commit(leaving)
    assert groups.members(tenant, "dept-d01") == {"s02"}
    assert groups.group(tenant, "dept-d01").member_names == {"s02": "护士2"}  # their name left with them
    assert groups.open(tenant).membership("s01") is None
    assert groups.listed(tenant, "s01") == set()  # out of their list with the leave


# --- staff imports --------------------------------------------------------------------------------

_IMPORTS = ImportTables()


def _dynamo_imports(tenant: str, user: str) -> Any:
    return DynamoImportStore(tenant, UnitOfWork("messaging", _principal(tenant, user), "req-1"))


def _fake_imports(tenant: str, user: str) -> Any:
    return FakeImportStore(tenant, _TABLES, _IMPORTS)


@pytest.fixture(params=["dynamodb", "memory"])
def imports_of(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield _dynamo_imports
    else:
        yield _fake_imports


def job(job_id: str = "j1", **extra: Any) -> ImportJobRecord:
    return ImportJobRecord(
        job_id,
        "hr-admin",
        "sha",
        "packed-units",
        60,
        AT,
        **{"filename": "hr.csv", "preview_until": AT, **extra},
    )


def test_import_jobs_round_trip_are_create_only_and_move_only_from_where_they_stand(
    imports_of: Opener,
) -> None:
    tenant = new_tenant()
    store = imports_of(tenant, "admin")
    uploaded = job()
    commit(store, lambda s: s.jobs.create(uploaded, ["rows-0", "rows-1"]))
    assert store.jobs.get("j1") == uploaded and uploaded.status == "previewing"
    assert (store.jobs.chunk("j1", 0), store.jobs.chunk("j1", 1), store.jobs.chunk("j1", 2)) == (
        "rows-0",
        "rows-1",
        None,
    )
    assert store.jobs.get("j2") is None and imports_of(new_tenant(), "x").jobs.get("j1") is None
    with pytest.raises(Conflict), store:
        store.jobs.create(job(filename="other.csv"), ["other"])
        store.commit()
    assert store.jobs.chunk("j1", 0) == "rows-0"

    # The preview: only from where it stands, only while previewing.
    with store:
        store.jobs.previewed(uploaded, 0, 50, PreviewTally(40, 5, 3, 2), False)  # never committed
    assert store.jobs.get("j1") == uploaded
    with pytest.raises(Conflict), store:
        store.jobs.confirm(uploaded, "admin", AT, False)  # not previewed yet
        store.commit()
    commit(store, lambda s: s.jobs.previewed(uploaded, 0, 50, PreviewTally(40, 5, 3, 2), False))
    with pytest.raises(Conflict), store:
        store.jobs.previewed(uploaded, 0, 50, PreviewTally(40, 5, 3, 2), False)  # a redelivered slice
        store.commit()
    commit(store, lambda s: s.jobs.previewed(uploaded, 50, 60, PreviewTally(10, 0, 0, 0), True))
    previewed = store.jobs.get("j1")
    assert (previewed.status, previewed.previewed, previewed.to_create, previewed.to_update) == (
        "preview",
        60,
        50,
        5,
    )
    assert (previewed.to_keep, previewed.errors) == (3, 2)

    # Applying: not before the confirmation, which happens once.
    with pytest.raises(Conflict), store:
        store.jobs.advance(uploaded, 0, 50, ApplyTally(40, 5, 5, 0, 0), None)
        store.commit()
    confirmed_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    commit(store, lambda s: s.jobs.confirm(uploaded, "admin-2", confirmed_at, True))
    with pytest.raises(Conflict), store:
        store.jobs.confirm(uploaded, "admin-3", confirmed_at, False)
        store.commit()
    queued = store.jobs.get("j1")
    assert (queued.status, queued.confirmed_by, queued.confirmed_at, queued.skip_errors) == (
        "queued",
        "admin-2",
        confirmed_at,
        True,
    )
    commit(store, lambda s: s.jobs.advance(uploaded, 0, 50, ApplyTally(40, 5, 3, 1, 1), None))
    running = store.jobs.get("j1")
    assert (running.status, running.processed, running.created, running.updated, running.unchanged) == (
        "running",
        50,
        40,
        5,
        3,
    )
    assert (running.conflicts, running.skipped) == (1, 1)
    with pytest.raises(Conflict), store:
        store.jobs.advance(uploaded, 0, 50, ApplyTally(40, 5, 5, 0, 0), None)  # a redelivered slice
        store.commit()
    finished = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    commit(store, lambda s: s.jobs.advance(uploaded, 50, 60, ApplyTally(10, 0, 0, 0, 0), finished))
    done = store.jobs.get("j1")
    assert (done.status, done.processed, done.created, done.finished_at) == ("done", 60, 50, finished)
    assert done.units_blob == "packed-units" and done.file_sha256 == "sha" and done.preview_until == AT


def test_import_pages_round_trip_and_are_replaced_whole(imports_of: Opener) -> None:
    tenant = new_tenant()
    store = imports_of(tenant, "admin")
    rows = [{"row": 2, "action": "update", "changes": [["title", "护士", "护师"]], "name": "张三"}]
    assert store.pages.get("j1", 0) is None
    with store:
        store.pages.put(ImportPageRecord("j1", 0, rows))  # never committed
    assert store.pages.get("j1", 0) is None
    commit(store, lambda s: s.pages.put(ImportPageRecord("j1", 0, rows)))
    commit(store, lambda s: s.pages.put(ImportPageRecord("j1", 1, [])))
    assert store.pages.get("j1", 0) == ImportPageRecord("j1", 0, rows)
    applied = [{**rows[0], "outcome": "applied"}]
    commit(store, lambda s: s.pages.put(ImportPageRecord("j1", 0, applied)))
    assert store.pages.get("j1", 0) == ImportPageRecord("j1", 0, applied)
    assert store.pages.get("j1", 1) == ImportPageRecord("j1", 1, [])
    assert store.pages.get("j2", 0) is None and imports_of(new_tenant(), "x").pages.get("j1", 0) is None


def test_an_import_reads_the_hospitals_units_and_staff_by_number(imports_of: Opener) -> None:
    tenant = new_tenant()
    store = imports_of(tenant, "admin")
    directory = _dynamo if isinstance(store, DynamoImportStore) else _fake
    commit(directory(tenant, "admin"), lambda s: [s.departments.create(unit(n)) for n in (2, 1, 3)])
    commit(directory(tenant, "admin"), lambda s: s.staff.create(person(1, roles=["nurse"])))
    commit(directory(tenant, "admin"), lambda s: s.staff.create(person(2)))
    assert [(u.id, u.name) for u in store.departments()] == [
        ("d01", "科室1"),
        ("d02", "科室2"),
        ("d03", "科室3"),
    ]
    found = store.staff_by_numbers(["E1", "E9", "E2", "E1"])
    assert sorted(found) == ["E1", "E2"]
    assert (found["E1"].id, found["E1"].employee_no, found["E1"].roles, found["E1"].version) == (
        "s01",
        "E1",
        ["nurse"],
        1,
    )
    assert store.staff_by_numbers([]) == {}
    many = store.staff_by_numbers([f"X{n}" for n in range(150)] + ["E2"])  # past one batch of 100
    assert list(many) == ["E2"]
    other = imports_of(new_tenant(), "x")
    assert other.staff_by_numbers(["E1"]) == {} and other.departments() == []


# --- the certificate sweep ------------------------------------------------------------------------

_SWEEP = FakeCertificateSweep(_TABLES)


@dataclass
class SweepWorld:
    store: Any
    directory: Opener
    announced: Callable[[str], list[str]]  # tenant -> the staff ids of its published certificate.expiring


def _dynamo_announced(tenant: str) -> list[str]:
    outbox: Any = service_item_models("messaging")["outbox"]
    return [
        json.loads(o.event)["data"]["staff_id"]
        for o in outbox.query(tenant_key(tenant, "outbox"))
        if o.event_type == "certificate.expiring"
    ]


def _fake_announced(tenant: str) -> list[str]:
    return [e.data["staff_id"] for e in _SWEEP.published if e.tenant == tenant]


@pytest.fixture(params=["dynamodb", "memory"])
def sweeps(request: pytest.FixtureRequest) -> Iterator[SweepWorld]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield SweepWorld(DynamoCertificateSweep(), _dynamo, _dynamo_announced)
    else:
        yield SweepWorld(_SWEEP, _fake, _fake_announced)


def expiring(tenant: str, staff_id: str) -> Any:
    data = CertificateExpiring(staff_id=staff_id, certificate_type="BLS", valid_until=date(2001, 2, 1))
    return CERTIFICATE_EXPIRING.envelope(tenant, data)


def test_the_sweep_finds_every_hospitals_due_reminders_soonest_first(sweeps: SweepWorld) -> None:
    a, b = sorted([new_tenant(), new_tenant()])
    first = Reminder("s01#BLS#B-1#2001-02-01", "s01", "BLS", "2001-02-01", date(2001, 1, 2))
    second = Reminder("s02#BLS#B-2#2001-02-03", "s02", "BLS", "2001-02-03", date(2001, 1, 4))
    later = Reminder("s03#BLS#B-3#2001-03-01", "s03", "BLS", "2001-03-01", date(2001, 1, 30))
    commit(sweeps.directory(b, "admin"), lambda s: [s.reminders.add(first), s.reminders.add(later)])
    commit(sweeps.directory(a, "admin"), lambda s: s.reminders.add(second))
    commit(sweeps.directory(a, "admin"), lambda s: s.reminders.add(first))

    def due(today: date) -> list[DueReminder]:
        return [d for d in sweeps.store.due(today) if d.tenant in (a, b)]

    assert due(date(2001, 1, 4)) == [
        DueReminder(a, first),
        DueReminder(b, first),
        DueReminder(a, second),
    ]
    assert due(date(2001, 1, 1)) == []
    assert len(due(date(2001, 1, 30))) == 4


def test_an_announcement_publishes_and_removes_its_reminder_once(sweeps: SweepWorld) -> None:
    tenant = new_tenant()
    reminder = Reminder("s01#BLS#B-1#2001-02-01", "s01", "BLS", "2001-02-01", date(2001, 1, 2))
    commit(sweeps.directory(tenant, "admin"), lambda s: s.reminders.add(reminder))
    (due,) = [d for d in sweeps.store.due(date(2001, 1, 2)) if d.tenant == tenant]
    assert sweeps.announced(tenant) == []
    sweeps.store.announce(due, expiring(tenant, "s01"))
    assert sweeps.announced(tenant) == ["s01"]
    assert [d for d in sweeps.store.due(date(2001, 1, 2)) if d.tenant == tenant] == []
    with pytest.raises(Conflict):
        sweeps.store.announce(due, expiring(tenant, "s01"))  # removed meanwhile: nothing published
    assert sweeps.announced(tenant) == ["s01"]
