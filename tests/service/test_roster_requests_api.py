"""Nurses' requests over HTTP on the local stack: nurses file them from their phones, the head nurse sees
them with names, an auto-roster weighs them, and the grid says which were granted and why not.

A ward of seven nurses made in the directory; a week starting two weeks from today (so its default
deadline, a week before it starts, is still ahead)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.scheduling.service.periods import local_today

from tests.conftest import make_staff
from tests.service.test_scheduling_solve_jobs import send


def test_nurses_file_requests_the_solve_weighs_them_and_the_grid_says_granted_or_why_not(
    stack: Any, tenant: str, admin: str, token: Callable[..., str]
) -> None:
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "内科"})
    _, unit = stack.request(
        "POST",
        "/messaging/departments",
        admin,
        {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]},
    )
    head_id = make_staff(stack, admin, unit["id"], "王护士长", "RQ0", ["head_nurse"])
    nurse_ids = [make_staff(stack, admin, unit["id"], f"护士{i}", f"RQ{i + 1}", ["nurse"]) for i in range(7)]
    other_id = make_staff(stack, admin, dept["id"], "内科护士", "RQ9", ["nurse"])
    stack.drain()  # staff.created → scheduling's projection
    head = token(tenant, head_id, ["head_nurse"])
    first, second = (token(tenant, s, ["nurse"]) for s in nurse_ids[:2])
    start = local_today() + timedelta(days=14)
    days = [(start + timedelta(days=d)).isoformat() for d in range(7)]
    body = {"ward_ids": [unit["id"]], "start": days[0], "end": days[-1]}
    status, period = stack.request("POST", "/scheduling/periods", head, body)
    assert status == 201, period
    assert period["request_deadline"] == (start - timedelta(days=7)).isoformat() and period["requests_open"]
    base = f"/scheduling/periods/{period['id']}"

    # the head nurse keeps 护士0 on 白班 on the third day (pinned); 护士0 asks for that day off anyway
    change = {"changes": [{"staff_id": nurse_ids[0], "date": days[2], "shift": "D", "pinned": True}]}
    status, edited, _ = send(stack, "PUT", f"{base}/cells", head, change)
    assert status == 200, edited
    status, pinned_day, _ = send(
        stack, "POST", f"{base}/requests", first, {"date": days[2], "kind": "day_off", "reason": "家里有事"}
    )
    assert status == 201, pinned_day
    assert (pinned_day["staff_name"], pinned_day["kind_name"], pinned_day["priority"]) == ("护士0", "休息", 2)
    status, day_off, _ = send(
        stack, "POST", f"{base}/requests", second, {"date": days[4], "kind": "day_off", "priority": 3}
    )
    assert status == 201, day_off
    status, no_night, _ = send(
        stack, "POST", f"{base}/requests", second, {"date": days[5], "kind": "shift_off", "shift": "N"}
    )
    assert status == 201 and no_night["shift_name"] == "大夜", no_night
    # one a day; another ward's nurse may not; a colleague's request is not hers to withdraw
    status, problem, _ = send(
        stack, "POST", f"{base}/requests", second, {"date": days[4], "kind": "shift_on", "shift": "D"}
    )
    assert status == 409, problem
    outsider = token(tenant, other_id, ["nurse"])
    assert send(stack, "POST", f"{base}/requests", outsider, {"date": days[1], "kind": "day_off"})[0] == 403
    assert send(stack, "DELETE", f"{base}/requests/{day_off['id']}", first)[0] == 403

    # the head nurse sees everyone's with names; a nurse her own
    status, listed, _ = send(stack, "GET", f"{base}/requests", head)
    assert status == 200 and len(listed["items"]) == 3, listed
    assert {(r["staff_name"], r["date"]) for r in listed["items"]} == {
        ("护士0", days[2]),
        ("护士1", days[4]),
        ("护士1", days[5]),
    }
    status, own, _ = send(stack, "GET", f"{base}/requests", first)
    assert status == 200 and [r["id"] for r in own["items"]] == [pinned_day["id"]]

    # the auto-roster weighs them, keeping the pinned cell
    status, job, _ = send(stack, "POST", f"{base}/solve", head, {"time_limit": 10})
    assert status == 202, job
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]
    status, grid, _ = send(stack, "GET", base, head)
    assert status == 200, grid
    shown = {r["id"]: r for n in grid["nurses"] for r in n["requests"]}
    assert set(shown) == {pinned_day["id"], day_off["id"], no_night["id"]}
    refused = shown[pinned_day["id"]]
    assert (refused["status"], refused["why"], refused["why_name"]) == (
        "refused",
        "pinned",
        "护士长已锁定该班次",
    )
    assert shown[day_off["id"]]["status"] == "granted" and shown[no_night["id"]]["status"] == "granted"
    second_row = next(n for n in grid["nurses"] if n["staff_id"] == nurse_ids[1])
    assert days[4] not in second_row["cells"] and second_row["cells"].get(days[5], {}).get("shift") != "N"
    # a nurse's grid shows her own requests only
    status, hers, _ = send(stack, "GET", base, second)
    assert {r["id"] for n in hers["nurses"] for r in n["requests"]} == {day_off["id"], no_night["id"]}

    # she withdraws one; once the deadline has passed, a nurse's request is 409, in Chinese when asked
    assert send(stack, "DELETE", f"{base}/requests/{no_night['id']}", second)[0] == 204
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    status, moved, _ = send(stack, "PATCH", base, head, {"request_deadline": yesterday})
    assert status == 200 and moved["request_deadline"] == yesterday and not moved["requests_open"], moved
    status, problem, _ = send(
        stack,
        "POST",
        f"{base}/requests",
        second,
        {"date": days[6], "kind": "day_off"},
        Accept_Language="zh-CN",
    )
    assert status == 409 and problem["detail"] == f"本排班周期的排班意愿已于 {yesterday} 截止", problem
