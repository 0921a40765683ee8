"""Discharges in → the patient found or registered, enrolled by the rules with their tasks in one unit of
work; the same discharge twice enrols once; FHIR R4 bundles in (a bad one names its path) and out
(masked, validated, audited); lifelong plans extended — on the in-memory fakes."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from chalicelib.followup.contracts.intake import Discharge, FhirBundleIn
from chalicelib.followup.contracts.plans import PublishPlan
from chalicelib.followup.domain import builtin_plans
from chalicelib.followup.domain.plans import MAX_TASKS_PER_YEAR, PlanBody
from chalicelib.followup.service import intake, plans

from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.problems import Problem
from tests.unit.followup.fakes import FakeDirectory, FakeExtensionsDue, FakeStore, FakeVault

T = "t-intake"
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110101199003074477"
HIS = Principal(tenant=T, user="his", kind="service", scopes=frozenset({"followup:intake"}))
ADMIN = Principal(tenant=T, user="admin-1", roles=frozenset({"hospital_admin"}))
DOCTOR = Principal(tenant=T, user="doc-1", roles=frozenset({"doctor"}), staff_name="李医生")
SURGEON = Principal(tenant=T, user="doc-2", roles=frozenset({"doctor"}))
DISCHARGED = date(2026, 12, 1)


class World:
    def __init__(self) -> None:
        self.store = FakeStore(T)
        self.vault = FakeVault()
        self.directory = FakeDirectory()
        self.directory.add_unit(T, "cardio", "心内科")
        self.directory.add_unit(T, "surgery", "普外科")
        self.directory.add_person(T, "doc-1", "李医生", "cardio", "doctor")
        self.directory.add_person(T, "doc-2", "王医生", "surgery", "doctor")

    def post(self, body: dict[str, Any], caller: Principal = HIS) -> Any:
        self.last = self.store.as_caller(caller)
        return intake.bring_in(
            caller,
            Discharge.model_validate(body),
            "req",
            store=self.last,
            directory=self.directory,
            vault=self.vault,
        )

    def post_fhir(self, bundle: dict[str, Any], caller: Principal = HIS) -> Any:
        return intake.bring_in_fhir(
            caller,
            FhirBundleIn.model_validate(bundle),
            "req",
            store=self.store.as_caller(caller),
            directory=self.directory,
            vault=self.vault,
        )

    def tasks(self, enrolment_id: str) -> list[Any]:
        found = [t for (_, _), t in self.store.tables.tasks.items() if t.enrolment_id == enrolment_id]
        return sorted(found, key=lambda t: (t.due, int(t.id.rsplit("-", 1)[1])))


@pytest.fixture
def world() -> World:
    return World()


def discharge(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient": {
            "name": "张三",
            "id_number": ID_NUMBER,
            "mobile": "13812345678",
            "address": "北京市朝阳区建国路88号",
        },
        "diagnoses": ["I10.x05"],
        "department_id": "cardio",
        "discharge_date": DISCHARGED.isoformat(),
        "doctor_id": "doc-1",
    }
    body.update(changes)
    return body


def test_a_discharge_registers_the_patient_masked_and_enrols_them_with_their_tasks(world: World) -> None:
    done = world.post(discharge(encounter_id="HIS-0001"))
    assert done.enrolled and done.patient_registered and not done.repeated
    assert done.patient.name == "张*" and done.patient.id_number == "110105********002X"
    assert done.patient.mobile == "138****5678"
    assert (done.plan_name, done.tasks, done.doctor_name, done.department_name) == (
        "高血压出院随访",
        7,
        "李医生",
        "心内科",
    )
    enrolment = done.enrolment
    assert enrolment is not None and (enrolment.plan_id, enrolment.plan_version) == ("hypertension", 1)
    tasks = world.tasks(enrolment.id)
    assert [(t.due - DISCHARGED).days for t in tasks] == [1, 7, 30, 90, 180, 270, 360]
    call = tasks[0]
    assert (call.kind, call.role, call.doctor_id, call.patient_label) == ("call", "nurse", "", "张*")
    assert tasks[1].detail["questionnaire_code"] == "hypertension-bp"
    assert (tasks[2].doctor_id, tasks[2].doctor_name) == ("doc-1", "李医生")
    stored = world.store.tables.patients[(T, done.patient_id)]
    assert ID_NUMBER not in json.dumps(stored.model_dump(mode="json"), ensure_ascii=False)
    assert world.store.tables.encounters[(T, done.id)].enrolment_id == enrolment.id
    # one unit of work: the patient, encounter, enrolment, tasks, audits and the event together
    (event,) = world.last.uow.published
    assert event.type == "followup.enrolled" and event.data["tasks"] == 7
    assert "张" not in json.dumps(event.data, ensure_ascii=False)
    assert world.last.uow.commits == 1
    actions = [a.action for a in world.store.tables.access[(T, done.patient_id)]]
    assert actions == ["patient.registered", "followup.enrolled"]


@pytest.mark.parametrize(
    ("diagnoses", "procedure", "plan_id", "days"),
    [
        (["I10"], "", "hypertension", [1, 7, 30, 90, 180, 270, 360]),
        (["E11.9"], "", "type2-diabetes", [3, 7, 30, 90, 180, 270, 360]),
        (["K80.2"], "51.23", "postop-general", [1, 7, 14, 30]),
        (["I50.0"], "", "heart-failure", [3, 7, 14, 30, *range(60, 361, 30)]),
    ],
)
def test_each_builtin_makes_its_tasks_on_discharge_plus_offset(
    world: World, diagnoses: list[str], procedure: str, plan_id: str, days: list[int]
) -> None:
    done = world.post(discharge(diagnoses=diagnoses, procedure=procedure))
    assert done.enrolment is not None and done.enrolment.plan_id == plan_id
    assert [(t.due - DISCHARGED).days for t in world.tasks(done.enrolment.id)] == days
    assert done.enrolment.materialised_to == DISCHARGED + timedelta(days=days[-1])


def test_a_kidney_transplant_is_enrolled_for_life_with_its_first_year_in_one_transaction(
    world: World,
) -> None:
    done = world.post(discharge(diagnoses=["Z94.0"], procedure="55.69"))
    enrolment = done.enrolment
    assert enrolment is not None and enrolment.lifelong and enrolment.plan_id == "kidney-transplant"
    assert enrolment.materialised_to == DISCHARGED + timedelta(days=365)
    tasks = world.tasks(enrolment.id)
    labs = [(t.due - DISCHARGED).days for t in tasks if t.kind == "lab"]
    assert labs == [7, 14, 21, 28, 42, 56, 70, 84, *range(114, 361, 30)]
    assert all(t.urgent and t.detail["items"][0]["high"] == 10 for t in tasks if t.kind == "lab")
    # What the transaction writes: the patient, its ID-number claim and retention marker, encounter +
    # discharge claim, the enrolment, its tasks, two audit records, one event — within 100 items (the
    # HTTP test measures the same on moto).
    items = 3 + 2 + 1 + len(tasks) + 2 + 1
    assert (len(tasks), items) == (26, 35)
    assert max(len(world_tasks(p.id)) for p in builtin_plans.PLANS) + 9 <= 100
    assert MAX_TASKS_PER_YEAR + 9 <= 100  # any plan a hospital may publish fits too


def world_tasks(plan_id: str) -> list[Any]:
    from chalicelib.followup.domain.plans import HORIZON_DAYS, occurrences

    return occurrences(builtin_plans.BY_ID[plan_id].steps, 0, HORIZON_DAYS)


def test_the_same_discharge_posted_again_enrols_once(world: World) -> None:
    first = world.post(discharge(encounter_id="HIS-0002"))
    again = world.post(discharge(encounter_id="HIS-0002"))
    assert again.repeated and not again.patient_registered
    assert (again.id, again.enrolment.id) == (first.id, first.enrolment.id)  # type: ignore[union-attr]
    assert len(world.store.tables.enrolments) == 1 and len(world.store.tables.tasks) == 7
    assert all(claim.diagnoses == [] for claim in world.store.tables.discharges.values())
    # the same HIS encounter id with another patient is not an answer about the first one
    other = world.post(
        discharge(encounter_id="HIS-0002", patient={**discharge()["patient"], "id_number": OTHER_ID_NUMBER})
    )
    assert not other.repeated and other.patient_id != first.patient_id
    # without the HIS's id: the same patient, department and day is the same discharge
    plain = world.post(discharge(discharge_date="2026-11-01"))
    assert world.post(discharge(discharge_date="2026-11-01")).repeated
    assert len(world.store.tables.enrolments) == 3 and plain.patient_id == first.patient_id
    assert not plain.patient_registered  # found by the ID number's blind index


def test_a_discharge_no_rule_matches_is_recorded_not_enrolled(world: World) -> None:
    done = world.post(discharge(diagnoses=["J18.9"]))
    assert not done.enrolled and done.enrolment is None and done.tasks == 0
    assert done.reason == intake.NOT_ENROLLED
    assert world.store.tables.encounters[(T, done.id)].enrolment_id == ""
    assert world.store.tables.tasks == {}


def test_an_enrolment_keeps_its_plan_version_after_a_publish(world: World) -> None:
    before = world.post(discharge(encounter_id="E1"))
    base = builtin_plans.BY_ID["hypertension"]
    body = base.model_dump(include=set(PlanBody.model_fields))
    body["steps"] = body["steps"][:2]
    plans.publish_plan(
        ADMIN,
        "hypertension",
        PublishPlan.model_validate({**body, "version": 1}),
        "r",
        world.store.as_caller(ADMIN),
    )
    after = world.post(
        discharge(encounter_id="E2", patient={**discharge()["patient"], "id_number": OTHER_ID_NUMBER})
    )
    assert after.enrolment.plan_version == 2 and after.tasks == 2  # type: ignore[union-attr]
    kept = world.store.tables.enrolments[(T, before.enrolment.id)]  # type: ignore[union-attr]
    assert kept.plan_version == 1 and len(world.tasks(kept.id)) == 7


def test_a_lifelong_enrolment_is_extended_on_its_own_version_and_never_twice(world: World) -> None:
    done = world.post(discharge(diagnoses=["Z94.0"], discharge_date="2026-01-05"))
    enrolment_id = done.enrolment.id  # type: ignore[union-attr]
    # the hospital changes the transplant plan meanwhile: the enrolment stays on version 1
    body = builtin_plans.BY_ID["kidney-transplant"].model_dump(include=set(PlanBody.model_fields))
    body["steps"] = body["steps"][:1]
    plans.publish_plan(
        ADMIN,
        "kidney-transplant",
        PublishPlan.model_validate({**body, "version": 1}),
        "r",
        world.store.as_caller(ADMIN),
    )
    due = FakeExtensionsDue(world.store.tables)
    today = date(2026, 12, 1)
    made = intake.extend_due(today, due, lambda tenant: world.store.for_tenant(tenant, HIS))
    assert made > 0
    enrolment = world.store.tables.enrolments[(T, enrolment_id)]
    assert enrolment.materialised_to == today + timedelta(days=365)
    tasks = world.tasks(enrolment_id)
    assert enrolment.tasks == len(tasks) == 26 + made
    later_labs = [(t.due - date(2026, 1, 5)).days for t in tasks if t.kind == "lab" and t.due.year > 2026]
    assert later_labs[:3] == [444, 534, 624]  # every 3 months, for life, as version 1 said
    assert len({t.id for t in tasks}) == len(tasks)
    assert intake.extend_due(today, due, lambda tenant: world.store.for_tenant(tenant, HIS)) == 0


def test_only_the_his_admins_and_the_departments_staff_bring_discharges_in(world: World) -> None:
    assert world.post(discharge(), caller=DOCTOR).enrolled
    with pytest.raises(Forbidden):
        world.post(discharge(encounter_id="x"), caller=SURGEON)
    partner = Principal(tenant=T, user="isv", kind="service", scopes=frozenset({"other"}))
    with pytest.raises(Forbidden):
        world.post(discharge(encounter_id="y"), caller=partner)


def test_an_unknown_doctor_or_department_is_refused_by_field(world: World) -> None:
    with pytest.raises(Exception) as caught:
        world.post(discharge(doctor_id="nobody"))
    assert getattr(caught.value, "field", "") == "doctor_id"
    with pytest.raises(Exception) as caught:
        world.post(discharge(department_id="nowhere"), caller=ADMIN)
    assert getattr(caught.value, "field", "") == "department_id"
    wrong = discharge(patient={**discharge()["patient"], "id_number": ID_NUMBER[:-1] + "1"})
    with pytest.raises(Exception) as caught:
        world.post(wrong)
    assert getattr(caught.value, "field", "") == "patient.id_number"
    assert world.store.tables.patients == {} and world.store.tables.encounters == {}
    not_mobile = discharge(patient={**discharge()["patient"], "mobile": "12345"})
    with pytest.raises(Exception) as caught:
        world.post(not_mobile)
    assert getattr(caught.value, "field", "") == "patient.mobile"
    spaced = discharge(patient={**discharge()["patient"], "mobile": "+86 138 1234 5678"})
    assert world.post(spaced).patient.mobile == "138****5678"


# ---- FHIR ------------------------------------------------------------------------------------------------


def bundle() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": ID_NUMBER}],
                    "name": [{"text": "张三"}],
                    "telecom": [{"system": "phone", "value": "13812345678"}],
                    "gender": "female",
                    "birthDate": "1949-12-31",
                    "address": [{"text": "北京市朝阳区建国路88号"}],
                },
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "enc-1",
                    "identifier": [{"system": "urn:his", "value": "HIS-77"}],
                    "status": "finished",
                    "class": {"code": "IMP"},
                    "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"},
                    "period": {"start": "2026-11-20", "end": "2026-12-01T10:00:00+08:00"},
                    "serviceProvider": {"reference": "Organization/cardio"},
                    "participant": [{"individual": {"reference": "Practitioner/doc-1"}}],
                },
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "Patient/p1"},
                    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I50.0"}]},
                }
            },
        ],
    }


def test_a_fhir_bundle_enrols_as_the_json_discharge_does(world: World) -> None:
    done = world.post_fhir(bundle())
    assert done.enrolled and done.plan_name == "心力衰竭出院随访" and done.patient.name == "张*"
    encounter = world.store.tables.encounters[(T, done.id)]
    assert (encounter.source, encounter.source_id, encounter.discharge_date) == ("fhir", "HIS-77", DISCHARGED)
    assert world.post_fhir(bundle()).repeated


def _problem(world: World, data: dict[str, Any]) -> list[str]:
    with pytest.raises(Problem) as caught:
        world.post_fhir(data)
    assert caught.value.status == 422
    text = json.dumps(caught.value.body("/followup/discharges/fhir", "r"), ensure_ascii=False)
    assert ID_NUMBER not in text and "13812345678" not in text
    return [e.field for e in caught.value.errors]


def test_a_bad_bundle_is_a_422_naming_the_path(world: World) -> None:
    wrong_subject = bundle()
    wrong_subject["entry"][1]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    assert _problem(world, wrong_subject) == ["entry[1].resource.subject"]
    bad_date = bundle()
    bad_date["entry"][0]["resource"]["birthDate"] = "31/12/1949"
    assert _problem(world, bad_date) == ["entry[0].resource.birthDate"]
    not_a_string = bundle()
    not_a_string["entry"][2]["resource"]["code"]["coding"][0]["code"] = 50
    assert _problem(world, not_a_string) == ["entry[2].resource.code.coding[0].code"]
    no_id = bundle()
    no_id["entry"][0]["resource"]["identifier"][0]["system"] = "urn:other"
    assert _problem(world, no_id) == ["entry[0].resource.identifier"]
    bad_checksum = bundle()
    bad_checksum["entry"][0]["resource"]["identifier"][0]["value"] = ID_NUMBER[:-1] + "1"
    assert _problem(world, bad_checksum) == ["entry[0].resource.identifier"]
    unknown = copy.deepcopy(bundle())
    unknown["entry"][2]["resource"]["resourceType"] = "Diagnosis"
    assert _problem(world, unknown) == ["entry[2].resource.resourceType"]
    wrong_sex = bundle()
    wrong_sex["entry"][0]["resource"]["gender"] = "male"  # the ID number says female
    assert _problem(world, wrong_sex) == ["entry[0].resource.gender"]
    bad_phone = bundle()
    bad_phone["entry"][0]["resource"]["telecom"][0]["value"] = "010-1234"
    assert _problem(world, bad_phone) == ["entry[0].resource.telecom"]
    no_end = bundle()
    del no_end["entry"][1]["resource"]["period"]["end"]
    assert _problem(world, no_end) == ["entry[1].resource.period.end"]
    assert world.store.tables.patients == {}


def test_the_export_is_a_valid_bundle_with_identifiers_masked_and_the_read_audited(world: World) -> None:
    done = world.post(discharge(diagnoses=["Z94.0"]))
    reader = world.store.as_caller(DOCTOR)
    exported = intake.export_fhir(DOCTOR, done.patient_id, reader, world.directory)
    kinds = [e["resource"]["resourceType"] for e in exported["entry"]]
    assert exported["type"] == "collection"
    assert kinds.count("Patient") == 1 and kinds.count("CarePlan") == 1 and kinds.count("Task") == 26
    assert kinds.count("Encounter") == 1 and kinds.count("Condition") == 1
    text = json.dumps(exported, ensure_ascii=False)
    for secret in (ID_NUMBER, "13812345678", "张三", "建国路"):
        assert secret not in text
    patient = exported["entry"][0]["resource"]
    assert patient["identifier"][0]["value"] == "110105********002X"
    plan = next(e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "CarePlan")
    assert plan["title"] == "肾移植术后终身随访"
    assert world.store.tables.access[(T, done.patient_id)][-1].action == "export:fhir"
    with pytest.raises(NotFound):
        intake.export_fhir(SURGEON, done.patient_id, world.store.as_caller(SURGEON), world.directory)
    with pytest.raises(NotFound):
        intake.export_fhir(DOCTOR, "nobody", reader, world.directory)
