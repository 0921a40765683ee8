"""The patient's link over HTTP on moto, end to end: a doctor sends a link from a follow-up task; the
patient opens it and answers with no account; an abnormal answer does the task, makes the doctor's alert
task and ``followup.alert.raised``, and messaging puts the notification (a DING: the questionnaire is
urgent) in the doctor's inbox. A revoked or expired link is 401; a link opens nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.followup.adapters.dynamodb import DynamoStore

from tests.conftest import make_staff
from tests.service.followup_seed import read_task, seed_patient, seed_task

BP = {"answers": {"measured_on": "2026-12-05", "systolic": 182, "diastolic": 96}}
TITLE = "随访异常：张* 收缩压 182 mmHg（>160）"


def _hospital(stack: Any, tenant: str, admin: str) -> dict[str, Any]:
    _, card = stack.request("POST", "/messaging/departments", admin, {"name": "心内科"})
    _, surg = stack.request("POST", "/messaging/departments", admin, {"name": "普外科"})
    doctor = make_staff(stack, admin, card["id"], "李医生", "D1", ["doctor"])
    colleague = make_staff(stack, admin, card["id"], "王医生", "D2", ["doctor"])
    surgeon = make_staff(stack, admin, surg["id"], "赵医生", "D3", ["doctor"])
    for staff_id, user in ((doctor, "u-doc"), (colleague, "u-col"), (surgeon, "u-surg")):
        status, person = stack.request("GET", f"/messaging/staff/{staff_id}", admin)
        status, bound = stack.request(
            "PATCH", f"/messaging/staff/{staff_id}", admin, {"user_id": user, "version": person["version"]}
        )
        assert status == 200, bound
    return {
        "card": card["id"],
        "doctor": doctor,
        "colleague": colleague,
        "doc": stack.token(tenant, "u-doc", ["doctor"]),
        "col": stack.token(tenant, "u-col", ["doctor"]),
        "surg": stack.token(tenant, "u-surg", ["doctor"]),
    }


def _inbox(stack: Any, token: str) -> list[dict[str, Any]]:
    status, page = stack.request("GET", "/messaging/notifications/inbox", token)
    assert status == 200, page
    return [i for i in page["items"] if i["title"].startswith("随访异常")]


def test_an_abnormal_answer_through_the_link_reaches_the_doctor(
    clients: dict[str, Any], stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    pid = seed_patient(tenant, h["card"])
    task_id = seed_task(tenant, pid, h["card"], h["doctor"], "李医生")

    status, link = stack.request("POST", f"/followup/tasks/{task_id}/link", h["doc"], {})
    assert status == 201, link
    path = link["path"]
    assert path.startswith("/followup/p/") and link["url"].endswith(path)
    assert all(x not in path for x in (pid, tenant, "张", task_id))  # the URL names no one
    assert (link["patient_label"], link["questionnaire_id"]) == ("张*", "hypertension-bp")

    status, form = stack.request("GET", path)  # the patient's phone: no Authorization at all
    assert status == 200, form
    assert form["title"] == "高血压家庭血压监测" and form["patient_label"] == "张*"
    assert [i["id"] for i in form["items"]][:3] == ["measured_on", "systolic", "diastolic"]
    assert pid not in str(form) and not form["answered"]

    page = clients["followup"].http.get(path.removeprefix("/followup") + "/form", headers={})
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "高血压家庭血压监测" in page.body.decode() and pid not in page.body.decode()

    status, receipt = stack.request("POST", f"{path}/responses", None, BP)
    assert status == 201 and receipt["received"], receipt
    status, again = stack.request(
        "POST", f"{path}/responses", None, {"answers": {**BP["answers"], "systolic": 120}}
    )
    assert status == 409 and again["type"] == "urn:fh:problem:conflict", again

    done = read_task(tenant, task_id)
    assert done is not None and (done.state, done.outcome) == ("done", "reached")
    status, results = stack.request("GET", f"/followup/patients/{pid}/results", h["doc"])
    assert status == 200, results
    (response,) = results["responses"]
    assert response["abnormal"] and [f["text"] for f in response["findings"]] == ["收缩压 182 mmHg（>160）"]
    alert = read_task(tenant, response["alert_task_id"])
    assert alert is not None and (alert.kind, alert.doctor_id, alert.urgent, alert.title) == (
        "alert",
        h["doctor"],
        True,
        TITLE,
    )

    stack.drain()  # followup.alert.raised → messaging → notification.sent → the inbox
    (notice,) = _inbox(stack, h["doc"])
    assert notice["title"] == TITLE and notice["sender_name"] == "随访" and notice["ack_required"]
    assert _inbox(stack, h["col"]) == []  # only the responsible doctor
    # the read of the results is in the patient's access log
    entries = DynamoStore(tenant, None).access.page(pid, 20, None)[0]
    assert {"read:results", "link.create", "response.submit"} <= {e.action for e in entries}


def test_a_retried_alert_event_is_one_notification(stack: Any, tenant: str, admin: str) -> None:
    from chalicelib.messaging.consumers import FOLLOWUP_ALERTS
    from chalicelib.messaging.service import notifications

    from shared.events.consumer import handle_once
    from shared.events.published.followup import FOLLOWUP_ALERT_RAISED, AlertRaised

    h = _hospital(stack, tenant, admin)
    event = FOLLOWUP_ALERT_RAISED.envelope(
        tenant,
        AlertRaised(
            alert_id="p1-a1",
            patient_id="p1",
            patient_label="王*",
            task_id="p1-a1",
            department_id=h["card"],
            notify=[h["doctor"], h["colleague"]],
            title="随访异常：王* 血肌酐 180 µmol/L（>133）",
        ),
    )
    assert handle_once(FOLLOWUP_ALERTS, event, notifications.from_followup_alert)
    assert not handle_once(FOLLOWUP_ALERTS, event, notifications.from_followup_alert)
    stack.drain()
    for token in (h["doc"], h["col"]):
        assert [i["title"] for i in _inbox(stack, token)] == ["随访异常：王* 血肌酐 180 µmol/L（>133）"]


def test_a_revoked_or_expired_link_is_401_and_an_unknown_one_the_same(
    stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    pid = seed_patient(tenant, h["card"])
    task_id = seed_task(tenant, pid, h["card"], h["doctor"], "李医生")
    _, first = stack.request("POST", f"/followup/tasks/{task_id}/link", h["doc"], {"days": 3})
    _, second = stack.request("POST", f"/followup/tasks/{task_id}/link", h["doc"], {})

    # the surgeon does not reach the patient: the link is not found for her, by any id
    status, body = stack.request("DELETE", f"/followup/links/{first['id']}", h["surg"])
    assert status == 404 and pid not in str(body), body
    status, _ = stack.request("DELETE", f"/followup/links/{first['id']}", h["doc"])
    assert status == 204
    status, body = stack.request("GET", first["path"])
    assert status == 401 and body["type"] == "urn:fh:problem:unauthorized", body
    status, body = stack.request("POST", f"{first['path']}/responses", None, BP)
    assert status == 401, body

    # expired: the link's end moved into the past (as seven days passing would)
    store = DynamoStore(tenant, None)
    link = store.links.get(second["id"])
    assert link is not None
    from shared.auth import Principal
    from shared.errors import Conflict
    from shared.persistence.uow import UnitOfWork

    who = Principal(tenant=tenant, user="clock", kind="service")
    with UnitOfWork("followup", who, "t") as uow:
        DynamoStore(tenant, uow, who).links.save(
            link.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(seconds=1)}), Conflict("x")
        )
        uow.commit()
    expired = stack.request("GET", second["path"])
    unknown = stack.request("GET", "/followup/p/" + "A" * 54)
    malformed = stack.request("GET", "/followup/p/abc")
    for status, body in (expired, unknown, malformed):
        assert status == 401 and body["type"] == "urn:fh:problem:unauthorized", body
    assert expired[1]["detail"] == unknown[1]["detail"] == malformed[1]["detail"]  # nothing told apart


def test_a_link_opens_only_its_own_questionnaire_and_is_no_bearer_token(
    stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    mine, theirs = seed_patient(tenant, h["card"]), seed_patient(tenant, h["card"], "李*")
    _, link = stack.request(
        "POST", f"/followup/tasks/{seed_task(tenant, mine, h['card'], h['doctor'])}/link", h["doc"], {}
    )
    other_task = seed_task(tenant, theirs, h["card"], h["doctor"], detail={}, label="李*")
    _, other = stack.request(
        "POST", f"/followup/tasks/{other_task}/link", h["doc"], {"questionnaire_id": "discharge-d7"}
    )
    token = link["path"].rsplit("/", 1)[1]
    assert stack.request("GET", link["path"])[1]["patient_label"] == "张*"
    assert stack.request("GET", other["path"])[1]["title"] == "出院后第7天随访问卷"
    # the token as a bearer token is nobody: every other route refuses it
    for method, route in (
        ("GET", f"/followup/patients/{mine}/results"),
        ("GET", f"/followup/patients/{theirs}/results"),
        ("POST", f"/followup/tasks/{other_task}/link"),
        ("DELETE", f"/followup/links/{other['id']}"),
        ("GET", "/followup/questionnaires"),
        ("GET", "/messaging/notifications/inbox"),
    ):
        status, body = stack.request(method, route, token, {} if method == "POST" else None)
        assert status == 401, (route, status, body)
    # ... and so does every protected route of every service (swept from the registry)
    from tests.quality.surface import all_routes, fill

    for route in [r for r in all_routes() if not r.public]:
        url = f"/{route.service}" + fill(route.path, {p: mine for p in route.path_params})
        status, body = stack.request(route.method, url, token, {} if route.body is not None else None)
        assert status == 401, (route.method, url, status, body)
    # the other patient's link still works (nothing of it was reached) and names only its own patient
    status, form = stack.request("GET", other["path"])
    assert status == 200 and form["patient_label"] == "李*" and "张" not in str(form)


def test_a_link_is_rate_limited_with_retry_after(
    clients: dict[str, Any], stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    pid = seed_patient(tenant, h["card"])
    _, link = stack.request(
        "POST", f"/followup/tasks/{seed_task(tenant, pid, h['card'], h['doctor'])}/link", h["doc"], {}
    )
    http = clients["followup"].http
    path = link["path"].removeprefix("/followup")
    statuses = [http.get(path).status_code for _ in range(31)]
    if statuses[-1] == 429:
        assert statuses[:30].count(200) >= 29, statuses
    else:
        # The minute turned over mid-way (a loaded machine): the new minute already counts some of these,
        # so the next requests are let through until its 30th, then refused, and only refused after.
        more = [http.get(path).status_code for _ in range(31)]
        assert 429 in more, more
        first = more.index(429)
        assert set(more[:first]) <= {200} and set(more[first:]) == {429}, more
    limited = http.get(path)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60


def test_lab_values_from_the_lab_system_alert_and_only_reaching_staff_write_them(
    stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    pid = seed_patient(tenant, h["card"])
    lab = stack.token(tenant, "lis", [], kind="service", scopes=["followup:results:write"])
    value = {
        "code": "tacrolimus_trough",
        "value": 14.2,
        "unit": "ng/mL",
        "taken_at": "2026-12-05T08:00:00+08:00",
    }
    status, seen = stack.request("POST", f"/followup/patients/{pid}/observations", lab, value)
    assert status == 201, seen
    assert (
        seen["abnormal"]
        and seen["finding"] == "他克莫司谷浓度 14.2 ng/mL（>10）"
        and seen["loinc"] == "11253-8"
    )
    # no responsible doctor on a value without a task: the department's doctors are told (a DING)
    stack.drain()
    for token in (h["doc"], h["col"]):
        assert [i["title"] for i in _inbox(stack, token)] == [
            "随访异常：张* 他克莫司谷浓度 14.2 ng/mL（>10）"
        ]
    nobody = stack.token(tenant, "other-system", [], kind="service", scopes=[])
    status, body = stack.request("POST", f"/followup/patients/{pid}/observations", nobody, value)
    assert status == 403, body
    status, body = stack.request("POST", f"/followup/patients/{pid}/observations", h["surg"], value)
    assert status == 404 and pid not in str(body), body
    status, body = stack.request("GET", f"/followup/patients/{pid}/results", h["surg"])
    assert status == 404 and pid not in str(body), body


def test_questionnaires_are_written_by_admins_and_a_bad_condition_is_named(
    stack: Any, tenant: str, admin: str
) -> None:
    h = _hospital(stack, tenant, admin)
    body = {
        "id": "bp-weekly",
        "title": "每周血压随访",
        "items": [{"id": "a", "kind": "number", "label": "收缩压", "show_if": {"item": "ghost", "above": 1}}],
    }
    status, refused = stack.request("POST", "/followup/questionnaires", admin, body)
    assert status == 422, refused
    assert (
        refused["errors"][0]["field"] == "items[0].show_if.item"
        and "ghost" in refused["errors"][0]["message"]
    )
    body["items"][0].pop("show_if")
    status, made = stack.request("POST", "/followup/questionnaires", admin, body)
    assert status == 201 and made["version"] == 1, made
    status, _ = stack.request("POST", "/followup/questionnaires", h["doc"], {**body, "id": "mine"})
    assert status == 403
    status, page = stack.request("GET", "/followup/questionnaires", h["doc"])
    assert [q["id"] for q in page["items"]] == ["bp-weekly"]
    assert {q["id"] for q in page["builtin"]} == {"discharge-d7", "hypertension-bp"}
    definition = {k: v for k, v in body.items() if k != "id"}
    status, changed = stack.request(
        "PUT", "/followup/questionnaires/bp-weekly", admin, {**definition, "title": "每周血压", "version": 1}
    )
    assert status == 200 and changed["version"] == 2, changed
    status, stale = stack.request(
        "PUT", "/followup/questionnaires/bp-weekly", admin, {**definition, "version": 1}
    )
    assert status == 409, stale


def test_answers_sent_at_once_are_one_response_and_one_alert(stack: Any, tenant: str, admin: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    h = _hospital(stack, tenant, admin)
    pid = seed_patient(tenant, h["card"])
    _, link = stack.request(
        "POST", f"/followup/tasks/{seed_task(tenant, pid, h['card'], h['doctor'])}/link", h["doc"], {}
    )
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(
            pool.map(lambda _: stack.request("POST", f"{link['path']}/responses", None, BP), range(5))
        )
    assert sorted(status for status, _ in answers) == [201, 409, 409, 409, 409], answers
    assert {body["detail"] for status, body in answers if status == 409} == {
        "this questionnaire has been answered already"
    }
    status, results = stack.request("GET", f"/followup/patients/{pid}/results", h["doc"])
    assert status == 200 and len(results["responses"]) == 1, results
    stack.drain()
    assert len(_inbox(stack, h["doc"])) == 1
