"""Copy, rotation and explain over HTTP on moto: a head nurse copies a week of her ward's draft to the next
(a stale revision refused, a copy breaking the rest rule refused naming the nurse and the day), lays a
rotation, and a nurse reads why her roster looks as it does, in Chinese."""

from __future__ import annotations

import json
from typing import Any

from tests.service.approvals.conftest import Call
from tests.service.test_roster_periods_api import _ward


def test_a_week_is_copied_a_rotation_laid_and_a_nurses_roster_explained(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant, ward, ids, _ = _ward(clients, stack)
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))
    made = head("POST", "/periods", {"ward_ids": [ward], "start": "2027-01-04", "end": "2027-01-24"})
    assert made.status_code == 201, made.body
    pid = made.json_body["id"]
    n1, n2 = ids["n1"], ids["n2"]
    week = [{"staff_id": n1, "date": f"2027-01-{d:02d}", "shift": "N"} for d in (4, 5, 6)]
    edited = head("PUT", f"/periods/{pid}/cells", {"revision": 0, "changes": week})
    assert edited.status_code == 200, edited.body

    block = {"from": "2027-01-04", "to": "2027-01-10", "starts": ["2027-01-11", "2027-01-18"]}
    stale = clients["scheduling"].http.request(
        "POST",
        f"/periods/{pid}/copy",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {head.token}",
            "If-Match": '"0"',
        },
        body=json.dumps(block).encode(),
    )
    assert stale.status_code == 409, stale.body
    assert nurse("POST", f"/periods/{pid}/copy", block).status_code == 403
    copied = head("POST", f"/periods/{pid}/copy", {**block, "revision": 1})
    assert copied.status_code == 200, copied.body
    assert (copied.json_body["period"]["revision"], copied.json_body["changed"]) == (2, 6)
    grid = head("GET", f"/periods/{pid}").json_body
    (mine,) = [n for n in grid["nurses"] if n["staff_id"] == n1]
    assert sorted(mine["cells"]) == [f"2027-01-{d:02d}" for d in (4, 5, 6, 11, 12, 13, 18, 19, 20)]

    # 小夜 on the 10th (the 11th cleared first): the copy puts 大夜 right after it on the 11th and the 18th
    # after the 17th's 小夜 — refused, naming the nurse and each day
    change = [
        {"staff_id": n1, "date": "2027-01-10", "shift": "P"},
        {"staff_id": n1, "date": "2027-01-11", "shift": None},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"changes": change}).status_code == 200
    bad = head("POST", f"/periods/{pid}/copy", {**block, "starts": ["2027-01-11"]})
    assert bad.status_code == 422, bad.body
    faults = [(e["code"], e["message"].split(":")[0]) for e in bad.json_body["errors"]]
    assert faults == [("H3", "陈思雨 1月11日"), ("H3", "陈思雨 1月17日")]
    assert head("GET", f"/periods/{pid}").json_body["period"]["revision"] == 3  # nothing applied

    rotation = {
        "pattern": ["N", "N", None, "D", "D", "P", "P", None],
        "staff_ids": [n2],
        "from": "2027-01-11",
    }
    laid = head("POST", f"/periods/{pid}/rotation", rotation)
    assert laid.status_code == 200, laid.body
    assert laid.json_body["period"]["revision"] == 4 and laid.json_body["skipped"] == []

    zh = clients["scheduling"].http.request(
        "GET",
        f"/periods/{pid}/nurses/{n1}/explain",
        headers={"Authorization": f"Bearer {nurse.token}", "Accept-Language": "zh-CN"},
    )
    assert zh.status_code == 200, zh.body
    why = json.loads(zh.body)
    assert (why["staff_name"], why["nights"]) == ("陈思雨", 8)  # three weeks of 4–6 less the cleared 11th
    assert {s["shift_name"]: s["count"] for s in why["shifts"]} == {"小夜": 1, "大夜": 8}
    assert why["lines"][0].startswith("陈思雨（全职）：9 个班")
    assert all(c["rule_name"] for c in why["costs"]) and why["cost"] == sum(c["cost"] for c in why["costs"])
    assert nurse("GET", f"/periods/{pid}/nurses/{n2}/explain").status_code == 403
