"""``GET /conversations`` over HTTP on moto: a person's conversations (their department's group through
the event path too), newest activity first, named for a person, with the newest message's preview and
unread; nobody else's, and nothing of another hospital.

The rules are tested on the fakes in ``tests/unit/messaging/test_conversation_list_service.py``; the
store's methods in ``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from typing import Any

from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


def test_my_conversations_list(
    clients: dict[str, Any], admin: str, token: Any, tenant: str, stack: Any
) -> None:
    api = Api(clients["messaging"], admin)
    dept = make_department(api, "呼吸科")
    staff, apis = {}, {}
    for user, name in (("wang", "王芳"), ("li", "李娜"), ("zhao", "赵敏")):
        staff[user] = add_staff(api, dept["id"], name, user.upper(), user_id=user)
        apis[user] = Api(clients["messaging"], token(tenant, user, ["nurse"]))
    stack.drain()  # the department's group, and everyone in it

    wang, li = apis["wang"], apis["li"]
    direct = wang.call("POST", "/conversations", {"kind": "direct", "member_ids": [staff["li"]["id"]]})
    assert direct.status_code == 201, direct.body
    cid = direct.json_body["id"]
    assert wang.call("POST", f"/conversations/{cid}/messages", {"text": "下午交班吗？"}).status_code == 201

    page = li.call("GET", "/conversations")
    assert page.status_code == 200, page.body
    first, group = page.json_body["items"]
    assert (first["id"], first["kind"], first["name"], first["unread"]) == (cid, "direct", "王芳", True)
    assert first["last_message"]["sender_name"] == "王芳"
    assert first["last_message"]["text"] == "下午交班吗？"
    assert (group["kind"], group["name"], group["last_message"]) == ("department", "呼吸科", None)

    # reading it clears unread; a recall leaves no text in anyone's list
    mid = first["last_message"]["id"]
    assert li.call("POST", f"/conversations/{cid}/read", {"message_id": mid}).status_code == 204
    assert li.call("GET", "/conversations").json_body["items"][0]["unread"] is False
    assert wang.call("POST", f"/conversations/{cid}/messages/{mid}/recall").status_code == 200
    line = wang.call("GET", "/conversations?limit=1").json_body
    assert line["items"][0]["last_message"]["text"] is None and line["next_cursor"]
    rest = wang.call("GET", f"/conversations?limit=1&cursor={line['next_cursor']}").json_body
    assert [i["kind"] for i in rest["items"]] == ["department"]

    # zhao is in the department group only; another hospital's wang has nothing; bad input is a problem
    assert [i["kind"] for i in apis["zhao"].call("GET", "/conversations").json_body["items"]] == [
        "department"
    ]
    elsewhere = Api(clients["messaging"], token("t-elsewhere", "wang", ["nurse"]))
    assert elsewhere.call("GET", "/conversations").status_code in (403, 404)  # no such person there
    refused = li.call("GET", f"/conversations?cursor={line['next_cursor']}")  # wang's cursor
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert li.call("GET", "/conversations?limit=51").status_code == 422
