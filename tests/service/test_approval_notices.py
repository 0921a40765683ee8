"""Approvals → messaging: an approver finds a work notification saying who asks for what when an
approval reaches them or is urged, and the submitter hears how it ended."""

from __future__ import annotations

from typing import Any

from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


def test_assigned_and_urged_approvals_reach_the_approvers_inbox(
    clients: dict[str, Any], admin: str, tenant: str, token: Any, stack: Any
) -> None:
    messaging = Api(clients["messaging"], admin)
    dept = make_department(messaging, "康复医学科")
    head = add_staff(messaging, dept["id"], "周主任", "E1", roles=["department_head"], user_id="zhou")
    nurse = add_staff(messaging, dept["id"], "林护士", "E2", roles=["nurse"])
    clerk = add_staff(messaging, dept["id"], "办公室", "E3", roles=["clerk"])
    set_head = messaging.call(
        "PATCH", f"/departments/{dept['id']}", {"version": dept["version"], "head_id": head["id"]}
    )
    assert set_head.status_code == 200, set_head.body

    approvals_admin = Api(clients["approvals"], admin)
    installed = approvals_admin.call("POST", "/templates/builtin", {"fallback_staff_id": clerk["id"]})
    assert installed.status_code == 201, installed.body
    leave = next(t["id"] for t in installed.json_body if t["code"] == "leave")
    # A token without the staff_id claim acts as the staff id in its subject.
    submitter = Api(clients["approvals"], token(tenant, nurse["id"], ["nurse"]))
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-02"}, "reason": "探亲"}
    submitted = submitter.call("POST", "/approvals", {"template_id": leave, "form": form})
    assert submitted.status_code == 201, submitted.body
    approval = submitted.json_body
    assert head["id"] in approval["pending_approvers"]

    # One token for the head in every service: the identity provider's subject ("zhou", the staff
    # record's user_id) plus the staff_id claim binding the account to the staff record.
    head_token = token(tenant, "zhou", ["department_head"], staff_id=head["id"])
    pending = Api(clients["approvals"], head_token).call("GET", "/inbox/pending")
    assert pending.status_code == 200, pending.body
    assert [i["instance_id"] for i in pending.json_body["items"]] == [approval["id"]]
    head_inbox = Api(clients["messaging"], head_token)

    def titles() -> list[str]:
        resp = head_inbox.call("GET", "/notifications/inbox")
        assert resp.status_code == 200, resp.body
        return [i["title"] for i in resp.json_body["items"]]

    stack.drain()
    assert titles() == ["待审批：林护士的请假"]  # who asks for what, by name: not "leave"

    urged = submitter.call("POST", f"/approvals/{approval['id']}/actions", {"action": "urge"})
    assert urged.status_code == 200, urged.body
    stack.drain()
    assert titles() == ["催办：林护士的请假", "待审批：林护士的请假"]

    # The sender's view of the notice: one recipient, the head, reading it moves the count.
    notice = head_inbox.call("GET", "/notifications/inbox").json_body["items"][0]
    assert notice["sender"] == "service:approvals"
    assert head_inbox.call("POST", f"/notifications/{notice['notification_id']}/read").status_code == 200
    counts = messaging.call("GET", f"/notifications/{notice['notification_id']}").json_body
    assert (counts["recipient_count"], counts["read_count"]) == (1, 1)

    # The submitter is told how it ended.
    done = Api(clients["approvals"], head_token).call(
        "POST", f"/approvals/{approval['id']}/actions", {"action": "approve"}
    )
    assert done.status_code == 200 and done.json_body["status"] == "approved", done.body
    stack.drain()
    mine = Api(clients["messaging"], token(tenant, nurse["id"], ["nurse"])).call(
        "GET", "/notifications/inbox"
    )
    assert [i["title"] for i in mine.json_body["items"]] == ["审批已通过：请假"]
