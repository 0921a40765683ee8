"""A chronic patient asks for a revisit through their link, over HTTP on moto: the doctor makes the link,
the patient opens it without an account and asks, the department's doctors get a work notification, a
second request while the first waits is a 409, and a revoked link is a 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import make_staff
from tests.service.followup_world import department, put_patient


def test_a_patient_asks_through_the_link_and_the_doctors_are_told(
    stack: Any, tenant: str, admin: str, token: Callable[..., str]
) -> None:
    dept = department(stack, admin, "心血管内科")
    doctors = [make_staff(stack, admin, dept, f"医生{n}", f"RL{n}", ["doctor"]) for n in range(2)]
    put_patient(tenant, "p1", dept, "心血管内科")
    doctor = token(tenant, doctors[0], ["doctor"])

    status, link = stack.request("POST", "/followup/patients/p1/revisit-link", doctor, {})
    assert status == 201, link
    assert (link["patient_label"], link["department_name"]) == ("张*", "心血管内科")
    assert "p1" not in link["path"] and link["path"].endswith("/revisit")
    page_path = link["path"]
    ask_path = page_path.removesuffix("/revisit") + "/revisits"

    status, page = stack.request("GET", page_path, None)
    assert status == 200, page
    assert (page["patient_label"], page["can_ask"], [a["label"] for a in page["asks"]]) == (
        "张*",
        True,
        ["续方", "预约复诊", "咨询"],
    )
    status, receipt = stack.request("POST", ask_path, None, {"ask": "renew", "text": "苯磺酸氨氯地平 5mg"})
    assert status == 201 and receipt["state"] == "pool", receipt
    again = stack.request("POST", ask_path, None, {"ask": "book", "text": "下周复诊"})
    assert again[0] == 409, again
    assert stack.request("GET", page_path, None)[1]["latest"]["state_label"] == "等待医生接单"

    stack.drain()
    status, pool = stack.request("GET", f"/followup/revisits?department_id={dept}", doctor)
    (request,) = pool["items"]
    assert (request["channel"], request["summary"]) == ("link", "续方：苯磺酸氨氯地平 5mg")
    status, inbox = stack.request(
        "GET", "/messaging/notifications/inbox", token(tenant, doctors[1], ["doctor"])
    )
    assert [i for i in inbox["items"] if i["title"].startswith("慢病复诊待抢单")], inbox

    # the link is no bearer token, and a revoked one asks nothing more
    token_value = page_path.split("/p/", 1)[1].removesuffix("/revisit")
    assert stack.request("GET", "/followup/revisits", token_value)[0] == 401
    assert stack.request("DELETE", f"/followup/links/{link['id']}", doctor)[0] == 204
    assert stack.request("GET", page_path, None)[0] == 401
    assert stack.request("POST", ask_path, None, {"ask": "book", "text": "下周复诊"})[0] == 401
