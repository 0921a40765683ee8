"""Swaps (换班) over HTTP on moto, the whole loop over the stack: a nurse proposes a swap on the published
roster (a hard rule refused, in Chinese too), approvals starts its 换班 as her from scheduling's event,
her colleague accepts and the head nurse approves over HTTP, and approvals' decision applies it as a new
version — on duty follows, and each of the two nurses gets exactly one notice of it. A retried decision
applies nothing twice; the swap is then reversed the same way. A swap cancelled after the colleague
accepted withdraws its 换班 (the head nurse no longer has it pending). The rules are on the fakes in
``tests/unit/scheduling/test_roster_swaps.py`` and ``tests/unit/approvals/test_swap_approval.py``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from chalicelib.approvals.domain.swap import instance_id
from chalicelib.scheduling.consumers import SWAP_DECISIONS
from chalicelib.scheduling.service import swaps

from shared import onduty
from shared.events.consumer import handle_once
from shared.events.envelope import EventEnvelope
from shared.persistence.models import service_item_models, tenant_key
from tests.service.approvals.conftest import Call
from tests.service.test_roster_periods_api import _ward

TITLE_V2 = "心内科病区 2027年1月4日–1月10日排班（第2版）"


def _decided(tenant: str) -> list[EventEnvelope]:
    outbox = service_item_models("approvals")["outbox"]
    return [
        EventEnvelope.model_validate_json(i.event)
        for i in outbox.query(tenant_key(tenant, "outbox"))
        if i.event_type == "approval.swap.decided"
    ]


def test_a_swap_goes_through_approvals_and_is_applied_as_a_new_version_then_reversed(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant, ward, ids, admin = _ward(clients, stack)
    n1, n2, hn = ids["n1"], ids["n2"], ids["hn"]
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse1 = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))
    nurse2 = Call(clients["scheduling"], str(stack.token(tenant, "n2", ["nurse"])))
    approvals_admin = Call(clients["approvals"], admin.token)
    installed = approvals_admin("POST", "/templates/builtin", {"fallback_staff_id": hn})
    assert installed.status_code == 201, installed.body
    setup = head("PUT", f"/wards/{ward}/setup", {"version": 0, "skip_approval": True})
    assert setup.status_code == 200, setup.body
    made = head("POST", "/periods", {"ward_ids": [ward], "start": "2027-01-04", "end": "2027-01-10"})
    pid = made.json_body["id"]
    cells = [
        {"staff_id": n1, "date": "2027-01-05", "shift": "D"},
        {"staff_id": n2, "date": "2027-01-06", "shift": "N"},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"changes": cells}).status_code == 200
    assert head("POST", f"/periods/{pid}/publish", {}).json_body["version"] == 1
    stack.drain()  # version 1 on duty, its notices sent

    # refused at once: her 白班 on the 5th, then her own 大夜 on the 6th is too short a rest for 李娜
    body = {"kind": "give", "my_date": "2027-01-05", "colleague_id": n2}
    bad = clients["scheduling"].http.request(
        "POST",
        f"/periods/{pid}/swaps",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {nurse1.token}",
            "Accept-Language": "zh-CN",
        },
        body=json.dumps(body).encode(),
    )
    assert bad.status_code == 422, bad.body
    problem = json.loads(bad.body)
    assert problem["detail"].startswith("该换班违反硬性规则：李娜 1月5日")
    assert problem["errors"][0]["code"] == "H3"

    # 陈思雨 and 李娜 exchange their days: she works 李娜's 大夜 on the 6th, 李娜 her 白班 on the 5th
    body = {"kind": "swap", "my_date": "2027-01-05", "colleague_id": n2, "their_date": "2027-01-06"}
    proposed = nurse1("POST", f"/periods/{pid}/swaps", body, key="swap-1")
    assert proposed.status_code == 201, proposed.body
    swap = proposed.json_body
    assert (swap["state"], swap["proposer_name"], swap["colleague_name"], swap["version"]) == (
        "requested",
        "陈思雨",
        "李娜",
        1,
    )
    assert nurse1("POST", f"/periods/{pid}/swaps", body, key="swap-1").json_body == swap  # a retry
    assert [s["id"] for s in head("GET", f"/periods/{pid}/swaps").json_body["items"]] == [swap["id"]]
    assert [s["id"] for s in nurse2("GET", f"/periods/{pid}/swaps").json_body["items"]] == [swap["id"]]
    assert nurse2("GET", f"/swaps/{swap['id']}").json_body["summary"].startswith("陈思雨 1月5日 白班 → 休")
    other = Call(
        clients["scheduling"], str(stack.token(f"t-{uuid.uuid4().hex[:12]}", "x", ["hospital_admin"]))
    )
    hidden = other("GET", f"/swaps/{swap['id']}")
    assert hidden.status_code == 404 and swap["id"] not in hidden.body.decode()  # another hospital's

    stack.drain()  # roster.swap.requested → approvals starts the 换班 as 陈思雨
    approval_id = instance_id(swap["id"])
    as_n2 = Call(clients["approvals"], str(stack.token(tenant, "n2", ["nurse"])))
    as_hn = Call(clients["approvals"], str(stack.token(tenant, "hn", ["head_nurse"])))
    got = as_n2("GET", f"/approvals/{approval_id}")
    assert got.status_code == 200, got.body
    assert (
        got.json_body["template_code"],
        got.json_body["submitter_name"],
        got.json_body["pending_approvers"],
    ) == (
        "shift_swap",
        "陈思雨",
        [n2],
    )
    accepted = as_n2("POST", f"/approvals/{approval_id}/actions", {"action": "approve", "comment": "好的"})
    assert accepted.status_code == 200 and accepted.json_body["pending_approvers"] == [hn], accepted.body
    approved = as_hn("POST", f"/approvals/{approval_id}/actions", {"action": "approve", "comment": "同意"})
    assert approved.status_code == 200 and approved.json_body["status"] == "approved", approved.body
    stack.drain()  # approval.swap.decided → version 2 → on duty and the two nurses' notices

    done = nurse1("GET", f"/swaps/{swap['id']}").json_body
    assert (done["state"], done["applied_version"], done["decided_by_name"]) == ("applied", 2, "周护士长")
    at_5th = datetime(2027, 1, 5, 2, tzinfo=UTC)  # 10:00 in Shanghai: 白班
    assert onduty.on_duty(tenant, ward, at_5th).staff_ids == (n2,)
    mine = nurse1("GET", "/me/shifts?from=2027-01-04&to=2027-01-10").json_body["items"]
    assert [(s["date"], s["shift"]) for s in mine] == [("2027-01-06", "N")]

    def notices(user: str, title: str) -> list[Any]:
        api = Call(clients["messaging"], str(stack.token(tenant, user, ["nurse"])))
        items = api("GET", "/notifications/inbox").json_body["items"]
        return [i for i in items if i["title"] == title]

    assert len(notices("n1", TITLE_V2)) == 1 and len(notices("n2", TITLE_V2)) == 1
    assert notices("hn", TITLE_V2) == []  # her own shifts did not move

    # the decision delivered again: the inbox marker, then (a new delivery id) the swap's state: nothing twice
    [decided] = _decided(tenant)
    assert handle_once(SWAP_DECISIONS, decided, swaps.record_decision) is False
    again = decided.model_copy(update={"id": uuid.uuid4().hex})
    assert handle_once(SWAP_DECISIONS, again, swaps.record_decision) is True
    assert head("GET", f"/periods/{pid}").json_body["period"]["version"] == 2
    stack.drain()
    assert len(notices("n1", TITLE_V2)) == 1

    # 李娜 reverses it: the same cells the other way round, through the same approval
    back = nurse2("POST", f"/swaps/{swap['id']}/reverse", {})
    assert back.status_code == 201, back.body
    reversal = back.json_body
    assert (reversal["reverses"], reversal["proposer_name"], reversal["colleague_name"]) == (
        swap["id"],
        "李娜",
        "陈思雨",
    )
    stack.drain()
    back_id = instance_id(reversal["id"])
    as_n1 = Call(clients["approvals"], str(stack.token(tenant, "n1", ["nurse"])))
    assert as_n1("POST", f"/approvals/{back_id}/actions", {"action": "approve"}).status_code == 200
    assert as_hn("POST", f"/approvals/{back_id}/actions", {"action": "approve"}).status_code == 200
    stack.drain()
    assert nurse2("GET", f"/swaps/{reversal['id']}").json_body["applied_version"] == 3
    assert onduty.on_duty(tenant, ward, at_5th).staff_ids == (n1,)
    title_v3 = TITLE_V2.replace("第2版", "第3版")
    assert len(notices("n1", title_v3)) == 1 and len(notices("n2", title_v3)) == 1

    # cancel: the proposer, while it is requested
    take = nurse1("POST", f"/periods/{pid}/swaps", {"kind": "take", "my_date": "2027-01-09", "shift": "D"})
    assert take.status_code == 201, take.body
    assert nurse2("POST", f"/swaps/{take.json_body['id']}/cancel", {}).status_code == 404  # not hers
    cancelled = nurse1("POST", f"/swaps/{take.json_body['id']}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json_body["state"] == "cancelled", cancelled.body
    assert nurse1("POST", f"/swaps/{take.json_body['id']}/cancel", {}).status_code == 409

    # cancelled after 李娜 accepted: approvals withdraws the 换班 as 陈思雨 (roster.swap.cancelled), so the
    # head nurse no longer has it to decide, and its "withdrawn" answer leaves the swap cancelled
    body = {"kind": "swap", "my_date": "2027-01-05", "colleague_id": n2, "their_date": "2027-01-06"}
    late = nurse1("POST", f"/periods/{pid}/swaps", body)
    assert late.status_code == 201, late.body
    stack.drain()  # roster.swap.requested → the 换班 starts
    late_id = instance_id(late.json_body["id"])

    def pending(who: Call) -> list[str]:
        items = who("GET", "/inbox/pending?limit=200").json_body["items"]
        return [i["instance_id"] for i in items if i["instance_id"] == late_id]

    assert pending(as_n2) == [late_id]
    assert as_n2("POST", f"/approvals/{late_id}/actions", {"action": "approve"}).status_code == 200
    assert pending(as_n2) == [] and pending(as_hn) == [late_id]
    refused = as_n1("POST", f"/approvals/{late_id}/actions", {"action": "withdraw"})
    assert refused.status_code == 409, refused.body  # by hand, after an approval: the template's policy
    assert nurse1("POST", f"/swaps/{late.json_body['id']}/cancel", {}).status_code == 200
    stack.drain()  # roster.swap.cancelled → withdrawn; approval.swap.decided (withdrawn) → ignored
    assert pending(as_hn) == []
    ended = as_n1("GET", f"/approvals/{late_id}").json_body
    assert (ended["status"], ended["pending_approvers"]) == ("withdrawn", [])
    mine = as_n1("GET", "/inbox/submitted?limit=200").json_body["items"]
    assert [i["status"] for i in mine if i["instance_id"] == late_id] == ["withdrawn"]
    records = as_n1("GET", f"/approvals/{late_id}/records").json_body["items"]
    assert (records[-1]["action"], records[-1]["actor"], records[-1]["comment"]) == (
        "withdraw",
        n1,
        "撤回：申请人已取消换班",
    )
    still = nurse1("GET", f"/swaps/{late.json_body['id']}").json_body
    assert (still["state"], still["decision_reason"]) == ("cancelled", "提出人已取消")
    assert head("GET", f"/periods/{pid}").json_body["period"]["version"] == 3  # the roster did not move
