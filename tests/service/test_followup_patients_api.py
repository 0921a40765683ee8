"""Patients over HTTP on moto: registered sealed (nothing in clear in the table), answered masked, read
by the department only (another department's doctor gets a 404 without the id), found by blind index,
revealed with a reason, every read in the access log; consent; retention and the purge."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import boto3

from shared.settings import get_settings
from tests.service.approvals.conftest import Call

ID = "11010519491231002X"
PLAIN = ("张建国", ID, "13812345678", "建国路88号")


def _hospital(clients: dict[str, Any], stack: Any) -> tuple[str, dict[str, str], dict[str, Call]]:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin = Call(clients["messaging"], str(stack.token(tenant, "admin-1", ["hospital_admin"])))
    cardio = admin("POST", "/departments", {"name": "心内科"}).json_body["id"]
    surgery = admin("POST", "/departments", {"name": "普外科"}).json_body["id"]
    people = [
        ("李医生", "doc", cardio, ["doctor"]),
        ("赵医生", "surgeon", surgery, ["doctor"]),
        ("管理员", "boss", cardio, ["hospital_admin"]),
    ]
    for i, (name, user, dept, roles) in enumerate(people):
        body = {"name": name, "employee_no": f"E{i}", "department_id": dept, "roles": roles, "user_id": user}
        assert admin("POST", "/staff", body).status_code == 201
    calls = {
        user: Call(clients["followup"], str(stack.token(tenant, user, roles))) for _, user, _, roles in people
    }
    return tenant, {"cardio": cardio, "surgery": surgery}, calls


def _table_text(tenant: str) -> str:
    table = boto3.resource("dynamodb").Table(get_settings().table_name("followup"))
    items: list[dict[str, Any]] = []
    page: dict[str, Any] = {}
    while True:  # every page: a scan answers 1 MB at a time, and the table holds the other tests' items too
        found = table.scan(**page)
        items += [i for i in found["Items"] if i.get("tenant") == tenant]
        if "LastEvaluatedKey" not in found:
            break
        page = {"ExclusiveStartKey": found["LastEvaluatedKey"]}
    assert items
    return json.dumps(items, default=str, ensure_ascii=False)


def test_a_patient_is_kept_sealed_shown_masked_and_read_by_their_department_only(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant, depts, call = _hospital(clients, stack)
    body = {
        "name": "张建国",
        "id_number": ID,
        "mobile": "13812345678",
        "address": "北京市朝阳区建国路88号",
        "department_id": depts["cardio"],
    }
    made = call["doc"]("POST", "/patients", body)
    assert made.status_code == 201, made.body
    seen = made.json_body
    assert (seen["name"], seen["id_number"], seen["mobile"], seen["address"]) == (
        "张*",
        "110105********002X",
        "138****5678",
        "北京市朝阳区****",
    )
    assert seen["department_name"] == "心内科" and seen["age"] >= 76
    assert not [p for p in PLAIN if p in made.body.decode()]
    stored = _table_text(tenant)
    assert not [p for p in PLAIN if p in stored], "an identifier is stored in clear"
    again = call["doc"]("POST", "/patients", body)
    assert again.status_code == 409, again.body
    bad = call["doc"]("POST", "/patients", {**body, "id_number": "110105194912310021"})
    assert bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "id_number"
    assert "110105194912310021" not in bad.body.decode()

    pid = seen["id"]
    got = call["doc"]("GET", f"/patients/{pid}")
    assert got.status_code == 200 and got.json_body["name"] == "张*"
    for other in ("surgeon", "boss"):  # another department's doctor; the admin reads no records
        hidden = call[other]("GET", f"/patients/{pid}")
        assert hidden.status_code == 404 and pid not in hidden.body.decode(), hidden.body
    listed = call["doc"]("GET", f"/patients?department_id={depts['cardio']}").json_body
    assert [p["id"] for p in listed["items"]] == [pid] and listed["items"][0]["name"] == "张*"
    assert call["surgeon"]("GET", f"/patients?department_id={depts['cardio']}").status_code == 403

    found = call["doc"]("POST", "/patients/search", {"mobile": "138 1234 5678"})
    assert [p["id"] for p in found.json_body["items"]] == [pid], found.body
    assert call["surgeon"]("POST", "/patients/search", {"id_number": ID}).json_body["items"] == []

    shown = call["doc"](
        "POST", f"/patients/{pid}/reveal", {"fields": ["mobile"], "reason": "电话随访，核对号码"}
    )
    assert shown.status_code == 200 and shown.json_body["values"] == {"mobile": "13812345678"}
    no_reason = call["doc"]("POST", f"/patients/{pid}/reveal", {"fields": ["mobile"], "reason": ""})
    assert no_reason.status_code == 422
    assert (
        call["surgeon"](
            "POST", f"/patients/{pid}/reveal", {"fields": ["mobile"], "reason": "看看"}
        ).status_code
        == 404
    )

    log = call["boss"]("GET", f"/patients/{pid}/access-log")
    assert log.status_code == 200, log.body
    assert log.json_body["patient_name"] == "张*"
    assert [(e["action"], e["actor_name"], e["reason"]) for e in log.json_body["items"]] == [
        ("reveal:mobile", "李医生", "电话随访，核对号码"),
        ("read:search", "李医生", ""),
        ("read:record", "李医生", ""),
        ("patient.registered", "李医生", ""),
    ]
    withdrawn = call["doc"]("POST", f"/patients/{pid}/consents", {"purpose": "followup", "given": False})
    assert withdrawn.status_code == 200
    assert [(c["purpose"], c["active"]) for c in withdrawn.json_body["consents"]] == [("followup", False)]

    other = Call(clients["followup"], str(stack.token(f"t-{uuid.uuid4().hex[:12]}", "doc", ["doctor"])))
    assert other("GET", f"/patients/{pid}").status_code in (403, 404)


def test_the_purge_erases_a_patient_past_retention_and_keeps_the_access_log(
    clients: dict[str, Any], stack: Any
) -> None:
    from chalicelib.followup.adapters.dynamodb import DynamoStore

    from shared.auth import Principal
    from shared.errors import Conflict
    from shared.persistence.uow import UnitOfWork

    tenant, depts, call = _hospital(clients, stack)
    assert call["boss"]("PUT", "/settings/retention", {"years": 10}).json_body["years"] == 10
    assert call["doc"]("PUT", "/settings/retention", {"years": 1}).status_code == 403
    body = {"name": "张建国", "id_number": ID, "department_id": depts["cardio"]}
    pid = call["doc"]("POST", "/patients", body).json_body["id"]
    assert call["doc"]("GET", f"/patients/{pid}").json_body["retention_until"] >= str(
        date.today() + timedelta(days=3650)
    )

    system = Principal(tenant=tenant, user="test", kind="service")
    with UnitOfWork("followup", system, "t") as uow:
        store = DynamoStore(tenant, uow, system)
        patient = store.patients.get(pid)
        store.patients.save(
            patient.model_copy(update={"retention_until": date.today() - timedelta(days=1)}), Conflict("x")
        )
        uow.commit()
    purged = call["boss"]("POST", "/retention/purge")
    assert purged.status_code == 200 and purged.json_body == {"purged": 1, "more": False}, purged.body
    assert call["doc"]("GET", f"/patients/{pid}").status_code == 404
    assert "张" not in _table_text(tenant).replace("张*", "")
    log = call["boss"]("GET", f"/patients/{pid}/access-log").json_body
    assert log["items"][0]["action"] == "patient.purged" and log["items"][0]["actor_name"] == "管理员"
    # the person can be registered again, as someone new
    assert call["doc"]("POST", "/patients", body).status_code == 201
