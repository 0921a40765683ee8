"""Auto-roster jobs over HTTP on the local stack: ``POST …/solve`` → 202 and a Location, the solver
function invoked through the Lambda Invoke API the stack serves, the job followed to its end.

Everything is real: a ward of seven nurses made in the directory, a week's period, the periods'
``ProblemSource`` and the engine."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import make_staff


def send(
    stack: Any, method: str, path: str, token: str, body: Any = None, **headers: str
) -> tuple[int, Any, Any]:
    """(status, body, headers) of a real HTTP request to the stack's gateway."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.url + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    for key, value in headers.items():
        request.add_header(key.replace("_", "-"), value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
    return status, (json.loads(raw) if raw else None), got


@pytest.fixture
def ward(stack: Any, tenant: str, admin: str) -> dict[str, Any]:
    """心内科病区: a head nurse and seven nurses (three of them N3), and a draft for a week of January."""
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "内科"})
    status, unit = stack.request(
        "POST",
        "/messaging/departments",
        admin,
        {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]},
    )
    assert status == 201, unit
    head = make_staff(stack, admin, unit["id"], "王护士长", "SJ0", ["head_nurse"])
    nurses = [make_staff(stack, admin, unit["id"], f"护士{i}", f"SJ{i + 1}", ["nurse"]) for i in range(7)]
    stack.drain()  # staff.created → scheduling's projection
    body = {"ward_ids": [unit["id"]], "start": "2027-01-04", "end": "2027-01-10"}
    status, period = stack.request("POST", "/scheduling/periods", admin, body)
    assert status == 201, period
    return {"id": unit["id"], "head": head, "nurses": nurses, "period": period}


def test_a_solve_from_post_to_a_succeeded_job_over_http(
    stack: Any, tenant: str, token: Callable[..., str], ward: dict[str, Any]
) -> None:
    head = token(tenant, ward["head"], ["head_nurse"])
    period = ward["period"]
    base = f"/scheduling/periods/{period['id']}"
    status, job, headers = send(
        stack, "POST", f"{base}/solve", head, {"time_limit": 10}, Idempotency_Key="solve-1"
    )
    assert status == 202, job
    assert job["state"] == "queued" and job["time_limit"] == 10 and job["period_name"] == period["name"]
    location = headers["Location"]
    assert location == f"{base}/jobs/{job['id']}"
    # a retried POST (same key) answers the same job and starts nothing more
    again = send(stack, "POST", f"{base}/solve", head, {"time_limit": 10}, Idempotency_Key="solve-1")
    assert (again[0], again[1]["id"], again[2]["Location"]) == (202, job["id"], location)
    # another solve while this one is live: 409 naming it
    status, problem, _ = send(stack, "POST", f"{base}/solve", head, {})
    assert status == 409 and job["id"] in problem["detail"]
    status, problem, _ = send(stack, "POST", f"{base}/solve", head, {}, Accept_Language="zh-CN")
    assert problem["detail"] == f"该排班周期已有自动排班在进行：任务 {job['id']}"

    # the solver function's invocation, run to its end (one per job, though the POST came twice)
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]

    status, done, _ = send(stack, "GET", location, head)
    assert status == 200, done
    assert (done["state"], done["percent"], done["result"]) == ("succeeded", 100, "saved")
    assert done["revision"] == done["base_revision"] + 1
    assert done["progress"] and done["cost"] == sum(
        cost
        for rule, cost in done["cost_by_rule"].items()
        if rule.startswith("S") or rule in ("hours", "fairness")
    )
    # the result is the period's draft: every nurse rostered, every shift covered at its minimum
    status, grid, _ = send(stack, "GET", base, head)
    assert status == 200 and grid["period"]["revision"] == done["revision"], grid
    worked = {n["staff_id"] for n in grid["nurses"] if n["cells"]}
    assert set(ward["nurses"]) <= worked
    assert grid["below_minimum"] == 0 and all(c["count"] >= c["minimum"] for c in grid["coverage"])
    status, page, _ = send(stack, "GET", f"{base}/jobs", head)
    assert status == 200 and [j["id"] for j in page["items"]] == [job["id"]]
    # ended: nothing to cancel; the period is free for the next solve
    status, problem, _ = send(stack, "POST", f"{location}/cancel", head, {})
    assert status == 409
    status, second, _ = send(stack, "POST", f"{base}/solve", head, {"time_limit": 10})
    assert status == 202
    status, cancelled, _ = send(stack, "POST", f"{base}/jobs/{second['id']}/cancel", head, {})
    assert status == 200 and cancelled["state"] == "cancelled"
    assert stack.run_solver_jobs() == [{"job_id": second["id"], "outcome": "skipped"}]


def test_stop_and_keep_the_best_over_http(
    stack: Any, tenant: str, token: Callable[..., str], ward: dict[str, Any]
) -> None:
    """A head nurse who asks for ten minutes and stops at once gets the best roster found by then as
    the draft, not nothing and not a ten-minute wait."""
    head = token(tenant, ward["head"], ["head_nurse"])
    base = f"/scheduling/periods/{ward['period']['id']}"
    status, job, headers = send(stack, "POST", f"{base}/solve", head, {"time_limit": 600})
    assert status == 202, job
    location = headers["Location"]
    nurse = token(tenant, ward["nurses"][0], ["nurse"])
    assert send(stack, "POST", f"{location}/stop", nurse, {})[0] == 403
    assert (
        send(stack, "POST", f"{location}/stop", token(f"{tenant}x", ward["head"], ["head_nurse"]), {})[0]
        == 404
    )
    status, asked, _ = send(stack, "POST", f"{location}/stop", head, {})
    assert status == 200 and (asked["state"], asked["stop_requested"]) == ("queued", True), asked
    assert asked["stop_requested_by"] == "王护士长"
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]
    status, done, _ = send(stack, "GET", location, head, Accept_Language="zh-CN")
    assert (done["state"], done["result"]) == ("succeeded", "saved"), done
    assert done["reason"].startswith("已由 王护士长 在第 ") and done["reason"].endswith(
        "秒停止：保留此时找到的最佳排班"
    )
    status, grid, _ = send(stack, "GET", base, head)
    assert grid["period"]["revision"] == done["revision"] and grid["below_minimum"] == 0
    status, problem, got = send(stack, "POST", f"{location}/stop", head, {}, Accept_Language="zh-CN")
    assert status == 409 and got["Content-Type"] == "application/problem+json"
    assert "无可停止" in problem["detail"]


def test_only_the_wards_rosterers_follow_its_jobs_and_another_hospital_finds_nothing(
    stack: Any, tenant: str, token: Callable[..., str], ward: dict[str, Any]
) -> None:
    head = token(tenant, ward["head"], ["head_nurse"])
    base = f"/scheduling/periods/{ward['period']['id']}"
    status, job, _ = send(stack, "POST", f"{base}/solve", head, {"time_limit": 10})
    assert status == 202
    nurse = token(tenant, ward["nurses"][0], ["nurse"])
    assert send(stack, "GET", f"{base}/jobs/{job['id']}", nurse)[0] == 403
    assert send(stack, "POST", f"{base}/solve", nurse, {})[0] == 403
    # a head nurse of another ward of the same hospital rosters hers, not this one
    _, other_unit = stack.request(
        "POST", "/messaging/departments", token(tenant, "admin-1", ["hospital_admin"]), {"name": "呼吸科病区"}
    )
    elsewhere = make_staff(
        stack,
        token(tenant, "admin-1", ["hospital_admin"]),
        other_unit["id"],
        "李护士长",
        "SJX",
        ["head_nurse"],
    )
    assert send(stack, "GET", f"{base}/jobs/{job['id']}", token(tenant, elsewhere, ["head_nurse"]))[0] == 403
    other = token(f"{tenant}x", ward["head"], ["head_nurse"])
    assert send(stack, "GET", f"{base}/jobs/{job['id']}", other)[0] == 404
    assert send(stack, "POST", f"{base}/solve", head, {"time_limit": 5})[0] == 422
    stack.run_solver_jobs()


def test_under_fh_dev_each_job_runs_in_a_worker_process_of_its_own(
    stack: Any, tenant: str, token: Callable[..., str], ward: dict[str, Any]
) -> None:
    """The worker process runs the function's handler against the stack, to the job's end."""
    head = token(tenant, ward["head"], ["head_nurse"])
    base = f"/scheduling/periods/{ward['period']['id']}"
    solver = stack.solver
    solver.deferred = False
    try:
        status, _, headers = send(stack, "POST", f"{base}/solve", head, {"time_limit": 10})
        assert status == 202
        (worker,) = solver.workers
        assert worker.wait(timeout=120) == 0  # bounds a hang only
    finally:
        solver.deferred = True
        solver.stop()
    status, done, _ = send(stack, "GET", headers["Location"], head)
    assert done["state"] == "succeeded" and done["result"] == "saved", done
    assert worker.pid != __import__("os").getpid()
