"""SLA reminders and escalation, and deputies, in the engine (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chalicelib.approvals.domain.deputies import Delegation, check_delegation, deputies_at
from chalicelib.approvals.domain.engine import (
    SYSTEM,
    Command,
    Instance,
    Submission,
    changes,
    execute,
    inbox,
    replay,
    timers,
)
from chalicelib.approvals.domain.flow import Route, RouteStep

from shared.errors import Conflict, Forbidden

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def sla_route(escalate_after: int | None = 4, escalate_to: str | None = None) -> Route:
    step = RouteStep(
        id="head",
        name="科室负责人",
        mode="sequential",
        approvers=["a"],
        need=1,
        sla_hours=8,
        escalate_after_hours=escalate_after,
        escalate_to=escalate_to,
    )
    return Route(steps=[step, RouteStep(id="leader", name="院领导", mode="any", approvers=["l"], need=1)])


def submitted(r: Route, deputies: dict[str, str] | None = None) -> tuple[Instance, list[Command]]:
    submission = Submission(
        instance_id="i1", template_id="t1", template_version=1, template_code="leave", title="请假"
    )
    first = Command(
        action="submit",
        actor="sub",
        at=T0,
        form={},
        route=r,
        submission=submission,
        deputies=deputies or {},
    )
    return execute(None, first), [first]


def system(action: str, at: datetime, approver: str = "a", to: str | None = None) -> Command:
    return Command(action=action, actor=SYSTEM, at=at, approver=approver, to=to)  # type: ignore[arg-type]


def test_a_task_with_an_sla_reminds_when_due_then_escalates_to_the_supervisor() -> None:
    inst, log = submitted(sla_route())
    [timer] = timers(inst)
    assert (timer.stage, timer.due, timer.approver) == ("remind", hours(8), "a")
    with pytest.raises(Conflict):
        execute(inst, system("remind", hours(7)))  # not overdue yet

    log.append(system("remind", hours(8.1)))
    inst = execute(inst, log[-1])
    [timer] = timers(inst)
    assert (timer.stage, timer.due) == ("escalate", hours(12))
    with pytest.raises(Conflict):
        execute(inst, system("remind", hours(9)))  # one reminder per task, however often the sweep runs

    log.append(system("escalate", hours(12.5), to="boss"))
    after = execute(inst, log[-1])
    assert after.pending_approvers() == ["boss"]
    escalated = after.steps[0].tasks[0]
    assert (escalated.status, escalated.escalated_at) == ("transferred", hours(12.5))
    kinds = [(c.kind, c.staff_id) for c in changes(inst, after)]
    assert ("task_assigned", "boss") in kinds and ("task_completed", "a") in kinds
    [timer] = timers(after)  # the new approver's own SLA starts now
    assert (timer.approver, timer.stage, timer.due) == ("boss", "remind", hours(20.5))
    assert replay(log) == after  # the operation record holds the reminders and escalations


def test_escalation_with_nobody_to_escalate_to_is_recorded_and_stops_the_timers() -> None:
    inst, _ = submitted(sla_route())
    inst = execute(inst, system("remind", hours(9)))
    inst = execute(inst, system("escalate", hours(13), to=None))
    assert inst.pending_approvers() == ["a"] and inst.steps[0].tasks[0].escalated_at == hours(13)
    assert timers(inst) == []


def test_no_escalation_configured_means_only_a_reminder() -> None:
    inst, _ = submitted(sla_route(escalate_after=None))
    inst = execute(inst, system("remind", hours(9)))
    assert timers(inst) == []
    with pytest.raises(Conflict):
        execute(inst, system("escalate", hours(100), to="boss"))


def test_only_the_timer_reminds_and_timers_end_with_the_task() -> None:
    inst, _ = submitted(sla_route())
    with pytest.raises(Forbidden):
        execute(inst, Command(action="remind", actor="sub", at=hours(9), approver="a"))
    approved = execute(inst, Command(action="approve", actor="a", at=hours(1)))
    assert timers(approved) == []  # the leader step has no SLA
    with pytest.raises(Conflict):
        execute(approved, system("remind", hours(9)))


def test_a_deputy_gets_new_tasks_and_acts_for_the_approver() -> None:
    inst, log = submitted(sla_route(), deputies={"a": "d", "sub": "x"})
    task = inst.steps[0].tasks[0]
    assert task.deputy == "d" and "d" in inst.participants()
    assert {(e.box, e.staff_id) for e in inbox(inst) if e.box == "pending"} == {
        ("pending", "a"),
        ("pending", "d"),
    }
    assert ("task_assigned", "d") in [(c.kind, c.staff_id) for c in changes(None, inst)]
    log.append(Command(action="approve", actor="d", at=hours(1), comment="代批"))
    after = execute(inst, log[-1])
    done = after.steps[0].tasks[0]
    assert (done.status, done.approver, done.acted_by) == ("approved", "a", "d")
    assert after.pending_approvers() == ["l"]
    assert ("handled", "d") in {(e.box, e.staff_id) for e in inbox(after)}
    assert replay(log) == after
    with pytest.raises(Forbidden):  # standing in for a is no licence for the leader's step
        execute(after, Command(action="approve", actor="d", at=hours(2)))


def test_a_deputy_is_never_the_submitter_of_the_approval() -> None:
    inst, _ = submitted(sla_route(), deputies={"a": "sub"})
    assert inst.steps[0].tasks[0].deputy is None


def test_delegation_rules_and_cover() -> None:
    d = Delegation(approver="a", deputy="d", start=hours(0), end=hours(48))
    assert check_delegation(d, hours(1)) == []
    assert d.covers(hours(47)) and not d.covers(hours(48))
    assert deputies_at([d], {"a", "b"}, hours(1)) == {"a": "d"}
    assert deputies_at([d], {"a"}, hours(49)) == {}
    fields = [f for f, _ in check_delegation(d.model_copy(update={"deputy": "a"}), hours(1))]
    assert fields == ["deputy_id"]
    assert [f for f, _ in check_delegation(d, hours(50))] == ["end"]  # already over
    backwards = d.model_copy(update={"end": hours(-1)})
    assert [f for f, _ in check_delegation(backwards, hours(-2))] == ["end"]
