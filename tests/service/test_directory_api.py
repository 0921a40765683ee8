"""The directory slice over the real Chalice app (in-process) against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.persistence.models import AuditRecord


class Api:
    def __init__(self, client: Any, token: str | None):
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Any:
        h = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return self.client.http.request(method, path, headers=h, body=data)


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def make_department(api: Api, name: str = "心内科", **extra: Any) -> dict[str, Any]:
    resp = api.call("POST", "/departments", {"name": name, **extra})
    assert resp.status_code == 201, resp.body
    return dict(resp.json_body)


def test_create_get_and_list_departments(messaging: Api) -> None:
    campus = make_department(messaging, "东院区", kind="campus")
    dept = make_department(messaging, "心血管内科", parent_id=campus["id"])
    ward = make_department(messaging, "心内一病区", kind="ward", parent_id=dept["id"])
    got = messaging.call("GET", f"/departments/{ward['id']}")
    assert got.status_code == 200
    assert got.json_body == ward
    listed = messaging.call("GET", "/departments").json_body
    assert [d["name"] for d in listed["items"]] == ["东院区", "心血管内科", "心内一病区"]


def test_cursor_from_another_tenant_is_refused(clients: dict[str, Any], messaging: Api, token: Any) -> None:
    for name in ("甲", "乙", "丙"):
        make_department(messaging, name)
    cursor = messaging.call("GET", "/departments?limit=1").json_body["next_cursor"]
    other = Api(clients["messaging"], token("t-other-hospital", "u9", ["hospital_admin"]))
    resp = other.call("GET", f"/departments?cursor={cursor}")
    assert resp.status_code == 422
    assert resp.json_body["errors"][0]["field"] == "cursor"


def test_create_staff_and_read_back(messaging: Api) -> None:
    dept = make_department(messaging)
    body = {
        "name": "张三",
        "employee_no": "E001",
        "department_id": dept["id"],
        "title": "主治医师",
        "roles": ["doctor"],
    }
    created = messaging.call("POST", "/staff", body)
    assert created.status_code == 201
    staff = created.json_body
    assert {k: staff[k] for k in body} == body
    assert messaging.call("GET", f"/staff/{staff['id']}").json_body == staff
    assert [s["id"] for s in messaging.call("GET", "/staff").json_body["items"]] == [staff["id"]]


def test_staff_needs_an_existing_department(messaging: Api) -> None:
    resp = messaging.call("POST", "/staff", {"name": "李四", "employee_no": "E2", "department_id": "nope"})
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.json_body["errors"][0]["field"] == "department_id"
    assert messaging.call("GET", "/staff").json_body["items"] == []


def test_employee_number_is_unique_within_a_hospital(messaging: Api) -> None:
    dept = make_department(messaging)
    body = {"name": "王五", "employee_no": "E7", "department_id": dept["id"]}
    assert messaging.call("POST", "/staff", body).status_code == 201
    again = messaging.call("POST", "/staff", {**body, "name": "王六"})
    assert again.status_code == 409
    assert "E7" in again.json_body["detail"]


def test_other_tenant_sees_404_and_nothing(messaging: Api, clients: dict[str, Any], token: Any) -> None:
    dept = make_department(messaging, "机密科室")
    other = Api(clients["messaging"], token("t-intruder-hospital", "u1", ["hospital_admin"]))
    resp = other.call("GET", f"/departments/{dept['id']}")
    assert resp.status_code == 404
    assert "机密科室" not in resp.body.decode()
    assert all(d["id"] != dept["id"] for d in other.call("GET", "/departments").json_body["items"])


def test_errors_are_problem_json(messaging: Api, clients: dict[str, Any], token: Any, tenant: str) -> None:
    no_token = Api(clients["messaging"], None).call("GET", "/departments")
    assert no_token.status_code == 401
    assert no_token.headers["Content-Type"] == "application/problem+json"
    assert no_token.json_body["type"] == "urn:fh:problem:unauthorized"

    bad_json = messaging.call("POST", "/departments", raw=b'{"name": ')
    assert bad_json.status_code == 400
    assert bad_json.json_body["type"] == "urn:fh:problem:malformed-request"

    bad_field = messaging.call("POST", "/departments", {"name": "", "kind": "planet"})
    assert bad_field.status_code == 422
    assert {e["field"] for e in bad_field.json_body["errors"]} == {"name", "kind"}

    nurse = Api(clients["messaging"], token(tenant, "n1", ["nurse"]))
    forbidden = nurse.call("POST", "/departments", {"name": "x"})
    assert forbidden.status_code == 403
    assert "hospital_admin" in forbidden.json_body["detail"]

    huge = messaging.call("POST", "/departments", {"name": "x" * 300_000})
    assert huge.status_code == 413

    bad_query = messaging.call("GET", "/departments?limit=0")
    assert bad_query.status_code == 422
    assert bad_query.json_body["errors"][0]["field"] == "query.limit"

    unknown = messaging.call("GET", "/departments/does-not-exist")
    assert unknown.status_code == 404


def test_idempotency_key_returns_first_response(messaging: Api) -> None:
    key = {"Idempotency-Key": "create-dept-1"}
    first = messaging.call("POST", "/departments", {"name": "急诊科"}, headers=key)
    retry = messaging.call("POST", "/departments", {"name": "急诊科"}, headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json_body == first.json_body
    assert len(messaging.call("GET", "/departments").json_body["items"]) == 1
    different = messaging.call("POST", "/departments", {"name": "儿科"}, headers=key)
    assert different.status_code == 422
    assert different.json_body["errors"][0]["field"] == "Idempotency-Key"


def test_idempotency_keys_are_per_tenant(clients: dict[str, Any], token: Any) -> None:
    a = Api(clients["messaging"], token("t-idem-hospital-a", "u", ["hospital_admin"]))
    b = Api(clients["messaging"], token("t-idem-hospital-b", "u", ["hospital_admin"]))
    key = {"Idempotency-Key": "same-key"}
    made_a = a.call("POST", "/departments", {"name": "同名"}, headers=key).json_body
    made_b = b.call("POST", "/departments", {"name": "同名"}, headers=key).json_body
    assert made_a["id"] != made_b["id"]


def test_changes_are_audited(messaging: Api, tenant: str) -> None:
    dept = make_department(messaging, "审计科")
    records = list(AuditRecord.query(f"{tenant}#department#{dept['id']}"))
    assert len(records) == 1
    assert (records[0].action, records[0].actor, records[0].resource_id) == (
        "department.create",
        "admin-1",
        dept["id"],
    )
    assert json.loads(records[0].after)["name"] == "审计科"


def test_unexpected_failure_is_a_bare_500_with_request_id(
    messaging: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.messaging.service import directory

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(directory, "list_departments", broken)
    resp = messaging.call("GET", "/departments")
    assert resp.status_code == 500
    assert resp.json_body["type"] == "urn:fh:problem:internal"
    assert "hunter2" not in resp.body.decode()
    assert resp.json_body["request_id"]


def test_the_lists_name_supervisors_and_heads(messaging: Api) -> None:
    dept = make_department(messaging, "心内科")
    boss = messaging.call(
        "POST", "/staff", {"name": "钱国栋", "employee_no": "E1", "department_id": dept["id"]}
    ).json_body
    nurse = messaging.call(
        "POST",
        "/staff",
        {"name": "陈思雨", "employee_no": "E2", "department_id": dept["id"], "supervisor_id": boss["id"]},
    ).json_body
    changed = messaging.call("PATCH", f"/departments/{dept['id']}", {"version": 1, "head_id": boss["id"]})
    assert changed.status_code == 200, changed.body
    staff = {s["id"]: s for s in messaging.call("GET", "/staff").json_body["items"]}
    assert (staff[nurse["id"]]["supervisor_id"], staff[nurse["id"]]["supervisor_name"]) == (
        boss["id"],
        "钱国栋",
    )
    [unit] = messaging.call("GET", "/departments").json_body["items"]
    assert unit["head_name"] == "钱国栋"
    [root] = messaging.call("GET", "/departments/tree").json_body
    assert root["head_name"] == "钱国栋"
