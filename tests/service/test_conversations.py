"""Conversations over HTTP and the event path, on moto: start → message → history, recall, read marks
and receipts, sync, department groups following the directory, attachments through real presigned S3
URLs and pushes to registered SNS endpoints, each route family's status codes and a refusal as
problem+json.

The rules (who may start what with whom, who reaches a conversation, recall's sender and window, read
marks naming a message and only moving forward, sync's order and settling window, attachments belonging
to their conversation and stored under a safe name) are tested on the fakes in
``tests/unit/messaging/test_conversations_service.py``; the DynamoDB store's behaviour in
``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


@pytest.fixture
def people(
    clients: dict[str, Any], admin: str, token: Any, tenant: str
) -> dict[str, tuple[dict[str, Any], Api]]:
    api = Api(clients["messaging"], admin)
    dept = make_department(api, "呼吸科")
    out = {}
    for user in ("wang", "li", "zhao"):
        staff = add_staff(api, dept["id"], user, user.upper(), user_id=user)
        out[user] = (staff, Api(clients["messaging"], token(tenant, user, ["nurse"])))
    return out


def test_direct_conversation_is_one_and_only_members_see_it(people: dict[str, Any]) -> None:
    (_, wang_api), (li, li_api), (_, zhao_api) = people["wang"], people["li"], people["zhao"]
    first = wang_api.call("POST", "/conversations", {"kind": "direct", "member_ids": [li["id"]]})
    assert first.status_code == 201
    cid = first.json_body["id"]
    sent = wang_api.call("POST", f"/conversations/{cid}/messages", {"text": "今晚换班吗？"})
    assert sent.status_code == 201
    assert [m["text"] for m in li_api.call("GET", f"/conversations/{cid}/messages").json_body["items"]] == [
        "今晚换班吗？"
    ]
    assert zhao_api.call("GET", f"/conversations/{cid}/messages").status_code == 404
    assert zhao_api.call("POST", f"/conversations/{cid}/messages", {"text": "x"}).status_code == 404
    bad = wang_api.call("POST", "/conversations", {"kind": "direct", "member_ids": [li["id"], "x2"]})
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    assert bad.json_body["errors"][0]["field"] == "member_ids"


def test_recall_receipts_and_sync(people: dict[str, Any], stack: Any, sync_settled: None) -> None:
    (wang, wang_api), (li, li_api), (zhao, _) = people["wang"], people["li"], people["zhao"]
    group = wang_api.call(
        "POST", "/conversations", {"kind": "group", "name": "夜班群", "member_ids": [li["id"], zhao["id"]]}
    )
    assert group.status_code == 201, group.body
    cid = group.json_body["id"]
    first = wang_api.call("POST", f"/conversations/{cid}/messages", {"text": "第一条"}).json_body
    second = wang_api.call("POST", f"/conversations/{cid}/messages", {"text": "发错了"}).json_body

    assert li_api.call("POST", f"/conversations/{cid}/messages/{second['id']}/recall").status_code == 403
    recalled = wang_api.call("POST", f"/conversations/{cid}/messages/{second['id']}/recall").json_body
    assert recalled["recalled"] and recalled["text"] is None

    assert li_api.call("POST", f"/conversations/{cid}/read", {"message_id": first["id"]}).status_code == 204
    # #20 (11): a read mark names a message of this conversation; a made-up id (which would mark
    # everything up to it read) is a 422 on the field, and the mark stays where it was.
    ahead = li_api.call("POST", f"/conversations/{cid}/read", {"message_id": "zzzzzzzzzzzz"})
    assert ahead.status_code == 422 and ahead.json_body["errors"][0]["field"] == "message_id", ahead.body
    receipts = {
        r["staff_id"]: r["read"]
        for r in wang_api.call("GET", f"/conversations/{cid}/messages/{first['id']}/receipts").json_body
    }
    assert receipts == {wang["id"]: False, li["id"]: True, zhao["id"]: False}

    stack.drain()
    page = li_api.call("GET", "/sync").json_body
    kinds = [(i["kind"], i["id"], i.get("text")) for i in page["items"]]
    assert kinds == [  # the recalled text is gone from /sync, even read from the start
        ("message", first["id"], first["text"]),
        ("message", second["id"], None),
        ("recall", second["id"], None),
    ]
    nothing_new = li_api.call("GET", f"/sync?cursor={page['next_cursor']}").json_body
    assert nothing_new == {"items": [], "next_cursor": page["next_cursor"]}
    assert li_api.call("GET", "/sync?cursor=not-hex").status_code == 422


def test_department_groups_follow_the_directory(
    clients: dict[str, Any], admin: str, token: Any, tenant: str, stack: Any
) -> None:
    api = Api(clients["messaging"], admin)
    ward = make_department(api, "肾内科")
    other = make_department(api, "血液科")
    a = add_staff(api, ward["id"], "甲", "G1", user_id="ga")
    b = add_staff(api, ward["id"], "乙", "G2", user_id="gb")
    group = f"dept-{ward['id']}"
    a_api = Api(clients["messaging"], token(tenant, "ga", ["nurse"]))

    def members(conversation: str) -> list[str] | None:
        from chalicelib.messaging.adapters.dynamodb import ConversationItem

        try:
            item = ConversationItem.get(ConversationItem.partition(tenant), conversation)
        except ConversationItem.DoesNotExist:
            return None
        return sorted(item.member_ids or ())

    stack.drain()  # the directory's events → messaging's group consumer
    assert members(group) == sorted([a["id"], b["id"]])
    assert a_api.call("POST", f"/conversations/{group}/messages", {"text": "科室群你好"}).status_code == 201

    api.call("PATCH", f"/staff/{b['id']}", {"version": 1, "department_id": other["id"]})
    stack.drain()
    assert members(group) == [a["id"]] and members(f"dept-{other['id']}") == [b["id"]]
    api.call("POST", f"/staff/{a['id']}/leave", {"version": 1})
    stack.drain()
    assert members(group) == []
    gone = a_api.call("GET", f"/conversations/{group}/messages")  # left: no request of theirs works
    assert gone.status_code == 403 and "left" in gone.json_body["detail"]


def test_attachments_upload_and_download_through_presigned_urls(people: dict[str, Any]) -> None:
    import urllib.request

    (_, wang_api), (li, li_api) = people["wang"], people["li"]
    cid = wang_api.call("POST", "/conversations", {"kind": "direct", "member_ids": [li["id"]]}).json_body[
        "id"
    ]
    content = "交班记录：3床血压偏高".encode()
    ticket = wang_api.call(
        "POST",
        f"/conversations/{cid}/attachments",
        {"filename": "交班.txt", "content_type": "text/plain", "size": len(content)},
    )
    assert ticket.status_code == 201, ticket.body
    put = urllib.request.Request(
        ticket.json_body["upload_url"], data=content, method="PUT", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(put, timeout=10) as resp:
        assert resp.status == 200
    aid = ticket.json_body["attachment_id"]
    sent = wang_api.call("POST", f"/conversations/{cid}/messages", {"text": "见附件", "attachments": [aid]})
    assert sent.status_code == 201 and sent.json_body["attachments"] == [aid]
    link = li_api.call("GET", f"/conversations/{cid}/attachments/{aid}").json_body
    assert link["filename"] == "交班.txt"
    with urllib.request.urlopen(link["download_url"], timeout=10) as resp:
        assert resp.read() == content
    too_big = wang_api.call(
        "POST",
        f"/conversations/{cid}/attachments",
        {"filename": "a.bin", "content_type": "application/octet-stream", "size": 10**9},
    )
    assert too_big.status_code == 422


def test_new_messages_are_pushed_to_registered_devices(people: dict[str, Any]) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from fh.local.stack import LOCAL_REGION

    (_, wang_api), (li, li_api) = people["wang"], people["li"]
    device = li_api.call("POST", "/devices", {"platform": "fcm", "token": "li-phone-token-123"})
    assert device.status_code == 201, device.body
    assert li_api.call("POST", "/devices", {"platform": "windows", "token": "abcdefgh1"}).status_code == 422
    cid = wang_api.call("POST", "/conversations", {"kind": "direct", "member_ids": [li["id"]]}).json_body[
        "id"
    ]
    wang_api.call("POST", f"/conversations/{cid}/messages", {"text": "在吗"})
    backend = sns_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    endpoint = next(e for e in backend.platform_endpoints.values() if e.token == "li-phone-token-123")
    assert len(endpoint.messages) == 1
