"""Auto-roster jobs over HTTP on the local stack: ``POST …/solve`` → 202 and a Location, the solver
function invoked through the Lambda Invoke API the stack serves, the job followed to its end.

The periods' ``ProblemSource`` is a fake put in ``service/wiring.problem_source`` (the one place the
real one is wired); the solve itself is real (a seven-nurse week)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from chalicelib.scheduling.service import wiring

from tests.unit.scheduling.fakes import FakeProblemSource
from tests.unit.scheduling.test_solve_jobs_service import small_problem


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
def source(monkeypatch: pytest.MonkeyPatch) -> FakeProblemSource:
    fake = FakeProblemSource(small_problem())
    monkeypatch.setattr(wiring, "problem_source", lambda: fake)
    return fake


def test_a_solve_from_post_to_a_succeeded_job_over_http(
    stack: Any, tenant: str, token: Callable[..., str], source: FakeProblemSource
) -> None:
    head = token(tenant, "u-head", ["head_nurse"])
    status, job, headers = send(
        stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 10}, Idempotency_Key="solve-1"
    )
    assert status == 202, job
    assert job["state"] == "queued" and job["time_limit"] == 10 and job["period_name"] == "3月第1周"
    location = headers["Location"]
    assert location == f"/scheduling/periods/p1/jobs/{job['id']}"
    # a retried POST (same key) answers the same job and starts nothing more
    again = send(
        stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 10}, Idempotency_Key="solve-1"
    )
    assert (again[0], again[1]["id"], again[2]["Location"]) == (202, job["id"], location)
    # another solve while this one is live: 409 naming it
    status, problem, _ = send(stack, "POST", "/scheduling/periods/p1/solve", head, {})
    assert status == 409 and job["id"] in problem["detail"]
    status, problem, _ = send(
        stack, "POST", "/scheduling/periods/p1/solve", head, {}, Accept_Language="zh-CN"
    )
    assert problem["detail"] == f"该排班周期已有自动排班在进行：任务 {job['id']}"

    # the solver function's invocation, run to its end (one per job, though the POST came twice)
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]

    status, done, _ = send(stack, "GET", location, head)
    assert status == 200, done
    assert (done["state"], done["percent"], done["result"], done["revision"], done["base_revision"]) == (
        "succeeded",
        100,
        "saved",
        2,
        1,
    )
    assert done["progress"] and done["cost"] == sum(
        cost
        for rule, cost in done["cost_by_rule"].items()
        if rule.startswith("S") or rule in ("hours", "fairness")
    )
    assert source.revision == 2 and source.saves[0][2] == f"auto-roster job {job['id']}"
    status, page, _ = send(stack, "GET", "/scheduling/periods/p1/jobs", head)
    assert status == 200 and [j["id"] for j in page["items"]] == [job["id"]]
    # ended: nothing to cancel; the period is free for the next solve
    status, problem, _ = send(stack, "POST", f"{location}/cancel", head, {})
    assert status == 409
    status, second, _ = send(stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 10})
    assert status == 202
    status, cancelled, _ = send(stack, "POST", f"/scheduling/periods/p1/jobs/{second['id']}/cancel", head, {})
    assert status == 200 and cancelled["state"] == "cancelled"
    assert stack.run_solver_jobs() == [{"job_id": second["id"], "outcome": "skipped"}]


def test_only_the_wards_rosterers_follow_its_jobs_and_another_hospital_finds_nothing(
    stack: Any, tenant: str, token: Callable[..., str], source: FakeProblemSource
) -> None:
    head = token(tenant, "u-head", ["head_nurse"])
    status, job, _ = send(stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 10})
    assert status == 202
    nurse = token(tenant, "u-nurse", ["nurse"])
    assert send(stack, "GET", f"/scheduling/periods/p1/jobs/{job['id']}", nurse)[0] == 403
    assert send(stack, "POST", "/scheduling/periods/p1/solve", nurse, {})[0] == 403
    other = token(f"{tenant}x", "u-head", ["head_nurse"])
    assert send(stack, "GET", f"/scheduling/periods/p1/jobs/{job['id']}", other)[0] == 404
    assert send(stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 5})[0] == 422
    stack.run_solver_jobs()


def test_under_fh_dev_each_job_runs_in_a_worker_process_of_its_own(
    stack: Any, tenant: str, token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker process runs the function's handler against the stack; the periods are not wired on
    this branch, so its job fails saying so (what matters here: another process ran it to its end)."""
    head = token(tenant, "u-head", ["head_nurse"])
    fake = FakeProblemSource(small_problem())
    monkeypatch.setattr(wiring, "problem_source", lambda: fake)  # in this (the API's) process only
    solver = stack.solver
    solver.deferred = False
    try:
        status, _, headers = send(stack, "POST", "/scheduling/periods/p1/solve", head, {"time_limit": 10})
        assert status == 202
        (worker,) = solver.workers
        assert worker.wait(timeout=120) == 0  # bounds a hang only
    finally:
        solver.deferred = True
        solver.stop()
    status, done, _ = send(stack, "GET", headers["Location"], head)
    assert (
        done["state"] == "failed" and done["started_at"] and done["reason"].startswith("the solver failed: ")
    )
