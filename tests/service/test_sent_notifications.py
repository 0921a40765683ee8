"""``GET /notifications/sent`` over HTTP on moto: what I sent, newest first, with the counts as the
fan-out and the recipients move them; nobody else's, and not the literal path taken for an id.

The rules are tested on the fakes in ``tests/unit/messaging/test_sent_notifications_service.py``; the
store's method in ``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from typing import Any

from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


def test_the_notifications_i_sent(
    clients: dict[str, Any], admin: str, token: Any, tenant: str, stack: Any
) -> None:
    api = Api(clients["messaging"], admin)
    ward = make_department(api, "心内一病区")
    add_staff(api, ward["id"], "护士长", "H1", user_id="head", roles=["head_nurse"])
    nurses = [add_staff(api, ward["id"], f"护士{i}", f"N{i}", user_id=f"nurse-{i}") for i in range(2)]
    head = Api(clients["messaging"], token(tenant, "head", ["head_nurse"]))
    body = {"title": "交班提醒", "body": "请按时交班", "ack_required": True}
    first = head.call("POST", "/notifications", {**body, "to": {"staff_ids": [n["id"] for n in nurses]}})
    assert first.status_code == 202, first.body
    second = head.call(
        "POST", "/notifications", {**body, "title": "停电", "to": {"staff_ids": [nurses[0]["id"]]}}
    )
    assert second.status_code == 202, second.body
    stack.drain()
    nurse = Api(clients["messaging"], token(tenant, "nurse-0", ["nurse"]))
    assert nurse.call("POST", f"/notifications/{first.json_body['id']}/ack").status_code == 200

    page = head.call("GET", "/notifications/sent")
    assert page.status_code == 200, page.body
    newest, oldest = page.json_body["items"]
    assert (newest["id"], newest["title"], newest["recipient_count"]) == (second.json_body["id"], "停电", 1)
    assert (oldest["id"], oldest["status"]) == (first.json_body["id"], "delivered")
    counts = (oldest["recipient_count"], oldest["delivered_count"], oldest["read_count"], oldest["ack_count"])
    assert counts == (2, 2, 1, 1)
    detail = head.call("GET", f"/notifications/{first.json_body['id']}").json_body
    assert counts == (
        detail["recipient_count"],
        detail["delivered_count"],
        detail["read_count"],
        detail["ack_count"],
    )

    one = head.call("GET", "/notifications/sent?limit=1").json_body
    assert [i["id"] for i in one["items"]] == [second.json_body["id"]] and one["next_cursor"]
    assert nurse.call("GET", "/notifications/sent").json_body == {"items": [], "next_cursor": None}
    theirs = nurse.call("GET", f"/notifications/sent?cursor={one['next_cursor']}")
    assert theirs.status_code == 422 and theirs.headers["Content-Type"] == "application/problem+json"
    elsewhere = Api(clients["messaging"], token("t-elsewhere", "head", ["head_nurse"]))
    # the same sign-in name in another hospital: nothing of this one's
    assert elsewhere.call("GET", "/notifications/sent").json_body == {"items": [], "next_cursor": None}
