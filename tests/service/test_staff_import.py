"""Staff imports over the app: upload → preview (nothing applied) → confirm → applied, on moto.

The routes and the event path end to end (slices through SQS, the directory on DynamoDB). The rules in
full (absent columns, corrections, unit paths, errors, expiry, conflicts, redelivered slices, messages in
either language) are tested on the fakes in ``tests/unit/messaging/test_imports_service.py`` and
``tests/unit/test_staff_import.py``."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.service.test_directory_api import Api, make_department


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def upload(api: Api, text: str, fmt: str = "csv", lang: str = "en") -> Any:
    body = {"format": fmt, "content_base64": base64.b64encode(text.encode()).decode(), "filename": "hr.csv"}
    return api.call("POST", "/imports", body, headers={"Accept-Language": lang})


def settled(
    api: Api, job_id: str, stack: Any, status: str, query: str = "", lang: str = "en"
) -> dict[str, Any]:
    """The job once the event path has run its slices to the end."""
    stack.drain(max_rounds=1000)
    job = api.call("GET", f"/imports/{job_id}{query}", headers={"Accept-Language": lang}).json_body
    assert job["status"] == status, job
    return dict(job)


def staff(api: Api) -> dict[str, dict[str, Any]]:
    return {s["employee_no"]: s for s in api.call("GET", "/staff?limit=200").json_body["items"]}


def test_a_file_that_cannot_be_imported_is_refused_whole_in_chinese(messaging: Api) -> None:
    resp = upload(messaging, "姓名,科室\n张三,心内科\n", lang="zh-CN,zh;q=0.9")
    assert resp.status_code == 422
    assert [(e["field"], e["message"]) for e in resp.json_body["errors"]] == [
        ("rows[1].employee_no", "缺少“工号”列")
    ]
    assert upload(messaging, "%%%not base64").status_code == 422
    assert staff(messaging) == {}


def test_an_import_is_previewed_then_applied_once_confirmed(
    messaging: Api, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.messaging.service import imports

    # Slices of 4 rows, so that ten rows take three slices through the event path (each slice's event
    # queues the next) in each phase. Slices of the real size run on the fakes.
    monkeypatch.setattr(imports, "SLICE", 4)
    internal = make_department(messaging, "内科")
    surgery = make_department(messaging, "外科")
    make_department(messaging, "心血管内科", parent_id=internal["id"])
    make_department(messaging, "心血管内科", parent_id=surgery["id"])
    make_department(messaging, "骨科")
    lines = ["姓名,工号,科室,职称,角色"]
    lines += [f"员工{i},E{i:04d},{'内科/心血管内科' if i % 2 else '骨科'},护士,护士" for i in range(10)]
    first = upload(messaging, "\n".join(lines) + "\n")
    assert first.status_code == 202, first.body
    assert (first.json_body["total"], first.json_body["status"]) == (10, "previewing")
    assert staff(messaging) == {}
    preview = settled(messaging, first.json_body["id"], stack, "preview")
    assert preview["summary"] == {"create": 10, "update": 0, "unchanged": 0, "error": 0}
    assert staff(messaging) == {}  # a preview applies nothing
    assert (preview["page"], preview["pages"], len(preview["rows"])) == (1, 3, 4)
    job_id = preview["id"]
    confirmed = messaging.call("POST", f"/imports/{job_id}/confirm", {})
    assert confirmed.status_code == 202, confirmed.body
    assert confirmed.json_body["status"] == "queued"
    done = settled(messaging, job_id, stack, "done", query="?page=3")
    assert (done["created"], done["percent"], [r["outcome"] for r in done["rows"]]) == (
        10,
        100,
        ["applied"] * 2,
    )
    again = messaging.call("POST", f"/imports/{job_id}/confirm", {})
    assert (again.status_code, again.json_body["status"], again.json_body["created"]) == (202, "done", 10)
    people = staff(messaging)
    assert len(people) == 10 and {tuple(s["roles"]) for s in people.values()} == {("nurse",)}

    # A second file, in Chinese: no 角色 column (roles stay), a rename that is not a correction, a shared
    # unit name, and a title change; the person changed meanwhile is a conflict on confirmation.
    text = (
        "姓名,工号,科室,职称\n"
        "员工0,E0000,骨科,主管护师\n"
        "李四,E0001,内科/心血管内科,护士\n"
        "员工2,E0002,心血管内科,护士\n"
        "员工3,E0003,外科/心血管内科,护士\n"
    )
    second = upload(messaging, text, lang="zh").json_body["id"]
    preview = settled(messaging, second, stack, "preview", lang="zh-CN")
    assert preview["summary"] == {"create": 0, "update": 2, "unchanged": 0, "error": 2}
    rows = {r["employee_no"]: r for r in preview["rows"]}
    assert [(c["label"], c["before"], c["after"]) for c in rows["E0000"]["changes"]] == [
        ("职称", "护士", "主管护师")
    ]
    assert rows["E0001"]["errors"][0]["message"].startswith("工号 E0001 属于 员工1，此行为 李四")
    assert "内科/心血管内科" in rows["E0002"]["errors"][0]["message"]
    assert "外科/心血管内科" in rows["E0002"]["errors"][0]["message"]
    assert [(c["field"], c["before"], c["after"]) for c in rows["E0003"]["changes"]] == [
        ("department", "内科/心血管内科", "外科/心血管内科")
    ]
    assert messaging.call("POST", f"/imports/{second}/confirm", {}).status_code == 409
    zero = people["E0000"]
    patched = messaging.call("PATCH", f"/staff/{zero['id']}", {"version": zero["version"], "title": "护师"})
    assert patched.status_code == 200, patched.body
    assert messaging.call("POST", f"/imports/{second}/confirm", {"skip_errors": True}).status_code == 202
    done = settled(messaging, second, stack, "done")
    assert (done["updated"], done["conflicts"], done["skipped"]) == (1, 1, 2)
    assert [r["outcome"] for r in done["rows"]] == ["conflict", "skipped", "skipped", "applied"]
    people = staff(messaging)
    assert people["E0000"]["title"] == "护师"  # the change made after the preview stands
    assert people["E0001"]["name"] == "员工1"
    assert {tuple(s["roles"]) for s in people.values()} == {("nurse",)}


def test_only_a_hospital_admin_of_the_same_hospital_reads_or_confirms(
    messaging: Api, clients: dict[str, Any], token: Any, tenant: str, stack: Any
) -> None:
    make_department(messaging, "骨科")
    job_id = upload(messaging, "姓名,工号,科室\n张三,E1,骨科\n").json_body["id"]
    stack.drain(max_rounds=100)
    nurse = Api(clients["messaging"], token(tenant, "n1", ["nurse"]))
    assert nurse.call("POST", f"/imports/{job_id}/confirm", {}).status_code == 403
    elsewhere = Api(clients["messaging"], token("t-elsewhere-imp", "a1", ["hospital_admin"]))
    assert elsewhere.call("POST", f"/imports/{job_id}/confirm", {}).status_code == 404
    assert elsewhere.call("GET", f"/imports/{job_id}").status_code == 404
    assert staff(messaging) == {}
