"""Plans by disease: the built-ins' schedules, versioning (an enrolment keeps its version), enrolment
rules (ordered, first match wins), on the in-memory fakes."""

from __future__ import annotations

from itertools import pairwise

import pytest
from chalicelib.followup.contracts.plans import CreatePlan, PublishPlan, PutRules
from chalicelib.followup.domain import builtin_plans
from chalicelib.followup.domain.plans import MAX_TASKS_PER_YEAR, PlanBody, occurrences
from chalicelib.followup.domain.rules import EnrolmentRule, RuleSet
from chalicelib.followup.service import plans

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from tests.unit.followup.fakes import FakeDirectory, FakeStore

T = "t-plans"
ADMIN = Principal(tenant=T, user="admin-1", roles=frozenset({"hospital_admin"}), staff_name="王管理")
DOCTOR = Principal(tenant=T, user="doc-1", roles=frozenset({"doctor"}))
NURSE_ELSEWHERE = Principal(tenant=T, user="clerk-1", roles=frozenset())


@pytest.fixture
def world() -> tuple[FakeStore, FakeDirectory]:
    directory = FakeDirectory()
    directory.add_unit(T, "cardio", "心内科")
    directory.add_person(T, "doc-1", "李医生", "cardio", "doctor")
    directory.add_person(T, "clerk-1", "赵文员", "cardio")
    return FakeStore(T), directory


def days(plan_id: str, kind: str | None = None, last: int = 365) -> list[int]:
    plan = builtin_plans.BY_ID[plan_id]
    return [o.day for o in occurrences(plan.steps, 0, last) if kind is None or o.step.kind == kind]


def test_each_builtin_puts_its_steps_on_the_days_after_discharge() -> None:
    assert days("hypertension") == [1, 7, 30, 90, 180, 270, 360]
    assert days("type2-diabetes", "lab") == [90, 180, 270, 360]
    assert days("postop-general") == [1, 7, 14, 30]
    assert days("heart-failure")[:5] == [3, 7, 14, 30, 60] and days("heart-failure")[-1] == 360
    transplant = builtin_plans.BY_ID["kidney-transplant"]
    assert transplant.lifelong and transplant.last_day is None
    assert {p.id for p in builtin_plans.PLANS} == {
        "hypertension",
        "type2-diabetes",
        "postop-general",
        "heart-failure",
        "kidney-transplant",
    }


def test_the_kidney_transplant_labs_come_at_rising_intervals_for_life() -> None:
    labs = days("kidney-transplant", "lab", last=365 * 3)
    assert labs[:4] == [7, 14, 21, 28]  # weekly in month 1
    assert labs[4:8] == [42, 56, 70, 84]  # every 2 weeks to month 3
    assert labs[8:17] == list(range(114, 361, 30))  # monthly to month 12
    assert labs[17:] == list(range(444, 365 * 3 + 1, 90))  # then every 3 months, lifelong
    gaps = [b - a for a, b in pairwise(labs)]
    assert gaps == sorted(gaps)  # the intervals only ever rise
    step = next(s for s in builtin_plans.BY_ID["kidney-transplant"].steps if s.kind == "lab")
    ranges = {i["code"]: (i["low"], i["high"], i["unit"]) for i in step.detail()["items"]}
    assert ranges["tacrolimus_trough"] == (5, 10, "ng/mL")
    assert ranges["creatinine"] == (44, 133, "µmol/L")
    assert ranges["urine_protein_24h"] == (None, 0.15, "g/24h")
    tacrolimus = step.lab_items[0]
    assert tacrolimus.abnormal(12.4) and tacrolimus.abnormal(3) and not tacrolimus.abnormal(7.5)
    assert step.lab_items[3].abnormal("++") and not step.lab_items[3].abnormal("阴性")


def test_an_occurrence_keeps_its_ordinal_when_made_later() -> None:
    steps = builtin_plans.BY_ID["kidney-transplant"].steps
    whole = occurrences(steps, 0, 800)
    later = occurrences(steps, 366, 800)
    assert [(o.ordinal, o.day) for o in later] == [(o.ordinal, o.day) for o in whole if o.day >= 366]


def test_a_plan_making_too_many_tasks_a_year_is_refused(world: tuple[FakeStore, FakeDirectory]) -> None:
    store, _ = world
    body = {
        "code": "daily",
        "name": "每日电话",
        "disease": "x",
        "steps": [
            {"id": "call", "offset_days": 1, "kind": "call", "title": "电话", "repeat": {"every_days": 1}}
        ],
    }
    with pytest.raises(RuleViolation, match=f"at most {MAX_TASKS_PER_YEAR} tasks") as caught:
        plans.create_plan(ADMIN, CreatePlan.model_validate(body), "r", store=store.as_caller(ADMIN))
    assert caught.value.field == "steps"
    no_questionnaire = {
        **body,
        "steps": [{"id": "q", "offset_days": 7, "kind": "questionnaire", "title": "问卷"}],
    }
    with pytest.raises(RuleViolation, match="questionnaire_code") as caught:
        plans.create_plan(
            ADMIN, CreatePlan.model_validate(no_questionnaire), "r", store=store.as_caller(ADMIN)
        )
    assert caught.value.field == "steps.0.questionnaire_code"
    no_range = {"code": "x", "name": "x"}
    lab = {"id": "l", "offset_days": 7, "kind": "lab", "title": "化验", "lab_items": [no_range]}
    assert PlanBody.model_validate({**body, "steps": [lab]}).problems() == [
        ("steps.0.lab_items.0", "a lab item needs a normal range (low, high) or a normal result")
    ]
    assert store.tables.plans == {}


def _copd() -> dict[str, object]:
    return {
        "code": "copd",
        "name": "慢阻肺出院随访",
        "disease": "慢阻肺",
        "icd10": ["J44"],
        "steps": [
            {"id": "d3-call", "offset_days": 3, "kind": "call", "title": "第3天电话", "assignee": "nurse"}
        ],
    }


def test_an_admin_creates_and_publishes_versions_and_every_version_stays_readable(
    world: tuple[FakeStore, FakeDirectory],
) -> None:
    store, directory = world
    made = plans.create_plan(ADMIN, CreatePlan.model_validate(_copd()), "r1", store=store.as_caller(ADMIN))
    assert made.version == 1 and made.updated_by_name == "王管理"
    v2 = {**_copd(), "name": "慢阻肺随访（第二版）", "version": 1}
    v2["steps"] = [*v2["steps"], {"id": "d30-revisit", "offset_days": 30, "kind": "revisit", "title": "复诊"}]  # type: ignore[list-item]
    published = plans.publish_plan(
        ADMIN, made.id, PublishPlan.model_validate(v2), "r2", store=store.as_caller(ADMIN)
    )
    assert published.version == 2 and len(published.steps) == 2
    with pytest.raises(Conflict, match="at version 2, not 1"):
        plans.publish_plan(ADMIN, made.id, PublishPlan.model_validate(v2), "r3", store=store.as_caller(ADMIN))
    reader = store.as_caller(DOCTOR)
    assert plans.get_plan(DOCTOR, made.id, reader, directory).version == 2
    first = plans.get_plan_version(DOCTOR, made.id, 1, reader, directory)
    assert first.name == "慢阻肺出院随访" and len(first.steps) == 1
    with pytest.raises(NotFound):
        plans.get_plan_version(DOCTOR, made.id, 3, reader, directory)
    listed = plans.list_plans(DOCTOR, 50, None, reader, directory).items
    assert [p.id for p in listed][:5] == [p.id for p in builtin_plans.PLANS] and listed[-1].version == 2
    # another hospital sees none of it
    other = store.for_tenant("t-other", ADMIN)
    with pytest.raises(NotFound):
        plans.get_plan(
            Principal(tenant="t-other", user="a", roles=frozenset({"hospital_admin"})), made.id, other
        )


def test_publishing_a_builtin_stores_the_hospitals_version_2_and_keeps_version_1(
    world: tuple[FakeStore, FakeDirectory],
) -> None:
    store, directory = world
    base = builtin_plans.BY_ID["hypertension"]
    body = {**base.model_dump(include=set(PlanBody.model_fields)), "name": "高血压随访（本院）", "version": 1}
    plans.publish_plan(
        ADMIN, "hypertension", PublishPlan.model_validate(body), "r", store=store.as_caller(ADMIN)
    )
    reader = store.as_caller(DOCTOR)
    assert plans.get_plan(DOCTOR, "hypertension", reader, directory).name == "高血压随访（本院）"
    assert plans.get_plan_version(DOCTOR, "hypertension", 1, reader, directory).name == base.name
    listed = plans.list_plans(DOCTOR, 50, None, reader, directory).items
    assert [p.version for p in listed if p.id == "hypertension"] == [2]  # listed once, as the hospital's


def test_only_admins_write_plans_and_only_clinical_staff_read_them(
    world: tuple[FakeStore, FakeDirectory],
) -> None:
    store, directory = world
    with pytest.raises(Forbidden):
        plans.create_plan(DOCTOR, CreatePlan.model_validate(_copd()), "r", store=store.as_caller(DOCTOR))
    with pytest.raises(Forbidden):
        plans.get_plan(NURSE_ELSEWHERE, "hypertension", store.as_caller(NURSE_ELSEWHERE), directory)
    assert plans.get_plan(DOCTOR, "hypertension", store.as_caller(DOCTOR), directory).builtin


def rules(*rows: dict[str, str]) -> RuleSet:
    return RuleSet(rules=[EnrolmentRule.model_validate(r) for r in rows])


def test_the_first_matching_rule_wins() -> None:
    defaults = RuleSet(rules=list(builtin_plans.DEFAULT_RULES))

    def plan_of(diagnoses: list[str], department: str = "d", procedure: str = "") -> str | None:
        rule = defaults.match(diagnoses, department, procedure)
        return rule.plan_id if rule else None

    assert plan_of(["I10.x05"]) == "hypertension"
    assert plan_of(["i11.9"]) == "hypertension"  # case and dots do not matter
    assert plan_of(["I14"]) is None and plan_of(["I16"]) is None
    assert plan_of(["E11.9"]) == "type2-diabetes"
    assert plan_of(["I50.1"]) == "heart-failure"
    # transplant before hypertension: the specific rule is listed first
    assert plan_of(["I10", "Z94.0"]) == "kidney-transplant"
    assert plan_of(["N18.5"], procedure="55.69") == "kidney-transplant"
    assert plan_of(["K35.8"], procedure="47.09") == "postop-general"
    assert plan_of(["K35.8"]) is None  # no rule: recorded, not enrolled
    custom = rules(
        {"department_id": "surgery", "icd10_prefix": "K", "plan_id": "postop-general"},
        {"icd10_prefix": "K", "plan_id": "other"},
    )
    assert custom.match(["K80.2"], "surgery", "").plan_id == "postop-general"  # type: ignore[union-attr]
    assert custom.match(["K80.2"], "medicine", "").plan_id == "other"  # type: ignore[union-attr]
    assert EnrolmentRule(plan_id="x").problem() == (
        "a rule sets at least one of icd10_prefix, department_id, procedure_code"
    )


def test_rules_start_as_the_defaults_and_an_admin_replaces_them_with_names_beside_ids(
    world: tuple[FakeStore, FakeDirectory],
) -> None:
    store, directory = world
    shown = plans.get_rules(ADMIN, store.as_caller(ADMIN), directory)
    assert shown.defaults and shown.version == 0
    assert shown.rules[0].plan_id == "kidney-transplant" and shown.rules[0].plan_name == "肾移植术后终身随访"
    cmd = PutRules.model_validate(
        {"version": 0, "rules": [{"department_id": "cardio", "plan_id": "heart-failure"}]}
    )
    saved = plans.put_rules(ADMIN, cmd, "r", store.as_caller(ADMIN), directory)
    assert saved.version == 1 and not saved.defaults
    assert saved.rules[0].department_name == "心内科" and saved.rules[0].plan_name == "心力衰竭出院随访"
    with pytest.raises(Conflict):
        plans.put_rules(ADMIN, cmd, "r", store.as_caller(ADMIN), directory)
    blank = PutRules.model_validate({"version": 1, "rules": [{"plan_id": "heart-failure"}]})
    with pytest.raises(RuleViolation) as caught:
        plans.put_rules(ADMIN, blank, "r", store.as_caller(ADMIN), directory)
    assert caught.value.field == "rules.0"
    bad = PutRules.model_validate({"version": 1, "rules": [{"icd10_prefix": "J44", "plan_id": "nope"}]})
    with pytest.raises(RuleViolation) as caught:
        plans.put_rules(ADMIN, bad, "r", store.as_caller(ADMIN), directory)
    assert caught.value.field == "rules.0.plan_id"
    with pytest.raises(Forbidden):
        plans.get_rules(DOCTOR, store.as_caller(DOCTOR), directory)
    assert plans.get_rules(ADMIN, store.as_caller(ADMIN), directory).rules[0].plan_id == "heart-failure"
