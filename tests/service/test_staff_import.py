"""Staff import jobs over the app: validation errors, progress, idempotent re-import.

The routes and the event path end to end on moto (slices through SQS, the directory on DynamoDB). The
job's rules in full (every refusal, slices and progress, full re-imports, mobiles and roles compared,
redelivered slices) are tested on the fakes in ``tests/unit/messaging/test_imports_service.py``."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.service.test_directory_api import Api, make_department


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def upload(api: Api, text: str, fmt: str = "csv") -> Any:
    body = {"format": fmt, "content_base64": base64.b64encode(text.encode()).decode(), "filename": "hr.csv"}
    return api.call("POST", "/imports", body)


def finished(api: Api, job_id: str, stack: Any) -> dict[str, Any]:
    """The job once the event path has run it slice by slice to the end."""
    stack.drain(max_rounds=1000)
    job = api.call("GET", f"/imports/{job_id}").json_body
    assert job["status"] == "done", job
    return dict(job)


def test_a_bad_file_is_refused_whole_with_row_and_column(messaging: Api) -> None:
    make_department(messaging, "心内科")
    resp = upload(messaging, "姓名,工号,科室\n张三,E1,心内科\n李四,E1,不存在科\n")
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json_body["errors"]}
    assert fields == {"rows[3].employee_no", "rows[3].department"}
    assert "nothing was imported" in resp.json_body["detail"]
    assert messaging.call("GET", "/staff").json_body["items"] == []
    assert upload(messaging, "%%%not base64").status_code == 422


def test_import_applies_in_slices_and_a_rerun_changes_nothing(
    messaging: Api, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.messaging.service import imports

    # Slices of 4 rows, so that ten rows take three slices through the event path (each slice's event
    # queues the next) without the cost of sixty staff records' events. Slices of the real size (60 rows
    # in 50 + 10) and full re-imports (60 unchanged; 59 + 1 changed) run on the fakes.
    monkeypatch.setattr(imports, "SLICE", 4)
    make_department(messaging, "心内科")
    make_department(messaging, "骨科")
    lines = ["姓名,工号,科室,职称,角色"]
    lines += [f"员工{i},E{i:04d},{'心内科' if i % 2 else '骨科'},护士,护士" for i in range(10)]
    text = "\n".join(lines) + "\n"

    started = upload(messaging, text)
    assert started.status_code == 202, started.body
    assert (started.json_body["total"], started.json_body["status"]) == (10, "queued")
    job = finished(messaging, started.json_body["id"], stack)
    assert (job["created"], job["updated"], job["unchanged"], job["percent"]) == (10, 0, 0, 100)
    staff = messaging.call("GET", "/staff?limit=200").json_body["items"]
    assert len(staff) == 10 and {s["roles"][0] for s in staff} == {"nurse"}

    # A re-import over DynamoDB's own records: what is the same stays, a changed title is an update.
    changed = "\n".join([lines[0], lines[1].replace(",护士,", ",主管护师,", 1), *lines[2:5]]) + "\n"
    again = finished(messaging, upload(messaging, changed).json_body["id"], stack)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 3)
    assert len(messaging.call("GET", "/staff?limit=200").json_body["items"]) == 10
