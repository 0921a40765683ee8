"""Roster periods over HTTP on moto: a head nurse creates a month, edits it (a hard rule refused, a stale
revision refused), submits it, approvals' decision approves it, she publishes, and the on-duty read model
(``shared.onduty``, which messaging and approvals read) and the nurses' own shifts follow. A period withdrawn
while submitted withdraws its 排班审批 in approvals (its approver's pending inbox no longer has it)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from chalicelib.scheduling.consumers import ROSTER_DECISIONS
from chalicelib.scheduling.service import periods

from shared import onduty
from shared.events.consumer import handle_once
from shared.events.published.approvals import ROSTER_DECIDED, RosterDecided
from shared.persistence.models import service_item_models, tenant_key
from tests.service.approvals.conftest import Call


def _ward(clients: dict[str, Any], stack: Any) -> tuple[str, str, dict[str, str], Call]:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    admin = Call(clients["messaging"], str(stack.token(tenant, "admin-1", ["hospital_admin"])))
    dept = admin("POST", "/departments", {"name": "内科"}).json_body["id"]
    ward = admin("POST", "/departments", {"name": "心内科病区", "kind": "ward", "parent_id": dept})
    assert ward.status_code == 201, ward.body
    ids = {}
    for i, (name, user, roles) in enumerate(
        [("周护士长", "hn", ["head_nurse"]), ("陈思雨", "n1", ["nurse"]), ("李娜", "n2", ["nurse"])]
    ):
        body = {"name": name, "employee_no": f"E{i}", "department_id": ward.json_body["id"], "roles": roles}
        made = admin("POST", "/staff", {**body, "user_id": user})
        assert made.status_code == 201, made.body
        ids[user] = made.json_body["id"]
    stack.drain()  # staff.created → the scheduling projection
    return tenant, ward.json_body["id"], ids, admin


def _outbox(tenant: str, kind: str) -> list[dict[str, Any]]:
    outbox = service_item_models("scheduling")["outbox"]
    return [
        json.loads(i.event)
        for i in outbox.query(tenant_key(tenant, "outbox"))
        if i.event_type == kind  # the relay may not have run: the outbox item is the event as written
    ]


def test_a_month_is_created_edited_approved_published_and_put_on_duty(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant, ward, ids, _ = _ward(clients, stack)
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))

    made = head("POST", "/periods", {"ward_ids": [ward], "start": "2027-01-01", "end": "2027-01-31"})
    assert made.status_code == 201, made.body
    period = made.json_body
    assert (period["state"], period["title"], period["ward_names"]) == (
        "draft",
        "心内科病区 2027年1月排班",
        ["心内科病区"],
    )
    pid = period["id"]
    assert [p["id"] for p in head("GET", f"/periods?ward_id={ward}").json_body["items"]] == [pid]
    overlap = head("POST", "/periods", {"ward_ids": [ward], "start": "2027-01-20", "end": "2027-02-10"})
    assert overlap.status_code == 409
    assert (
        nurse(
            "POST", "/periods", {"ward_ids": [ward], "start": "2027-03-01", "end": "2027-03-07"}
        ).status_code
        == 403
    )

    # the grid: one Query of the period; the ward's nurses, coverage against the default demand
    grid = nurse("GET", f"/periods/{pid}").json_body
    assert {n["name"] for n in grid["nurses"]} == {"周护士长", "陈思雨", "李娜"}
    assert grid["below_minimum"] > 0 and any(c["rule"] == "H2" for c in grid["costs"])

    # an edit: 小夜 then 白班 the next morning breaks the rest rule → 422 naming nurse, day and rule
    n1, n2 = ids["n1"], ids["n2"]
    bad = head(
        "PUT",
        f"/periods/{pid}/cells",
        {
            "revision": 0,
            "changes": [
                {"staff_id": n1, "date": "2027-01-04", "shift": "P"},
                {"staff_id": n1, "date": "2027-01-05", "shift": "D"},
            ],
        },
    )
    assert bad.status_code == 422, bad.body
    assert (
        bad.json_body["errors"][0]["code"] == "H3"
        and "陈思雨 1月4日" in bad.json_body["errors"][0]["message"]
    )
    changes = [
        {"staff_id": n1, "date": "2027-01-04", "shift": "D"},
        {"staff_id": n2, "date": "2027-01-04", "shift": "P", "pinned": True},
    ]
    edited = head("PUT", f"/periods/{pid}/cells", {"revision": 0, "changes": changes})
    assert edited.status_code == 200, edited.body
    assert edited.json_body["period"]["revision"] == 1
    stale = clients["scheduling"].http.request(
        "PUT",
        f"/periods/{pid}/cells",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {head.token}",
            "If-Match": '"0"',
        },
        body=json.dumps({"changes": changes}).encode(),
    )
    assert stale.status_code == 409

    # submit → roster.submitted; approvals answers (here by hand) → approved; publish → version 1
    submitted = head("POST", f"/periods/{pid}/submit", {"revision": 1})
    assert submitted.status_code == 200 and submitted.json_body["state"] == "submitted", submitted.body
    (event,) = _outbox(tenant, "roster.submitted")
    assert event["data"]["title"] == "心内科病区 2027年1月排班" and event["data"]["revision"] == 1
    assert head("PUT", f"/periods/{pid}/cells", {"changes": changes}).status_code == 409  # withdraw first
    decided = RosterDecided(period_id=pid, revision=1, instance_id="ap-1", outcome="approved", by="boss")
    assert handle_once(ROSTER_DECISIONS, ROSTER_DECIDED.envelope(tenant, decided), periods.record_decision)
    published = head("POST", f"/periods/{pid}/publish", {}, key="pub-1")
    assert published.status_code == 200 and published.json_body["version"] == 1, published.body
    again = head("POST", f"/periods/{pid}/publish", {}, key="pub-1")  # a retry: the same answer
    assert again.json_body == published.json_body
    assert head("POST", f"/periods/{pid}/publish", {}).status_code == 409  # published already
    (event,) = _outbox(tenant, "roster.published")
    assert {c["staff_id"]: c["lines"] for c in event["data"]["changes"]} == {
        n1: ["1月4日 白班"],
        n2: ["1月4日 小夜"],
    }

    stack.drain()  # roster.published → the on-duty read model
    at = datetime(2027, 1, 4, 2, tzinfo=UTC)  # 10:00 in Shanghai
    assert onduty.on_duty(tenant, ward, at).staff_ids == (n1,)  # what messaging and approvals read
    now = nurse("GET", f"/on-duty?ward_id={ward}&at=2027-01-04T10:00:00%2B08:00")
    assert now.status_code == 200, now.body
    assert [(p["name"], p["shift_name"]) for p in now.json_body["people"]] == [("陈思雨", "白班")]
    mine = nurse("GET", "/me/shifts?from=2027-01-01&to=2027-01-31").json_body["items"]
    assert [(s["date"], s["shift_name"], s["ward_name"]) for s in mine] == [
        ("2027-01-04", "白班", "心内科病区")
    ]

    # editing the published roster is a new draft; version 1 stays on duty until version 2
    moved = head(
        "PUT", f"/periods/{pid}/cells", {"changes": [{"staff_id": n1, "date": "2027-01-04", "shift": None}]}
    )
    assert moved.json_body["period"]["state"] == "draft" and moved.json_body["period"]["version"] == 1
    assert onduty.on_duty(tenant, ward, at).staff_ids == (n1,)
    head("POST", f"/periods/{pid}/submit", {})
    redecided = RosterDecided(period_id=pid, revision=2, instance_id="ap-2", outcome="approved")
    assert handle_once(ROSTER_DECISIONS, ROSTER_DECIDED.envelope(tenant, redecided), periods.record_decision)
    assert head("POST", f"/periods/{pid}/publish", {}).json_body["version"] == 2
    stack.drain()
    assert onduty.on_duty(tenant, ward, at).known is False  # her 白班 is gone, nobody else was on it
    assert nurse("GET", "/me/shifts?from=2027-01-01&to=2027-01-31").json_body["items"] == []
    versions = nurse("GET", f"/periods/{pid}/versions").json_body["items"]
    assert [(v["version"], v["published_by_name"]) for v in versions] == [(2, "周护士长"), (1, "周护士长")]
    diff = nurse("GET", f"/periods/{pid}/versions/2/diff").json_body
    assert [(n["name"], n["lines"]) for n in diff["nurses"]] == [("陈思雨", ["1月4日 白班 → 休"])]
    one = nurse("GET", f"/periods/{pid}/versions/1").json_body
    assert {n["name"]: n["shifts"] for n in one["nurses"]}["李娜"] == {"2027-01-04": "P"}
    assert nurse("GET", f"/periods/{pid}/versions/9").status_code == 404

    # the change history on the audit table: who changed what, the cells before and after (not for nurses)
    trail = head("GET", f"/periods/{pid}/history?limit=3")
    assert trail.status_code == 200, trail.body
    newest = trail.json_body["items"][0]
    assert (newest["action"], newest["action_name"], newest["version"]) == ("roster.publish", "published", 2)
    assert newest["by_name"] == "周护士长"
    assert [(c["staff_name"], c["before_name"], c["after"]) for c in newest["cells"]] == [
        ("陈思雨", "白班", None)
    ]
    assert trail.json_body["next_cursor"]
    assert nurse("GET", f"/periods/{pid}/history").status_code == 403

    # a draft never published can be deleted; a published period cannot
    draft = head(
        "POST", "/periods", {"ward_ids": [ward], "start": "2027-02-01", "end": "2027-02-07"}
    ).json_body
    assert head("DELETE", f"/periods/{draft['id']}").status_code == 204
    assert head("GET", f"/periods/{draft['id']}").status_code == 404
    assert head("DELETE", f"/periods/{pid}").status_code == 409
    other = Call(
        clients["scheduling"], str(stack.token(f"t-{uuid.uuid4().hex[:12]}", "x", ["hospital_admin"]))
    )
    assert other("GET", f"/periods/{pid}").status_code == 404  # another hospital's period is not there


def test_a_period_withdrawn_while_submitted_leaves_the_approvers_inbox(
    clients: dict[str, Any], stack: Any
) -> None:
    """Submitted over HTTP, its 排班审批 started by approvals' consumer; withdrawn by the head nurse, the
    approval is withdrawn too (``roster.withdrawn``): the director has nothing left to decide."""
    from chalicelib.approvals.domain.roster import instance_id

    tenant, ward, ids, admin = _ward(clients, stack)
    body = {
        "name": "护理部主任",
        "employee_no": "D1",
        "department_id": ward,
        "roles": ["nurse"],
        "user_id": "dir",
    }
    director = admin("POST", "/staff", body)
    assert director.status_code == 201, director.body
    installed = Call(clients["approvals"], admin.token)(
        "POST", "/templates/builtin", {"fallback_staff_id": director.json_body["id"]}
    )
    assert installed.status_code == 201, installed.body  # nobody else on the nursing line: she approves
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    as_director = Call(clients["approvals"], str(stack.token(tenant, "dir", ["nurse"])))
    as_hn = Call(clients["approvals"], str(stack.token(tenant, "hn", ["head_nurse"])))
    pid = head(
        "POST", "/periods", {"ward_ids": [ward], "start": "2027-02-01", "end": "2027-02-07"}
    ).json_body["id"]
    changes = [{"staff_id": ids["n1"], "date": "2027-02-01", "shift": "D"}]
    assert head("PUT", f"/periods/{pid}/cells", {"changes": changes}).status_code == 200
    submitted = head("POST", f"/periods/{pid}/submit", {})
    assert submitted.status_code == 200, submitted.body
    stack.drain()  # roster.submitted → approvals starts the 排班审批
    approval_id = instance_id(pid, submitted.json_body["revision"])

    def pending() -> list[str]:
        items = as_director("GET", "/inbox/pending?limit=200").json_body["items"]
        return [i["instance_id"] for i in items if i["instance_id"] == approval_id]

    assert pending() == [approval_id]
    back = head("POST", f"/periods/{pid}/withdraw", {})
    assert back.status_code == 200 and back.json_body["state"] == "draft", back.body
    stack.drain()  # roster.withdrawn → withdrawn in approvals; its answer to scheduling is ignored
    assert pending() == []
    ended = as_hn("GET", f"/approvals/{approval_id}").json_body
    assert (ended["status"], ended["pending_approvers"]) == ("withdrawn", [])
    records = as_hn("GET", f"/approvals/{approval_id}/records").json_body["items"]
    assert (records[-1]["action"], records[-1]["comment"]) == ("withdraw", "撤回：护士长已撤回排班")
    period = head("GET", f"/periods/{pid}").json_body["period"]
    assert (period["state"], period["revision"]) == ("draft", back.json_body["revision"])
