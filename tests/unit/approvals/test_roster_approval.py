"""排班审批 on the fakes: scheduling's ``roster.submitted`` starts the built-in roster approval as the head
nurse (once per period and revision), a submission that cannot start is answered ``failed`` with a reason
she can act on, and the approval's end — approved, rejected, returned, withdrawn — is answered with
``approval.roster.decided`` in the transaction that ends it; a period the head nurse withdraws in scheduling
(``roster.withdrawn``) withdraws the approval of the revision submitted, once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chalicelib.approvals.contracts.approvals import ApprovalAction
from chalicelib.approvals.contracts.templates import PublishTemplate
from chalicelib.approvals.domain import roster
from chalicelib.approvals.domain.records import Unit
from chalicelib.approvals.service import approvals, templates
from chalicelib.approvals.service import roster as roster_service

from shared.auth import Principal
from shared.events.envelope import EventEnvelope
from shared.events.published.scheduling import (
    ROSTER_SUBMITTED,
    ROSTER_WITHDRAWN,
    RosterSubmitted,
    RosterWithdrawn,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.approvals.fakes import FakeDirectory, FakeStore, Tables

T = "t-hospital"
ADMIN = Principal(tenant=T, user="admin-1", roles=frozenset({"hospital_admin"}))


def _directory() -> FakeDirectory:
    # 心内一病区 (a ward under 心血管内科): 护士长 hn heads the ward; 科主任 chief heads the department;
    # hn's supervisor is the 科护士长 area; office is the install's fallback.
    return FakeDirectory(
        departments={"hn": "w1", "n1": "w1", "chief": "d1", "area": "nursing", "office": "admin"},
        supervisor={"hn": "area"},
        heads={"w1": "hn", "d1": "chief"},
        names_of={"hn": "王护士长", "area": "李科护士长", "chief": "陈主任"},
        units={
            "w1": Unit("w1", "心内一病区", "d1", "ward"),
            "w2": Unit("w2", "心内二病区", "d1", "ward"),
            "d1": Unit("d1", "心血管内科"),
        },
    )


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    templates.install_builtins(ADMIN, "office", "req", store=FakeStore(T, tables=tables))
    return tables


def submitted(revision: int = 3, submitter: str = "hn", wards: tuple[str, ...] = ("w1",)) -> EventEnvelope:
    data = RosterSubmitted(
        period_id="p-2027-01",
        revision=revision,
        ward_ids=list(wards),
        title="心内一病区 2027年1月排班",
        submitter=submitter,
        start=date(2027, 1, 1),
        end=date(2027, 1, 31),
        summary="32名护士，白班/小夜/大夜，空班 0，成本 118",
    )
    return ROSTER_SUBMITTED.envelope(T, data)


def consume(tables: Tables, envelope: EventEnvelope, directory: FakeDirectory | None = None) -> FakeStore:
    store = FakeStore(T, tables=tables)
    roster_service.start_approval(
        envelope, UnitOfWork("approvals"), store=store, directory=directory or _directory()
    )
    return store


def decided(tables: Tables) -> list[dict[str, Any]]:
    return [e.data for e in tables.outbox if e.type == "approval.roster.decided"]


def act(tables: Tables, staff: str, instance_id: str, action: str, comment: str = "") -> Any:
    return approvals.act(
        Principal(tenant=T, user=staff),
        instance_id,
        ApprovalAction.model_validate({"action": action, "comment": comment}),
        "req",
        None,
        store=FakeStore(T, tables=tables),
        directory=_directory(),
    )


def the_approval(tables: Tables) -> Any:
    (stored,) = tables.approvals.values()
    return stored.instance


def test_a_submitted_roster_starts_its_approval_as_the_head_nurse(tables: Tables) -> None:
    consume(tables, submitted(wards=("w1", "w2")))
    inst = the_approval(tables)
    assert inst.id == roster.instance_id("p-2027-01", 3)
    assert (inst.submitter, inst.submission.template_code, inst.submission.title) == (
        "hn",
        "roster",
        "心内一病区 2027年1月排班",
    )
    assert inst.submission.submitter_name == "王护士长"
    assert inst.form == {
        "period_id": "p-2027-01",
        "revision": 3,
        "wards": "心内一病区、心内二病区",
        "department": "d1",  # the wards' department: its head may approve
        "dates": {"start": "2027-01-01", "end": "2027-01-31"},
        "summary": "32名护士，白班/小夜/大夜，空班 0，成本 118",
    }
    # the nursing line decides: her supervisor (科护士长) or the department's head, either of them
    [step] = inst.steps
    assert (step.name, step.mode, sorted(t.approver for t in step.tasks)) == (
        "护理部审批",
        "any",
        ["area", "chief"],
    )
    assert {e.type for e in tables.outbox} >= {"approval.instance.submitted", "approval.task.assigned"}
    assert decided(tables) == []  # nothing decided yet


def test_the_same_period_and_revision_never_starts_a_second_approval(tables: Tables) -> None:
    consume(tables, submitted())
    again = submitted()  # another delivery of the same submission (a new event id, as a retry makes)
    store = consume(tables, again)
    assert len(tables.approvals) == 1 and store.uow.commits == 0
    assert decided(tables) == []
    consume(tables, submitted(revision=4))  # an edited draft submitted again is a new approval
    assert sorted(k[1] for k in tables.approvals) == sorted(
        [roster.instance_id("p-2027-01", 3), roster.instance_id("p-2027-01", 4)]
    )


def test_without_the_template_installed_the_head_nurse_is_told_why(tables: Tables) -> None:
    bare = Tables()
    consume(bare, submitted())
    assert bare.approvals == {}
    assert decided(bare) == [
        {
            "period_id": "p-2027-01",
            "revision": 3,
            "instance_id": "",
            "outcome": "failed",
            "reason": "排班审批模板未安装：请医院管理员安装内置模板（POST /approvals/templates/builtin）后重新提交",
            "by": "",
        }
    ]


def test_a_submitter_who_has_left_cannot_start_it(tables: Tables) -> None:
    directory = _directory()
    directory.members["hn"] = "left"
    consume(tables, submitted(), directory)
    assert tables.approvals == {}
    [failed] = decided(tables)
    assert failed["outcome"] == "failed" and "已离职" in failed["reason"]
    consume(tables, submitted(submitter="ghost"))  # nobody by that id in the directory
    assert [d["reason"] for d in decided(tables)] == [roster.SUBMITTER_GONE, roster.SUBMITTER_GONE]


def test_a_flow_that_resolves_nobody_fails_with_what_to_set_up(tables: Tables) -> None:
    # the hospital removed the fallback, and the head nurse has no supervisor and her ward no department
    template = next(t for t in tables.templates.values() if t.code == "roster")
    current = templates.get_template(ADMIN, template.id, store=FakeStore(T, tables=tables))
    flow = current.flow.model_copy(update={"fallback_staff_id": None})
    body = PublishTemplate(version=current.version, name=current.name, fields=current.fields, flow=flow)
    templates.publish_template(ADMIN, template.id, body, "req", store=FakeStore(T, tables=tables))
    directory = _directory()
    directory.supervisor.clear()
    directory.units["w1"] = Unit("w1", "心内一病区")  # a unit of its own, headed by hn herself
    consume(tables, submitted(), directory)
    assert tables.approvals == {}
    assert [(d["outcome"], d["reason"]) for d in decided(tables)] == [("failed", roster.NO_APPROVER)]


def test_a_template_edited_beyond_the_roster_form_fails_naming_the_fields(tables: Tables) -> None:
    template = next(t for t in tables.templates.values() if t.code == "roster")
    current = templates.get_template(ADMIN, template.id, store=FakeStore(T, tables=tables))
    extra = {"name": "budget", "label": "人力预算", "type": "number", "required": True}
    body = PublishTemplate(
        version=current.version, name=current.name, fields=[*current.fields, extra], flow=current.flow
    )
    templates.publish_template(ADMIN, template.id, body, "req", store=FakeStore(T, tables=tables))
    consume(tables, submitted())
    [failed] = decided(tables)
    assert (
        failed["outcome"] == "failed"
        and "form.budget" in failed["reason"]
        and "检查排班审批模板" in failed["reason"]
    )


@pytest.mark.parametrize(
    ("who", "action", "comment", "outcome", "reason"),
    [
        ("area", "approve", "同意", "approved", "同意"),
        ("chief", "reject", "周末夜班太集中", "rejected", "周末夜班太集中"),
        ("area", "return", "请调整小夜", "rejected", "退回：请调整小夜"),
        ("hn", "withdraw", "", "withdrawn", ""),
    ],
)
def test_the_approvals_end_is_answered_in_its_own_transaction(
    tables: Tables, who: str, action: str, comment: str, outcome: str, reason: str
) -> None:
    consume(tables, submitted())
    instance_id = roster.instance_id("p-2027-01", 3)
    store = FakeStore(T, tables=tables)
    approvals.act(
        Principal(tenant=T, user=who),
        instance_id,
        ApprovalAction.model_validate({"action": action, "comment": comment}),
        "req",
        None,
        store=store,
        directory=_directory(),
    )
    assert store.uow.commits == 1  # the approval's change and its answer to scheduling: one commit
    assert decided(tables) == [
        {
            "period_id": "p-2027-01",
            "revision": 3,
            "instance_id": instance_id,
            "outcome": outcome,
            "reason": reason,
            "by": who,
        }
    ]
    # nothing more is said once it has ended (a comment afterwards moves nothing)
    act(tables, "hn", instance_id, "comment", "收到")
    assert len(decided(tables)) == 1


def test_other_templates_never_answer_scheduling(tables: Tables) -> None:
    from chalicelib.approvals.contracts.approvals import SubmitApproval

    leave = next(t for t in tables.templates.values() if t.code == "leave")
    form = {"leave_type": "年假", "period": {"start": "2027-02-01", "end": "2027-02-02"}, "reason": "探亲"}
    made = approvals.submit(
        Principal(tenant=T, user="n1"),
        SubmitApproval(template_id=leave.id, form=form),
        "req",
        None,
        store=FakeStore(T, tables=tables),
        directory=_directory(),
    )
    act(tables, "hn", made.id, "approve")
    assert decided(tables) == []


def withdrawn(revision: int = 3, by: str = "hn") -> EventEnvelope:
    return ROSTER_WITHDRAWN.envelope(T, RosterWithdrawn(period_id="p-2027-01", revision=revision, by=by))


def withdraw(tables: Tables, envelope: EventEnvelope) -> FakeStore:
    store = FakeStore(T, tables=tables)
    roster_service.withdraw_approval(envelope, UnitOfWork("approvals"), store=store)
    return store


def pending(tables: Tables, staff: str) -> list[str]:
    return [k[4] for k, line in tables.inbox.items() if k[1] == "pending" and k[2] == staff]


def test_a_roster_withdrawn_in_scheduling_withdraws_its_approval_once(tables: Tables) -> None:
    consume(tables, submitted())
    instance_id = roster.instance_id("p-2027-01", 3)
    approvers = the_approval(tables).pending_approvers()
    assert approvers and all(pending(tables, a) == [instance_id] for a in approvers)
    assert [k for k in tables.timers if k[1] == instance_id]  # the 24-hour SLA runs
    assert withdraw(tables, withdrawn(revision=2)).uow.commits == 0  # another revision's: not this one
    # withdrawn by another of the ward's rosterers: still ended as the submitter's own withdrawal
    store = withdraw(tables, withdrawn(by="hn2"))
    assert store.uow.commits == 1
    inst = the_approval(tables)
    assert inst.status == "withdrawn"
    assert all(pending(tables, a) == [] for a in approvers)  # no approver has it to decide any more
    (mine,) = [line for k, line in tables.inbox.items() if k[1] == "submitted" and k[2] == "hn"]
    assert mine.status == "withdrawn"
    assert [k for k in tables.timers if k[1] == instance_id] == []  # nobody is reminded of it
    last = tables.records[(T, instance_id, inst.records)].command
    assert (last.action, last.actor, last.comment) == ("withdraw", "hn", roster.WITHDRAWN)
    assert decided(tables) == [
        {
            "period_id": "p-2027-01",
            "revision": 3,
            "instance_id": instance_id,
            "outcome": "withdrawn",
            "reason": roster.WITHDRAWN,
            "by": "hn",
        }
    ]
    events = len(tables.outbox)
    assert withdraw(tables, withdrawn()).uow.commits == 0  # heard again: nothing more
    assert len(tables.outbox) == events


def test_a_roster_withdrawn_after_its_approval_ended_changes_nothing(tables: Tables) -> None:
    consume(tables, submitted())
    instance_id = roster.instance_id("p-2027-01", 3)
    act(tables, "area", instance_id, "approve", "同意")
    events = len(tables.outbox)
    assert withdraw(tables, withdrawn()).uow.commits == 0
    assert the_approval(tables).status == "approved" and len(tables.outbox) == events
