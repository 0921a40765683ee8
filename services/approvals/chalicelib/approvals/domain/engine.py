"""The approval instance engine: every action is a ``Command`` and the state is the fold of them.

``execute(state, command)`` checks the rules and returns the next state; the service stores each
accepted command as the instance's append-only operation record, so ``replay(records)`` rebuilds the
state exactly (the property test checks it). Who may act, what a step's outcome is and when the flow
moves on are decided here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib.approvals.domain.builtin_templates import LEAVE
from chalicelib.approvals.domain.flow import Mode, Route, RouteStep
from pydantic import BaseModel, Field

from shared.errors import Conflict, Forbidden, RuleViolation

Action = Literal[
    "submit",
    "approve",
    "reject",
    "transfer",
    "add_sign",
    "return",
    "withdraw",
    "resubmit",
    "comment",
    "urge",
    "remind",
    "escalate",
    "cancel",
]
Status = Literal["pending", "approved", "rejected", "withdrawn", "returned", "cancelled"]
TaskStatus = Literal["waiting", "pending", "approved", "rejected", "transferred", "cancelled"]
Outcome = Literal["approved", "rejected", "skipped"]
FINISHED: frozenset[str] = frozenset({"approved", "rejected", "withdrawn", "cancelled"})
OPEN_TASK: frozenset[str] = frozenset({"waiting", "pending"})
# Actions that move the flow; comments and urging only add to the record.
STATE_CHANGING: frozenset[str] = frozenset(
    {"submit", "approve", "reject", "transfer", "add_sign", "return", "withdraw", "resubmit", "cancel"}
)
# Actions on one's own task: a deputy may take them for the approver they stand in for.
ON_A_TASK: frozenset[str] = frozenset({"approve", "reject", "transfer", "add_sign", "return"})
SYSTEM = "system"  # the actor of the SLA sweep's reminders and escalations


class Submission(BaseModel):
    """What a submit fixes for the life of an instance: which template version it follows."""

    instance_id: str
    template_id: str
    template_version: int
    template_code: str
    title: str
    withdraw: Literal["never", "before_first_approval", "while_pending"] = "while_pending"
    skip_just_approved: bool = False
    submitter_name: str = Field("", description="as the directory named the submitter when they submitted")


class Command(BaseModel):
    """One action by one person; stored verbatim as an operation record."""

    action: Action
    actor: str
    at: datetime
    key: str | None = Field(None, description="the request key: a repeat of an applied key is a no-op")
    on_behalf_of: str | None = Field(None, description="the approver a deputy acts for")
    comment: str = ""
    attachments: list[str] = Field(default_factory=list)
    to: str | None = None
    staff_ids: list[str] = Field(default_factory=list)
    position: Literal["before", "after"] = "before"
    target_step: str | None = Field(None, description="return: a step id; None returns to the submitter")
    form: dict[str, Any] | None = None
    route: Route | None = None
    submission: Submission | None = None
    approver: str | None = Field(None, description="remind/escalate: whose overdue task")
    deputies: dict[str, str] = Field(
        default_factory=dict, description="approver → deputy for the tasks this command assigns"
    )
    as_admin: bool = Field(False, description="cancel: by a hospital admin rather than the submitter")
    called_off: bool = Field(
        False,
        description="withdraw: the request itself was called off where it was made (a swap cancelled, a "
        "roster withdrawn in scheduling), so the template's withdraw policy does not hold the approval",
    )


class Task(BaseModel):
    approver: str
    status: TaskStatus = "waiting"
    assigned_at: datetime | None = None
    due_at: datetime | None = None
    acted_at: datetime | None = None
    acted_by: str | None = Field(None, description="set when a deputy acted for the approver")
    auto: bool = Field(False, description="approved automatically (the approver just approved)")
    comment: str = ""
    deputy: str | None = Field(None, description="who stands in for the approver (their deputy)")
    reminded_at: datetime | None = Field(None, description="when the SLA reminder went out")
    escalated_at: datetime | None = Field(None, description="when the overdue task was escalated")


class StepState(BaseModel):
    id: str
    name: str
    mode: Mode
    need: int
    tasks: list[Task]
    outcome: Outcome | None = None
    started: bool = False
    note: str = ""
    added_by: str | None = None
    sla_hours: int | None = None
    escalate_after_hours: int | None = None
    escalate_to: str | None = None
    action_label: str | None = None

    def open_task(self, approver: str) -> Task | None:
        return next((t for t in self.tasks if t.approver == approver and t.status == "pending"), None)

    def live(self) -> list[Task]:
        return [t for t in self.tasks if t.status not in ("transferred", "cancelled")]


class CarbonCopy(BaseModel):
    staff_id: str
    at: datetime
    when: Literal["start", "finish"]


class Instance(BaseModel):
    submission: Submission
    submitter: str
    form: dict[str, Any]
    status: Status
    steps: list[StepState]
    current: int | None
    cc_on_finish: list[str] = Field(default_factory=list)
    cc: list[CarbonCopy] = Field(default_factory=list)
    round: int = 1
    records: int = Field(0, description="how many commands were applied (the next record's sequence)")
    keys: list[str] = Field(default_factory=list)
    submitted_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    cancelled_at: datetime | None = Field(None, description="when approved leave was cancelled (销假)")

    @property
    def id(self) -> str:
        return self.submission.instance_id

    def current_step(self) -> StepState | None:
        return self.steps[self.current] if self.current is not None else None

    def pending_approvers(self) -> list[str]:
        step = self.current_step()
        return [t.approver for t in step.tasks if t.status == "pending"] if step else []

    def participants(self) -> set[str]:
        people = {self.submitter} | {c.staff_id for c in self.cc}
        people |= {t.deputy for s in self.steps for t in s.tasks if t.deputy}
        return people | {t.approver for s in self.steps for t in s.tasks}


def _steps(route: Route) -> list[StepState]:
    return [_step_state(step) for step in route.steps]


def _step_state(step: RouteStep, added_by: str | None = None) -> StepState:
    return StepState(
        id=step.id,
        name=step.name,
        mode=step.mode,
        need=step.need,
        tasks=[Task(approver=a) for a in step.approvers],
        note=step.note,
        added_by=added_by,
        sla_hours=step.sla_hours,
        escalate_after_hours=step.escalate_after_hours,
        escalate_to=step.escalate_to,
        action_label=step.action_label,
    )


def _assign(step: StepState, task: Task, at: datetime) -> None:
    task.status = "pending"
    task.assigned_at = at
    task.due_at = at + timedelta(hours=step.sla_hours) if step.sla_hours else None


def _settle(step: StepState) -> Outcome | None:
    """A step's outcome from its tasks, or None while undecided."""
    live = step.live()
    approved = sum(t.status == "approved" for t in live)
    rejected = sum(t.status == "rejected" for t in live)
    if step.mode == "any":
        return "approved" if approved else "rejected" if rejected else None
    if step.mode in ("sequential", "all"):
        return "rejected" if rejected else "approved" if approved == len(live) else None
    need = min(step.need, len(live))
    if approved >= need:
        return "approved"
    return "rejected" if len(live) - rejected < need else None


def _close(step: StepState, outcome: Outcome) -> None:
    step.outcome = outcome
    for task in step.tasks:
        if task.status in OPEN_TASK:
            task.status = "cancelled"


def _advance(inst: Instance, index: int, at: datetime) -> None:
    """Make step ``index`` current (or the next undecided one); finish the flow past the last step."""
    while index < len(inst.steps):
        step = inst.steps[index]
        if not step.live():
            step.outcome, step.started = "skipped", True
            index += 1
            continue
        if not step.started:
            step.started = True
            previous_approvers: set[str] = set()
            decided = [s for s in inst.steps[:index] if s.outcome == "approved"]
            if inst.submission.skip_just_approved and decided:
                previous_approvers = {t.approver for t in decided[-1].tasks if t.status == "approved"}
            for task in step.tasks:
                if task.approver in previous_approvers:
                    task.status, task.auto, task.acted_at = "approved", True, at
                    task.comment = "auto-approved: approved the step before"
        _open_next(step, at)
        outcome = _settle(step)
        if outcome is None:
            inst.current = index
            return
        _close(step, outcome)
        if outcome == "rejected":
            _finish(inst, "rejected", at)
            return
        index += 1
    _finish(inst, "approved", at)


def _open_next(step: StepState, at: datetime) -> None:
    waiting = [t for t in step.tasks if t.status == "waiting"]
    if step.mode == "sequential":
        if waiting and not any(t.status == "pending" for t in step.tasks):
            _assign(step, waiting[0], at)
    else:
        for task in waiting:
            _assign(step, task, at)


def _finish(inst: Instance, status: Status, at: datetime) -> None:
    inst.status, inst.current, inst.finished_at = status, None, at
    for step in inst.steps:
        for task in step.tasks:
            if task.status in OPEN_TASK:
                task.status = "cancelled"
    if status in ("approved", "rejected"):
        inst.cc += [CarbonCopy(staff_id=s, at=at, when="finish") for s in inst.cc_on_finish]


def _acting_task(inst: Instance, cmd: Command) -> tuple[StepState, Task]:
    """The actor's (or their principal's) pending task on the current step, or why there is none."""
    if inst.status != "pending":
        raise Conflict(f"the approval is {inst.status}")
    step = inst.current_step()
    assert step is not None
    approver = cmd.on_behalf_of or cmd.actor
    task = step.open_task(approver)
    if task is not None:
        return step, task
    if any(t.approver == approver and t.status not in OPEN_TASK for s in inst.steps for t in s.tasks):
        raise Conflict("this task has already been handled or the step decided")
    raise Forbidden("it is not your turn on this approval")


def _act(task: Task, cmd: Command, status: TaskStatus) -> None:
    task.status, task.acted_at, task.comment = status, cmd.at, cmd.comment
    task.acted_by = cmd.actor if cmd.on_behalf_of else None


def _submit(inst: Instance | None, cmd: Command) -> Instance:
    if inst is not None:
        raise Conflict("already submitted")
    if cmd.submission is None or cmd.route is None or cmd.form is None:
        raise RuleViolation("submit needs the submission, form and route")
    new = Instance(
        submission=cmd.submission,
        submitter=cmd.actor,
        form=cmd.form,
        status="pending",
        steps=_steps(cmd.route),
        current=None,
        cc_on_finish=cmd.route.cc_on_finish,
        cc=[CarbonCopy(staff_id=s, at=cmd.at, when="start") for s in cmd.route.cc_on_start],
        submitted_at=cmd.at,
        updated_at=cmd.at,
    )
    _advance(new, 0, cmd.at)
    return new


def _decide(inst: Instance, cmd: Command) -> None:
    step, task = _acting_task(inst, cmd)
    _act(task, cmd, "approved" if cmd.action == "approve" else "rejected")
    outcome = _settle(step)
    if outcome is None:
        _open_next(step, cmd.at)
        return
    _close(step, outcome)
    if outcome == "rejected":
        _finish(inst, "rejected", cmd.at)
    else:
        assert inst.current is not None
        _advance(inst, inst.current + 1, cmd.at)


def _transfer(inst: Instance, cmd: Command) -> None:
    step, task = _acting_task(inst, cmd)
    if not cmd.to or cmd.to in (cmd.actor, task.approver, inst.submitter):
        raise RuleViolation("transfer to another member of staff", field="to")
    if any(t.approver == cmd.to and t.status in OPEN_TASK for t in step.tasks):
        raise RuleViolation("they already have this task", field="to")
    _act(task, cmd, "transferred")
    new = Task(approver=cmd.to)
    step.tasks.insert(step.tasks.index(task) + 1, new)
    _assign(step, new, cmd.at)


def _add_sign(inst: Instance, cmd: Command) -> None:
    step, task = _acting_task(inst, cmd)
    people = list(dict.fromkeys(cmd.staff_ids))
    if not people or inst.submitter in people or task.approver in people:
        raise RuleViolation("add other members of staff (not yourself or the submitter)", field="staff_ids")
    assert inst.current is not None
    added = _step_state(
        RouteStep(
            id=f"{step.id}-{cmd.position}-{inst.records}",
            name=f"{step.name} ({'前' if cmd.position == 'before' else '后'}加签)",
            mode="all",
            approvers=people,
            need=len(people),
            sla_hours=step.sla_hours,
            escalate_after_hours=step.escalate_after_hours,
            escalate_to=step.escalate_to,
        ),
        added_by=cmd.actor,
    )
    if cmd.position == "after":
        inst.steps.insert(inst.current + 1, added)
        return
    # Before: the added people decide first; the actor's own task waits and resumes afterwards.
    for waiting in step.tasks:
        if waiting.status == "pending":
            waiting.status, waiting.assigned_at, waiting.due_at = "waiting", None, None
    inst.steps.insert(inst.current, added)
    _advance(inst, inst.current, cmd.at)


def _reset(step: StepState) -> None:
    step.outcome, step.started = None, False
    step.tasks = [Task(approver=t.approver) for t in step.tasks if t.status != "transferred"]


def _return(inst: Instance, cmd: Command) -> None:
    _, task = _acting_task(inst, cmd)
    assert inst.current is not None
    _act(task, cmd, "rejected")
    if cmd.target_step is None:
        for s in inst.steps:
            for t in s.tasks:
                if t.status in OPEN_TASK:
                    t.status = "cancelled"
        inst.status, inst.current = "returned", None
        return
    index = next((i for i, s in enumerate(inst.steps) if s.id == cmd.target_step), None)
    if index is None or index >= inst.current or inst.steps[index].outcome != "approved":
        raise RuleViolation("return to an earlier step that was approved", field="target_step")
    for s in inst.steps[index : inst.current + 1]:
        _reset(s)
    _advance(inst, index, cmd.at)


def _withdraw(inst: Instance, cmd: Command) -> None:
    """The submitter takes a pending approval back, as the template's withdraw policy allows. One whose
    request was called off where it was made (``called_off``: the nurse cancelled her swap, the head nurse
    withdrew her roster in scheduling) is withdrawn whatever the policy: the policy keeps a submitter from
    changing her mind after an approver has acted, but here nothing is left to decide — an approval would
    be ignored — and leaving it pending would only hold it in its approvers' inboxes."""
    if cmd.actor != inst.submitter:
        raise Forbidden("only the submitter may withdraw")
    if inst.status != "pending":
        raise Conflict(f"the approval is {inst.status}")
    if cmd.called_off:
        _finish(inst, "withdrawn", cmd.at)
        return
    policy = inst.submission.withdraw
    if policy == "never":
        raise Conflict("this template does not allow withdrawing")
    if policy == "before_first_approval" and any(
        t.status == "approved" and not t.auto for s in inst.steps for t in s.tasks
    ):
        raise Conflict("someone has already approved: it can no longer be withdrawn")
    _finish(inst, "withdrawn", cmd.at)


def _cancel(inst: Instance, cmd: Command) -> None:
    """销假: the submitter (or a hospital admin) cancels approved leave, the whole of it. A request still
    pending is withdrawn instead; other approvals are not cancelled (they finish as they are)."""
    if cmd.actor != inst.submitter and not cmd.as_admin:
        raise Forbidden("only the submitter or a hospital admin may cancel leave")
    if inst.status == "pending":
        raise Conflict('the leave is still pending: withdraw it instead ({"action": "withdraw"})')
    if inst.status != "approved":
        raise Conflict(f"the approval is {inst.status}: only approved leave can be cancelled")
    if inst.submission.template_code != LEAVE:
        raise Conflict("only leave can be cancelled (销假); this approval stays approved")
    inst.status, inst.cancelled_at = "cancelled", cmd.at


def _resubmit(inst: Instance, cmd: Command) -> None:
    if cmd.actor != inst.submitter:
        raise Forbidden("only the submitter may resubmit")
    if inst.status != "returned":  # a finished approval stays finished: submit a new one instead
        raise Conflict(f"the approval is {inst.status}")
    if cmd.route is None or cmd.form is None:
        raise RuleViolation("resubmit needs the form and route")
    inst.form, inst.steps, inst.round = cmd.form, _steps(cmd.route), inst.round + 1
    inst.cc_on_finish = cmd.route.cc_on_finish
    inst.status, inst.finished_at = "pending", None
    _advance(inst, 0, cmd.at)


def _comment(inst: Instance, cmd: Command) -> None:
    if cmd.actor not in inst.participants() and cmd.on_behalf_of not in inst.participants():
        raise Forbidden("only the people on this approval may comment")
    if not cmd.comment.strip() and not cmd.attachments:
        raise RuleViolation("a comment needs text or attachments", field="comment")


def _urge(inst: Instance, cmd: Command) -> None:
    if cmd.actor != inst.submitter:
        raise Forbidden("only the submitter may urge")
    if inst.status != "pending":
        raise Conflict(f"the approval is {inst.status}")


def _overdue_task(inst: Instance, cmd: Command) -> tuple[StepState, Task]:
    """The approver's pending task on the current step that the SLA timer is about."""
    if cmd.actor != SYSTEM:
        raise Forbidden("reminders and escalations come from the SLA timer")
    if inst.status != "pending":
        raise Conflict(f"the approval is {inst.status}")
    step = inst.current_step()
    assert step is not None
    task = step.open_task(cmd.approver or "")
    if task is None or task.due_at is None:
        raise Conflict("this approver has no task with an SLA on the current step")
    return step, task


def _remind(inst: Instance, cmd: Command) -> None:
    _, task = _overdue_task(inst, cmd)
    assert task.due_at is not None
    if task.reminded_at is not None:
        raise Conflict("already reminded")
    if task.due_at > cmd.at:
        raise Conflict("the task is not overdue yet")
    task.reminded_at = cmd.at


def escalation_due(step: StepState, task: Task) -> datetime | None:
    """When an overdue, reminded task escalates (None: it does not, or already did)."""
    if task.due_at is None or task.reminded_at is None or task.escalated_at is not None:
        return None
    if step.escalate_after_hours is None:
        return None
    return task.due_at + timedelta(hours=step.escalate_after_hours)


def _escalate(inst: Instance, cmd: Command) -> None:
    """Hand the overdue task to ``cmd.to`` (the supervisor or the step's target), or, with nobody to hand
    it to, record the escalation and leave it where it is."""
    step, task = _overdue_task(inst, cmd)
    due = escalation_due(step, task)
    if due is None:
        raise Conflict("this task does not escalate (not reminded yet, or already escalated)")
    if due > cmd.at:
        raise Conflict("the escalation is not due yet")
    task.escalated_at = cmd.at
    target = cmd.to
    if (
        target is None
        or target in (task.approver, inst.submitter)
        or any(t.approver == target and t.status in OPEN_TASK for t in step.tasks)
    ):
        return
    task.status, task.comment = "transferred", f"overdue: escalated to {target}"
    new = Task(approver=target)
    step.tasks.insert(step.tasks.index(task) + 1, new)
    _assign(step, new, cmd.at)


_HANDLERS = {
    "approve": _decide,
    "reject": _decide,
    "transfer": _transfer,
    "add_sign": _add_sign,
    "return": _return,
    "withdraw": _withdraw,
    "resubmit": _resubmit,
    "comment": _comment,
    "urge": _urge,
    "remind": _remind,
    "escalate": _escalate,
    "cancel": _cancel,
}


def acting_as(inst: Instance | None, cmd: Command) -> Command:
    """The command as it will be recorded: a deputy acting on a task they stand in for is acting for its
    approver (``on_behalf_of``), even when they did not say so."""
    if inst is None or cmd.action not in ON_A_TASK or inst.status != "pending":
        return cmd
    if cmd.on_behalf_of == cmd.actor:
        return cmd.model_copy(update={"on_behalf_of": None})
    step = inst.current_step()
    if cmd.on_behalf_of is not None or step is None or step.open_task(cmd.actor) is not None:
        return cmd
    for task in step.tasks:
        if task.status == "pending" and task.deputy == cmd.actor:
            return cmd.model_copy(update={"on_behalf_of": task.approver})
    return cmd


def deputy_of(inst: Instance, approver: str, actor: str) -> bool:
    """Whether ``actor`` is the recorded deputy of ``approver``'s pending task."""
    step = inst.current_step()
    task = step.open_task(approver) if step is not None else None
    return task is not None and task.deputy == actor


def _hand_to_deputies(inst: Instance, cmd: Command) -> None:
    """Tasks this command assigned go to their approver's deputy as well (not the submitter's own)."""
    if not cmd.deputies:
        return
    for step in inst.steps:
        for task in step.tasks:
            deputy = cmd.deputies.get(task.approver)
            if (
                task.status == "pending"
                and task.assigned_at == cmd.at
                and task.deputy is None
                and deputy not in (None, task.approver, inst.submitter)
            ):
                task.deputy = deputy


def execute(inst: Instance | None, cmd: Command) -> Instance:
    """The state after ``cmd``; raises (and changes nothing) if the rules do not allow it."""
    if cmd.action == "submit":
        new = _submit(inst, cmd)
    else:
        if inst is None:
            raise Conflict("not submitted")
        if is_duplicate(inst, cmd):
            return inst  # a retry of an applied action: nothing more happens
        cmd = acting_as(inst, cmd)
        if cmd.on_behalf_of == cmd.actor:
            cmd = cmd.model_copy(update={"on_behalf_of": None})
        new = inst.model_copy(deep=True)
        _HANDLERS[cmd.action](new, cmd)
    _hand_to_deputies(new, cmd)
    new.records += 1
    new.updated_at = cmd.at
    if cmd.key is not None:
        new.keys = [*new.keys, _request_key(cmd)][-50:]
    return new


def _request_key(cmd: Command) -> str:
    """A request's key as this approval remembers it: the sender's own (the HTTP layer scopes keys to
    the caller too), so one approver's key never stands for another's action."""
    return f"{cmd.actor}|{cmd.key}"


def replay(commands: list[Command]) -> Instance:
    """The state the operation record describes (the audit trail is the source of truth)."""
    inst: Instance | None = None
    for cmd in commands:
        inst = execute(inst, cmd)
    if inst is None:
        raise ValueError("no records")
    return inst


def is_duplicate(inst: Instance, cmd: Command) -> bool:
    return cmd.action != "submit" and cmd.key is not None and _request_key(cmd) in inst.keys


class Change(BaseModel):
    """Something worth telling others about, found by comparing two states."""

    kind: Literal["instance", "task_assigned", "task_completed", "cc"]
    status: str = ""
    step_id: str = ""
    staff_id: str = ""


def changes(before: Instance | None, after: Instance) -> list[Change]:
    out: list[Change] = []
    old_status = before.status if before else None
    if after.status != old_status:
        out.append(Change(kind="instance", status="submitted" if after.status == "pending" else after.status))

    def tasks(inst: Instance | None) -> dict[tuple[str, str, str], Task]:
        if inst is None:
            return {}
        return {(s.id, t.approver, str(t.assigned_at)): t for s in inst.steps for t in s.tasks}

    old = tasks(before)
    for (step_id, approver, at), task in tasks(after).items():
        was = old.get((step_id, approver, at))
        if task.status == "pending" and (was is None or was.status != "pending"):
            out.append(Change(kind="task_assigned", step_id=step_id, staff_id=approver))
            if task.deputy:
                out.append(Change(kind="task_assigned", step_id=step_id, staff_id=task.deputy))
        if (
            was is not None
            and was.status == "pending"
            and task.status in ("approved", "rejected", "transferred")
        ):
            out.append(Change(kind="task_completed", step_id=step_id, staff_id=approver, status=task.status))
    old_cc = {(c.staff_id, c.when) for c in before.cc} if before else set()
    for c in after.cc:
        if (c.staff_id, c.when) not in old_cc:
            out.append(Change(kind="cc", staff_id=c.staff_id, status=c.when))
    return out


Box = Literal["pending", "submitted", "cc", "handled"]


class InboxEntry(BaseModel):
    box: Box
    staff_id: str
    sort: str


def inbox(inst: Instance) -> list[InboxEntry]:
    """Where the instance shows up: each person's pending, submitted, CC'd and handled lists."""
    entries = [InboxEntry(box="submitted", staff_id=inst.submitter, sort=f"{inst.submitted_at.isoformat()}")]
    step = inst.current_step()
    if step is not None:
        for t in step.tasks:
            if t.status == "pending" and t.assigned_at is not None:
                for who in filter(None, (t.approver, t.deputy)):
                    entries.append(InboxEntry(box="pending", staff_id=who, sort=t.assigned_at.isoformat()))
    first_cc: dict[str, datetime] = {}
    for c in inst.cc:
        first_cc.setdefault(c.staff_id, c.at)
    entries += [InboxEntry(box="cc", staff_id=s, sort=at.isoformat()) for s, at in first_cc.items()]
    handled: dict[str, datetime] = {}
    for s in inst.steps:
        for t in s.tasks:
            if t.acted_at is not None and not t.auto:
                who = t.acted_by or t.approver
                handled[who] = max(handled.get(who, t.acted_at), t.acted_at)
    entries += [InboxEntry(box="handled", staff_id=s, sort=at.isoformat()) for s, at in handled.items()]
    return entries


class SlaTimer(BaseModel):
    """The next SLA step of one pending task: a reminder when it falls due, then an escalation."""

    step_id: str
    approver: str
    assigned_at: datetime
    stage: Literal["remind", "escalate"]
    due: datetime

    @property
    def key(self) -> str:
        """Stable for the life of the task, so the escalation replaces the reminder in place."""
        return f"{self.step_id}#{self.approver}#{self.assigned_at.isoformat()}"


def timers(inst: Instance) -> list[SlaTimer]:
    """The SLA timers the instance's current state calls for (none once it is finished)."""
    step = inst.current_step()
    if step is None or inst.status != "pending":
        return []
    out = []
    for t in step.tasks:
        if t.status != "pending" or t.due_at is None or t.assigned_at is None:
            continue
        base = {"step_id": step.id, "approver": t.approver, "assigned_at": t.assigned_at}
        if t.reminded_at is None:
            out.append(SlaTimer(**base, stage="remind", due=t.due_at))
        elif (escalate_at := escalation_due(step, t)) is not None:
            out.append(SlaTimer(**base, stage="escalate", due=escalate_at))
    return out
