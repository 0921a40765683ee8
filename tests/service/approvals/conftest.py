"""A small hospital for the approvals tests: a department with its head, a leader, nurses, the built-ins."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from shared.directory import DepartmentItem


@dataclass
class Call:
    """In-process calls to one service as one user (chalice.test)."""

    client: Any
    token: str

    def __call__(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else b""
        return self.client.http.request(method, path, headers=headers, body=data)


@dataclass
class Hospital:
    tenant: str
    dept: str
    staff: dict[str, str]  # name → staff id
    templates: dict[str, str]  # code → template id
    as_: Any  # as_(name) → Call for that member of staff
    admin: Call


@pytest.fixture(scope="module")
def hospital(clients: dict[str, Any], stack: Any) -> Hospital:
    """One hospital per module (setting it up costs seconds); tests look only at their own approvals."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"

    def token(tenant: str, user: str, roles: list[str]) -> str:
        return str(stack.token(tenant, user, roles))

    admin = token(tenant, "admin-1", ["hospital_admin"])
    messaging = Call(clients["messaging"], admin)
    dept = messaging("POST", "/departments", {"name": "康复医学科"}).json_body["id"]
    people = {
        "head": ["department_head", "doctor"],
        "head2": ["department_head", "doctor"],
        "nurse": ["nurse"],
        "nurse2": ["nurse"],
        "leader": ["hospital_admin"],
        "office": ["clerk"],
    }
    staff: dict[str, str] = {}
    for i, (name, roles) in enumerate(people.items()):
        body = {"name": name, "employee_no": f"E{i}", "department_id": dept, "roles": roles}
        resp = messaging("POST", "/staff", body)
        assert resp.status_code == 201, resp.body
        staff[name] = resp.json_body["id"]
    # messaging has no API for the department head yet: set it on the read model directly
    item = DepartmentItem.get(DepartmentItem.partition(tenant), dept)
    item.update(actions=[DepartmentItem.head_id.set(staff["head"])])

    def as_(name: str) -> Call:
        roles = people.get(name, [])
        return Call(clients["approvals"], token(tenant, staff.get(name, name), roles))

    approvals_admin = Call(clients["approvals"], admin)
    installed = approvals_admin("POST", "/templates/builtin", {"fallback_staff_id": staff["office"]})
    assert installed.status_code == 201, installed.body
    return Hospital(
        tenant, dept, staff, {t["code"]: t["id"] for t in installed.json_body}, as_, approvals_admin
    )
