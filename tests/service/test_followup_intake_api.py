"""Plans, enrolment rules, discharges (JSON and FHIR R4) and the FHIR export over HTTP on moto: a
hospital's HIS brings a transplant patient in, the doctor sees them enrolled for life and exports their
follow-up masked; the same discharge twice enrols once; a bad bundle names its path; another hospital
and another department see nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.persistence.uow import UnitOfWork

ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110101199003074477"


class Hospital:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.tenant = f"t-{uuid.uuid4().hex[:12]}"
        self.admin = stack.token(self.tenant, "admin-1", ["hospital_admin"])
        self.his = stack.token(self.tenant, "his", [], kind="service", scopes=["followup:intake"])
        self.cardio = self.department("心内科")
        self.nephro = self.department("肾内科")
        self.doctor_id = self.staff("李医生", "doc-li", self.nephro, "doctor")
        self.other_id = self.staff("王医生", "doc-wang", self.cardio, "doctor")
        self.doctor = stack.token(self.tenant, "doc-li", ["doctor"])
        self.other = stack.token(self.tenant, "doc-wang", ["doctor"])

    def department(self, name: str) -> str:
        status, body = self.stack.request("POST", "/messaging/departments", self.admin, {"name": name})
        assert status == 201, body
        return str(body["id"])

    def staff(self, name: str, user: str, department: str, role: str) -> str:
        body = {
            "name": name,
            "employee_no": f"E{uuid.uuid4().hex[:8]}",
            "department_id": department,
            "roles": [role],
            "user_id": user,
        }
        status, made = self.stack.request("POST", "/messaging/staff", self.admin, body)
        assert status == 201, made
        return str(made["id"])

    def call(self, method: str, path: str, token: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        return self.stack.request(method, "/followup" + path, token, body, headers or None)  # type: ignore[no-any-return]

    def discharge(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "patient": {
                "name": "张三",
                "id_number": ID_NUMBER,
                "mobile": "13812345678",
                "address": "北京市朝阳区建国路88号",
            },
            "diagnoses": ["Z94.0", "N18.5"],
            "department_id": self.nephro,
            "procedure": "55.69",
            "discharge_date": "2026-12-01",
            "doctor_id": self.doctor_id,
        }
        body.update(changes)
        return body

    def bundle(self) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001",
                    "resource": {
                        "resourceType": "Patient",
                        "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": ID_NUMBER}],
                        "name": [{"text": "张三"}],
                        "telecom": [{"system": "phone", "value": "13812345678"}],
                    },
                },
                {
                    "resource": {
                        "resourceType": "Encounter",
                        "identifier": [{"value": "ZY2026-0001"}],
                        "status": "finished",
                        "class": {"code": "IMP"},
                        "subject": {"reference": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001"},
                        "period": {"end": "2026-12-01"},
                        "serviceProvider": {"reference": f"Organization/{self.nephro}"},
                        "participant": [{"individual": {"reference": f"Practitioner/{self.doctor_id}"}}],
                    },
                },
                {
                    "resource": {
                        "resourceType": "Condition",
                        "subject": {"reference": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001"},
                        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z94.0"}]},
                    }
                },
                {
                    "resource": {
                        "resourceType": "Procedure",
                        "status": "completed",
                        "subject": {"reference": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001"},
                        "code": {"coding": [{"code": "55.69", "display": "肾移植"}]},
                    }
                },
            ],
        }


@pytest.fixture
def hospital(stack: Any) -> Hospital:
    return Hospital(stack)


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The item count of every transaction the units of work send (ops + outbox events)."""
    sizes: list[int] = []
    original = UnitOfWork.commit

    def counting(self: UnitOfWork) -> None:
        sizes.append(len(self.ops) + len(self.events))
        original(self)

    monkeypatch.setattr(UnitOfWork, "commit", counting)
    yield sizes


def test_plans_list_the_builtins_and_publishing_keeps_every_version(hospital: Hospital) -> None:
    status, page = hospital.call("GET", "/plans", hospital.doctor)
    assert status == 200, page
    assert [p["id"] for p in page["items"]] == [
        "hypertension",
        "type2-diabetes",
        "postop-general",
        "heart-failure",
        "kidney-transplant",
    ]
    status, plan = hospital.call("GET", "/plans/kidney-transplant", hospital.doctor)
    assert status == 200 and plan["lifelong"] and plan["builtin"], plan
    labs = next(s for s in plan["steps"] if s["kind"] == "lab")
    assert labs["lab_items"][0] == {
        "code": "tacrolimus_trough",
        "name": "他克莫司谷浓度",
        "unit": "ng/mL",
        "low": 5.0,
        "high": 10.0,
        "normal": "",
    }
    body = {
        "code": "copd",
        "name": "慢阻肺出院随访",
        "disease": "慢阻肺",
        "steps": [{"id": "d3-call", "offset_days": 3, "kind": "call", "title": "第3天电话"}],
    }
    status, refused = hospital.call("POST", "/plans", hospital.doctor, body)
    assert status == 403, refused
    status, made = hospital.call("POST", "/plans", hospital.admin, body)
    assert status == 201 and made["version"] == 1, made
    v2 = {**body, "name": "慢阻肺随访（第二版）", "version": 1}
    status, published = hospital.call("PUT", f"/plans/{made['id']}", hospital.admin, v2)
    assert status == 200 and published["version"] == 2, published
    status, stale = hospital.call("PUT", f"/plans/{made['id']}", hospital.admin, v2)
    assert status == 409, stale
    status, first = hospital.call("GET", f"/plans/{made['id']}/versions/1", hospital.doctor)
    assert status == 200 and first["name"] == "慢阻肺出院随访", first
    assert hospital.call("GET", f"/plans/{made['id']}/versions/3", hospital.doctor)[0] == 404
    bad = {**body, "steps": [{"id": "q", "offset_days": 7, "kind": "questionnaire", "title": "问卷"}]}
    status, problem = hospital.call("POST", "/plans", hospital.admin, bad)
    assert status == 422 and problem["errors"][0]["field"].startswith("steps"), problem
    elsewhere = Hospital(hospital.stack)
    assert hospital.call("GET", f"/plans/{made['id']}", elsewhere.doctor)[0] == 404


def test_the_rules_are_the_defaults_until_an_admin_replaces_them(hospital: Hospital) -> None:
    status, rules = hospital.call("GET", "/enrolment-rules", hospital.admin)
    assert status == 200 and rules["defaults"] and rules["version"] == 0, rules
    assert (rules["rules"][0]["icd10_prefix"], rules["rules"][0]["plan_name"]) == (
        "Z94.0",
        "肾移植术后终身随访",
    )
    assert hospital.call("GET", "/enrolment-rules", hospital.doctor)[0] == 403
    mine = {"version": 0, "rules": [{"department_id": hospital.cardio, "plan_id": "heart-failure"}]}
    status, saved = hospital.call("PUT", "/enrolment-rules", hospital.admin, mine)
    assert status == 200 and saved["version"] == 1, saved
    assert saved["rules"][0]["department_name"] == "心内科"
    assert hospital.call("PUT", "/enrolment-rules", hospital.admin, mine)[0] == 409
    nowhere = {"version": 1, "rules": [{"icd10_prefix": "J44", "plan_id": "no-such-plan"}]}
    status, problem = hospital.call("PUT", "/enrolment-rules", hospital.admin, nowhere)
    assert status == 422 and problem["errors"][0]["field"] == "rules.0.plan_id", problem


def test_the_his_brings_a_transplant_patient_in_once_and_the_doctor_exports_it_masked(
    hospital: Hospital, transactions: list[int]
) -> None:
    status, done = hospital.call("POST", "/discharges", hospital.his, hospital.discharge(encounter_id="ZY1"))
    assert status == 201, done
    assert done["enrolled"] and done["patient_registered"] and done["tasks"] == 26
    assert (done["plan_name"], done["doctor_name"], done["department_name"]) == (
        "肾移植术后终身随访",
        "李医生",
        "肾内科",
    )
    assert done["patient"]["id_number"] == "110105********002X" and done["patient"]["name"] == "张*"
    assert done["enrolment"]["lifelong"] and done["enrolment"]["materialised_to"] == "2027-12-01"
    assert ID_NUMBER not in json.dumps(done) and "13812345678" not in json.dumps(done)
    # the whole enrolment in one transaction, well within DynamoDB's 100 items: the patient (3), the
    # encounter and its claim, the enrolment, 26 tasks, two audit records, the event
    assert transactions[-1] == 35

    status, again = hospital.call("POST", "/discharges", hospital.his, hospital.discharge(encounter_id="ZY1"))
    assert status == 201 and again["repeated"] and again["enrolment"]["id"] == done["enrolment"]["id"]
    key = uuid.uuid4().hex
    body = hospital.discharge(encounter_id="ZY9", diagnoses=["J18.9"], procedure="")
    status, first = hospital.call("POST", "/discharges", hospital.his, body, **{"Idempotency-Key": key})
    status2, second = hospital.call("POST", "/discharges", hospital.his, body, **{"Idempotency-Key": key})
    assert (status, status2) == (201, 201) and first == second
    assert not first["enrolled"] and first["reason"].startswith("no enrolment rule matches")

    pid = done["patient_id"]
    status, exported = hospital.call("GET", f"/patients/{pid}/fhir", hospital.doctor)
    assert status == 200, exported
    kinds = [e["resource"]["resourceType"] for e in exported["entry"]]
    assert kinds.count("CarePlan") == 1 and kinds.count("Task") == 26 and kinds.count("Encounter") == 2
    text = json.dumps(exported, ensure_ascii=False)
    assert ID_NUMBER not in text and "13812345678" not in text and "张三" not in text
    status, log = hospital.call("GET", f"/patients/{pid}/access-log", hospital.doctor)
    assert status == 200 and log["items"][0]["action"] == "export:fhir", log
    assert hospital.call("GET", f"/patients/{pid}/fhir", hospital.other)[0] == 404
    elsewhere = Hospital(hospital.stack)
    status, problem = hospital.call("GET", f"/patients/{pid}/fhir", elsewhere.doctor)
    assert status == 404 and pid not in json.dumps(problem)


def test_a_fhir_bundle_enrols_and_a_bad_one_is_a_422_naming_the_path(hospital: Hospital) -> None:
    status, done = hospital.call("POST", "/discharges/fhir", hospital.his, hospital.bundle())
    assert status == 201, done
    assert done["enrolled"] and done["enrolment"]["plan_id"] == "kidney-transplant" and done["tasks"] == 26
    status, again = hospital.call("POST", "/discharges/fhir", hospital.his, hospital.bundle())
    assert status == 201 and again["repeated"], again
    wrong = hospital.bundle()
    wrong["entry"][1]["resource"]["subject"] = {"reference": "Patient/somebody-else"}
    wrong["entry"][1]["resource"]["identifier"] = [{"value": "ZY2026-0002"}]
    status, problem = hospital.call("POST", "/discharges/fhir", hospital.his, wrong)
    assert status == 422, problem
    assert [e["field"] for e in problem["errors"]] == ["entry[1].resource.subject"]
    assert ID_NUMBER not in json.dumps(problem)
    status, not_a_bundle = hospital.call(
        "POST", "/discharges/fhir", hospital.his, {"resourceType": "Patient"}
    )
    assert status == 422, not_a_bundle


def test_only_the_his_admins_and_the_departments_own_staff_bring_discharges_in(hospital: Hospital) -> None:
    body = hospital.discharge(patient={**hospital.discharge()["patient"], "id_number": OTHER_ID_NUMBER})
    status, refused = hospital.call("POST", "/discharges", hospital.other, body)
    assert status == 403, refused
    status, done = hospital.call("POST", "/discharges", hospital.doctor, body)
    assert status == 201 and done["enrolled"], done
    status, unknown = hospital.call(
        "POST", "/discharges", hospital.admin, hospital.discharge(doctor_id="nobody", encounter_id="x")
    )
    assert status == 422 and unknown["errors"][0]["field"] == "doctor_id", unknown


def test_the_nightly_extension_adds_a_lifelong_enrolments_next_year_once(hospital: Hospital) -> None:
    from datetime import date

    from chalicelib.followup.adapters.dynamodb import DynamoStore
    from chalicelib.followup.service import intake

    body = hospital.discharge(encounter_id="ZY-2025", discharge_date="2025-06-01")
    status, done = hospital.call("POST", "/discharges", hospital.his, body)
    assert status == 201 and done["enrolment"]["materialised_to"] == "2026-06-01", done
    today = date(2026, 12, 5)
    made = intake.extend_everywhere(today)
    assert made >= 12  # this one's year from today (others' too, if due)
    store = DynamoStore(hospital.tenant)
    enrolment = store.enrolments.get(done["enrolment"]["id"])
    assert enrolment is not None and enrolment.materialised_to == date(2027, 12, 5)
    tasks, _ = store.tasks.of_patient(done["patient_id"], 200, None)
    # from today (D+552) to a year ahead (D+917): labs at D+624, 714, 804, 894 and a questionnaire and
    # a revisit at D+570, 660, 750, 840 — nothing for the months it was late (D+366…D+551)
    assert len(tasks) == enrolment.tasks == 26 + 12
    added = [t for t in tasks if int(t.id.rsplit("-", 1)[1]) >= 26]
    assert len(added) == 12 and min(t.due for t in added) == date(2026, 12, 23)  # D+570
    assert intake.extend_everywhere(today) == 0  # nothing twice
