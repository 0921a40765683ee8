"""Fairness over months over HTTP on moto: a ward opts in on its setup (a wrong setting is a 422 naming
the field), publishes a week, and reads its ledger — the head nurse every nurse's line, a nurse her
own; a reversed window is a 422 naming ``to``; another hospital's ward is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from tests.service.approvals.conftest import Call


def _ward(clients: dict[str, Any], stack: Any) -> tuple[str, str, dict[str, str]]:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin = Call(clients["messaging"], str(stack.token(tenant, "admin-1", ["hospital_admin"])))
    dept = admin("POST", "/departments", {"name": "内科"}).json_body["id"]
    ward = admin("POST", "/departments", {"name": "心内科病区", "kind": "ward", "parent_id": dept})
    assert ward.status_code == 201, ward.body
    ids = {}
    for i, (name, user, roles) in enumerate(
        [("周护士长", "hn", ["head_nurse"]), ("陈思雨", "n1", ["nurse"]), ("李娜", "n2", ["nurse"])]
    ):
        body = {"name": name, "employee_no": f"E{i}", "department_id": ward.json_body["id"], "roles": roles}
        made = admin("POST", "/staff", {**body, "user_id": user})
        assert made.status_code == 201, made.body
        ids[user] = made.json_body["id"]
    stack.drain()  # staff.created → the scheduling projection
    return tenant, ward.json_body["id"], ids


def test_a_ward_opts_in_and_reads_its_fairness_ledger(clients: dict[str, Any], stack: Any) -> None:
    tenant, ward, ids = _ward(clients, stack)
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))

    wrong = head("PUT", f"/wards/{ward}/setup", {"version": 0, "fairness": {"over_time": True, "weight": 0}})
    assert wrong.status_code == 422, wrong.body
    assert any(e["field"].startswith("fairness") for e in wrong.json_body["errors"]), wrong.json_body
    setting = {"over_time": True, "since": "2027-01-01"}
    opted = head("PUT", f"/wards/{ward}/setup", {"version": 0, "skip_approval": True, "fairness": setting})
    assert opted.status_code == 200, opted.body
    assert opted.json_body["fairness"] == {
        "source": "ward",
        "settings": {"over_time": True, "since": "2027-01-01", "months": 12, "weight": 20},
    }

    made = head("POST", "/periods", {"ward_ids": [ward], "start": "2027-01-04", "end": "2027-01-10"})
    pid = made.json_body["id"]
    n1, n2 = ids["n1"], ids["n2"]
    changes = [
        {"staff_id": n1, "date": "2027-01-04", "shift": "N"},
        {"staff_id": n1, "date": "2027-01-06", "shift": "N"},
        {"staff_id": n2, "date": "2027-01-09", "shift": "D"},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"changes": changes}).status_code == 200
    assert head("POST", f"/periods/{pid}/publish", {}).json_body["version"] == 1

    got = head("GET", f"/wards/{ward}/fairness?from=2027-01-01&to=2027-01-31")
    assert got.status_code == 200, got.body
    view = got.json_body
    assert (view["ward_name"], view["scope"], view["fairness"]["over_time"]) == ("心内科病区", "ward", True)
    assert [(p["period_id"], p["version"]) for p in view["periods"]] == [(pid, 1)]
    lines = {n["staff_id"]: n for n in view["nurses"]}
    assert lines[n1]["staff_name"] == "陈思雨" and lines[n1]["total"]["nights"] == 2
    assert lines[n1]["periods"][0]["counts"] == {
        "nights": 2,
        "weekends": 0,
        "holidays": 0,
        "shifts": 2,
        "hours": 16.0,
    }
    assert lines[n2]["total"]["weekends"] == 1
    (group,) = view["groups"]
    assert group["nights"]["spread"] == 2

    mine = nurse("GET", f"/wards/{ward}/fairness?from=2027-01-01&to=2027-01-31").json_body
    assert mine["scope"] == "self" and [n["staff_id"] for n in mine["nurses"]] == [n1]

    reversed_ = head("GET", f"/wards/{ward}/fairness?from=2027-02-01&to=2027-01-01")
    assert reversed_.status_code == 422 and reversed_.json_body["errors"][0]["field"] == "to", reversed_.body

    other = Call(
        clients["scheduling"], str(stack.token(f"t-{uuid.uuid4().hex[:12]}", "x", ["hospital_admin"]))
    )
    missing = other("GET", f"/wards/{ward}/fairness?from=2027-01-01&to=2027-01-31")
    assert missing.status_code == 404 and ward.encode() not in missing.body
