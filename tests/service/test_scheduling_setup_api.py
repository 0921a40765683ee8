"""Ward setup over HTTP on moto: the shift catalogue, a ward's setup (from a directory whose staff reach
scheduling through the event path) and the holiday calendar, with who may do what."""

from __future__ import annotations

import uuid
from typing import Any

from tests.service.approvals.conftest import Call


def test_a_head_nurse_sets_up_her_ward_from_the_directory_on_day_one(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin_token = str(stack.token(tenant, "admin-1", ["hospital_admin"]))
    messaging = Call(clients["messaging"], admin_token)
    dept = messaging("POST", "/departments", {"name": "内科"}).json_body["id"]
    ward = messaging("POST", "/departments", {"name": "心内科病区", "kind": "ward", "parent_id": dept})
    assert ward.status_code == 201, ward.body
    ward_id = ward.json_body["id"]
    people = [
        ("王护士长", "hn-user", "N4", ["head_nurse"], []),
        (
            "陈思雨",
            "n1-user",
            "N3",
            ["nurse"],
            [{"type": "ICU专科护士", "number": "C1", "valid_until": "2026-06-30"}],
        ),
        ("李娜", "n2-user", "N1", ["nurse"], []),
        ("赵医生", "doc-user", None, ["doctor"], []),
    ]
    ids = {}
    for i, (name, user, grade, roles, certificates) in enumerate(people):
        body = {
            "name": name,
            "employee_no": f"E{i}",
            "department_id": ward_id,
            "roles": roles,
            "user_id": user,
            "certificates": certificates,
            **({"nurse_grade": grade} if grade else {}),
        }
        made = messaging("POST", "/staff", body)
        assert made.status_code == 201, made.body
        ids[user] = made.json_body["id"]
    stack.drain()  # staff.created → the scheduling projection

    head = Call(clients["scheduling"], str(stack.token(tenant, "hn-user", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1-user", ["nurse"])))
    admin = Call(clients["scheduling"], admin_token)

    # the catalogue: the built-in one until the hospital defines a shift; only an admin changes it
    catalogue = nurse("GET", "/shift-types").json_body
    assert catalogue["source"] == "default" and [s["name"] for s in catalogue["items"]] == [
        "白班",
        "小夜",
        "大夜",
    ]
    duty = {"name": "值班", "start": "08:00", "end": "08:00", "colour": "#d0021b", "skill": "senior"}
    assert head("PUT", "/shift-types/A", duty).status_code == 403
    made = admin("PUT", "/shift-types/A", duty)
    assert made.status_code == 200 and made.json_body["hours"] == 24, made.body
    assert admin("DELETE", "/shift-types/A").status_code == 204
    assert admin("DELETE", "/shift-types/A").status_code == 404

    # day one: a complete setup from defaults, the ward's nurses with their skills on a date
    seen = head("GET", f"/wards/{ward_id}/setup?on=2026-07-01")
    assert seen.status_code == 200, seen.body
    setup = seen.json_body
    assert (setup["ward_name"], setup["version"], setup["demand"]["source"]) == ("心内科病区", 0, "default")
    skills = {n["name"]: n["skills"] for n in setup["nurses"]}
    assert skills == {
        "王护士长": ["nurse", "senior", "head_nurse"],
        "陈思雨": ["nurse", "senior"],
        "李娜": ["nurse"],
    }
    assert nurse("GET", f"/wards/{ward_id}/setup").status_code == 200  # her own ward's

    # a change on its version; a stale one is 409 (in Chinese when asked), an invalid one 422 naming the field
    change = {"version": 0, "min_rest_hours": 12, "nurse_contracts": {ids["n2-user"]: "part_time"}}
    changed = head("PUT", f"/wards/{ward_id}/setup", change)
    assert changed.status_code == 200, changed.body
    assert changed.json_body["version"] == 1 and changed.json_body["min_rest"] == {
        "source": "ward",
        "hours": 12,
    }
    assert changed.json_body["updated_by_name"] == "王护士长"
    stale = clients["scheduling"].http.request(
        "PUT",
        f"/wards/{ward_id}/setup",
        headers={
            "Authorization": f"Bearer {head.token}",
            "Accept-Language": "zh-CN",
            "Content-Type": "application/json",
        },
        body=b'{"version": 0, "min_rest_hours": 8}',
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json_body["detail"], stale.body
    bad = head(
        "PUT",
        f"/wards/{ward_id}/setup",
        {"version": 1, "demand": [{"day": "mon", "shift": "X", "minimum": 1, "optimal": 1}]},
    )
    assert bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "demand[0].shift", bad.body
    not_of_ward = {"version": 1, "nurse_contracts": {ids["doc-user"]: "full_time"}}
    assert head("PUT", f"/wards/{ward_id}/setup", not_of_ward).status_code == 422

    # contracts: the defaults limit nights (8 in 4 weeks full time, 4 part time); a ward sets its own
    defaults = {c["id"]: c["max_nights_per_4_weeks"] for c in setup["contracts"]["items"]}
    assert defaults == {"full_time": 8, "part_time": 4}
    contracts = [
        {"id": "full_time", "name": "全职", "max_shifts_per_week": 5, "max_nights_per_4_weeks": 6},
        {"id": "part_time", "name": "兼职", "max_shifts_per_week": 3},
    ]
    too_many = [{**contracts[0], "max_nights_per_4_weeks": 29}]
    refused = head("PUT", f"/wards/{ward_id}/setup", {"version": 1, "contracts": too_many})
    assert refused.status_code == 422, refused.body
    assert refused.json_body["errors"][0]["field"].endswith("max_nights_per_4_weeks"), refused.body
    own = head("PUT", f"/wards/{ward_id}/setup", {"version": 1, "contracts": contracts})
    assert own.status_code == 200 and own.json_body["contracts"]["source"] == "ward", own.body
    limits = {c["id"]: c["max_nights_per_4_weeks"] for c in own.json_body["contracts"]["items"]}
    assert limits == {"full_time": 6, "part_time": 28}  # 28: no limit
    assert nurse("PUT", f"/wards/{ward_id}/setup", {"version": 2, "skip_approval": True}).status_code == 403
    assert head("GET", f"/wards/{dept}x/setup").status_code == 404
    elsewhere = Call(
        clients["scheduling"], str(stack.token(f"t-{uuid.uuid4().hex[:12]}", "x", ["hospital_admin"]))
    )
    missing = elsewhere("GET", f"/wards/{ward_id}/setup")
    assert missing.status_code == 404 and ward_id not in missing.body.decode()


def test_next_years_holidays_are_added_by_an_admin_once_announced(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin = Call(clients["scheduling"], str(stack.token(tenant, "admin-1", ["hospital_admin"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n-user", ["nurse"])))
    known = nurse("GET", "/calendar?year=2026").json_body
    assert (
        known["complete"]
        and {"date": "2026-10-01", "kind": "holiday", "name": "国庆节", "source": "package"} in known["items"]
    )
    unknown = nurse("GET", "/calendar?year=2027").json_body
    assert (unknown["package_has_year"], unknown["complete"], unknown["items"]) == (False, False, [])
    assert nurse("PUT", "/calendar/2027-01-01", {"kind": "holiday", "name": "元旦"}).status_code == 403
    put = admin("PUT", "/calendar/2027-01-01", {"kind": "holiday", "name": "元旦"})
    assert put.status_code == 200 and put.json_body["source"] == "hospital", put.body
    assert admin("PUT", "/calendar/2027-02-07", {"kind": "workday", "name": "春节调休"}).status_code == 200
    year = nurse("GET", "/calendar?year=2027").json_body
    assert year["complete"] and [(d["date"], d["kind"]) for d in year["items"]] == [
        ("2027-01-01", "holiday"),
        ("2027-02-07", "workday"),
    ]
    assert admin("PUT", "/calendar/2027-13-01", {"kind": "holiday", "name": "错"}).status_code == 422
    assert admin("DELETE", "/calendar/2027-02-07").status_code == 204
    assert admin("DELETE", "/calendar/2027-02-07").status_code == 404
    assert [d["date"] for d in nurse("GET", "/calendar?year=2027").json_body["items"]] == ["2027-01-01"]
