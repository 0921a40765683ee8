"""Cross-hospital groups (转诊群) inside a consortium, over the app, with staff of two hospitals.

Who may start one with whom (active member hospitals only, their active staff, a named group with a
consortium) and where it then lives are tested on the fakes in
``tests/unit/messaging/test_conversations_service.py``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import register_hospital
from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


class Hospital:
    """A hospital (tenant) with its admin and some staff who can log in."""

    def __init__(self, clients: dict[str, Any], token: Any, name: str, people: tuple[str, ...]):
        self.id = f"t-{name}-{uuid.uuid4().hex[:8]}"
        register_hospital(self.id)
        self.admin = Api(clients["messaging"], token(self.id, "admin", ["hospital_admin"]))
        dept = make_department(self.admin, "转诊中心")
        self.staff: dict[str, dict[str, Any]] = {}
        self.api: dict[str, Api] = {}
        for n, user in enumerate(people):
            self.staff[user] = add_staff(self.admin, dept["id"], user, f"E{n}", user_id=user)
            self.api[user] = Api(clients["messaging"], token(self.id, user, ["doctor"]))


@pytest.fixture
def world(clients: dict[str, Any], token: Any) -> tuple[Hospital, Hospital, Hospital, str]:
    """County hospital (lead) and town clinic in one consortium; an outside hospital not in it."""
    county = Hospital(clients, token, "county", ("wang", "li"))
    town = Hospital(clients, token, "town", ("zhou",))
    outside = Hospital(clients, token, "outside", ("chen",))
    made = county.admin.call("POST", "/consortia", {"name": "县域医共体", "hospital_name": "县人民医院"})
    cid = made.json_body["id"]
    assert (
        county.admin.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town.id}).status_code
        == 200
    )
    accepted = town.admin.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "镇卫生院"})
    assert accepted.status_code == 200, accepted.body
    return county, town, outside, cid


def test_referral_group_spans_hospitals_and_nobody_else_sees_it(
    world: tuple[Hospital, Hospital, Hospital, str], stack: Any, sync_settled: None
) -> None:
    county, town, outside, cid = world
    wang, li, zhou = county.staff["wang"], county.staff["li"], town.staff["zhou"]
    body = {
        "kind": "group",
        "name": "转诊群",
        "member_ids": [li["id"]],
        "consortium_id": cid,
        "guests": [{"hospital_id": town.id, "staff_id": zhou["id"]}],
    }
    made = county.api["wang"].call("POST", "/conversations", body)
    assert made.status_code == 201, made.body
    group = made.json_body
    assert group["consortium_id"] == cid and group["home_hospital_id"] == county.id
    assert sorted(group["member_ids"]) == sorted([wang["id"], li["id"], f"{town.id}:{zhou['id']}"])
    gid = group["id"]
    # Everyone by name, the town doctor with their hospital's name (#21.4): the county cannot read the
    # town clinic's directory, so both were kept on the group when it was made.
    guest = f"{town.id}:{zhou['id']}"
    expected = [
        (wang["id"], "wang", "县人民医院"),
        (li["id"], "li", "县人民医院"),
        (guest, "zhou", "镇卫生院"),
    ]
    assert sorted((m["id"], m["name"], m["hospital_name"]) for m in group["members"]) == sorted(expected)
    seen = county.api["li"].call("GET", f"/conversations/{gid}").json_body  # the group as li reads it
    assert sorted((m["id"], m["name"], m["hospital_name"]) for m in seen["members"]) == sorted(expected)
    assert town.api["zhou"].call("GET", f"/conversations/{gid}").json_body["members"] == seen["members"]

    # Each participant finds it in their own list (one Query under their own hospital).
    for api in (county.api["wang"], county.api["li"], town.api["zhou"]):
        listed = api.call("GET", "/consortium-groups").json_body["items"]
        assert [(g["id"], g["home_hospital_id"]) for g in listed] == [(gid, county.id)]

    # The town doctor writes into it; the county doctors read it, and the message reaches their sync.
    sent = town.api["zhou"].call("POST", f"/conversations/{gid}/messages", {"text": "患者已转出，请接收"})
    assert sent.status_code == 201, sent.body
    assert (sent.json_body["sender_id"], sent.json_body["sender_name"]) == (guest, "zhou")
    reply = county.api["wang"].call("POST", f"/conversations/{gid}/messages", {"text": "收到"})
    assert reply.status_code == 201
    history = county.api["li"].call("GET", f"/conversations/{gid}/messages").json_body["items"]
    assert [m["text"] for m in history] == ["收到", "患者已转出，请接收"]
    assert (
        town.api["zhou"]
        .call("POST", f"/conversations/{gid}/read", {"message_id": reply.json_body["id"]})
        .status_code
        == 204
    )
    receipts = county.api["wang"].call(
        "GET", f"/conversations/{gid}/messages/{reply.json_body['id']}/receipts"
    )
    assert {r["staff_id"]: r["read"] for r in receipts.json_body}[f"{town.id}:{zhou['id']}"] is True
    assert {r["staff_id"]: (r["name"], r["hospital_name"]) for r in receipts.json_body}[guest] == (
        "zhou",
        "镇卫生院",
    )

    def zhou_synced() -> Any:
        items = town.api["zhou"].call("GET", "/sync").json_body["items"]
        return [i["text"] for i in items if i["conversation_id"] == gid] == ["患者已转出，请接收", "收到"]

    stack.drain()
    assert zhou_synced()

    # A hospital outside the consortium: nothing, whatever it asks.
    chen = outside.api["chen"]
    assert chen.call("GET", "/consortium-groups").json_body["items"] == []
    for method, path, payload in (
        ("GET", f"/conversations/{gid}", None),
        ("GET", f"/conversations/{gid}/messages", None),
        ("POST", f"/conversations/{gid}/messages", {"text": "x"}),
        ("GET", f"/conversations/{gid}/messages/{reply.json_body['id']}/receipts", None),
    ):
        resp = chen.call(method, path, payload)
        assert resp.status_code == 404 and "转诊" not in resp.body.decode(), resp.body
    assert not [i for i in chen.call("GET", "/sync").json_body["items"] if i.get("conversation_id") == gid]

    # When the town clinic leaves the consortium, its staff lose the group, it leaves their list, and
    # nothing the county side posts afterwards reaches their sync (the outside test's finding).
    assert town.admin.call("POST", f"/consortia/{cid}/leave").status_code == 204
    assert town.api["zhou"].call("GET", f"/conversations/{gid}/messages").status_code == 404
    assert town.api["zhou"].call("GET", "/consortium-groups").json_body["items"] == []
    after = county.api["wang"].call("POST", f"/conversations/{gid}/messages", {"text": "离开后的消息"})
    assert after.status_code == 201, after.body
    stack.drain()
    synced = town.api["zhou"].call("GET", "/sync").json_body["items"]
    assert "离开后的消息" not in [i.get("text") for i in synced]


def test_a_group_whose_home_hospital_leaves_is_closed_to_the_others(
    world: tuple[Hospital, Hospital, Hospital, str],
) -> None:
    county, town, _, cid = world
    body = {
        "kind": "group",
        "name": "镇转县群",
        "member_ids": [town.staff["zhou"]["id"]],
        "consortium_id": cid,
        "guests": [{"hospital_id": county.id, "staff_id": county.staff["wang"]["id"]}],
    }
    made = town.api["zhou"].call("POST", "/conversations", body)
    assert made.status_code == 201, made.body
    gid = made.json_body["id"]
    assert county.api["wang"].call("GET", f"/conversations/{gid}/messages").status_code == 200

    # The lead ends the town clinic's membership: the county doctor's own link is still active, but the
    # group lives at the town clinic, which is no longer in the consortium.
    removed = county.admin.call("POST", f"/consortia/{cid}/remove", {"hospital_id": town.id})
    assert removed.status_code == 204, removed.body
    for method, path, payload in (
        ("GET", f"/conversations/{gid}/messages", None),
        ("POST", f"/conversations/{gid}/messages", {"text": "还在吗"}),
    ):
        resp = county.api["wang"].call(method, path, payload)
        assert resp.status_code == 404, resp.body
    # at home it is still the town clinic's own conversation, readable but closed: nothing more crosses
    assert town.api["zhou"].call("GET", f"/conversations/{gid}/messages").status_code == 200
    closed = town.api["zhou"].call("POST", f"/conversations/{gid}/messages", {"text": "我们还能发吗"})
    assert closed.status_code == 409 and "closed" in closed.json_body["detail"]
