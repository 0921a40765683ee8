"""Plans (list, read any version, create, publish a new version) and the enrolment rules.

Admins write; clinical staff (and admins) read. A built-in is listed and read from code until the
hospital publishes its own version of it; from then on the hospital's version is the current one and
version 1 is still the code's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.followup.contracts.plans import (
    CreatePlan,
    PlanSummary,
    PlanView,
    PublishPlan,
    PutRules,
    RulesView,
    RuleView,
)
from chalicelib.followup.domain import builtin_plans
from chalicelib.followup.domain.plans import Plan, PlanBody
from chalicelib.followup.domain.ports import Directory, Store
from chalicelib.followup.domain.rules import RuleSet
from chalicelib.followup.service import access, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import new_id
from shared.pages import Page

ALL_PLANS = 200


def now() -> datetime:
    return datetime.now(UTC)


def require_reader(principal: Principal, directory: Directory) -> None:
    """Admins, and the hospital's clinical staff (as the directory has them now)."""
    if principal.kind == "staff" and access.ADMIN in principal.roles:
        return
    person = access.caller(principal, directory)
    if not set(person.roles) & set(access.CLINICAL):
        raise Forbidden("plans are read by clinical staff and admins")


def current_plan(store: Store, plan_id: str) -> Plan | None:
    """The hospital's current version of a plan: its own (stored), else the built-in's."""
    return store.plans.get(plan_id) or builtin_plans.BY_ID.get(plan_id)


def plan_version(store: Store, plan_id: str, version: int) -> Plan | None:
    if version == 1 and plan_id in builtin_plans.BY_ID:
        return builtin_plans.BY_ID[plan_id]
    return store.plans.version(plan_id, version)


def view(plan: Plan) -> PlanView:
    return PlanView(
        id=plan.id,
        code=plan.code,
        name=plan.name,
        disease=plan.disease,
        icd10=plan.icd10,
        description=plan.description,
        steps=plan.steps,
        version=plan.version,
        builtin=plan.builtin,
        lifelong=plan.lifelong,
        updated_at=plan.updated_at,
        updated_by=plan.updated_by,
        updated_by_name=plan.updated_by_name,
    )


def summary(plan: Plan) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        code=plan.code,
        name=plan.name,
        disease=plan.disease,
        icd10=plan.icd10,
        version=plan.version,
        builtin=plan.builtin,
        lifelong=plan.lifelong,
        steps=len(plan.steps),
    )


def list_plans(
    principal: Principal,
    limit: int,
    cursor: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> Page[PlanSummary]:
    """The hospital's plans by id; the first page starts with the built-ins it has not published its
    own version of (so a page may hold up to five more than ``limit``)."""
    require_reader(principal, directory or wiring.directory())
    store = store or wiring.store(principal)
    rows, next_cursor = store.plans.page(limit, cursor)
    stored = [summary(p) for p in rows]
    if cursor is None:
        mine = {p.id for p in rows}
        stored = [summary(p) for p in builtin_plans.PLANS if p.id not in mine] + stored
    return Page[PlanSummary](items=stored, next_cursor=next_cursor)


def get_plan(
    principal: Principal, plan_id: str, store: Store | None = None, directory: Directory | None = None
) -> PlanView:
    require_reader(principal, directory or wiring.directory())
    plan = current_plan(store or wiring.store(principal), plan_id)
    if plan is None:
        raise NotFound("plan")
    return view(plan)


def get_plan_version(
    principal: Principal,
    plan_id: str,
    version: int,
    store: Store | None = None,
    directory: Directory | None = None,
) -> PlanView:
    require_reader(principal, directory or wiring.directory())
    plan = plan_version(store or wiring.store(principal), plan_id, version)
    if plan is None:
        raise NotFound("plan version")
    return view(plan)


def _check(body: PlanBody) -> None:
    problems = body.problems()
    if problems:
        field, message = problems[0]
        raise RuleViolation(message, field=field)


def create_plan(
    principal: Principal, cmd: CreatePlan, request_id: str | None, store: Store | None = None
) -> PlanView:
    access.require_admin(principal)
    _check(cmd)
    store = store or wiring.store(principal, request_id)
    at = now()
    plan = Plan(
        **cmd.model_dump(),
        id=new_id(),
        version=1,
        created_at=at,
        updated_at=at,
        updated_by=principal.user,
        updated_by_name=principal.staff_name or "",
    )
    store.plans.add(plan, Conflict("the plan exists already"))
    store.audit("plan.create", "followup-plan", plan.id, after=cmd.model_dump(mode="json"))
    store.commit()
    return view(plan)


def publish_plan(
    principal: Principal, plan_id: str, cmd: PublishPlan, request_id: str | None, store: Store | None = None
) -> PlanView:
    """A new version: enrolments made on earlier ones keep theirs."""
    access.require_admin(principal)
    _check(cmd)
    store = store or wiring.store(principal, request_id)
    stored = store.plans.get(plan_id)
    current = stored or builtin_plans.BY_ID.get(plan_id)
    if current is None:
        raise NotFound("plan")
    if current.version != cmd.version:
        raise Conflict(f"the plan is at version {current.version}, not {cmd.version}")
    at = now()
    published = Plan.model_validate(
        {
            **current.model_dump(),
            **cmd.model_dump(exclude={"version"}),
            "version": current.version + 1,
            "updated_at": at,
            "updated_by": principal.user,
            "updated_by_name": principal.staff_name or "",
        }
    )
    changed = Conflict("the plan changed meanwhile; reload and retry")
    if stored is None:
        store.plans.add(published.model_copy(update={"revision": 0}), changed)
    else:
        store.plans.publish(published.model_copy(update={"revision": stored.revision}), changed)
    store.audit(
        "plan.publish",
        "followup-plan",
        plan_id,
        before={"version": current.version},
        after=cmd.model_dump(mode="json"),
    )
    store.commit()
    return view(published)


# ---- enrolment rules -------------------------------------------------------------------------------------


def rule_set(store: Store) -> RuleSet:
    """The hospital's rules, or the built-in defaults while it has saved none."""
    return store.enrolment_rules.get() or RuleSet(rules=list(builtin_plans.DEFAULT_RULES))


def _plan_names(store: Store) -> dict[str, str]:
    names = {p.id: p.name for p in builtin_plans.PLANS}
    rows, _ = store.plans.page(ALL_PLANS, None)
    names.update({p.id: p.name for p in rows})
    return names


def _rules_view(rules: RuleSet, plan_names: dict[str, str], departments: dict[str, str]) -> RulesView:
    return RulesView(
        rules=[
            RuleView(
                **r.model_dump(),
                plan_name=plan_names.get(r.plan_id, ""),
                department_name=departments.get(r.department_id, ""),
            )
            for r in rules.rules
        ],
        version=rules.version,
        defaults=not rules.stored,
        updated_at=rules.updated_at,
        updated_by=rules.updated_by,
        updated_by_name=rules.updated_by_name,
    )


def get_rules(
    principal: Principal, store: Store | None = None, directory: Directory | None = None
) -> RulesView:
    access.require_admin(principal)
    store = store or wiring.store(principal)
    directory = directory or wiring.directory()
    units = {u.id: u.name for u in directory.units(principal.tenant).values()}
    return _rules_view(rule_set(store), _plan_names(store), units)


def put_rules(
    principal: Principal,
    cmd: PutRules,
    request_id: str | None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> RulesView:
    access.require_admin(principal)
    store = store or wiring.store(principal, request_id)
    directory = directory or wiring.directory()
    current = rule_set(store)
    if current.version != cmd.version:
        raise Conflict(f"the rules are at version {current.version}, not {cmd.version}")
    names = _plan_names(store)
    units = {u.id: u.name for u in directory.units(principal.tenant).values()}
    for n, rule in enumerate(cmd.rules):
        problem = rule.problem()
        if problem:
            raise RuleViolation(problem, field=f"rules.{n}")
        if rule.plan_id not in names:
            raise RuleViolation("no such plan", field=f"rules.{n}.plan_id")
        if rule.department_id and rule.department_id not in units:
            raise RuleViolation("no such department", field=f"rules.{n}.department_id")
    saved = RuleSet(
        rules=cmd.rules,
        updated_at=now(),
        updated_by=principal.user,
        updated_by_name=principal.staff_name or "",
        stored=True,
        revision=current.revision,
    )
    changed = Conflict("the rules changed meanwhile; reload and retry")
    if current.stored:
        store.enrolment_rules.save(saved, changed)
    else:
        store.enrolment_rules.add(saved, changed)
    store.audit(
        "enrolment-rules.save",
        "followup-config",
        "enrolment-rules",
        before={"rules": [r.model_dump() for r in current.rules]},
        after={"rules": [r.model_dump() for r in cmd.rules]},
    )
    store.commit()
    after = saved.model_copy(update={"revision": current.revision + 1}) if current.stored else saved
    return _rules_view(after, names, units)


def version_number(text: str) -> int:
    """A version in a path (``/versions/2``): a positive number, else no such version."""
    if not text.isdigit() or not 0 < int(text) < 100000:
        raise NotFound("plan version")
    return int(text)
