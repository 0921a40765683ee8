"""The privacy suite (the issue's "Measured"): a scripted day of follow-up over HTTP on moto — discharges
from the HIS (JSON and FHIR), lists, look-ups, the board, a call, a task done, a patient link answered
abnormally, the alert reaching the doctor, a revisit asked through a link and claimed, a care team's note,
lab values, the FHIR export, errors — and then:

- no full identifier (name, resident ID number, mobile, street address) in any answer but the audited
  reveal's, in any event on the bus, in any item of any table (sealed values only), or in any log line;
- every read of a patient's record or results has its audit record in the patient's access log;
- a patient link opens its own patient's questionnaire and nothing else: not another route, not another
  patient's, not as a bearer token; revoked or expired, it is a 401.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.settings import get_settings

NAME, ID_NUMBER, MOBILE, STREET = "欧阳建国", "11010519491231002X", "13812345678", "建国路88号"
NAME2, ID_NUMBER2, MOBILE2 = "司马淑芬", "110101199003074477", "13900001111"
SECRETS = (NAME, ID_NUMBER, MOBILE, STREET, NAME2, ID_NUMBER2, MOBILE2, "建国", "淑芬")


class Day:
    """The hospital's people and every answer they got (the reveal's aside)."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.tenant = f"t-{uuid.uuid4().hex[:12]}"
        self.bodies: list[str] = []
        self.admin = stack.token(self.tenant, "admin-1", ["hospital_admin"])
        self.his = stack.token(self.tenant, "his", [], kind="service", scopes=["followup:intake"])
        self.cardio = self.made("POST", "/messaging/departments", self.admin, {"name": "心血管内科"})["id"]
        self.nephro = self.made("POST", "/messaging/departments", self.admin, {"name": "肾内科"})["id"]
        self.surgery = self.made("POST", "/messaging/departments", self.admin, {"name": "普外科"})["id"]
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        for user, name, dept, role in (
            ("doc", "李医生", self.cardio, "doctor"),
            ("nurse", "王护士", self.cardio, "nurse"),
            ("renal", "周医生", self.nephro, "doctor"),
            ("surgeon", "赵医生", self.surgery, "doctor"),
        ):
            body = {
                "name": name,
                "employee_no": f"E-{user}",
                "department_id": dept,
                "roles": [role],
                "user_id": user,
            }
            self.ids[user] = self.made("POST", "/messaging/staff", self.admin, body)["id"]
            self.tokens[user] = stack.token(self.tenant, user, [role])
        stack.drain()

    def call(
        self, method: str, path: str, token: str | None, body: Any = None, keep: bool = True
    ) -> tuple[int, Any]:
        status, payload = self.stack.request(method, path, token, body)
        if keep:
            self.bodies.append(
                payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
            )
        return status, payload

    def made(self, method: str, path: str, token: str | None, body: Any = None, status: int = 201) -> Any:
        got, payload = self.call(method, path, token, body)
        assert got == status, (path, got, payload)
        return payload


def _tables_text(tenant: str) -> str:
    """Every item of the hospital in every table of the stack (sealed values are opaque)."""
    client = boto3.client("dynamodb")
    prefix = get_settings().table_name("")
    out = []
    for name in client.list_tables()["TableNames"]:
        if not name.startswith(prefix):
            continue
        for page in client.get_paginator("scan").paginate(TableName=name):
            items = [json.dumps(i, ensure_ascii=False, default=str) for i in page["Items"]]
            out += [text for text in items if tenant in text]
    return "\n".join(out)


def _events(tenant: str) -> list[str]:
    """Every outbox event of the tenant (every page of the scan: the table holds other tests' items too)."""
    client = boto3.client("dynamodb")
    name = get_settings().table_name("followup")
    return [
        str(i["event"]["S"])
        for page in client.get_paginator("scan").paginate(TableName=name)
        for i in page["Items"]
        if i.get("entity", {}).get("S") == "outbox" and i.get("tenant", {}).get("S") == tenant
    ]


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_a_day_of_follow_up_discloses_no_identifier_and_audits_every_read(
    stack: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    day = Day(stack)
    doc, nurse, renal, surgeon = (day.tokens[u] for u in ("doc", "nurse", "renal", "surgeon"))
    yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).date().isoformat()

    # the HIS brings two discharges: hypertension (JSON) and a kidney transplant (FHIR)
    discharge = {
        "patient": {
            "name": NAME,
            "id_number": ID_NUMBER,
            "mobile": MOBILE,
            "address": "北京市朝阳区" + STREET,
        },
        "diagnoses": ["I10"],
        "department_id": day.cardio,
        "discharge_date": yesterday,
        "doctor_id": day.ids["doc"],
        "encounter_id": "ZY-0001",
    }
    first = day.made("POST", "/followup/discharges", day.his, discharge)
    assert first["enrolled"], first
    pid = first["patient_id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": ID_NUMBER2}],
                    "name": [{"text": NAME2}],
                    "telecom": [{"system": "phone", "value": MOBILE2}],
                },
            },
            {
                "resource": {
                    "resourceType": "Encounter",
                    "identifier": [{"value": "ZY-0002"}],
                    "status": "finished",
                    "class": {"code": "IMP"},
                    "subject": {"reference": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000002"},
                    "period": {"end": yesterday},
                    "serviceProvider": {"reference": f"Organization/{day.nephro}"},
                    "participant": [{"individual": {"reference": f"Practitioner/{day.ids['renal']}"}}],
                },
            },
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:0f0e0d0c-0000-4000-8000-000000000002"},
                    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "Z94.0"}]},
                }
            },
        ],
    }
    second = day.made("POST", "/followup/discharges/fhir", day.his, bundle)
    pid2 = second["patient_id"]
    # errors never echo an identifier
    bad = {**discharge, "patient": {**discharge["patient"], "id_number": ID_NUMBER[:-1] + "1"}}
    assert day.call("POST", "/followup/discharges", day.his, bad)[0] == 422
    again = {"name": NAME, "id_number": ID_NUMBER, "mobile": MOBILE, "department_id": day.cardio}
    assert day.call("POST", "/followup/patients", doc, again)[0] == 409

    # the department works: lists, a look-up, the record, the board, a call, a task done
    day.made("GET", f"/followup/patients?department_id={day.cardio}", doc, status=200)
    found = day.made("POST", "/followup/patients/search", doc, {"id_number": ID_NUMBER}, status=200)
    assert [p["id"] for p in found["items"]] == [pid]
    day.made("GET", f"/followup/patients/{pid}", nurse, status=200)
    board = day.made(
        "GET", f"/followup/board?scope=department&owner_id={day.cardio}&view=due_today", nurse, status=200
    )
    (call_task,) = [t for t in board["items"] if t["patient_id"] == pid]
    day.made("GET", f"/followup/tasks/{call_task['task_id']}", nurse, status=200)
    log = {"at": datetime.now(UTC).isoformat(), "duration_s": 120, "result": "reached", "note": "血压平稳"}
    day.made("POST", f"/followup/tasks/{call_task['task_id']}/calls", nurse, log)
    day.made(
        "POST", f"/followup/tasks/{call_task['task_id']}/done", nurse, {"outcome": "reached"}, status=200
    )

    # a questionnaire through the patient's link: answered high → the doctor's alert
    export = day.made("GET", f"/followup/patients/{pid}/fhir", doc, status=200)
    (questionnaire_task,) = [
        e["resource"]["id"]
        for e in export["entry"]
        if e["resource"]["resourceType"] == "Task" and e["resource"]["code"]["text"] == "questionnaire"
    ][:1]
    link = day.made("POST", f"/followup/tasks/{questionnaire_task}/link", doc, {})
    page = day.made("GET", link["path"], None, status=200)
    answers = {
        item["id"]: 182 if item["id"] == "systolic" else 96 if item["id"] == "diastolic" else None
        for item in page["items"]
    }
    answers = {k: v for k, v in answers.items() if v is not None}
    answers.setdefault("measured_on", yesterday)
    day.made("POST", link["path"] + "/responses", None, {"answers": answers})
    # a revisit through a link, claimed and closed by the doctor
    revisit_link = day.made("POST", f"/followup/patients/{pid}/revisit-link", doc, {})
    ask_path = revisit_link["path"].removesuffix("/revisit") + "/revisits"
    day.made("POST", ask_path, None, {"ask": "renew", "text": "苯磺酸氨氯地平"})
    pool = day.made("GET", f"/followup/revisits?department_id={day.cardio}", doc, status=200)
    (revisit,) = pool["items"]
    day.made("POST", f"/followup/revisits/{revisit['id']}/claim", doc, status=200)
    day.made("POST", f"/followup/revisits/{revisit['id']}/close", doc, {"resolution": "called"}, status=200)
    stack.drain()
    inbox = day.made("GET", "/messaging/notifications/inbox", doc, status=200)
    assert [n for n in inbox["items"] if "随访异常" in n["title"] and "欧*" in n["title"]], inbox

    # a care team's note; lab values; results; the access log
    team = day.made(
        "POST",
        "/followup/teams",
        day.admin,
        {
            "name": "城东家庭医生团队",
            "department_id": day.cardio,
            "members": [{"staff_id": day.ids["doc"], "role": "doctor"}],
        },
    )
    day.made("POST", f"/followup/teams/{team['id']}/residents", doc, {"patient_id": pid})
    day.made(
        "POST",
        f"/followup/patients/{pid}/notes",
        doc,
        {"text": "上门随访：血压 138/86", "kind": "home", "team_id": team["id"]},
    )
    day.made("GET", f"/followup/patients/{pid}/notes", doc, status=200)
    day.made("GET", f"/followup/patients/{pid}/results", doc, status=200)
    lab = {"code": "creatinine", "value": 180, "unit": "µmol/L", "taken_at": datetime.now(UTC).isoformat()}
    day.made("POST", f"/followup/patients/{pid2}/observations", renal, lab)
    day.made("GET", f"/followup/patients/{pid2}/results", renal, status=200)
    day.made("GET", f"/followup/kpis?department_id={day.cardio}", doc, status=200)
    # out of reach: a 404 that echoes nothing
    for path in (
        f"/followup/patients/{pid}",
        f"/followup/patients/{pid}/results",
        f"/followup/patients/{pid}/fhir",
    ):
        status, problem = day.call("GET", path, surgeon)
        assert status == 404 and pid not in json.dumps(problem), problem
    status, revealed = day.call(
        "POST",
        f"/followup/patients/{pid}/reveal",
        doc,
        {"fields": ["mobile"], "reason": "电话随访，核对号码"},
        keep=False,
    )
    assert status == 200 and revealed["values"] == {"mobile": MOBILE}  # the one answer that may hold it
    access_log = day.made("GET", f"/followup/patients/{pid}/access-log", day.admin, status=200)

    # --- what was disclosed: answers, events, stored items, log lines
    assert not _leaks("\n".join(day.bodies)), [b for b in day.bodies if _leaks(b)][:3]
    events = _events(day.tenant)
    assert {json.loads(e)["type"] for e in events} >= {
        "followup.enrolled",
        "followup.task.done",
        "followup.alert.raised",
        "followup.revisit.requested",
        "followup.revisit.claimed",
        "followup.revisit.closed",
    }
    assert not _leaks("\n".join(events))
    assert not _leaks(_tables_text(day.tenant)), "an identifier is stored in clear"
    logged = capfd.readouterr()
    assert not _leaks(logged.out + logged.err)

    # --- every read of the patient's record or results is in their access log
    actions = [e["action"] for e in access_log["items"]]
    for read in (
        "read:search",
        "read:record",
        "read:task",
        "export:fhir",
        "read:notes",
        "read:results",
        "reveal:mobile",
    ):
        assert read in actions, (read, actions)
    by_doctor = {
        e["actor_name"] for e in access_log["items"] if e["action"] in ("read:results", "export:fhir")
    }
    assert by_doctor == {"李医生"}


def test_a_patient_link_opens_its_own_questionnaire_and_nothing_else(stack: Any) -> None:
    day = Day(stack)
    doc = day.tokens["doc"]
    yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).date().isoformat()
    patients = []
    for n, (name, number) in enumerate(((NAME, ID_NUMBER), (NAME2, ID_NUMBER2))):
        body = {
            "patient": {"name": name, "id_number": number},
            "diagnoses": ["I10"],
            "department_id": day.cardio,
            "discharge_date": yesterday,
            "doctor_id": day.ids["doc"],
            "encounter_id": f"ZY-{n}",
        }
        patients.append(day.made("POST", "/followup/discharges", day.his, body)["patient_id"])

    def questionnaire_task(pid: str) -> str:
        export = day.made("GET", f"/followup/patients/{pid}/fhir", doc, status=200)
        return next(
            e["resource"]["id"]
            for e in export["entry"]
            if e["resource"]["resourceType"] == "Task" and e["resource"]["code"]["text"] == "questionnaire"
        )

    link = day.made("POST", f"/followup/tasks/{questionnaire_task(patients[0])}/link", doc, {"days": 1})
    token = link["path"].rsplit("/", 1)[1]
    page = day.made("GET", link["path"], None, status=200)
    assert page["patient_label"] == "欧*" and set(page) == {
        "title",
        "description",
        "items",
        "patient_label",
        "expires_at",
        "answered",
    }
    # the token is no bearer token, opens no other patient's anything, and no revisit page
    for method, path in (
        ("GET", f"/followup/patients/{patients[0]}"),
        ("GET", f"/followup/patients/{patients[1]}/results"),
        ("GET", "/followup/board"),
        ("GET", "/messaging/notifications/inbox"),
    ):
        assert day.call(method, path, token)[0] == 401
    assert day.call("GET", link["path"] + "/revisit", None)[0] == 401
    assert day.call("POST", link["path"].removesuffix(token) + token[:-1] + "A", None, {"answers": {}})[
        0
    ] in (401, 404, 405)
    # revoked: 401, and so is an expired one (its day has passed)
    other = day.made("POST", f"/followup/tasks/{questionnaire_task(patients[1])}/link", doc, {"days": 1})
    assert day.call("DELETE", f"/followup/links/{link['id']}", doc)[0] == 204
    assert day.call("GET", link["path"], None)[0] == 401
    from chalicelib.followup.adapters.dynamodb import DynamoStore
    from chalicelib.followup.service import links

    store = DynamoStore(day.tenant)
    kept = store.links.get(other["id"])
    assert kept is not None
    later = kept.expires_at + timedelta(seconds=1)
    with pytest.raises(Exception) as expired:
        links.open_link(other["path"].rsplit("/", 1)[1], now=later)
    assert type(expired.value).__name__ == "Unauthenticated"
