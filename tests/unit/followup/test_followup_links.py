"""The patient's link on the fakes: signed, expiring, revocable, rate-limited, answered once; a response
done the task and raised the alert; lab values checked against their range; results read back audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts.questionnaires import (
    LinkCreate,
    ObservationBody,
    ResponseBody,
    ResultsQuery,
)
from chalicelib.followup.domain import links as rules
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.tasks import Task
from chalicelib.followup.service import links, results

from shared.auth import Principal
from shared.errors import Conflict, NotFound, RateLimited, RuleViolation, Unauthenticated
from shared.problems import Problem
from tests.unit.followup.fakes import FakeDirectory, FakeLinkLookup, FakeStore, FakeVault

T = "t1"
NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
DOCTOR = Principal(tenant=T, user="u-doc", roles=frozenset({"doctor"}), staff_id="doc-1", staff_name="李医生")
STRANGER = Principal(
    tenant=T, user="u-x", roles=frozenset({"doctor"}), staff_id="doc-9", staff_name="外科医生"
)
BP = {"measured_on": "2026-12-05", "systolic": 182, "diastolic": 96}


class World:
    def __init__(self) -> None:
        self.store = FakeStore(T)
        self.directory = FakeDirectory()
        self.vault = FakeVault()
        self.directory.add_unit(T, "d-card", "心内科")
        self.directory.add_unit(T, "d-surg", "普外科")
        self.directory.add_person(T, "doc-1", "李医生", "d-card", "doctor")
        self.directory.add_person(T, "doc-2", "王医生", "d-card", "doctor")
        self.directory.add_person(T, "doc-9", "外科医生", "d-surg", "doctor")
        self.patient = Patient(
            id="p1",
            masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678"},
            sealed={"name": "sealed", "id_number": "sealed"},
            id_number_index="idn",
            sex="male",
            birth_date=date(1950, 1, 1),
            department_id="d-card",
            department_name="心内科",
            created_at=NOW,
            updated_at=NOW,
        )
        self.store.tables.patients[(T, "p1")] = self.patient

    def task(self, task_id: str = "p1-t1", doctor: str = "doc-1", **detail: Any) -> Task:
        task = Task(
            id=task_id,
            patient_id="p1",
            patient_label="张*",
            kind="questionnaire",
            title="高血压家庭血压监测",
            due=date(2026, 12, 5),
            department_id="d-card",
            department_name="心内科",
            doctor_id=doctor,
            doctor_name="李医生" if doctor else "",
            detail=detail or {"questionnaire_code": "hypertension-bp"},
            created_at=NOW,
        )
        self.store.tables.tasks[(T, task_id)] = task
        return task

    def link(self, task_id: str = "p1-t1", who: Principal = DOCTOR, **body: Any) -> Any:
        return links.create_link(
            who,
            task_id,
            LinkCreate(**body),
            "r",
            "https://fh.example.cn",
            store=self.store.as_caller(who),
            directory=self.directory,
            vault=self.vault,
            now=NOW,
        )

    def _store_of(self, principal: Principal, request_id: str | None) -> FakeStore:
        self.last = self.store.as_caller(principal)
        return self.last

    @property
    def published(self) -> list[Any]:
        """The events of the last public request's unit of work."""
        return list(self.last.uow.published)

    def open(self, token: str, now: datetime = NOW) -> Any:
        return links.open_link(
            token, FakeLinkLookup(self.store.tables), self._store_of, self.vault, now + timedelta(minutes=1)
        )

    def submit(self, token: str, answers: dict[str, Any], now: datetime = NOW) -> Any:
        return links.submit_response(
            token,
            ResponseBody(answers=answers),
            "r",
            FakeLinkLookup(self.store.tables),
            self._store_of,
            self.directory,
            self.vault,
            now + timedelta(minutes=1),
        )


def _token(made: Any) -> str:
    return str(made.path.rsplit("/", 1)[1])


def test_a_link_names_nobody_keeps_only_a_digest_and_opens_the_questionnaire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the token is a random secret and its signature, nothing of the patient's: with the secret
    # drawn known (a random one holds "p1" about once in 130 draws), every character is accounted for
    drawn: list[str] = []
    draw = rules.new_secret

    def known() -> str:
        drawn.append(draw().replace("p", "q"))
        return drawn[-1]

    monkeypatch.setattr(rules, "new_secret", known)
    world = World()
    world.task()
    made = world.link()
    token = _token(made)
    assert made.url == f"https://fh.example.cn/followup/p/{token}" and len(token) == rules.TOKEN_CHARS
    secret, signature = rules.split(token)
    assert [secret] == drawn and all(c in "0123456789abcdef" for c in signature)
    assert "p1" not in token and made.expires_at == NOW + timedelta(days=7)
    (stored,) = world.store.tables.links.values()
    assert stored.token_hash == rules.token_hash(token) and token not in stored.model_dump_json()
    seen = world.open(token)
    assert seen.title == "高血压家庭血压监测" and seen.patient_label == "张*" and not seen.answered
    assert "p1" not in seen.model_dump_json()
    # the making is in the patient's access log (who sent which questionnaire)
    assert [e.action for e in world.store.tables.access[(T, "p1")]] == ["link.create"]


def test_unknown_forged_revoked_and_expired_links_are_all_the_same_401() -> None:
    world = World()
    world.task()
    token = _token(world.link(days=2))
    secret, _ = rules.split(token)
    forged = rules.token_of(secret, "A" * rules.SIGNATURE_CHARS)
    # a link written straight into the table, for a token no one signed: refused by its signature
    (stored,) = world.store.tables.links.values()
    world.store.tables.links[(T, "p1-forged")] = stored.model_copy(
        update={"id": "p1-forged", "token_hash": rules.token_hash(forged)}
    )
    for bad in ("short", "x" * rules.TOKEN_CHARS, forged):
        with pytest.raises(Unauthenticated) as refused:
            world.open(bad)
        assert str(refused.value) == links.INVALID
    with pytest.raises(Unauthenticated):
        world.open(token, NOW + timedelta(days=2))  # expired
    links.revoke_link(
        DOCTOR, made_id(world), "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    with pytest.raises(Unauthenticated, match="not valid"):
        world.open(token)
    with pytest.raises(Unauthenticated):
        world.submit(token, BP)


def made_id(world: World) -> str:
    return next(link.id for link in world.store.tables.links.values() if link.id != "p1-forged")


def test_only_staff_who_reach_the_patient_make_or_revoke_links() -> None:
    world = World()
    world.task()
    with pytest.raises(NotFound) as hidden:
        world.link(who=STRANGER)
    assert "p1" not in str(hidden.value)
    world.link()
    with pytest.raises(NotFound):
        links.revoke_link(
            STRANGER, made_id(world), "r", store=world.store.as_caller(STRANGER), directory=world.directory
        )
    with pytest.raises(NotFound):
        world.link("p1-nothing")


def test_a_link_is_for_an_open_task_naming_a_questionnaire() -> None:
    world = World()
    world.task("p1-t2", note="no questionnaire")
    with pytest.raises(RuleViolation):
        world.link("p1-t2")
    assert world.link("p1-t2", questionnaire_id="discharge-d7").questionnaire_title == "出院后第7天随访问卷"
    with pytest.raises(NotFound):
        world.link("p1-t2", questionnaire_id="no-such-form")
    done = world.task("p1-t3").model_copy(update={"state": "done"})
    world.store.tables.tasks[(T, "p1-t3")] = done
    with pytest.raises(Conflict):
        world.link("p1-t3")


def test_an_abnormal_response_does_the_task_and_raises_an_urgent_alert_for_the_doctor() -> None:
    world = World()
    world.task()
    token = _token(world.link())
    receipt = world.submit(token, BP)
    assert receipt.received
    task = world.store.tables.tasks[(T, "p1-t1")]
    assert (task.state, task.outcome, task.done_by_name) == ("done", "reached", "患者本人（随访链接）")
    (alert,) = [t for t in world.store.tables.tasks.values() if t.kind == "alert"]
    assert alert.title == "随访异常：张* 收缩压 182 mmHg（>160）"
    assert (alert.doctor_id, alert.urgent, alert.due) == ("doc-1", True, date(2026, 12, 5))
    events = {e.type: e.data for e in world.published}
    assert events["followup.task.done"]["outcome"] == "reached"
    raised = events["followup.alert.raised"]
    assert raised["notify"] == ["doc-1"] and raised["urgent"] and raised["task_id"] == alert.id
    assert raised["patient_label"] == "张*"
    (response,) = world.store.tables.responses.values()
    assert response.abnormal and response.alert_task_id == alert.id and response.questionnaire_version == 1
    assert world.open(token).answered
    with pytest.raises(Conflict, match="answered already"):
        world.submit(token, BP)


def test_without_a_doctor_the_departments_doctors_are_told() -> None:
    world = World()
    world.task(doctor="")
    world.submit(_token(world.link()), BP)
    raised = next(e.data for e in world.published if e.type == "followup.alert.raised")
    assert raised["notify"] == ["doc-1", "doc-2"]


def test_a_normal_response_raises_nothing_and_bad_answers_are_422_naming_the_items() -> None:
    world = World()
    world.task()
    token = _token(world.link())
    with pytest.raises(Problem) as refused:
        world.submit(token, {"systolic": "高"})
    assert {e.field for e in refused.value.errors} == {
        "answers.measured_on",
        "answers.systolic",
        "answers.diastolic",
    }
    assert not world.store.tables.responses  # nothing kept, the link still open
    world.submit(token, {**BP, "systolic": 130})
    assert not [t for t in world.store.tables.tasks.values() if t.kind == "alert"]
    assert [e.type for e in world.published] == ["followup.task.done"]


def test_a_link_is_rate_limited_per_minute() -> None:
    world = World()
    world.task()
    token = _token(world.link())
    for _ in range(rules.RATE_PER_MINUTE):
        world.open(token)
    with pytest.raises(RateLimited) as limited:
        world.open(token)
    assert 1 <= limited.value.retry_after <= 60
    world.open(token, NOW + timedelta(minutes=1))  # the next minute


def test_a_lab_value_out_of_its_built_in_range_alerts_the_department() -> None:
    world = World()
    body = ObservationBody(code="tacrolimus_trough", value=14.2, unit="ng/mL", taken_at=NOW)
    seen = results.record_observation(
        DOCTOR, "p1", body, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    assert (seen.abnormal, seen.range_source, seen.finding) == (
        True,
        "builtin",
        "他克莫司谷浓度 14.2 ng/mL（>10）",
    )
    alert = world.store.tables.tasks[(T, seen.alert_task_id)]
    assert alert.urgent and alert.title == "随访异常：张* 他克莫司谷浓度 14.2 ng/mL（>10）"
    # by its LOINC code, in range: no alert
    fine = ObservationBody(code="14682-9", value=98, unit="umol/L", taken_at=NOW)
    kept = results.record_observation(
        DOCTOR, "p1", fine, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    assert (kept.code, kept.abnormal, kept.alert_task_id) == ("creatinine", False, "")
    with pytest.raises(RuleViolation, match="its range in ng/mL"):
        wrong = ObservationBody(code="tacrolimus_trough", value=8, unit="mg/L", taken_at=NOW)
        results.record_observation(
            DOCTOR, "p1", wrong, "r", store=world.store.as_caller(DOCTOR), directory=world.directory
        )


def test_the_plans_range_wins_and_its_doctor_is_told() -> None:
    world = World()
    world.task("p1-lab", items=[{"code": "tacrolimus_trough", "unit": "ng/mL", "low": 8, "high": 12}])
    body = ObservationBody(code="tacrolimus_trough", value=11, unit="ng/mL", taken_at=NOW, task_id="p1-lab")
    seen = results.record_observation(
        DOCTOR, "p1", body, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    assert (seen.range_source, seen.low, seen.high, seen.abnormal) == ("plan", 8, 12, False)
    low = body.model_copy(update={"value": 6.5})
    seen = results.record_observation(
        DOCTOR, "p1", low, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    assert seen.finding == "他克莫司谷浓度 6.5 ng/mL（<8）"
    assert world.store.tables.tasks[(T, seen.alert_task_id)].doctor_id == "doc-1"


def test_the_lab_system_writes_with_its_scope_and_staff_who_do_not_reach_get_404() -> None:
    world = World()
    lab = Principal(tenant=T, user="lis", kind="service", scopes=frozenset({"followup:results:write"}))
    body = ObservationBody(code="urine_protein_24h", value=0.4, unit="g/24h", taken_at=NOW)
    seen = results.record_observation(
        lab, "p1", body, "r", store=world.store.as_caller(lab), directory=world.directory
    )
    assert seen.abnormal and seen.recorded_by_name == "检验系统"
    with pytest.raises(NotFound):
        results.record_observation(
            STRANGER, "p1", body, "r", store=world.store.as_caller(STRANGER), directory=world.directory
        )


def test_results_are_read_by_staff_who_reach_the_patient_and_the_read_is_audited() -> None:
    world = World()
    world.task()
    world.submit(_token(world.link()), BP)
    lab = ObservationBody(code="creatinine", value=150, unit="µmol/L", taken_at=NOW)
    results.record_observation(
        DOCTOR, "p1", lab, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )
    read = results.patient_results(
        DOCTOR, "p1", ResultsQuery(), store=world.store.as_caller(DOCTOR), directory=world.directory
    )
    assert read.patient_label == "张*"
    assert [r.findings[0].text for r in read.responses] == ["收缩压 182 mmHg（>160）"]
    assert [o.finding for o in read.observations] == ["血肌酐 150 µmol/L（>133）"]
    assert world.store.tables.access[(T, "p1")][-1].action == "read:results"
    with pytest.raises(NotFound):
        results.patient_results(
            STRANGER, "p1", ResultsQuery(), store=world.store.as_caller(STRANGER), directory=world.directory
        )


def test_the_page_for_the_phone_escapes_what_the_hospital_wrote_and_loads_nothing_from_elsewhere() -> None:
    from chalicelib.followup.contracts.questionnaires import PatientQuestionnaire
    from chalicelib.followup.domain.builtin_questionnaires import DISCHARGE_D7
    from chalicelib.followup.domain.questionnaires import Item
    from chalicelib.followup.service import patient_form

    hostile = Item(id="note", kind="text", label='<img src=x onerror="alert(1)">', required=False)
    view = PatientQuestionnaire(
        title="出院后第7天随访问卷<script>",
        items=[*DISCHARGE_D7.items, hostile],
        patient_label="张*",
        expires_at=NOW,
        answered=False,
    )
    page = patient_form.render(view)
    assert page.startswith("<!doctype html>") and 'name="viewport"' in page
    assert (
        "<img" not in page and "&lt;img src=x" in page and "<title>出院后第7天随访问卷&lt;script&gt;" in page
    )
    assert (
        "src=" not in page.replace("&lt;img src=x", "") and "http" not in page
    )  # nothing loaded from elsewhere
    assert (
        'data-item="temperature" data-kind="number" data-show-item="fever" data-show-any="[&quot;yes&quot;]"'
        in page
    )
    assert page.count('type="radio" name="pain"') == 11  # the 0–10 scale as eleven taps
    assert "张*，您好" in page and "链接有效期至 2026-12-05 10:00" in page
    done = patient_form.render(view.model_copy(update={"answered": True}))
    assert "您已提交过本问卷" in done and "<form" not in done


def test_the_page_opens_through_the_link_like_the_questionnaire() -> None:
    world = World()
    world.task()
    token = _token(world.link())
    page = links.open_form(token, FakeLinkLookup(world.store.tables), world._store_of, world.vault, NOW)
    assert "高血压家庭血压监测" in page and 'name="systolic"' in page
    with pytest.raises(Unauthenticated):
        links.open_form(
            "x" * rules.TOKEN_CHARS, FakeLinkLookup(world.store.tables), world._store_of, world.vault
        )
