"""Scheduling's use cases on in-memory fakes: the projection, approved leave and who may read it.

No AWS here: the store and the directory are the fakes of ``fakes.py`` (held to the DynamoDB adapters
by ``test_store_contract.py``); the event path and the HTTP routes are tested on moto in
``tests/service/test_scheduling_leave.py``."""

from __future__ import annotations

from datetime import date

import pytest
from chalicelib.scheduling.contracts.leave import LeaveQuery
from chalicelib.scheduling.service import leave, staff
from pydantic import ValidationError

from shared.auth import Principal
from shared.errors import Forbidden, RuleViolation
from shared.events.envelope import EventEnvelope, UnknownSchema
from shared.events.published.approvals import LEAVE_APPROVED, LEAVE_CANCELLED, LeaveApproved, LeaveCancelled
from shared.events.published.messaging import STAFF_CREATED, STAFF_LEFT, STAFF_UPDATED, StaffChanged
from tests.unit.scheduling.fakes import FakeDirectory, FakeStore, Person

T = "t-hospital"


def staff_event(kind: object, staff_id: str = "s1") -> EventEnvelope:
    return kind.envelope(T, StaffChanged(staff_id=staff_id, department_id="d1"))  # type: ignore[attr-defined]


def project(store: FakeStore, directory: FakeDirectory, envelope: EventEnvelope) -> None:
    with store.uow as uow:
        staff.project_staff(envelope, uow, store=store, directory=directory)  # type: ignore[arg-type]
        uow.commit()


def names(store: FakeStore, principal: Principal) -> list[str]:
    return [s.name for s in staff.list_staff(principal, 50, None, store=store).items]  # type: ignore[arg-type]


ADMIN = Principal(tenant=T, user="admin", roles=frozenset({"hospital_admin"}))


def test_the_projection_follows_the_directory_whatever_the_event_order() -> None:
    store, directory = FakeStore(T), FakeDirectory()
    directory.people[(T, "s1")] = Person("李娜", "E1", "d1", "护师")
    project(store, directory, staff_event(STAFF_CREATED))
    assert names(store, ADMIN) == ["李娜"]

    directory.people[(T, "s1")] = Person("李娜娜", "E1", "d2", "主管护师")
    project(store, directory, staff_event(STAFF_CREATED))  # late or repeated: still today's record
    (row,) = staff.list_staff(ADMIN, 50, None, store=store).items  # type: ignore[arg-type]
    assert (row.name, row.department_id, row.title) == ("李娜娜", "d2", "主管护师")

    directory.people[(T, "s1")] = Person("李娜娜", "E1", "d2", status="left")
    project(store, directory, staff_event(STAFF_UPDATED))  # whatever the event says, she has left
    assert names(store, ADMIN) == []


def test_someone_missing_from_the_directory_fails_the_event_and_changes_nothing() -> None:
    store, directory = FakeStore(T), FakeDirectory()
    with pytest.raises(LookupError):
        project(store, directory, staff_event(STAFF_LEFT, "ghost"))
    assert store.uow.commits == 0 and store.tables.staff == {}


def test_an_unknown_schema_version_or_a_malformed_payload_is_refused_before_any_effect() -> None:
    store, directory = FakeStore(T), FakeDirectory()
    directory.people[(T, "s1")] = Person("李娜", "E1", "d1")
    newer = staff_event(STAFF_CREATED).model_copy(update={"schema_version": 2})
    with pytest.raises(UnknownSchema, match="v2"):
        project(store, directory, newer)
    malformed = staff_event(STAFF_CREATED).model_copy(update={"data": {"id": "s1"}})
    with pytest.raises(ValidationError):
        project(store, directory, malformed)
    assert store.tables.staff == {}


def test_the_projection_pages_through_everyone_once() -> None:
    store, directory = FakeStore(T), FakeDirectory()
    for n in range(7):
        directory.people[(T, f"s{n}")] = Person(f"护士{n}", f"E{n}", "d1")
        project(store, directory, staff_event(STAFF_CREATED, f"s{n}"))
    seen, cursor = [], None
    while True:
        page = staff.list_staff(ADMIN, 3, cursor, store=store)  # type: ignore[arg-type]
        seen += [s.id for s in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == [f"s{n}" for n in range(7)]
    other = FakeStore("t-other", tables=store.tables)
    assert staff.list_staff(ADMIN.__class__(tenant="t-other", user="a"), 50, None, store=other).items == []  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):  # a cursor of one hospital's list is refused by another's
        staff.list_staff(Principal(tenant="t-other", user="a"), 3, page_cursor(store), store=other)  # type: ignore[arg-type]


def page_cursor(store: FakeStore) -> str:
    cursor = staff.list_staff(ADMIN, 1, None, store=store).next_cursor  # type: ignore[arg-type]
    assert cursor
    return cursor


def approve(
    store: FakeStore,
    staff_id: str,
    instance: str,
    start: str,
    end: str,
    directory: FakeDirectory | None = None,
) -> None:
    data = LeaveApproved(
        instance_id=instance,
        staff_id=staff_id,
        leave_type="年假",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
    )
    with store.uow as uow:
        leave.record_leave(
            LEAVE_APPROVED.envelope(T, data),
            uow,
            store=store,  # type: ignore[arg-type]
            directory=directory or FakeDirectory(),
        )
        uow.commit()


def window(
    principal: Principal, store: FakeStore, first: str, last: str, staff_id: str | None = None
) -> list[str]:
    query = LeaveQuery.model_validate({"from": first, "to": last, "staff_id": staff_id})
    return [i.instance_id for i in leave.list_leave(principal, query, store=store).items]  # type: ignore[arg-type]


def test_leave_overlapping_a_window_includes_leave_still_running_and_nothing_outside() -> None:
    store = FakeStore(T)
    approve(store, "s1", "before", "2026-11-01", "2026-11-30")  # over before the window
    approve(store, "s1", "running", "2026-11-20", "2026-12-03")  # started before, still running
    approve(store, "s2", "inside", "2026-12-10", "2026-12-12")
    approve(store, "s2", "after", "2027-01-02", "2027-01-05")
    approve(store, "s1", "running", "2026-11-20", "2026-12-03")  # the same approval again: once
    assert window(ADMIN, store, "2026-12-01", "2026-12-31") == ["running", "inside"]
    assert window(ADMIN, store, "2026-12-01", "2026-12-31", staff_id="s2") == ["inside"]


def test_leave_that_ends_before_it_starts_is_refused() -> None:
    store = FakeStore(T)
    with pytest.raises(ValueError, match="ends before it starts"):
        approve(store, "s1", "bad", "2026-12-05", "2026-12-01")
    assert store.tables.leave == {}


def test_who_may_read_whose_leave_and_which_windows() -> None:
    store = FakeStore(T)
    approve(store, "s1", "mine", "2026-12-01", "2026-12-02")
    nurse = Principal(tenant=T, user="u1", staff_id="s1", roles=frozenset({"nurse"}))
    head = Principal(tenant=T, user="u2", staff_id="s9", roles=frozenset({"head_nurse"}))
    approve(store, "s2", "theirs", "2026-12-01", "2026-12-02")
    assert window(nurse, store, "2026-12-01", "2026-12-31", staff_id="s1") == ["mine"]
    # without staff_id a nurse gets her own (everyone's is only for those who roster others)
    assert window(nurse, store, "2026-12-01", "2026-12-31") == ["mine"]
    with pytest.raises(Forbidden):
        window(nurse, store, "2026-12-01", "2026-12-31", staff_id="s2")
    assert sorted(window(head, store, "2026-12-01", "2026-12-31")) == ["mine", "theirs"]
    with pytest.raises(RuleViolation) as backwards:
        window(head, store, "2026-12-31", "2026-12-01")
    assert backwards.value.field == "to"
    with pytest.raises(RuleViolation, match="at most a year"):
        window(head, store, "2026-01-01", "2027-01-03")


def test_leave_names_the_person_as_the_directory_named_them_when_it_was_approved() -> None:
    """Kept on the leave when it is recorded, so the hospital's list names everyone without a read a row."""
    store = FakeStore(T)
    directory = FakeDirectory({(T, "s1"): Person("陈思雨", "E1", "d1")})
    approve(store, "s1", "mine", "2026-12-01", "2026-12-02", directory)
    approve(store, "s-unknown", "theirs", "2026-12-01", "2026-12-02", directory)  # still recorded
    query = LeaveQuery.model_validate({"from": "2026-12-01", "to": "2026-12-31"})
    page = leave.list_leave(ADMIN, query, store=store)  # type: ignore[arg-type]
    assert sorted((i.staff_id, i.staff_name) for i in page.items) == [("s-unknown", None), ("s1", "陈思雨")]


def test_half_day_leave_keeps_its_halves_and_days() -> None:
    store = FakeStore(T)
    data = LeaveApproved(
        instance_id="half",
        staff_id="s1",
        leave_type="事假",
        start=date(2026, 12, 7),
        end=date(2026, 12, 8),
        start_half="pm",
        end_half="am",
        days=1.0,
    )
    with store.uow as uow:
        leave.record_leave(
            LEAVE_APPROVED.envelope(T, data),
            uow,
            store=store,  # type: ignore[arg-type]
            directory=FakeDirectory(),
        )
        uow.commit()
    query = LeaveQuery.model_validate({"from": "2026-12-01", "to": "2026-12-31"})
    (row,) = leave.list_leave(ADMIN, query, store=store).items  # type: ignore[arg-type]
    assert (row.start_half, row.end_half, row.days) == ("pm", "am", 1.0)


def cancel(store: FakeStore, staff_id: str, instance: str, start: str, end: str) -> EventEnvelope:
    data = LeaveCancelled(
        instance_id=instance,
        staff_id=staff_id,
        leave_type="年假",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        cancelled_by=staff_id,
        approvers=["head"],
    )
    envelope = LEAVE_CANCELLED.envelope(T, data)
    with store.uow as uow:
        leave.cancel_leave(envelope, uow, store=store)  # type: ignore[arg-type]
        uow.commit()
    return envelope


def test_cancelled_leave_no_longer_makes_anyone_unavailable_whichever_event_comes_first() -> None:
    store = FakeStore(T)
    approve(store, "s1", "kept", "2026-12-01", "2026-12-02")
    approve(store, "s1", "taken-back", "2026-12-10", "2026-12-12")
    first = cancel(store, "s1", "taken-back", "2026-12-10", "2026-12-12")
    assert window(ADMIN, store, "2026-12-01", "2026-12-31") == ["kept"]
    when = store.tables.leave[(T, "2026-12-10", "s1", "taken-back")].cancelled_at
    assert when == first.time
    cancel(store, "s1", "taken-back", "2026-12-10", "2026-12-12")  # again: the first time stays
    assert store.tables.leave[(T, "2026-12-10", "s1", "taken-back")].cancelled_at == when
    # the cancellation ahead of its approval (a redriven message): the approval does not revive it
    cancel(store, "s2", "late", "2026-12-20", "2026-12-21")
    approve(store, "s2", "late", "2026-12-20", "2026-12-21")
    assert window(ADMIN, store, "2026-12-01", "2026-12-31") == ["kept"]


def test_a_cancelled_leave_keeps_the_name_its_approval_recorded_whichever_event_comes_first() -> None:
    """The cancellation reads no name: it must not erase the approval's, nor stop a later approval's."""
    store = FakeStore(T)
    directory = FakeDirectory({(T, "s1"): Person("陈思雨", "E1", "d1")})
    approve(store, "s1", "first-approved", "2026-12-01", "2026-12-02", directory)
    cancel(store, "s1", "first-approved", "2026-12-01", "2026-12-02")
    cancel(store, "s1", "first-cancelled", "2026-12-10", "2026-12-11")
    approve(store, "s1", "first-cancelled", "2026-12-10", "2026-12-11", directory)
    names = {
        key[3]: (row.staff_name, row.cancelled_at is not None) for key, row in store.tables.leave.items()
    }
    assert names == {"first-approved": ("陈思雨", True), "first-cancelled": ("陈思雨", True)}
