"""Random action sequences against the engine: the invariants the issue names hold after every step.

- one outcome per step (an any-one step counts exactly one decision; a decided step has no open task;
  only the current step has pending tasks);
- no state-changing action is accepted once the approval is finished;
- the operation record replays to the current state.
"""

from __future__ import annotations

from chalicelib.approvals.domain.engine import FINISHED, STATE_CHANGING, Command, Instance, execute, replay
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.errors import DomainError
from tests.unit.approvals.fakes import cmd, route, submit

PEOPLE = ["sub", "a", "b", "c", "d", "x"]
ROUTE = route(
    ("any", "any", ["a", "b"]),
    ("two-of-three", "k_of_n", ["a", "b", "c"], 2),
    ("all", "all", ["c", "d"]),
    ("seq", "sequential", ["d", "a"]),
)
ACTIONS = ["approve", "reject", "transfer", "add_sign", "return", "withdraw", "resubmit", "comment", "urge"]


class ApprovalMachine(RuleBasedStateMachine):
    inst: Instance
    records: list[Command]

    @initialize(skip=st.booleans())
    def start(self, skip: bool) -> None:
        first = submit(ROUTE, skip_just_approved=skip)
        self.inst = execute(None, first)
        self.records = [first]

    @rule(
        action=st.sampled_from(ACTIONS),
        actor=st.sampled_from(PEOPLE),
        other=st.sampled_from(PEOPLE),
        step=st.sampled_from([None, "any", "two-of-three", "all"]),
        position=st.sampled_from(["before", "after"]),
        key=st.sampled_from([None, "k1", "k2", "k3"]),
    )
    def act(
        self, action: str, actor: str, other: str, step: str | None, position: str, key: str | None
    ) -> None:
        command = cmd(
            action,
            actor,
            to=other,
            staff_ids=[other],
            target_step=step,
            position=position,
            key=key,
            comment="ok",
            form={"n": 1} if action == "resubmit" else None,
            route=ROUTE if action == "resubmit" else None,
        )
        before = self.inst
        try:
            after = execute(before, command)
        except DomainError:
            return
        if after is before:  # a repeated request key: nothing happened and nothing is recorded
            return
        assert not (before.status in FINISHED and action in STATE_CHANGING), "acted after completion"
        self.inst = after
        self.records.append(command)

    @rule(which=st.integers(0, 3), decision=st.sampled_from(["approve", "approve", "reject"]))
    def a_pending_approver_decides(self, which: int, decision: str) -> None:
        """Random actors rarely hold the task: this rule moves the flow forward so it often finishes."""
        pending = self.inst.pending_approvers()
        if pending:
            command = cmd(decision, pending[which % len(pending)])
            self.inst = execute(self.inst, command)
            self.records.append(command)

    @invariant()
    def one_outcome_per_step(self) -> None:
        for index, step in enumerate(self.inst.steps):
            open_tasks = [t for t in step.tasks if t.status in ("waiting", "pending")]
            if step.outcome is not None:
                assert not open_tasks, f"decided step {step.id} still has open tasks"
            if step.mode == "any" and step.outcome in ("approved", "rejected"):
                assert len([t for t in step.tasks if t.status in ("approved", "rejected")]) == 1
            if step.outcome == "approved":
                assert sum(t.status == "approved" for t in step.live()) >= min(step.need, len(step.live()))
            if index != self.inst.current:
                assert not [t for t in step.tasks if t.status == "pending"]
        if self.inst.status == "pending":
            assert self.inst.current is not None and self.inst.pending_approvers()
        else:
            assert self.inst.current is None

    @invariant()
    def record_replays_to_state(self) -> None:
        assert self.inst.records == len(self.records)
        assert replay(self.records) == self.inst


ApprovalMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestApprovalMachine = ApprovalMachine.TestCase
