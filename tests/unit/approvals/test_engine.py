"""The instance engine: step modes, return, add-sign, transfer, withdraw, resubmit — no AWS."""

from __future__ import annotations

import pytest
from chalicelib.approvals.domain.engine import changes, execute, inbox, replay

from shared.errors import Conflict, Forbidden, RuleViolation
from tests.unit.approvals.fakes import cmd, route, submit


def run(*commands):  # type: ignore[no-untyped-def]
    inst = None
    for c in commands:
        inst = execute(inst, c)
    return inst


def test_sequential_two_steps_approve_through() -> None:
    inst = run(submit(route(("head", "sequential", ["a"]), ("dean", "sequential", ["b", "c"]))))
    assert inst.pending_approvers() == ["a"]
    inst = execute(inst, cmd("approve", "a"))
    assert inst.pending_approvers() == ["b"]  # 依次: one after another
    inst = execute(inst, cmd("approve", "b"))
    assert inst.pending_approvers() == ["c"]
    inst = execute(inst, cmd("approve", "c"))
    assert inst.status == "approved" and inst.current is None
    assert [s.outcome for s in inst.steps] == ["approved", "approved"]


def test_all_mode_needs_everyone_and_one_reject_rejects() -> None:
    inst = run(submit(route(("s", "all", ["a", "b", "c"]))))
    assert sorted(inst.pending_approvers()) == ["a", "b", "c"]
    inst = execute(inst, cmd("approve", "b"))
    assert inst.status == "pending"
    inst = execute(inst, cmd("reject", "c", comment="不同意"))
    assert inst.status == "rejected"
    assert {t.approver: t.status for t in inst.steps[0].tasks} == {
        "a": "cancelled",
        "b": "approved",
        "c": "rejected",
    }


def test_any_mode_first_decision_counts_and_the_other_gets_409() -> None:
    inst = run(submit(route(("s", "any", ["a", "b"]), ("t", "any", ["z"]))))
    inst = execute(inst, cmd("approve", "a"))
    assert inst.pending_approvers() == ["z"]
    with pytest.raises(Conflict):
        execute(inst, cmd("approve", "b"))


def test_k_of_n_decides_when_reached_or_unreachable() -> None:
    inst = run(submit(route(("s", "k_of_n", ["a", "b", "c", "d"], 2))))
    inst = execute(inst, cmd("approve", "a"))
    inst = execute(inst, cmd("reject", "b"))
    assert inst.status == "pending"
    inst = execute(inst, cmd("approve", "d"))
    assert inst.status == "approved"
    inst = run(submit(route(("s", "k_of_n", ["a", "b", "c"], 2))))
    inst = execute(inst, cmd("reject", "a"))
    inst = execute(inst, cmd("reject", "c"))
    assert inst.status == "rejected"


def test_only_the_assignee_acts() -> None:
    inst = run(submit(route(("s", "sequential", ["a"]))))
    with pytest.raises(Forbidden):
        execute(inst, cmd("approve", "mallory"))


def test_no_action_after_completion() -> None:
    inst = run(submit(route(("s", "sequential", ["a"]))), cmd("approve", "a"))
    for action, actor in [("approve", "a"), ("withdraw", "sub"), ("urge", "sub"), ("reject", "a")]:
        with pytest.raises(Conflict):
            execute(inst, cmd(action, actor))


def test_transfer_hands_the_task_over() -> None:
    inst = run(submit(route(("s", "sequential", ["a"]))), cmd("transfer", "a", to="x"))
    assert inst.pending_approvers() == ["x"]
    with pytest.raises(Conflict):
        execute(inst, cmd("approve", "a"))
    assert execute(inst, cmd("approve", "x")).status == "approved"


def test_add_sign_before_and_after() -> None:
    inst = run(submit(route(("s", "sequential", ["a"]))), cmd("add_sign", "a", staff_ids=["x", "y"]))
    assert sorted(inst.pending_approvers()) == ["x", "y"]  # they decide first
    inst = execute(execute(inst, cmd("approve", "x")), cmd("approve", "y"))
    assert inst.pending_approvers() == ["a"]  # back to the one who added them
    inst = execute(inst, cmd("add_sign", "a", staff_ids=["z"], position="after"))
    inst = execute(inst, cmd("approve", "a"))
    assert inst.pending_approvers() == ["z"]
    assert execute(inst, cmd("approve", "z")).status == "approved"


def test_return_to_an_earlier_step_and_to_the_submitter_then_resubmit() -> None:
    r = route(("one", "sequential", ["a"]), ("two", "sequential", ["b"]))
    inst = run(submit(r), cmd("approve", "a"), cmd("return", "b", target_step="one", comment="补材料"))
    assert inst.pending_approvers() == ["a"] and inst.status == "pending"
    inst = execute(execute(inst, cmd("approve", "a")), cmd("return", "b"))
    assert inst.status == "returned" and inst.pending_approvers() == []
    with pytest.raises(RuleViolation):
        execute(run(submit(r)), cmd("return", "a", target_step="two"))
    inst = execute(inst, cmd("resubmit", "sub", form={"reason": "补好了"}, route=r))
    assert inst.status == "pending" and inst.round == 2 and inst.pending_approvers() == ["a"]


def test_withdraw_rules() -> None:
    r = route(("one", "sequential", ["a"]), ("two", "sequential", ["b"]))
    assert run(submit(r), cmd("approve", "a"), cmd("withdraw", "sub")).status == "withdrawn"
    strict = run(submit(r, withdraw="before_first_approval"), cmd("approve", "a"))
    with pytest.raises(Conflict):
        execute(strict, cmd("withdraw", "sub"))
    with pytest.raises(Forbidden):
        execute(run(submit(r)), cmd("withdraw", "a"))


def test_skip_just_approved_and_empty_steps() -> None:
    r = route(("one", "sequential", ["a"]), ("empty", "all", []), ("two", "all", ["a", "b"]))
    inst = run(submit(r, skip_just_approved=True), cmd("approve", "a"))
    assert inst.pending_approvers() == ["b"]
    assert inst.steps[1].outcome == "skipped"
    assert inst.steps[2].tasks[0].auto


def test_deputy_is_recorded() -> None:
    inst = run(submit(route(("s", "sequential", ["a"]))), cmd("approve", "deputy", on_behalf_of="a"))
    task = inst.steps[0].tasks[0]
    assert (task.status, task.acted_by) == ("approved", "deputy")


def test_repeated_request_key_is_a_no_op() -> None:
    inst = run(submit(route(("s", "all", ["a", "b"]))))
    once = execute(inst, cmd("approve", "a", key="k1"))
    assert execute(once, cmd("approve", "a", key="k1")) is once


def test_a_request_key_is_the_actors_own_another_approver_with_the_same_key_still_acts() -> None:
    """#20 (5): keys are scoped to who sent them; one approver's key never swallows another's action,
    and nobody can pre-poison a key for someone else."""
    inst = run(submit(route(("s", "all", ["a", "b"]))))
    first = execute(inst, cmd("approve", "a", key="k1"))
    second = execute(first, cmd("approve", "b", key="k1"))
    assert second is not first and second.status == "approved"
    commented = execute(inst, cmd("comment", "sub", comment="催一下", key="k2"))
    assert execute(commented, cmd("approve", "a", key="k2")).steps[0].tasks[0].status == "approved"


def test_replay_rebuilds_state_and_changes_describe_it() -> None:
    commands = [
        submit(route(("one", "any", ["a", "b"]), ("two", "all", ["c"]), cc_on_finish=["boss"])),
        cmd("approve", "b"),
        cmd("comment", "c", comment="看过了"),
        cmd("approve", "c"),
    ]
    states = []
    inst = None
    for c in commands:
        before, inst = inst, execute(inst, c)
        states.append(changes(before, inst))
    assert replay(commands) == inst
    assert [c.kind for c in states[0]] == ["instance", "task_assigned", "task_assigned"]
    kinds = [(c.kind, c.status, c.staff_id) for c in states[3]]
    assert ("instance", "approved", "") in kinds and ("cc", "finish", "boss") in kinds
    boxes = {(e.box, e.staff_id) for e in inbox(inst)}
    assert boxes == {("submitted", "sub"), ("handled", "b"), ("handled", "c"), ("cc", "boss")}
