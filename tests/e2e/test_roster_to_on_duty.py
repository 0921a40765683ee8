"""A head nurse's roster end to end over real HTTP: a ward from the directory, an auto-roster, an edit, the
排班审批 through approvals, publishing, and the nurses on shift reached by "whoever is on duty"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_staff

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ok(result: tuple[int, Any], *expected: int) -> Any:
    status, body = result
    assert status in (expected or (200,)), body
    return body


def test_a_roster_is_solved_approved_published_and_reaches_whoever_is_on_duty(
    stack: Any, tenant: str, admin: str, token: Any
) -> None:
    call = stack.request
    dept = ok(call("POST", "/messaging/departments", admin, {"name": "心血管内科"}), 201)
    ward = ok(
        call(
            "POST",
            "/messaging/departments",
            admin,
            {"name": "心内一病区", "kind": "ward", "parent_id": dept["id"]},
        ),
        201,
    )
    director = make_staff(stack, admin, dept["id"], "钱国栋", "E2", ["department_head"])
    ok(
        call(
            "PATCH",
            f"/messaging/departments/{dept['id']}",
            admin,
            {"version": dept["version"], "head_id": director},
        )
    )
    head = make_staff(stack, admin, ward["id"], "孙丽华", "E1", ["head_nurse"])
    nurses = [make_staff(stack, admin, ward["id"], f"护士{i}", f"E{10 + i}", ["nurse"]) for i in range(8)]
    ok(call("POST", "/approvals/templates/builtin", admin, {"fallback_staff_id": director}), 200, 201)
    stack.drain()  # the directory's events → scheduling's projection

    as_head = token(tenant, head, ["head_nurse"])
    # A week around today, so someone is on shift at this very moment (three shifts cover every hour).
    today = datetime.now(SHANGHAI).date()
    body = {
        "ward_ids": [ward["id"]],
        "start": str(today - timedelta(days=3)),
        "end": str(today + timedelta(days=3)),
    }
    period = ok(call("POST", "/scheduling/periods", as_head, body), 201)
    base = f"/scheduling/periods/{period['id']}"

    # Auto-roster: 202, the solver function's invocation run to its end, the result the new draft.
    job = ok(call("POST", f"{base}/solve", as_head, {"time_limit": 10}), 202)
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]
    job = ok(call("GET", f"{base}/jobs/{job['id']}", as_head))
    grid = ok(call("GET", base, as_head))
    assert grid["period"]["revision"] == job["revision"] and grid["below_minimum"] == 0

    # She moves one nurse's day off by hand: allowed edits come back with the cost per rule.
    first = grid["nurses"][0]
    day = str(today + timedelta(days=3))
    edit = {
        "revision": job["revision"],
        "changes": [{"staff_id": first["staff_id"], "date": day, "shift": None}],
    }
    edited = ok(call("PUT", f"{base}/cells", as_head, edit))
    assert edited["period"]["revision"] == job["revision"] + 1

    # 排班审批: scheduling → roster.submitted → approvals starts it as her; her department head approves.
    ok(call("POST", f"{base}/submit", as_head, {"revision": edited["period"]["revision"]}))
    stack.drain()
    as_director = token(tenant, director, ["department_head"])
    (task,) = ok(call("GET", "/approvals/inbox/pending", as_director))["items"]
    assert task["submitter"] == head
    done = ok(
        call(
            "POST", f"/approvals/approvals/{task['instance_id']}/actions", as_director, {"action": "approve"}
        )
    )
    assert done["status"] == "approved"
    stack.drain()  # approval.roster.decided → scheduling
    assert ok(call("GET", base, as_head))["period"]["state"] == "approved"

    # Publish: version 1; the on-duty read model and each nurse's notice follow from roster.published.
    published = ok(call("POST", f"{base}/publish", as_head, {}))
    assert published["version"] == 1
    stack.drain()
    now = datetime.now(UTC).astimezone(SHANGHAI)
    duty = ok(
        call(
            "GET",
            f"/scheduling/on-duty?ward_id={ward['id']}&at={now.isoformat().replace('+', '%2B')}",
            as_head,
        )
    )
    on_shift = {p["staff_id"] for p in duty["people"]}
    assert duty["known"] and on_shift and on_shift <= {head, *nurses}, duty
    rostered = {n["staff_id"] for n in ok(call("GET", base, as_head))["nurses"] if n["cells"]}
    for nurse in rostered:
        inbox = ok(call("GET", "/messaging/notifications/inbox", token(tenant, nurse, ["nurse"])))["items"]
        assert any(period["name"] in i["title"] for i in inbox), (nurse, inbox)

    # "Whoever is on duty on 心内一病区", sent by the department's head, reaches exactly the people on shift.
    notice = {"title": "抢救车检查", "body": "请当班护士检查抢救车", "to": {"on_duty_ward_id": ward["id"]}}
    sent = ok(call("POST", "/messaging/notifications", as_director, notice), 202)
    stack.drain()
    for nurse in {head, *nurses}:
        inbox = ok(call("GET", "/messaging/notifications/inbox", token(tenant, nurse, ["nurse"])))["items"]
        got = any(i["notification_id"] == sent["id"] for i in inbox)
        assert got == (nurse in on_shift), (nurse, on_shift)
