"""Approvals' store, the same checks on the DynamoDB adapters (on moto) and on the in-memory fakes the
service-layer tests use: a fake that drifts from the adapter fails here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.approvals.adapters.dynamodb import DynamoDueTimers, DynamoStore
from chalicelib.approvals.domain.deputies import Delegation
from chalicelib.approvals.domain.engine import Command, Instance, SlaTimer, Submission
from chalicelib.approvals.domain.flow import Route, RouteStep
from chalicelib.approvals.domain.records import (
    AttachmentRecord,
    BoxLine,
    LeaveBook,
    LeaveEntry,
    StoredApproval,
    TemplateRecord,
    Unit,
)

from shared.auth import Principal
from shared.errors import Conflict, RuleViolation
from tests.unit.approvals.fakes import FakeDueTimers, FakeStore, Tables

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
_TABLES = Tables()


@pytest.fixture(params=["dynamodb", "memory"])
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")  # moto, with the tables
    yield str(request.param)


def open_store(kind: str, tenant: str | None = None) -> Any:
    tenant = tenant or f"t-{uuid.uuid4().hex[:10]}"
    if kind == "dynamodb":
        return DynamoStore(Principal(tenant=tenant, user="service:approvals", kind="service"), "test")
    return FakeStore(tenant, tables=_TABLES)


def due_timers(kind: str) -> Any:
    return DynamoDueTimers() if kind == "dynamodb" else FakeDueTimers(_TABLES)


def write(store: Any, change: Callable[[Any], object]) -> None:
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


def template(template_id: str, code: str, version: int = 1, name: str = "请假") -> TemplateRecord:
    return TemplateRecord(
        template_id, code, name, "人事", "", False, '{"fields": [], "flow": {}}', version, AT, AT
    )


def instance(instance_id: str, status: str = "pending", at: datetime = AT) -> Instance:
    submission = Submission(
        instance_id=instance_id, template_id="t1", template_version=1, template_code="leave", title="请假"
    )
    return Instance(
        submission=submission,
        submitter="nurse",
        form={},
        status=status,
        steps=[],
        current=None,  # type: ignore[arg-type]
        submitted_at=AT,
        updated_at=at,
    )


def command(action: str = "approve") -> Command:
    route = Route(steps=[RouteStep(id="s", name="s", mode="any", approvers=["head"], need=1)])
    return Command(action=action, actor="head", at=AT, comment="同意", route=route)  # type: ignore[arg-type]


def test_templates_add_publish_versions_and_a_taken_code(kind: str) -> None:
    store = open_store(kind)
    write(store, lambda s: s.templates.add(template("tpl1", "leave"), Conflict("taken")))
    assert store.templates.get("tpl1") == template("tpl1", "leave")
    assert store.templates.get("nope") is None
    with pytest.raises(Conflict, match="taken"):
        write(store, lambda s: s.templates.add(template("tpl2", "leave"), Conflict("taken")))
    assert store.templates.get("tpl2") is None  # all or nothing: not even the template itself
    assert store.templates.by_code("leave") == template("tpl1", "leave")  # found by its code
    assert store.templates.by_code("roster") is None

    v2 = template("tpl1", "leave", version=2, name="请假2")
    write(store, lambda s: s.templates.publish(v2, Conflict("changed")))
    assert store.templates.get("tpl1").version == 2 and store.templates.get("tpl1").name == "请假2"
    assert (
        store.templates.version("tpl1", 1).name == "请假"
        and store.templates.version("tpl1", 2).name == "请假2"
    )
    assert store.templates.version("tpl1", 3) is None
    assert store.templates.by_code("leave") == v2  # the code names the template at its current version
    with pytest.raises(Conflict, match="changed"):  # published from version 1 again: stale
        write(store, lambda s: s.templates.publish(v2, Conflict("changed")))
    with pytest.raises(Conflict, match="changed"):  # no such template to publish over
        write(store, lambda s: s.templates.publish(template("ghost", "g", 2), Conflict("changed")))

    write(
        store,
        lambda s: [s.templates.add(template(f"tpl{n}", f"c{n}"), Conflict("taken")) for n in range(3, 6)],
    )
    assert [t.id for t in all_pages(lambda c: store.templates.page(2, c))] == ["tpl1", "tpl3", "tpl4", "tpl5"]
    other = open_store(kind)
    assert other.templates.page(10, None) == ([], None) and other.templates.get("tpl1") is None
    assert other.templates.by_code("leave") is None  # another hospital's code is not this one's
    _, cursor = store.templates.page(1, None)
    with pytest.raises(RuleViolation):
        other.templates.page(1, cursor)


def test_approvals_are_create_only_and_saved_only_over_the_version_read(kind: str) -> None:
    store = open_store(kind)
    write(store, lambda s: s.approvals.add(instance("a1")))
    stored = store.approvals.get("a1")
    assert (stored.instance, stored.version) == (instance("a1"), 1)
    assert store.approvals.get("nope") is None
    with pytest.raises(Conflict):
        write(store, lambda s: s.approvals.add(instance("a1")))
    later = AT + timedelta(hours=1)
    write(store, lambda s: s.approvals.save(stored, instance("a1", "approved", later), Conflict("stale")))
    saved = store.approvals.get("a1")
    assert (saved.instance.status, saved.version, saved.created_at) == ("approved", 2, stored.created_at)
    with pytest.raises(Conflict, match="stale"):
        write(store, lambda s: s.approvals.save(stored, instance("a1", "rejected"), Conflict("stale")))
    assert store.approvals.get("a1") == saved


def test_a_failed_condition_writes_nothing_of_the_change(kind: str) -> None:
    store = open_store(kind)
    write(store, lambda s: s.records.add("a1", 1, command("submit"), Conflict("stale")))

    def change(s: Any) -> None:
        s.approvals.add(instance("a1"))
        s.inbox.put(BoxLine("pending", "head", "2026-12-01", "a1", "t1", "leave", "请假", "nurse", "pending"))
        s.records.add("a1", 1, command(), Conflict("stale"))  # taken: the whole change fails

    with pytest.raises(Conflict, match="stale"):
        write(store, change)
    assert store.approvals.get("a1") is None and store.inbox.page("pending", "head", 10, None) == ([], None)
    with store:
        store.approvals.add(instance("a2"))  # left without commit: discarded
    assert store.approvals.get("a2") is None


def test_the_record_pages_in_the_order_written(kind: str) -> None:
    store = open_store(kind)
    write(
        store,
        lambda s: [
            s.records.add("a1", n, command(a), Conflict("stale"))
            for n, a in enumerate(["submit", "approve", "comment"], 1)
        ],
    )
    rows = all_pages(lambda c: store.records.page("a1", 2, c))
    assert [(r.seq, r.command.action) for r in rows] == [(1, "submit"), (2, "approve"), (3, "comment")]
    assert rows[1].command == command()
    assert store.records.page("a2", 10, None) == ([], None)


def line(
    box: str, staff: str, at: str, instance_id: str, status: str = "pending", template_id: str = "t1"
) -> BoxLine:
    return BoxLine(box, staff, at, instance_id, template_id, "leave", "请假", "nurse", status, "陈思雨")


def test_lists_page_newest_first_filter_and_forget(kind: str) -> None:
    store = open_store(kind)
    lines = [line("pending", "head", f"2026-12-0{n}T08:00:00+00:00", f"a{n}") for n in range(1, 6)]
    lines[1] = line("pending", "head", lines[1].at, "a2", "approved")
    lines[2] = line("pending", "head", lines[2].at, "a3", template_id="t2")
    write(store, lambda s: [s.inbox.put(x) for x in [*lines, line("cc", "head", lines[0].at, "a9")]])
    write(store, lambda s: s.inbox.remove(lines[3]))
    write(store, lambda s: s.inbox.put(line("pending", "head", lines[0].at, "a1", "rejected")))  # replaced
    everything = all_pages(lambda c: store.inbox.page("pending", "head", 2, c))
    assert [(x.instance_id, x.status) for x in everything] == [
        ("a5", "pending"),
        ("a3", "pending"),
        ("a2", "approved"),
        ("a1", "rejected"),
    ]
    assert everything[0] == lines[4]
    approved = all_pages(lambda c: store.inbox.page("pending", "head", 10, c, status="approved"))
    assert [x.instance_id for x in approved] == ["a2"]
    t2 = all_pages(lambda c: store.inbox.page("pending", "head", 10, c, template_id="t2", status="pending"))
    assert [x.instance_id for x in t2] == ["a3"]
    _, cursor = store.inbox.page("pending", "head", 1, None)
    with pytest.raises(RuleViolation):
        store.inbox.page("pending", "head2", 1, cursor)


def test_timers_come_due_across_hospitals_and_a_discard_checks_the_stage(kind: str) -> None:
    now = datetime.now(UTC) - timedelta(days=3650)  # before any other test's timers
    mine, other = open_store(kind), open_store(kind)
    remind = SlaTimer(
        step_id="s", approver="head", assigned_at=now, stage="remind", due=now + timedelta(hours=1)
    )
    escalate = remind.model_copy(update={"stage": "escalate", "due": now + timedelta(hours=2)})
    later = SlaTimer(
        step_id="s", approver="head2", assigned_at=now, stage="remind", due=now + timedelta(hours=3)
    )
    write(mine, lambda s: [s.timers.put("a1", remind), s.timers.put("a1", later)])
    write(other, lambda s: s.timers.put("b1", escalate))
    due = [
        t
        for t in due_timers(kind).due(now + timedelta(hours=2), 100)
        if t.tenant in (mine.tenant, other.tenant)
    ]
    assert [(t.tenant, t.instance_id, t.key, t.stage, t.approver) for t in due] == [
        (mine.tenant, "a1", remind.key, "remind", "head"),
        (other.tenant, "b1", escalate.key, "escalate", "head"),
    ]
    assert due[0].due == remind.due
    write(mine, lambda s: s.timers.put("a1", escalate))  # the same task's next stage replaces it in place
    with pytest.raises(Conflict):
        write(mine, lambda s: s.timers.discard(due[0]))  # it changed meanwhile: kept
    write(mine, lambda s: s.timers.remove("a1", later))
    still = [t for t in due_timers(kind).due(now + timedelta(hours=5), 100) if t.tenant == mine.tenant]
    assert [(t.key, t.stage) for t in still] == [(escalate.key, "escalate")]
    write(other, lambda s: s.timers.discard(due[1]))
    assert [t for t in due_timers(kind).due(now + timedelta(hours=5), 100) if t.tenant == other.tenant] == []


def test_deputies_replace_read_in_one_batch_and_clear(kind: str) -> None:
    store = open_store(kind)
    week = Delegation(approver="leader", deputy="nurse2", start=AT, end=AT + timedelta(days=7), reason="年假")
    write(store, lambda s: s.deputies.put(week, AT))
    assert store.deputies.get("leader") == week
    moved = week.model_copy(update={"deputy": "office"})
    head = Delegation(approver="head", deputy="office", start=AT, end=AT + timedelta(days=1))
    write(store, lambda s: [s.deputies.put(moved, AT), s.deputies.put(head, AT)])
    assert sorted(store.deputies.of({"leader", "head", "nobody"}), key=lambda d: d.approver) == [head, moved]
    assert store.deputies.of(set()) == []
    write(store, lambda s: [s.deputies.remove("leader"), s.deputies.remove("never-set")])
    assert store.deputies.get("leader") is None and open_store(kind).deputies.get("head") is None


def test_a_leave_book_reads_from_a_day_on_and_its_version_guards_a_claim(kind: str) -> None:
    store = open_store(kind)
    assert store.leave.of("nurse", date(2026, 1, 1)) == LeaveBook("nurse", [], 0)
    over = LeaveEntry("a-over", "请假", "approved", date(2026, 11, 2), date(2026, 11, 3))
    running = LeaveEntry("a-run", "请假", "pending", date(2026, 11, 30), date(2026, 12, 2), "pm", "am")
    book = store.leave.of("nurse", date(2026, 12, 1))
    write(
        store,
        lambda s: (
            s.leave.put("nurse", over),
            s.leave.put("nurse", running),
            s.leave.guard(book, Conflict("x")),
        ),
    )
    seen = store.leave.of("nurse", date(2026, 12, 1))
    assert seen == LeaveBook("nurse", [running], 1)  # ended before the day: not read
    assert store.leave.of("nurse", date(2026, 11, 1)).entries == [over, running]
    assert open_store(kind, store.tenant).leave.of("nurse2", date(2026, 1, 1)).entries == []
    with pytest.raises(Conflict, match="meanwhile"):  # claimed on the book as it was before
        write(store, lambda s: (s.leave.put("nurse", over), s.leave.guard(book, Conflict("meanwhile"))))
    approved = LeaveEntry("a-run", "请假", "approved", date(2026, 11, 30), date(2026, 12, 2), "pm", "am")
    write(store, lambda s: (s.leave.put("nurse", approved), s.leave.remove("nurse", over)))
    assert store.leave.of("nurse", date(2026, 1, 1)) == LeaveBook("nurse", [approved], 1)
    other = open_store(kind)
    assert other.leave.of("nurse", date(2026, 1, 1)).entries == []  # another hospital's nurse


def test_stored_approval_records_are_plain_values() -> None:
    assert StoredApproval(instance("a1"), 1, AT) == StoredApproval(instance("a1"), 1, AT)


def test_the_directory_says_who_is_an_active_member_in_one_batch(kind: str) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    people = {"s-active": "active", "s-left": "left", "s-away": "on_leave"}
    if kind == "dynamodb":
        from chalicelib.approvals.adapters.directory import DirectoryAdapter

        from shared.directory import StaffItem

        for staff_id, status in people.items():
            StaffItem.new(
                tenant, staff_id, name="某", employee_no=staff_id, department_id="d1", status=status
            ).save()
        # the same id in another hospital does not make it a member of this one
        StaffItem.new("t-elsewhere", "s-other", name="某", employee_no="x", department_id="d1").save()
        directory: Any = DirectoryAdapter(tenant)
    else:
        from tests.unit.approvals.fakes import FakeDirectory

        directory = FakeDirectory(members=dict(people))
    assert directory.member_status("s-left") == "left" and directory.member_status("s-other") is None
    assert directory.inactive({"s-active", "s-left", "s-away", "s-other", "ghost"}) == {
        "s-left",
        "s-away",
        "s-other",
        "ghost",
    }
    assert directory.inactive(set()) == set()


def test_the_directory_names_a_unit_and_the_unit_above_it(kind: str) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    ward = Unit("w1", "心内一病区", "d1", "ward")
    if kind == "dynamodb":
        from chalicelib.approvals.adapters.directory import DirectoryAdapter

        from shared.directory import DepartmentItem

        DepartmentItem.new(tenant, "w1", name="心内一病区", kind="ward", parent_id="d1").save()
        DepartmentItem.new(tenant, "d1", name="心血管内科").save()
        DepartmentItem.new("t-elsewhere", "d9", name="别院的科室").save()
        directory: Any = DirectoryAdapter(tenant)
    else:
        from tests.unit.approvals.fakes import FakeDirectory

        directory = FakeDirectory(units={"w1": ward, "d1": Unit("d1", "心血管内科")})
    assert directory.unit("w1") == ward
    assert directory.unit("d1") == Unit("d1", "心血管内科", None, "department")
    assert directory.unit("d9") is None and directory.unit("nope") is None


def attachment(attachment_id: str, owner: str = "nurse") -> AttachmentRecord:
    return AttachmentRecord(attachment_id, owner, "正文.pdf", "application/pdf", 1024, AT)


def test_files_are_created_once_read_in_one_batch_and_bound_to_one_approval_only(kind: str) -> None:
    store = open_store(kind)
    store.attachments.add(attachment("f1"))  # at once, outside a unit of work
    store.attachments.add(attachment("f2", owner="nurse2"))
    with pytest.raises(Conflict):
        store.attachments.add(attachment("f1", owner="someone"))  # create-only
    assert store.attachments.get("f1") == attachment("f1")
    assert store.attachments.get("nope") is None
    assert store.attachments.of({"f1", "f2", "nope"}) == {
        "f1": attachment("f1"),
        "f2": attachment("f2", "nurse2"),
    }
    assert store.attachments.of(set()) == {}
    other = open_store(kind)
    assert other.attachments.get("f1") is None and other.attachments.of({"f1"}) == {}  # another hospital's

    write(store, lambda s: s.attachments.bind(attachment("f1"), "a1", Conflict("taken")))
    assert store.attachments.get("f1").instance_id == "a1"
    write(store, lambda s: s.attachments.bind(attachment("f1"), "a1", Conflict("taken")))  # again: fine

    def take_for_a2(s: Any) -> None:
        s.approvals.add(instance("a2"))
        s.attachments.bind(attachment("f1"), "a2", Conflict("taken"))

    with pytest.raises(Conflict, match="taken"):  # bound to a1: the whole change fails
        write(store, take_for_a2)
    assert store.approvals.get("a2") is None and store.attachments.get("f1").instance_id == "a1"
    with pytest.raises(Conflict, match="taken"):  # not the owner's file (nurse2 uploaded f2)
        write(store, lambda s: s.attachments.bind(attachment("f2", owner="nurse"), "a3", Conflict("taken")))
    with pytest.raises(Conflict, match="taken"):  # no such file
        write(store, lambda s: s.attachments.bind(attachment("ghost"), "a3", Conflict("taken")))
    assert store.attachments.get("f2").instance_id is None and store.attachments.get("ghost") is None


def test_an_audit_written_at_once_lands_without_a_commit(kind: str) -> None:
    store = open_store(kind)
    detail = {"staff_id": "nurse", "attachment_id": "f1", "filename": "正文.pdf"}
    store.audit_now("approval.attachment.download", "approval", "a1", detail)
    if kind == "dynamodb":
        from shared.persistence.models import AuditRecord, tenant_key

        rows = list(AuditRecord.query(tenant_key(store.tenant, "approval", "a1")))
        assert [(r.action, r.resource_id, json.loads(r.after or "{}")) for r in rows] == [
            ("approval.attachment.download", "a1", detail)
        ]
    else:
        assert (store.tenant, "approval.attachment.download", "approval", "a1", detail) in _TABLES.audit_now
