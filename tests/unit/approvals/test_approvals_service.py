"""Approvals' use cases on in-memory fakes: templates, submitting and acting, races and versions, lists,
deputies, batch approval and the SLA sweep.

No AWS here: the store, the due-timer index and the directory are the fakes of ``fakes.py`` (held to the
DynamoDB adapters by ``tests/service/test_approvals_store.py``). The HTTP surface, the event path to
messaging and real concurrency stay on moto in ``tests/service/approvals/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from chalicelib.approvals.contracts.approvals import ApprovalAction, BatchApprove, SubmitApproval
from chalicelib.approvals.contracts.deputies import SetDeputy
from chalicelib.approvals.contracts.inbox import InboxQuery
from chalicelib.approvals.contracts.templates import CreateTemplate, PublishTemplate
from chalicelib.approvals.domain.ports import Directory, Store
from chalicelib.approvals.service import approvals, deputies, inbox, sla, templates
from chalicelib.approvals.service.instances import StaleApproval

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.approvals.fakes import FakeDirectory, FakeDueTimers, FakeFiles, FakeStore, Tables

T = "t-hospital"
STAFF = ("nurse", "nurse2", "head", "head2", "leader", "office", "boss", "charge")


@dataclass
class Hospital:
    tables: Tables
    directory: FakeDirectory
    templates: dict[str, str]  # code → id
    files: FakeFiles = field(default_factory=FakeFiles)

    def upload(self, staff: str = "nurse", filename: str = "正文.pdf", put: bool = True) -> str:
        """A file the person asked to upload (and, with ``put``, PUT to its URL): its id."""
        from chalicelib.approvals.contracts.attachments import UploadRequest
        from chalicelib.approvals.domain.attachments import object_key
        from chalicelib.approvals.service import attachments

        body = UploadRequest(filename=filename, content_type="application/pdf", size=1024)
        ticket = attachments.request_upload(self.who(staff), body, store=self.store(), files=self.files)
        if put:
            self.files.put(object_key(T, ticket.id))
        return ticket.id

    def store(self, tenant: str = T) -> FakeStore:
        return FakeStore(tenant, tables=self.tables)

    def who(self, staff: str, *roles: str) -> Principal:
        return Principal(tenant=T, user=staff, roles=frozenset(roles))

    def submit(self, staff: str = "nurse", form: dict[str, Any] | None = None, code: str = "leave") -> Any:
        body = SubmitApproval(template_id=self.templates[code], form=form if form is not None else leave())
        return approvals.submit(
            self.who(staff), body, "req", None, store=self.store(), directory=self.directory, files=self.files
        )

    def submit_with(self, store: FakeStore, form: dict[str, Any], staff: str = "nurse") -> Any:
        body = SubmitApproval(template_id=self.templates["leave"], form=form)
        return approvals.submit(
            self.who(staff), body, "req", None, store=store, directory=self.directory, files=self.files
        )

    def act(self, staff: str, instance: str, action: str = "approve", **body: Any) -> Any:
        key = body.pop("key", None)
        store = body.pop("store", None) or self.store()
        return approvals.act(
            self.who(staff),
            instance,
            ApprovalAction.model_validate({"action": action, **body}),
            "req",
            key,
            store=store,
            directory=self.directory,
            files=self.files,
        )

    def get(self, instance: str, staff: str = "nurse") -> Any:
        return approvals.get_approval(self.who(staff), instance, store=self.store(), directory=self.directory)

    def records(self, instance: str) -> list[tuple[str, str, str | None]]:
        page = approvals.records(
            self.who("nurse"), instance, 200, None, store=self.store(), directory=self.directory
        )
        return [(r.action, r.actor, r.on_behalf_of) for r in page.items]

    def mine(self, staff: str, box: str, instance: str, status: str | None = None) -> list[Any]:
        query = InboxQuery(limit=200, status=status)
        page = inbox.inbox(self.who(staff), box, query, store=self.store())
        return [i for i in page.items if i.instance_id == instance]

    def events(self, kind: str, instance: str) -> list[Any]:
        return [e for e in self.tables.outbox if e.type == kind and e.data.get("instance_id") == instance]


ADMIN = Principal(tenant=T, user="admin-1", roles=frozenset({"hospital_admin"}))


_months = count()


def leave(days: int = 5) -> dict[str, Any]:
    """A leave form for ``days`` whole days in a month no other call used: a person's leave requests
    must not overlap (the overlap tests name their dates)."""
    n = next(_months)
    month = f"{2030 + n // 12}-{n % 12 + 1:02d}"
    return {
        "leave_type": "年假",
        "period": {"start": f"{month}-01", "end": f"{month}-{days:02d}"},
        "reason": "探亲",
    }


@pytest.fixture
def h() -> Hospital:
    directory = FakeDirectory(
        departments={s: "d1" for s in STAFF},
        supervisor={"charge": "boss"},
        heads={"d1": "head"},
        roles={("d1", "department_head"): ["head", "head2"], (None, "hospital_admin"): ["leader"]},
    )
    tables = Tables()
    installed = templates.install_builtins(ADMIN, "office", "req", store=FakeStore(T, tables=tables))
    return Hospital(tables, directory, {t.code: t.id for t in installed})


# ---- templates ---------------------------------------------------------------------------------------------


def test_builtins_install_once_and_a_code_is_unique(h: Hospital) -> None:
    assert {"leave", "shift_swap", "purchase", "repair", "record_inspection", "document_circulation"} <= set(
        h.templates
    )
    assert templates.install_builtins(ADMIN, "office", "req", store=h.store()) == []  # again: none new
    listed = templates.list_templates(ADMIN, 3, None, store=h.store())
    assert len(listed.items) == 3 and listed.next_cursor is not None
    leave_template = templates.get_template(ADMIN, h.templates["leave"], store=h.store())
    body = CreateTemplate(code="leave", name="另一个", fields=leave_template.fields, flow=leave_template.flow)
    store = h.store()
    with pytest.raises(Conflict, match="template code leave is already taken"):
        templates.create_template(ADMIN, body, "req", store=store)
    assert store.uow.commits == 0 and sum(1 for t in h.tables.templates.values() if t.name == "另一个") == 0
    audits = [a for a in h.tables.audit if a[0] == "template.create"]
    assert len(audits) == len(h.templates)


def test_a_template_with_a_broken_flow_is_refused_field_by_field(h: Hospital) -> None:
    body = CreateTemplate.model_validate(
        {
            "name": "坏模板",
            "fields": [{"name": "note", "label": "说明", "type": "text"}],
            "flow": {"steps": [{"id": "s", "name": "s", "approvers": [{"kind": "chosen", "field": "nope"}]}]},
        }
    )
    with pytest.raises(problems.Problem) as refused:
        templates.create_template(ADMIN, body, "req", store=h.store())
    assert refused.value.status == 422 and refused.value.errors
    assert h.tables.templates.keys() == {(T, tid) for tid in h.templates.values()}


def test_template_versions_pin_running_approvals(h: Hospital) -> None:
    tid = h.templates["leave"]
    running = h.submit()
    current = templates.get_template(ADMIN, tid, store=h.store())
    flow = current.flow.model_copy(update={"steps": current.flow.steps[:1]})
    body = PublishTemplate(
        name=current.name, category=current.category, fields=current.fields, flow=flow, version=1
    )
    published = templates.publish_template(ADMIN, tid, body, "req", store=h.store())
    assert published.version == 2 and published.created_at == current.created_at
    with pytest.raises(Conflict, match="at version 2, not 1"):
        templates.publish_template(ADMIN, tid, body, "req", store=h.store())
    assert len(templates.get_template_version(ADMIN, tid, 1, store=h.store()).flow.steps) == 2
    assert templates.get_template_version(ADMIN, tid, 2, store=h.store()).version == 2
    with pytest.raises(NotFound):
        templates.get_template_version(ADMIN, tid, 3, store=h.store())
    with pytest.raises(NotFound):
        templates.get_template(ADMIN, "no-such-template", store=h.store())
    assert h.submit().template_version == 2
    got = h.get(running.id)
    assert got.template_version == 1 and len(got.steps) == 2
    # the running approval, resubmitted, keeps resolving against version 1
    h.act("head", running.id, "return", comment="补充")
    again = h.act("nurse", running.id, "resubmit", form=leave(days=5))
    assert [s.id for s in again.steps] == ["department", "leader"]


def test_publishing_over_a_change_made_meanwhile_is_refused_whole(h: Hospital) -> None:
    tid = h.templates["repair"]
    current = templates.get_template(ADMIN, tid, store=h.store())
    body = PublishTemplate(
        name="报修2", category=current.category, fields=current.fields, flow=current.flow, version=1
    )
    store = h.store()
    store.meanwhile = lambda: templates.publish_template(ADMIN, tid, body, "other", store=h.store())
    with pytest.raises(Conflict, match="changed meanwhile"):
        templates.publish_template(ADMIN, tid, body.model_copy(update={"name": "报修3"}), "req", store=store)
    assert templates.get_template(ADMIN, tid, store=h.store()).name == "报修2"


# ---- submitting and acting ------------------------------------------------------------------------------


def test_leave_goes_through_two_steps_with_records_lists_audit_and_events(h: Hospital) -> None:
    preview = approvals.preview(
        h.who("nurse"),
        SubmitApproval(template_id=h.templates["leave"], form=leave()),
        store=h.store(),
        directory=h.directory,
    )
    assert [s.id for s in preview.route.steps] == ["department", "leader"]
    assert preview.route.steps[1].approvers == ["leader"]
    assert h.tables.approvals == {}  # a preview writes nothing

    approval = h.submit()
    assert approval.status == "pending" and approval.current_step == "department" and approval.version == 1
    assert sorted(approval.pending_approvers) == ["head", "head2"]
    assert len(h.mine("head", "pending", approval.id)) == 1

    approved = h.act("head", approval.id, comment="同意")
    assert approved.pending_approvers == ["leader"]
    assert h.mine("head2", "pending", approval.id) == []  # 或签: the other's task closed
    done = h.act("leader", approval.id)
    assert done.status == "approved" and done.finished_at is not None

    assert h.records(approval.id) == [
        ("submit", "nurse", None),
        ("approve", "head", None),
        ("approve", "leader", None),
    ]
    page = approvals.records(h.who("nurse"), approval.id, 200, None, store=h.store(), directory=h.directory)
    assert page.items[1].comment == "同意" and [r.seq for r in page.items] == [1, 2, 3]
    assert [i.status for i in h.mine("nurse", "submitted", approval.id, status="approved")] == ["approved"]
    assert h.mine("nurse", "submitted", approval.id, status="pending") == []
    assert len(h.mine("leader", "handled", approval.id)) == 1
    audit = [a for a in h.tables.audit if a[1:] == ("approval", approval.id)]
    assert [a[0] for a in audit] == ["approval.submit", "approval.approve", "approval.approve"]
    assert len(h.events("approval.task.assigned", approval.id)) == 3
    [decided] = h.events("approval.instance.approved", approval.id)
    # its submit time, for the daily report's turnaround (#27); the submit event itself has none
    assert decided.data["submitted_at"] is not None
    assert all(e.data["submitted_at"] is None for e in h.events("approval.instance.submitted", approval.id))
    [leave_event] = h.events("approval.leave.approved", approval.id)
    assert leave_event.data["staff_id"] == "nurse" and leave_event.tenant == T


def test_a_preview_names_the_approvers_the_nurse_will_wait_on_in_one_read(h: Hospital) -> None:
    h.directory.names_of.update({"head": "钱国栋", "head2": "孙丽华", "leader": "郑晓岚"})
    h.directory.name_reads.clear()
    preview = approvals.preview(
        h.who("nurse"),
        SubmitApproval(template_id=h.templates["leave"], form=leave()),
        store=h.store(),
        directory=h.directory,
    )
    named = [dict(zip(s.approvers, s.approver_names, strict=True)) for s in preview.route.steps]
    assert named == [{"head": "钱国栋", "head2": "孙丽华"}, {"leader": "郑晓岚"}]
    assert len(h.directory.name_reads) == 1


def test_short_leave_skips_the_leader_step(h: Hospital) -> None:
    approval = h.submit(form=leave(days=2))
    assert [s.id for s in approval.steps] == ["department"]
    assert h.act("head2", approval.id).status == "approved"


def test_the_version_an_action_returns_is_the_one_to_send_next_and_a_stale_one_is_refused(
    h: Hospital,
) -> None:
    approval = h.submit()
    assert h.get(approval.id).version == approval.version == 1
    with pytest.raises(Conflict, match="at version 1, not 2"):
        h.act("head", approval.id, version=2)
    first = h.act("head", approval.id, version=1)
    assert first.version == h.get(approval.id).version == 2
    second = h.act("leader", approval.id, version=first.version)
    assert second.status == "approved" and second.version == 3


def test_a_repeated_request_key_applies_once(h: Hospital) -> None:
    approval = h.submit()
    first = h.act("head", approval.id, comment="ok", key="req-1")
    again = h.act("head", approval.id, comment="ok", key="req-1")
    assert first == again
    assert len(h.records(approval.id)) == 2


def test_a_lost_race_is_retried_on_fresh_state(h: Hospital) -> None:
    approval = h.submit()
    store = h.store()
    store.meanwhile = lambda: h.act("nurse", approval.id, "comment", comment="急")  # lands first
    done = h.act("head", approval.id, store=store)
    assert done.current_step == "leader" and done.version == 3
    assert [a for a, _, _ in h.records(approval.id)] == ["submit", "comment", "approve"]


def test_two_approvers_on_an_any_step_exactly_one_counts(h: Hospital) -> None:
    approval = h.submit()
    store = h.store()
    store.meanwhile = lambda: h.act("head", approval.id)
    with pytest.raises(Conflict, match="already been handled"):  # retried: the step was decided meanwhile
        h.act("head2", approval.id, store=store)
    got = h.get(approval.id)
    assert [t.approver for t in got.steps[0].tasks if t.status == "approved"] == ["head"]
    assert got.current_step == "leader" and got.version == 2


def test_a_lost_race_with_a_version_sent_is_not_retried(h: Hospital) -> None:
    approval = h.submit()
    store = h.store()
    store.meanwhile = lambda: h.act("nurse", approval.id, "comment", comment="急")
    with pytest.raises(StaleApproval):
        h.act("head", approval.id, version=1, store=store)
    assert store.uow.commits == 0 and [a for a, _, _ in h.records(approval.id)] == ["submit", "comment"]


def test_a_race_lost_every_time_gives_up_after_three_attempts(h: Hospital) -> None:
    approval = h.submit()

    class Busy(FakeStore):
        def commit(self) -> None:
            h.act("nurse", approval.id, "comment", comment="又催")
            super().commit()

    with pytest.raises(StaleApproval):
        h.act("head", approval.id, store=Busy(T, tables=h.tables))
    assert [a for a, _, _ in h.records(approval.id)] == ["submit", "comment", "comment", "comment"]


def test_transfer_add_sign_return_resubmit_and_withdraw(h: Hospital) -> None:
    a = h.submit().id
    assert h.act("head", a, "add_sign", staff_ids=["office"]).pending_approvers == ["office"]
    h.act("office", a)
    assert sorted(h.act("head", a, "comment", comment="已看").pending_approvers) == ["head", "head2"]
    assert h.act("head", a).current_step == "leader"
    assert h.act("leader", a, "transfer", to="nurse2").pending_approvers == ["nurse2"]
    assert h.act("nurse2", a, "return", target_step="department", comment="补充").current_step == "department"
    assert h.act("head", a, "return", comment="请补充证明").status == "returned"
    again = h.act("nurse", a, "resubmit", form=leave(days=2))
    assert again.status == "pending" and again.round == 2 and [s.id for s in again.steps] == ["department"]
    assert h.act("nurse", a, "withdraw").status == "withdrawn"
    with pytest.raises(Conflict):
        h.act("head", a)  # nothing after completion
    assert h.mine("head", "pending", a) == [] and h.tables.timers == {}


def test_resubmitting_an_invalid_form_is_refused_field_by_field(h: Hospital) -> None:
    a = h.submit().id
    h.act("head", a, "return", comment="补充")
    with pytest.raises(problems.Problem) as refused:
        h.act("nurse", a, "resubmit", form={"leave_type": "旅游"})
    assert {e.field for e in refused.value.errors} >= {"form.leave_type", "form.period"}
    assert h.get(a).status == "returned"


def test_form_validation_and_who_may_see_or_act(h: Hospital) -> None:
    with pytest.raises(problems.Problem) as bad:
        h.submit(form={"leave_type": "旅游", "period": {"start": "x", "end": "y"}})
    assert bad.value.status == 422
    assert {"form.leave_type", "form.period", "form.reason"} <= {e.field for e in bad.value.errors}
    assert h.tables.approvals == {}
    with pytest.raises(NotFound):
        approvals.submit(
            h.who("nurse"),
            SubmitApproval(template_id="nope", form={}),
            "req",
            None,
            store=h.store(),
            directory=h.directory,
        )
    a = h.submit().id
    with pytest.raises(NotFound):
        h.act("nurse2", a)  # not on it: as if it did not exist
    with pytest.raises(NotFound):
        h.get(a, "nurse2")
    with pytest.raises(NotFound):
        approvals.records(h.who("nurse2"), a, 10, None, store=h.store())
    admin = h.who("admin-1", "hospital_admin")
    assert approvals.get_approval(admin, a, store=h.store(), directory=h.directory).id == a
    with pytest.raises(Forbidden):
        h.act("leader", a)  # on the path, but not their turn
    other = Principal(tenant="t-another-hospital", user="head")
    with pytest.raises(NotFound):
        approvals.get_approval(other, a, store=h.store("t-another-hospital"))
    with pytest.raises(NotFound):
        h.act("head", "no-such-approval")


def test_urge_and_cc_on_finish_publish_their_events(h: Hospital) -> None:
    a = h.submit(form={**leave(days=2), "handover": "nurse2"}).id
    h.act("nurse", a, "urge")
    [urged] = h.events("approval.instance.urged", a)
    assert sorted(urged.data["staff_ids"]) == ["head", "head2"]
    h.act("head", a)
    [cc] = h.events("approval.instance.cc", a)
    assert cc.data["staff_ids"] == ["nurse2"]
    assert len(h.mine("nurse2", "cc", a)) == 1
    assert h.get(a, "nurse2").id == a  # CC'd: may read it


def test_lists_page_newest_first_and_filter(h: Hospital) -> None:
    ids = [h.submit(form=leave(days=2)).id for _ in range(5)]
    h.act("head", ids[0])
    seen, cursor = [], None
    while True:
        page = inbox.inbox(h.who("head2"), "pending", InboxQuery(limit=2, cursor=cursor), store=h.store())
        seen += [i.instance_id for i in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == ids[:0:-1]
    by_status = inbox.inbox(
        h.who("nurse"), "submitted", InboxQuery(limit=50, status="approved"), store=h.store()
    )
    assert [i.instance_id for i in by_status.items] == [ids[0]]
    other_template = InboxQuery(limit=50, template_id=h.templates["repair"])
    assert inbox.inbox(h.who("nurse"), "submitted", other_template, store=h.store()).items == []
    _, foreign = h.store().inbox.page("pending", "head2", 1, None)
    with pytest.raises(RuleViolation):
        inbox.inbox(h.who("head"), "pending", InboxQuery(limit=1, cursor=foreign), store=h.store())


# ---- deputies --------------------------------------------------------------------------------------------


def set_deputy(h: Hospital, approver: str, deputy: str, days: int = 7, **kw: Any) -> Any:
    end = datetime.now(UTC) + timedelta(days=days)
    body = SetDeputy(deputy_id=deputy, end=end, **kw)
    return deputies.set_deputy(h.who(approver), body, "req", store=h.store(), directory=h.directory)


def test_a_deputy_is_checked_before_it_is_set(h: Hospital) -> None:
    h.directory.members["nurse2"] = "left"
    for deputy, days, field_name in [
        ("leader", 7, "deputy_id"),
        ("nobody", 7, "deputy_id"),
        ("nurse2", 7, "deputy_id"),
        ("office", -1, "end"),
        ("office", 400, "end"),
    ]:
        with pytest.raises(problems.Problem) as refused:
            set_deputy(h, "leader", deputy, days)
        assert [e.field for e in refused.value.errors] == [field_name]
    assert h.tables.deputies == {}
    with pytest.raises(NotFound):
        deputies.get_deputy(h.who("leader"), store=h.store())


def test_a_deputy_gets_new_tasks_and_is_recorded_acting_for_the_approver(h: Hospital) -> None:
    made = set_deputy(h, "leader", "nurse2", reason="年假")
    assert made.active and deputies.get_deputy(h.who("leader"), store=h.store()) == made
    assert ("deputy.set", "approval-deputy", "leader") in h.tables.audit
    a = h.submit().id
    assert h.act("head", a).current_step == "leader"
    assert len(h.mine("nurse2", "pending", a)) == 1  # the leader's new task went to the deputy
    done = h.act("nurse2", a, comment="代院长审批")
    assert done.status == "approved" and done.steps[1].tasks[0].acted_by == "nurse2"
    assert h.records(a)[-1] == ("approve", "nurse2", "leader")

    deputies.clear_deputy(h.who("leader"), "req", store=h.store())
    deputies.clear_deputy(h.who("leader"), "req", store=h.store())  # clearing again is fine
    with pytest.raises(NotFound):
        deputies.get_deputy(h.who("leader"), store=h.store())
    later = h.submit().id
    h.act("head", later)
    assert h.mine("nurse2", "pending", later) == []


def test_a_deputy_may_act_on_a_task_assigned_before_and_no_one_else_may(h: Hospital) -> None:
    a = h.submit(form=leave(days=2)).id
    with pytest.raises(NotFound):
        h.act("office", a, on_behalf_of="head")  # no delegation: not on it
    set_deputy(h, "head", "office", days=1)
    with pytest.raises(NotFound):
        h.act("nurse2", a, on_behalf_of="head")  # someone the head did not name
    assert h.act("office", a, on_behalf_of="head").status == "approved"
    assert h.records(a)[-1] == ("approve", "office", "head")


def test_no_one_acts_on_their_own_request_as_a_deputy_and_a_deputy_acts_only_on_pending_tasks(
    h: Hospital,
) -> None:
    """#20 (3): the head names the nurse as deputy; the nurse may not approve her own leave on the
    head's behalf, nor comment for the head on an approval the head has no task on (that read the
    whole form and wrote a record in the head's name)."""
    set_deputy(h, "head", "nurse", days=3)
    mine = h.submit("nurse", form=leave(days=2)).id
    with pytest.raises(Forbidden, match="your own request"):
        h.act("nurse", mine, on_behalf_of="head")
    with pytest.raises(Forbidden, match="your own request"):
        h.act("nurse", mine, "comment", on_behalf_of="head", comment="同意")
    assert h.get(mine).status == "pending" and [r[0] for r in h.records(mine)] == ["submit"]
    assert h.mine("nurse", "pending", mine) == []  # her own request's task was never handed to her

    theirs = h.submit("nurse2", form=leave(days=2)).id
    assert h.act("head", theirs).status == "approved"  # the head's task is done
    # The nurse saw it (the head's task was handed to her too), but nothing of the head's is pending.
    with pytest.raises(Forbidden, match="no task pending"):
        h.act("nurse", theirs, "comment", on_behalf_of="head", comment="看看")
    assert [r[0] for r in h.records(theirs)] == ["submit", "approve"]


def test_a_delegation_not_yet_begun_does_not_hand_over_tasks(h: Hospital) -> None:
    start = datetime.now(UTC) + timedelta(days=2)
    set_deputy(h, "head", "office", days=7, start=start)
    assert not deputies.get_deputy(h.who("head"), store=h.store()).active
    a = h.submit(form=leave(days=2)).id
    assert h.mine("office", "pending", a) == []
    with pytest.raises(NotFound):
        h.act("office", a, on_behalf_of="head")  # not their deputy yet: as if it did not exist


# ---- batch approval --------------------------------------------------------------------------------------


def batch(h: Hospital, staff: str, ids: list[str], key: str | None = None) -> list[tuple[str, int]]:
    body = BatchApprove(instance_ids=ids, comment="同意")
    out = approvals.batch_approve(h.who(staff), body, "req", key, store=h.store(), directory=h.directory)
    return [(r.instance_id, r.status) for r in out.results]


def test_batch_approve_reports_each_and_a_retry_approves_none_twice(h: Hospital) -> None:
    first, second = h.submit(form=leave(days=2)).id, h.submit(form=leave(days=2)).id
    long = h.submit().id  # two steps: head2's approval moves it on to the leader
    ids = [first, second, long, "no-such-approval", first]
    results = batch(h, "head2", ids, key="batch-1")
    assert results == [(first, 200), (second, 200), (long, 200), ("no-such-approval", 404)]
    assert batch(h, "head2", ids, key="batch-1") == results
    for a in (first, second):
        assert h.records(a) == [("submit", "nurse", None), ("approve", "head2", None)]
    assert h.get(long).current_step == "leader"
    # without a key, a second batch finds them decided: 409 each, still nothing approved twice
    assert batch(h, "head", [first, long]) == [(first, 409), (long, 409)]
    assert batch(h, "nurse2", [second]) == [(second, 404)]


# ---- the SLA sweep ---------------------------------------------------------------------------------------


def sla_template(h: Hospital, approver: str, **step: Any) -> str:
    body = CreateTemplate.model_validate(
        {
            "name": "物资申领",
            "fields": [{"name": "note", "label": "说明", "type": "text"}],
            "flow": {
                "steps": [
                    {
                        "id": "head",
                        "name": "护士长",
                        "approvers": [{"kind": "person", "staff_id": approver}],
                        "sla_hours": 1,
                        "escalate_after_hours": 1,
                        **step,
                    }
                ]
            },
        }
    )
    return templates.create_template(ADMIN, body, "req", store=h.store()).id


def sweep(h: Hospital, at: datetime) -> int:
    directories: Any = lambda tenant: h.directory  # noqa: E731
    return sla.sweep(
        at, FakeDueTimers(h.tables), stores=lambda tenant: h.store(tenant), directories=directories
    )


def test_an_overdue_task_is_reminded_once_then_escalated_to_the_supervisor(h: Hospital) -> None:
    h.templates["supply"] = sla_template(h, "charge")
    started = datetime.now(UTC)
    approval = h.submit(form={}, code="supply")
    assert approval.steps[0].tasks[0].due_at is not None
    assert [(t.approver, t.stage) for t in h.tables.timers.values()] == [("charge", "remind")]

    assert sweep(h, started + timedelta(minutes=30)) == 0  # not due yet
    assert [a for a, _, _ in h.records(approval.id)] == ["submit"]
    assert sweep(h, started + timedelta(minutes=61)) == 1
    assert sweep(h, started + timedelta(minutes=62)) == 0  # the sweep running again reminds no one twice
    assert h.records(approval.id) == [("submit", "nurse", None), ("remind", "system", None)]
    [reminded] = h.events("approval.task.reminded", approval.id)
    assert reminded.data["staff_id"] == "charge"
    assert [(t.approver, t.stage) for t in h.tables.timers.values()] == [("charge", "escalate")]

    assert sweep(h, started + timedelta(minutes=125)) == 1
    assert [a for a, _, _ in h.records(approval.id)] == ["submit", "remind", "escalate"]
    got = h.get(approval.id)
    assert got.pending_approvers == ["boss"] and got.steps[0].tasks[0].status == "transferred"
    [escalated] = h.events("approval.task.escalated", approval.id)
    assert escalated.data["escalated_to"] == "boss"
    assert len(h.mine("boss", "pending", approval.id)) == 1 and h.mine("charge", "pending", approval.id) == []
    assert [t.approver for t in h.tables.timers.values()] == ["boss"]  # the supervisor's own SLA
    assert h.act("boss", approval.id).status == "approved"
    assert h.tables.timers == {}  # none outlives its task


def test_a_step_names_whom_it_escalates_to_and_nobody_above_leaves_it_in_place(h: Hospital) -> None:
    h.templates["named"] = sla_template(h, "charge", escalate_to="leader")
    h.templates["nobody"] = sla_template(h, "head")  # the head has no supervisor
    started = datetime.now(UTC)
    named, nobody = h.submit(form={}, code="named").id, h.submit(form={}, code="nobody").id
    sweep(h, started + timedelta(minutes=61))
    assert sweep(h, started + timedelta(minutes=125)) == 2
    assert h.get(named).pending_approvers == ["leader"]
    assert h.get(nobody).pending_approvers == ["head"]
    [escalated] = h.events("approval.task.escalated", nobody)
    assert escalated.data["escalated_to"] is None


def test_a_timer_the_approval_no_longer_calls_for_is_dropped(h: Hospital) -> None:
    h.templates["supply"] = sla_template(h, "charge")
    started = datetime.now(UTC)
    a = h.submit(form={}, code="supply").id
    [(key, timer)] = h.tables.timers.items()
    h.act("charge", a)  # decided: its commit removed the timer
    assert h.tables.timers == {}
    h.tables.timers[key] = timer  # a timer left behind (say, by a restore)
    assert sweep(h, started + timedelta(minutes=61)) == 0
    assert h.tables.timers == {} and [x for x, _, _ in h.records(a)] == ["submit", "approve"]
    h.tables.timers[(T, "gone", "k")] = timer.__class__(T, "gone", "k", "charge", "remind", timer.due)
    assert sweep(h, started + timedelta(minutes=61)) == 0  # its approval is gone: dropped too
    assert h.tables.timers == {}


def test_a_sweep_that_loses_a_race_moves_on_to_the_next_timer(h: Hospital) -> None:
    h.templates["supply"] = sla_template(h, "charge")
    started = datetime.now(UTC)
    first, second = h.submit(form={}, code="supply").id, h.submit(form={}, code="supply").id
    stores: list[FakeStore] = []

    def store_for(tenant: str) -> Store:
        store = h.store(tenant)
        if not stores:  # the first timer's approver acts between the sweep's read and its write
            store.meanwhile = lambda: h.act("charge", first)
        stores.append(store)
        return store

    directories: Any = lambda tenant: h.directory  # noqa: E731
    fired = sla.sweep(
        started + timedelta(minutes=61), FakeDueTimers(h.tables), stores=store_for, directories=directories
    )
    assert fired == 1
    assert [x for x, _, _ in h.records(first)] == ["submit", "approve"]
    assert [x for x, _, _ in h.records(second)] == ["submit", "remind"]


def test_the_audit_trail_and_events_are_all_or_nothing(h: Hospital) -> None:
    a = h.submit().id
    before = (len(h.tables.outbox), len(h.tables.audit), dict(h.tables.inbox))
    store = h.store()
    store.meanwhile = lambda: h.tables.records.__setitem__((T, a, 2), h.tables.records[(T, a, 1)])
    with pytest.raises(StaleApproval):
        h.act("head", a, version=1, store=store)
    assert (len(h.tables.outbox), len(h.tables.audit), dict(h.tables.inbox)) == before
    assert h.tables.approvals[(T, a)].version == 1


def test_the_fakes_are_the_ports() -> None:
    """Typed as the ports, so mypy over this module catches a fake whose methods drift from the Protocols."""
    store: Store = FakeStore(T)
    directory: Directory = FakeDirectory()
    assert store.tenant == T and directory.member_status("nobody") is None


def test_everyone_a_form_or_an_action_names_is_active_staff_of_this_hospital(h: Hospital) -> None:
    """A phantom approver (another hospital's id, someone who left, a typo) would hold an approval up."""
    h.directory.members["gone"] = "left"
    for phantom in ("gone", "ghost-nobody"):
        with pytest.raises(problems.Problem) as refused:
            h.submit(form={**leave(days=2), "handover": phantom})
        assert [e.field for e in refused.value.errors] == ["form.handover"]
        assert phantom in refused.value.errors[0].message
    a = h.submit(form={**leave(), "handover": "nurse2"}).id  # an active colleague: fine
    with pytest.raises(problems.Problem) as refused:
        h.act("head", a, "add_sign", staff_ids=["office", "gone"])
    assert [e.field for e in refused.value.errors] == ["staff_ids.1"]
    h.act("head", a)
    with pytest.raises(problems.Problem) as refused:
        h.act("leader", a, "transfer", to="ghost-nobody")
    assert [e.field for e in refused.value.errors] == ["to"]
    assert h.get(a).pending_approvers == ["leader"]  # nothing changed
    assert h.act("leader", a, "transfer", to="nurse2").pending_approvers == ["nurse2"]


# ---- names where a person reads (#21.4) --------------------------------------------------------------


NAMES = {"nurse": "陈思雨", "head": "陈主任", "head2": "李主任", "leader": "周院长", "office": "王干事"}


def test_an_approval_and_its_record_name_everyone_in_one_read_each(h: Hospital) -> None:
    """The approval names its submitter, approvers and CC'd people, and each line of its record the
    actor and whoever it hands to (a transfer's new approver, those added to sign): the ids stay, the
    display names beside them, each view or page in one batch read of the directory."""
    h.directory.names_of.update(NAMES)
    a = h.submit().id
    h.act("head", a, "add_sign", staff_ids=["office"])
    h.act("office", a)
    h.act("head", a)
    h.act("leader", a, "transfer", to="head2")
    h.directory.name_reads.clear()

    got = h.get(a)
    assert (got.submitter, got.submitter_name) == ("nurse", "陈思雨")
    tasks = [(t.approver, t.approver_name, t.status) for s in got.steps for t in s.tasks]
    assert ("office", "王干事", "approved") in tasks and ("head", "陈主任", "approved") in tasks
    assert ("leader", "周院长", "transferred") in tasks and ("head2", "李主任", "pending") in tasks
    added = next(s for s in got.steps if s.added_by)  # the step add_sign put in: who added it
    assert (added.added_by, added.added_by_name) == ("head", "陈主任")
    assert len(h.directory.name_reads) == 1  # the whole approval: one batch read

    page = approvals.records(h.who("nurse"), a, 200, None, store=h.store(), directory=h.directory)
    assert [(r.action, r.actor, r.actor_name) for r in page.items] == [
        ("submit", "nurse", "陈思雨"),
        ("add_sign", "head", "陈主任"),
        ("approve", "office", "王干事"),
        ("approve", "head", "陈主任"),
        ("transfer", "leader", "周院长"),
    ]
    assert page.items[1].names == {"office": "王干事"} and page.items[4].names == {"head2": "李主任"}
    assert len(h.directory.name_reads) == 2  # the page: one more


def test_a_view_names_at_most_a_hundred_people_in_its_one_read(h: Hospital) -> None:
    """One BatchGetItem reads 100 keys: a view naming more (a hospital-wide role step) names the first
    hundred, the submitter and the approvers first; the others keep their ids."""
    people = [f"p{n:03d}" for n in range(150)]
    h.directory.names_of.update({p: f"员工{p}" for p in people})
    names = approvals._names(h.directory, ["nurse", None, *people, "nurse"])
    assert [len(r) for r in h.directory.name_reads] == [100]
    assert "p098" in names and "p099" not in names  # the submitter took the first place
    assert approvals._names(h.directory, [None, ""]) == {} and len(h.directory.name_reads) == 1


def test_the_inbox_entry_names_the_submitter_as_they_were_when_they_submitted(h: Hospital) -> None:
    """Kept on the entry when it is written (from the sign-in the submitter came with), not read per row."""
    nurse = Principal(tenant=T, user="nurse", roles=frozenset(), staff_name="陈思雨")
    body = SubmitApproval(template_id=h.templates["leave"], form=leave())
    a = approvals.submit(nurse, body, "req", None, store=h.store(), directory=h.directory).id
    h.directory.name_reads.clear()
    pending = h.mine("head", "pending", a)
    assert [(i.submitter, i.submitter_name) for i in pending] == [("nurse", "陈思雨")]
    assert h.directory.name_reads == []
    h.act("head", a)
    assert [(i.submitter, i.submitter_name) for i in h.mine("head", "handled", a)] == [("nurse", "陈思雨")]
