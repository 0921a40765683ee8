"""Questionnaires: definitions checked, answers validated against their version, scores and bands,
show/hide conditions, thresholds — and the admin's versions kept (the use cases on the fakes)."""

from __future__ import annotations

from typing import Any

import pytest
from chalicelib.followup.contracts.questionnaires import QuestionnaireCreate, QuestionnaireUpdate
from chalicelib.followup.domain.builtin_questionnaires import DISCHARGE_D7, HYPERTENSION_BP
from chalicelib.followup.domain.questionnaires import (
    Band,
    Condition,
    Definition,
    Item,
    Option,
    Questionnaire,
    Threshold,
    check_definition,
    evaluate,
)
from chalicelib.followup.service import questionnaires as uc
from hypothesis import given
from hypothesis import strategies as st

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound
from shared.pages import ListQuery
from shared.problems import Problem
from tests.unit.followup.fakes import FakeStore

ADMIN = Principal(tenant="t1", user="admin", roles=frozenset({"hospital_admin"}), staff_name="王管理")
DOCTOR = Principal(tenant="t1", user="doc", roles=frozenset({"doctor"}), staff_id="doc", staff_name="李医生")


def _q(items: list[Item], bands: list[Band] | None = None) -> Questionnaire:
    return Questionnaire(id="q", version=1, title="问卷", items=items, bands=bands or [])


def test_a_high_home_reading_is_abnormal_and_reads_as_the_doctor_sees_it() -> None:
    result = evaluate(
        HYPERTENSION_BP, {"measured_on": "2026-12-05", "systolic": 182, "diastolic": 96, "symptoms": ["none"]}
    )
    assert not result.faults
    assert [f.text for f in result.findings] == ["收缩压 182 mmHg（>160）"]
    assert result.abnormal and HYPERTENSION_BP.urgent


def test_a_normal_reading_raises_nothing_and_both_thresholds_are_read() -> None:
    normal = evaluate(HYPERTENSION_BP, {"measured_on": "2026-12-05", "systolic": 128, "diastolic": 82})
    assert not normal.faults and not normal.abnormal
    both = evaluate(
        HYPERTENSION_BP,
        {"measured_on": "2026-12-05", "systolic": 85, "diastolic": 104, "symptoms": ["dizzy", "chest"]},
    )
    assert [f.text for f in both.findings] == [
        "收缩压 85 mmHg（<90）",
        "舒张压 104 mmHg（>100）",
        "近期是否有以下不适？：头晕、胸闷胸痛",
    ]


def test_a_hidden_item_is_not_required_and_its_answer_is_not_kept() -> None:
    answers: dict[str, Any] = {
        "feeling": "good",
        "fever": "no",
        "temperature": 39.5,  # hidden: fever is 'no'
        "wound": "healed",
        "pain": 2,
        "medication": "on_time",
    }
    result = evaluate(DISCHARGE_D7, answers)
    assert not result.faults and "temperature" not in result.answers and not result.abnormal
    # shown once fever is 'yes': now required, and above 38.5 abnormal
    shown = evaluate(DISCHARGE_D7, {**answers, "fever": "yes", "temperature": None})
    assert [f.field for f in shown.faults] == ["answers.temperature"]
    hot = evaluate(DISCHARGE_D7, {**answers, "fever": "yes"})
    assert [f.text for f in hot.findings] == ["最高体温 39.5 °C（>38.5）"]


def test_scores_add_up_to_a_band_and_an_abnormal_band_is_a_finding() -> None:
    answers = {"feeling": "poor", "fever": "no", "wound": "red", "pain": 3, "medication": "sometimes"}
    result = evaluate(DISCHARGE_D7, answers)
    assert result.score == 6 and result.band == "恢复欠佳"
    assert [f.text for f in result.findings] == ["总分 6（恢复欠佳）"]
    calm = evaluate(DISCHARGE_D7, {**answers, "feeling": "fair", "wound": "healed"})
    assert calm.score == 2 and calm.band == "恢复良好" and not calm.abnormal


def test_answers_are_checked_by_kind_range_and_item() -> None:
    result = evaluate(
        HYPERTENSION_BP,
        {"measured_on": "12/05", "systolic": 400, "diastolic": "high", "symptoms": ["fainted"], "mood": "ok"},
    )
    assert {f.field: f.message for f in result.faults} == {
        "answers.mood": "no such item",
        "answers.measured_on": "give a date (YYYY-MM-DD)",
        "answers.systolic": "give a number from 50 to 300",
        "answers.diastolic": "give a number",
        "answers.symptoms": "choose one or more of the options",
    }
    assert [
        f.field
        for f in evaluate(
            HYPERTENSION_BP, {"measured_on": "2026-12-05", "systolic": float("nan"), "diastolic": 80}
        ).faults
    ] == ["answers.systolic"]  # JSON may carry NaN: never a number here
    scale = evaluate(DISCHARGE_D7, {"feeling": "x", "fever": "no", "wound": "healed", "pain": 2.5})
    assert {f.field for f in scale.faults} == {"answers.feeling", "answers.pain", "answers.medication"}


def test_a_definition_naming_an_unknown_item_is_refused_naming_it() -> None:
    items = [
        Item(id="dizzy", kind="single", label="头晕？", options=[Option(value="yes", label="是")]),
        Item(id="days", kind="number", label="几天", show_if=Condition(item="dizy", any_of=["yes"])),
        Item(id="later", kind="text", label="x"),
        Item(id="before", kind="number", label="y", show_if=Condition(item="later", any_of=["z"])),
        Item(id="odd", kind="single", label="z", options=[], threshold=Threshold(above=3)),
    ]
    faults = {f.field: f.message for f in check_definition(Definition(title="t", items=items))}
    assert faults["items[1].show_if.item"] == "the condition names an unknown item dizy"
    assert faults["items[3].show_if"] == "a rule cannot test the text item later"
    assert faults["items[4].options"] == "a choice item needs options"
    assert not check_definition(HYPERTENSION_BP.definition())
    assert not check_definition(DISCHARGE_D7.definition())


@given(
    st.lists(st.integers(min_value=-50, max_value=50), min_size=1, max_size=6),
    st.data(),
)
def test_the_score_is_the_sum_of_the_options_chosen(scores: list[int], data: st.DataObject) -> None:
    options = [Option(value=f"o{n}", label=f"选项{n}", score=s) for n, s in enumerate(scores)]
    items = [
        Item(id="one", kind="single", label="单选", options=options),
        Item(id="many", kind="multi", label="多选", options=options),
    ]
    one = data.draw(st.sampled_from(options))
    many = data.draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
    result = evaluate(_q(items), {"one": one.value, "many": [o.value for o in many]})
    assert not result.faults
    assert result.score == one.score + sum(o.score for o in many)


@given(st.floats(min_value=0, max_value=300, allow_nan=False), st.floats(min_value=0, max_value=300))
def test_a_number_is_abnormal_exactly_when_past_its_threshold(value: float, above: float) -> None:
    item = Item(id="x", kind="number", label="值", unit="u", threshold=Threshold(above=above))
    result = evaluate(_q([item]), {"x": value})
    assert result.abnormal == (value > above)


def _body(code: str = "bp-weekly", **extra: Any) -> QuestionnaireCreate:
    example = QuestionnaireCreate.model_json_schema()["examples"][0]
    return QuestionnaireCreate.model_validate({**example, "id": code, **extra})


def test_an_admin_makes_a_questionnaire_and_clinical_staff_read_it() -> None:
    store = FakeStore("t1", principal=ADMIN)
    made = uc.create_questionnaire(ADMIN, _body(), "r1", store=store.as_caller(ADMIN))
    assert (made.id, made.version, made.updated_by_name) == ("bp-weekly", 1, "王管理")
    assert uc.get_questionnaire(DOCTOR, "bp-weekly", store=store.as_caller(DOCTOR)).title == "每周血压随访"
    page = uc.list_questionnaires(DOCTOR, ListQuery(), store=store.as_caller(DOCTOR))
    assert [q.id for q in page.items] == ["bp-weekly"]
    assert [q.id for q in page.builtin] == ["discharge-d7", "hypertension-bp"]
    with pytest.raises(Conflict):
        uc.create_questionnaire(ADMIN, _body(), "r2", store=store.as_caller(ADMIN))
    with pytest.raises(Conflict):
        uc.create_questionnaire(ADMIN, _body("hypertension-bp"), "r3", store=store.as_caller(ADMIN))
    with pytest.raises(Forbidden):
        uc.create_questionnaire(DOCTOR, _body("mine"), "r4", store=store.as_caller(DOCTOR))
    with pytest.raises(NotFound):
        uc.get_questionnaire(DOCTOR, "bp-weekly", store=store.for_tenant("t2", DOCTOR))


def test_a_bad_definition_is_a_422_naming_the_field() -> None:
    store = FakeStore("t1", principal=ADMIN)
    items = [{"id": "a", "kind": "number", "label": "a", "show_if": {"item": "ghost", "above": 1}}]
    with pytest.raises(Problem) as refused:
        uc.create_questionnaire(ADMIN, _body(items=items), "r1", store=store.as_caller(ADMIN))
    assert refused.value.status == 422
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("items[0].show_if.item", "the condition names an unknown item ghost")
    ]


def test_a_change_is_a_new_version_and_the_old_ones_are_kept() -> None:
    store = FakeStore("t1", principal=ADMIN)
    uc.create_questionnaire(ADMIN, _body(), "r1", store=store.as_caller(ADMIN))
    change = QuestionnaireUpdate.model_validate(
        {**_body().model_dump(exclude={"id"}), "title": "每周血压随访（新）", "version": 1}
    )
    v2 = uc.update_questionnaire(ADMIN, "bp-weekly", change, "r2", store=store.as_caller(ADMIN))
    assert v2.version == 2 and v2.title == "每周血压随访（新）"
    with pytest.raises(Conflict, match="version 2 now"):
        uc.update_questionnaire(ADMIN, "bp-weekly", change, "r3", store=store.as_caller(ADMIN))
    reader = store.as_caller(DOCTOR)
    assert uc.answered_version(reader, "bp-weekly", 1).title == "每周血压随访"  # type: ignore[union-attr]
    assert uc.answered_version(reader, "bp-weekly", 2).title == "每周血压随访（新）"  # type: ignore[union-attr]


def test_a_built_in_adapted_becomes_the_hospitals_version_2_and_version_1_still_reads() -> None:
    store = FakeStore("t1", principal=ADMIN)
    change = QuestionnaireUpdate.model_validate(
        {**HYPERTENSION_BP.definition().model_dump(), "urgent": False, "version": 1}
    )
    adapted = uc.update_questionnaire(ADMIN, "hypertension-bp", change, "r1", store=store.as_caller(ADMIN))
    assert (adapted.version, adapted.builtin, adapted.urgent) == (2, False, False)
    reader = store.as_caller(DOCTOR)
    assert uc.answered_version(reader, "hypertension-bp", 1) == HYPERTENSION_BP
    assert uc.current(reader, "hypertension-bp").version == 2  # type: ignore[union-attr]
    page = uc.list_questionnaires(DOCTOR, ListQuery(), store=reader)
    assert [q.id for q in page.builtin] == ["discharge-d7"]
    assert uc.current(store.for_tenant("t2"), "hypertension-bp") == HYPERTENSION_BP
