"""Flow definitions and how they resolve into a concrete route of approvers for one submission.

Resolution needs the directory and the roster, which the engine must not touch: they come in through
the ``Directory`` protocol (a DynamoDB adapter in the service, a dict-backed fake in unit tests).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Literal, Protocol

from chalicelib.approvals.domain.forms import FormField, date_range_days
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import RuleViolation

Mode = Literal["sequential", "all", "any", "k_of_n", "percentage"]
ID = r"^[A-Za-z0-9_-]{1,64}$"
MAX_APPROVERS = 40


class Condition(BaseModel):
    """A branch test on the form: ``amount > 10000``, ``leave.days > 3``, ``submitter.department_id in …``."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, max_length=80, examples=["leave.days"])
    op: Literal["gt", "gte", "lt", "lte", "eq", "ne", "in", "not_in"]
    value: Any


class ApproverRule(BaseModel):
    """Who approves: one of the ways a hospital names an approver."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "role", "supervisor", "department_head", "chosen", "on_duty", "submitter"]
    staff_id: str | None = Field(None, pattern=ID, description="person: this member of staff")
    role: str | None = Field(None, max_length=40, description="role: e.g. head_nurse")
    department_id: str | None = Field(
        None, pattern=ID, description="role/department_head: this department (default: the submitter's)"
    )
    department_field: str | None = Field(None, max_length=40, description="…or the department in this field")
    scope: Literal["department", "hospital"] = Field(
        "department", description="role: look in one department, or hospital-wide (e.g. 院领导)"
    )
    level: int = Field(1, ge=1, le=10, description="supervisor: 1 = direct, 2 = their supervisor, …")
    field: str | None = Field(None, max_length=40, description="chosen: the staff field the submitter filled")
    ward_id: str | None = Field(None, pattern=ID, description="on_duty: whoever is on duty on this ward")


class StepDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID)
    name: str = Field(min_length=1, max_length=60)
    mode: Mode = "sequential"
    approvers: list[ApproverRule] = Field(min_length=1, max_length=20)
    k: int | None = Field(None, ge=1, le=MAX_APPROVERS, description="k_of_n: approvals needed")
    percent: int | None = Field(None, ge=1, le=100, description="percentage: share of approvals needed")
    when: list[Condition] = Field(default_factory=list, description="the step applies only if all hold")
    fallback_staff_id: str | None = Field(None, pattern=ID, description="when resolution finds nobody")
    sla_hours: int | None = Field(
        None, ge=1, le=24 * 30, description="hours an approver has before a reminder goes out"
    )
    escalate_after_hours: int | None = Field(
        None, ge=1, le=24 * 30, description="hours after the reminder before the task is escalated"
    )
    escalate_to: str | None = Field(
        None, pattern=ID, description="who an overdue task escalates to (default: the approver's supervisor)"
    )
    action_label: str | None = Field(None, max_length=20, description="e.g. 已阅 for a reading step")


class FlowDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[StepDefinition] = Field(min_length=1, max_length=30)
    cc_on_start: list[ApproverRule] = Field(default_factory=list, max_length=20)
    cc_on_finish: list[ApproverRule] = Field(default_factory=list, max_length=20)
    fallback_staff_id: str | None = Field(None, pattern=ID, description="the flow-wide fallback approver")
    skip_submitter: bool = Field(True, description="drop the submitter from the approvers of a step")
    skip_just_approved: bool = Field(False, description="auto-approve who approved the step before")
    withdraw: Literal["never", "before_first_approval", "while_pending"] = "while_pending"


def check_flow(flow: FlowDefinition, fields: list[FormField]) -> list[tuple[str, str]]:
    """Rules across a flow and its form (unique step ids, k within bounds, fields that exist)."""
    errors: list[tuple[str, str]] = []
    names = {f.name: f for f in fields}
    ids: set[str] = set()
    for i, step in enumerate(flow.steps):
        where = f"flow.steps.{i}"
        if step.id in ids:
            errors.append((f"{where}.id", f"duplicate step id {step.id}"))
        ids.add(step.id)
        if step.mode == "k_of_n" and step.k is None:
            errors.append((f"{where}.k", "k_of_n needs k"))
        if step.mode == "percentage" and step.percent is None:
            errors.append((f"{where}.percent", "percentage needs percent"))
        if step.sla_hours is None and (step.escalate_after_hours is not None or step.escalate_to is not None):
            errors.append((f"{where}.sla_hours", "escalation needs sla_hours (the reminder comes first)"))
        for j, cond in enumerate(step.when):
            base = cond.field.split(".")[0]
            if base != "submitter" and base not in names:
                errors.append((f"{where}.when.{j}.field", f"no form field {base}"))
        for j, rule in enumerate(step.approvers):
            errors += _check_rule(rule, names, f"{where}.approvers.{j}")
    for key in ("cc_on_start", "cc_on_finish"):
        for j, rule in enumerate(getattr(flow, key)):
            errors += _check_rule(rule, names, f"flow.{key}.{j}")
    return errors


def _check_rule(rule: ApproverRule, fields: dict[str, FormField], where: str) -> list[tuple[str, str]]:
    needs = {"person": "staff_id", "role": "role", "on_duty": "ward_id", "chosen": "field"}
    if rule.kind in needs and getattr(rule, needs[rule.kind]) is None:
        return [(f"{where}.{needs[rule.kind]}", f"{rule.kind} needs {needs[rule.kind]}")]
    if rule.kind == "chosen" and (
        rule.field not in fields or fields[rule.field].type not in ("staff", "staff_list")
    ):
        return [(f"{where}.field", "chosen needs a staff (or staff_list) field of the form")]
    if rule.department_field is not None and rule.department_field not in fields:
        return [(f"{where}.department_field", f"no form field {rule.department_field}")]
    return []


class Directory(Protocol):
    """What resolution needs to know about people: the directory and on-duty read models."""

    def department_of(self, staff_id: str) -> str | None: ...
    def supervisors(self, staff_id: str, levels: int) -> list[str]: ...
    def department_head(self, department_id: str) -> str | None: ...
    def with_role(self, department_id: str | None, role: str) -> list[str]: ...
    def on_duty(self, ward_id: str) -> tuple[list[str], str]: ...


class RouteStep(BaseModel):
    """A step as resolved for one submission: concrete approvers, and why if it was changed."""

    id: str
    name: str
    mode: Mode
    approvers: list[str]
    need: int = Field(description="approvals that decide the step")
    note: str = ""
    sla_hours: int | None = None
    escalate_after_hours: int | None = None
    escalate_to: str | None = None
    action_label: str | None = None


class Route(BaseModel):
    steps: list[RouteStep]
    cc_on_start: list[str] = Field(default_factory=list)
    cc_on_finish: list[str] = Field(default_factory=list)


def field_value(form: dict[str, Any], name: str, submitter_department: str | None) -> Any:
    """A value a condition can test: a form field, ``<range>.days``, or ``submitter.department_id``."""
    if name == "submitter.department_id":
        return submitter_department
    base, _, attr = name.partition(".")
    value = form.get(base)
    if attr == "days":
        return date_range_days(value)
    if attr == "start" or attr == "end":
        return value.get(attr) if isinstance(value, dict) else None
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    if op in ("in", "not_in"):
        options = right if isinstance(right, list) else [right]
        return (left in options) == (op == "in")
    if left is None:
        return False
    try:
        a, b = Decimal(str(left)), Decimal(str(right))
    except ArithmeticError:
        a, b = str(left), str(right)  # type: ignore[assignment]
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    try:
        return bool({"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op])
    except TypeError:
        return False


def applies(step: StepDefinition, form: dict[str, Any], submitter_department: str | None) -> bool:
    return all(_compare(field_value(form, c.field, submitter_department), c.op, c.value) for c in step.when)


def _resolve_rule(
    rule: ApproverRule, form: dict[str, Any], submitter: str, department: str | None, directory: Directory
) -> tuple[list[str], str]:
    """The people a rule names, and a reason when it names nobody."""
    dept = rule.department_id or (form.get(rule.department_field) if rule.department_field else department)
    if rule.kind == "person":
        return [str(rule.staff_id)], ""
    if rule.kind == "submitter":  # e.g. the reporter confirms a repair
        return [submitter], ""
    if rule.kind == "chosen":
        chosen = form.get(str(rule.field))
        if isinstance(chosen, list) and chosen:  # a staff_list: everyone in it
            return [str(c) for c in chosen], ""
        return ([chosen], "") if isinstance(chosen, str) else ([], f"no one chosen in {rule.field}")
    if rule.kind == "supervisor":
        chain = directory.supervisors(submitter, rule.level)
        if len(chain) < rule.level:
            return [], f"the submitter has no level-{rule.level} supervisor"
        return [chain[rule.level - 1]], ""
    if rule.kind == "on_duty":
        staff, reason = directory.on_duty(str(rule.ward_id))
        return staff, reason if not staff else ""
    if rule.kind == "role" and rule.scope == "hospital":
        people = directory.with_role(None, str(rule.role))
        return people, "" if people else f"no {rule.role} in the hospital"
    if not isinstance(dept, str):
        return [], "no department to look in"
    if rule.kind == "department_head":
        head = directory.department_head(dept)
        return ([head], "") if head else ([], "the department has no head")
    people = directory.with_role(dept, str(rule.role))
    return people, "" if people else f"no {rule.role} in the department"


def _need(mode: Mode, n: int, k: int | None, percent: int | None) -> int:
    if mode == "any":
        return 1
    if mode == "k_of_n":
        return min(k or n, n)
    if mode == "percentage":
        return max(1, math.ceil(n * (percent or 100) / 100))
    return n


def resolve_people(
    rules: list[ApproverRule], form: dict[str, Any], submitter: str, directory: Directory
) -> tuple[list[str], list[str]]:
    department = directory.department_of(submitter)
    people: list[str] = []
    reasons: list[str] = []
    for rule in rules:
        found, reason = _resolve_rule(rule, form, submitter, department, directory)
        people += found
        if reason:
            reasons.append(reason)
    return list(dict.fromkeys(people)), reasons


def resolve_route(flow: FlowDefinition, form: dict[str, Any], submitter: str, directory: Directory) -> Route:
    """The concrete path a submission takes: branches chosen, approvers found, skips and fallbacks noted."""
    department = directory.department_of(submitter)
    steps: list[RouteStep] = []
    for step in flow.steps:
        if not applies(step, form, department):
            continue
        people, reasons = resolve_people(step.approvers, form, submitter, directory)
        note = ""
        asks_submitter = any(rule.kind == "submitter" for rule in step.approvers)
        if flow.skip_submitter and submitter in people and not asks_submitter:
            people = [p for p in people if p != submitter]
            note = "the submitter is not their own approver"
            if not people:
                # Never an emptied step that lets a request approve itself: someone else decides.
                people, note = _instead_of_submitter(step, flow, submitter, directory, note)
        if not people:
            fallback = step.fallback_staff_id or flow.fallback_staff_id
            why = "; ".join(reasons) or "no approver found"
            if fallback is None or fallback == submitter:
                raise RuleViolation(
                    f"step {step.name}: {why}, and there is no fallback approver", field="form"
                )
            people, note = [fallback], f"{why}: fallback approver"
        steps.append(_route_step(step, people[:MAX_APPROVERS], note))
    cc_start, _ = resolve_people(flow.cc_on_start, form, submitter, directory)
    cc_finish, _ = resolve_people(flow.cc_on_finish, form, submitter, directory)
    return Route(steps=steps, cc_on_start=cc_start, cc_on_finish=cc_finish)


def _instead_of_submitter(
    step: StepDefinition, flow: FlowDefinition, submitter: str, directory: Directory, note: str
) -> tuple[list[str], str]:
    """Who approves a step whose only approver is the submitter: the step's fallback, else the flow's,
    else the submitter's supervisor; a consent the submitter gave themselves (a colleague chosen in a
    field) or a step nobody else can take is refused at submit."""
    chosen = [rule.field for rule in step.approvers if rule.kind == "chosen" and rule.field]
    if chosen:
        raise RuleViolation(
            f"step {step.name}: the person chosen here may not be the submitter", field=f"form.{chosen[0]}"
        )
    fallback = step.fallback_staff_id or flow.fallback_staff_id
    if fallback is not None and fallback != submitter:
        return [fallback], f"{note}; fallback approver"
    supervisor = next(iter(directory.supervisors(submitter, 1)), None)
    if supervisor is not None and supervisor != submitter:
        return [supervisor], f"{note}; the submitter's supervisor instead"
    raise RuleViolation(
        f"step {step.name}: the submitter is its only approver, and there is no fallback approver"
        " or supervisor to take it",
        field="form",
    )


def _route_step(step: StepDefinition, people: list[str], note: str) -> RouteStep:
    return RouteStep(
        id=step.id,
        name=step.name,
        mode=step.mode,
        approvers=people,
        need=_need(step.mode, len(people), step.k, step.percent) if people else 0,
        note=note,
        sla_hours=step.sla_hours,
        escalate_after_hours=step.escalate_after_hours,
        escalate_to=step.escalate_to,
        action_label=step.action_label,
    )
