"""Department groups kept in step with the directory, on the in-memory fakes (no AWS): a unit's group
made and renamed with it (never for a campus), a person joining their unit's group, moving with their
department and leaving it when they leave, each event read against the directory's current state.

``tests/service/test_conversations.py`` keeps the event path end to end on moto (directory route →
outbox → this consumer → a message in the group); ``tests/service/test_messaging_store.py`` checks the
fake against the DynamoDB store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chalicelib.messaging.domain.records import DepartmentGroupRecord, DepartmentRecord, StaffRecord
from chalicelib.messaging.service import department_groups

from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.messaging import (
    DEPARTMENT_CREATED,
    DEPARTMENT_UPDATED,
    STAFF_CREATED,
    STAFF_LEFT,
    STAFF_UPDATED,
    DepartmentChanged,
    StaffChanged,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import FakeDepartmentGroupStore, GroupTables, Tables

T = "t-groups"
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Hospital:
    """The directory's records and the groups, and the consumer run on an event as it runs on SQS."""

    def __init__(self) -> None:
        self.directory, self.groups = Tables(), GroupTables()

    def unit(self, unit_id: str, name: str, kind: str = "department") -> None:
        self.directory.departments[(T, unit_id)] = DepartmentRecord(
            unit_id, name, kind, None, AT, AT, version=1
        )

    def person(self, staff_id: str, unit_id: str, status: str = "active") -> None:
        self.directory.staff[(T, staff_id)] = StaffRecord(
            staff_id, f"员工{staff_id}", staff_id.upper(), unit_id, AT, AT, status=status, version=1
        )

    def deliver(self, envelope: EventEnvelope) -> FakeDepartmentGroupStore:
        store = FakeDepartmentGroupStore(T, self.directory, self.groups)
        department_groups.sync(envelope, UnitOfWork("messaging"), store=store)
        store.commit()  # what the consumer does, with its inbox marker
        return store

    def unit_changed(self, unit_id: str, created: bool = True) -> None:
        kind = DEPARTMENT_CREATED if created else DEPARTMENT_UPDATED
        self.deliver(kind.envelope(T, DepartmentChanged(department_id=unit_id)))

    def staff_changed(self, staff_id: str, kind: str = "created") -> None:
        event = {"created": STAFF_CREATED, "updated": STAFF_UPDATED, "left": STAFF_LEFT}[kind]
        staff = self.directory.staff.get((T, staff_id))
        unit = staff.department_id if staff else "gone"
        self.deliver(event.envelope(T, StaffChanged(staff_id=staff_id, department_id=unit)))

    def group(self, unit_id: str) -> DepartmentGroupRecord | None:
        return self.groups.groups.get((T, department_groups.group_id(unit_id)))

    def members(self, unit_id: str) -> set[str] | None:
        found = self.group(unit_id)
        return None if found is None else set(found.member_ids)


@pytest.fixture
def h() -> Hospital:
    hospital = Hospital()
    hospital.unit("d1", "肾内科")
    hospital.unit("d2", "血液科")
    hospital.unit("c1", "东院区", kind="campus")
    return hospital


def test_a_unit_gets_its_group_named_after_it_and_renamed_with_it(h: Hospital) -> None:
    h.unit_changed("d1")
    assert h.group("d1") == DepartmentGroupRecord("dept-d1", "d1", "肾内科", frozenset())
    h.unit("d1", "肾脏内科")
    h.unit_changed("d1", created=False)
    assert h.group("d1") == DepartmentGroupRecord("dept-d1", "d1", "肾脏内科", frozenset())
    h.unit_changed("c1")  # a campus has no group
    h.unit_changed("nowhere")  # a unit removed since the event: nothing to do
    assert h.group("c1") is None and set(h.groups.groups) == {(T, "dept-d1")}


def test_people_join_move_with_their_unit_and_leave_with_the_hospital(h: Hospital) -> None:
    h.person("a", "d1")
    h.person("b", "d1")
    h.staff_changed("a")  # the group is made when first needed
    h.staff_changed("b")
    assert h.members("d1") == {"a", "b"}
    assert h.groups.memberships == {(T, "a"): "d1", (T, "b"): "d1"}

    h.person("b", "d2")
    h.staff_changed("b", "updated")
    assert h.members("d1") == {"a"} and h.members("d2") == {"b"}
    assert h.groups.memberships[(T, "b")] == "d2"

    h.person("a", "d1", status="left")
    h.staff_changed("a", "left")
    assert h.members("d1") == set()
    assert (T, "a") not in h.groups.memberships


def test_an_event_that_changes_nothing_writes_nothing(h: Hospital) -> None:
    h.person("a", "d1")
    h.staff_changed("a")
    store = FakeDepartmentGroupStore(T, h.directory, h.groups)
    envelope = STAFF_UPDATED.envelope(T, StaffChanged(staff_id="a", department_id="d1"))
    department_groups.sync(envelope, UnitOfWork("messaging"), store=store)
    assert store.uow.staged == [] and store.uow.checks == []
    h.staff_changed("a", "updated")  # a repeat of the same change: still one membership
    assert h.members("d1") == {"a"}


def test_events_are_read_against_the_current_directory_in_any_order(h: Hospital) -> None:
    h.person("a", "d2")  # the directory already says d2 when the older "created" event arrives
    h.staff_changed("a")
    assert h.members("d2") == {"a"} and h.group("d1") is None
    h.staff_changed("a", "updated")  # the later event: nothing more to do
    assert h.members("d2") == {"a"}
    del h.directory.staff[(T, "a")]  # no record any more (as good as gone): out of the group
    h.staff_changed("a", "updated")
    assert h.members("d2") == set() and (T, "a") not in h.groups.memberships


def test_a_person_in_a_campus_or_a_missing_unit_is_in_no_group(h: Hospital) -> None:
    h.person("a", "d1")
    h.staff_changed("a")
    h.person("a", "c1")
    h.staff_changed("a", "updated")
    assert h.members("d1") == set() and h.group("c1") is None
    assert (T, "a") not in h.groups.memberships
    h.person("b", "gone-unit")
    h.staff_changed("b")
    assert (T, "b") not in h.groups.memberships and h.group("gone-unit") is None


def test_a_group_removed_meanwhile_fails_the_change_and_writes_nothing(h: Hospital) -> None:
    h.person("a", "d1")
    h.staff_changed("a")
    del h.groups.groups[(T, "dept-d1")]  # gone between the read and the commit
    h.person("a", "d2")
    with pytest.raises(Conflict):
        h.staff_changed("a", "updated")
    assert h.groups.memberships[(T, "a")] == "d1"  # the marker was not moved either
    assert h.members("d2") == set()  # made at once, before the change; it stays empty


def test_members_are_named_as_the_directory_names_them_when_they_join(h: Hospital) -> None:
    h.person("a", "d1")
    h.person("b", "d1")
    h.staff_changed("a")
    h.staff_changed("b")
    assert h.group("d1").member_names == {"a": "员工a", "b": "员工b"}
    h.person("b", "d2")
    h.staff_changed("b", "updated")  # moved: named in the new group, gone from the old one
    assert h.group("d1").member_names == {"a": "员工a"} and h.group("d2").member_names == {"b": "员工b"}
    h.person("a", "d1", status="left")
    h.staff_changed("a", "left")
    assert h.group("d1").member_names == {}


def test_a_unit_group_is_in_its_members_conversation_lists_while_they_belong(h: Hospital) -> None:
    """Joining puts the group in the person's list (the same transaction as the membership); moving or
    leaving takes it out."""
    from chalicelib.messaging.domain.records import ListingRecord

    def listed() -> set[tuple[str, str]]:
        return {(line.staff_id, line.conversation_id) for line in h.groups.lines}

    h.person("a", "d1")
    h.staff_changed("a")
    assert listed() == {("a", "dept-d1")}
    h.person("a", "d2")
    h.staff_changed("a", "updated")
    assert listed() == {("a", "dept-d2")}
    assert ListingRecord(T, "a", "dept-d2", T) in h.groups.lines
    h.person("a", "d2", status="left")
    h.staff_changed("a", "left")
    assert listed() == set()
