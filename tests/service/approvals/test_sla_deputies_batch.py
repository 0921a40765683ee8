"""SLA reminders and escalation, deputies and batch approval, over the approvals HTTP API against moto:
the timers as stored and found through the due index, the notices that reach messaging, the deputy and
batch routes end to end. Their rules are tested on fakes in ``tests/unit/approvals/test_approvals_service.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.approvals.adapters.dynamodb import SlaTimerItem
from chalicelib.approvals.service import sla

from shared.persistence.models import service_item_models, tenant_key
from tests.service.approvals.conftest import Call, Hospital
from tests.service.approvals.test_approvals_api import act, leave, mine, submit


def records(h: Hospital, instance: str) -> list[tuple[str, str, str | None]]:
    items = h.admin("GET", f"/approvals/{instance}/records").json_body["items"]
    return [(r["action"], r["actor"], r["on_behalf_of"]) for r in items]


def events(h: Hospital, instance: str, kind: str) -> list[str]:
    outbox = service_item_models("approvals")["outbox"]
    return [
        o.event
        for o in outbox.query(tenant_key(h.tenant, "outbox"))
        if o.event_type == kind and instance in o.event
    ]


def _notices(clients: dict[str, Any], stack: Any, tenant: str, staff_id: str, user: str) -> list[str]:
    """The titles in a person's messaging inbox (their sign-in bound to the staff record by the claim)."""
    token = stack.token(tenant, user, ["nurse"], staff_id=staff_id)
    inbox = Call(clients["messaging"], token)("GET", "/notifications/inbox")
    assert inbox.status_code == 200, inbox.body
    return [n["title"] for n in inbox.json_body["items"]]


def test_an_overdue_task_is_reminded_once_then_escalated_to_the_supervisor(
    hospital: Hospital, clients: dict[str, Any], stack: Any
) -> None:
    h = hospital
    messaging = Call(clients["messaging"], h.admin.token)
    boss = messaging(
        "POST",
        "/staff",
        {"name": "护理部主任", "employee_no": "S1", "department_id": h.dept, "user_id": "idp-boss"},
    )
    approver = messaging(
        "POST",
        "/staff",
        {
            "name": "护士长",
            "employee_no": "S2",
            "department_id": h.dept,
            "supervisor_id": boss.json_body["id"],
            "user_id": "idp-approver",
        },
    )
    boss_id, approver_id = boss.json_body["id"], approver.json_body["id"]
    template = h.admin(
        "POST",
        "/templates",
        {
            "name": "物资申领",
            "fields": [{"name": "note", "label": "说明", "type": "text"}],
            "flow": {
                "steps": [
                    {
                        "id": "head",
                        "name": "护士长",
                        "approvers": [{"kind": "person", "staff_id": approver_id}],
                        "sla_hours": 1,
                        "escalate_after_hours": 1,
                    }
                ]
            },
        },
    )
    assert template.status_code == 201, template.body
    started = datetime.now(UTC)
    approval = h.as_("nurse")(
        "POST", "/approvals", {"template_id": template.json_body["id"], "form": {}}
    ).json_body
    assert approval["steps"][0]["tasks"][0]["due_at"]
    timers = list(SlaTimerItem.query(SlaTimerItem.partition(h.tenant)))  # stored, not held in memory
    assert [(t.approver, t.stage) for t in timers if t.instance_id == approval["id"]] == [
        (approver_id, "remind")
    ]

    sla.sweep(started + timedelta(minutes=30))
    assert [a for a, _, _ in records(h, approval["id"])] == ["submit"]  # not due yet
    sla.sweep(started + timedelta(minutes=61))
    sla.sweep(started + timedelta(minutes=62))  # the sweep running again reminds no one twice
    assert records(h, approval["id"]) == [("submit", h.staff["nurse"], None), ("remind", "system", None)]
    assert len(events(h, approval["id"], "approval.task.reminded")) == 1

    sla.sweep(started + timedelta(minutes=125))
    assert [a for a, _, _ in records(h, approval["id"])] == ["submit", "remind", "escalate"]
    got = h.admin("GET", f"/approvals/{approval['id']}").json_body
    assert got["pending_approvers"] == [boss_id]
    assert got["steps"][0]["tasks"][0]["status"] == "transferred"
    [escalated] = events(h, approval["id"], "approval.task.escalated")
    assert boss_id in escalated
    assert len(mine(h, boss_id, "pending", approval["id"])) == 1
    # the supervisor hears of it: the task assigned to them, and why; the approver was reminded once,
    # whatever the sweep did twice (one drain plays the whole event path)
    stack.drain()
    assert {"已升级", "待审批"} <= {t[:3] for t in _notices(clients, stack, h.tenant, boss_id, "idp-boss")}
    reminded = [
        t for t in _notices(clients, stack, h.tenant, approver_id, "idp-approver") if t.startswith("超时提醒")
    ]
    assert len(reminded) == 1
    # the supervisor now has their own SLA; once they act no timer is left behind
    assert act(h, boss_id, approval["id"]).json_body["status"] == "approved"
    left = [
        t for t in SlaTimerItem.query(SlaTimerItem.partition(h.tenant)) if t.instance_id == approval["id"]
    ]
    assert left == []


def test_deputy_routes_refuse_set_read_and_clear(hospital: Hospital) -> None:
    h = hospital
    end = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    bad = [
        {"deputy_id": h.staff["leader"], "end": end},  # oneself
        {"deputy_id": "nobody-here", "end": end},
        {"deputy_id": h.staff["nurse2"], "end": "2020-01-01T00:00:00+08:00"},
    ]
    for body in bad:
        refused = h.as_("leader")("POST", "/deputy", body)
        assert refused.status_code == 422, refused.body
    assert h.as_("leader")("GET", "/deputy").status_code == 404
    set_ = h.as_("leader")("POST", "/deputy", {"deputy_id": h.staff["nurse2"], "end": end, "reason": "年假"})
    assert set_.status_code == 200, set_.body
    assert set_.json_body["active"] and h.as_("leader")("GET", "/deputy").json_body == set_.json_body
    assert h.as_("leader")("DELETE", "/deputy").status_code == 204
    assert h.as_("leader")("GET", "/deputy").status_code == 404
    assert h.as_("leader")("DELETE", "/deputy").status_code == 204  # clearing again is fine


def test_batch_approve_reports_each_and_a_retry_approves_none_twice(hospital: Hospital) -> None:
    h = hospital
    first, second = submit(h, form=leave(days=2)), submit(h, form=leave(days=2))
    long = submit(h)  # two steps: head2's approval moves it on to the leader
    ids = [first["id"], second["id"], long["id"], "no-such-approval"]
    resp = h.as_("head2")("POST", "/batch-approve", {"instance_ids": ids, "comment": "同意"}, key="batch-1")
    assert resp.status_code == 200, resp.body
    assert [(r["instance_id"], r["status"]) for r in resp.json_body["results"]] == [
        (first["id"], 200),
        (second["id"], 200),
        (long["id"], 200),
        ("no-such-approval", 404),
    ]
    again = h.as_("head2")("POST", "/batch-approve", {"instance_ids": ids, "comment": "同意"}, key="batch-1")
    assert again.json_body == resp.json_body
    for approval in (first, second):
        assert records(h, approval["id"]) == [
            ("submit", h.staff["nurse"], None),
            ("approve", h.staff["head2"], None),
        ]
    assert h.admin("GET", f"/approvals/{long['id']}").json_body["current_step"] == "leader"
    # without a key, a second batch finds them decided: 409 each, still nothing approved twice
    late = h.as_("head")("POST", "/batch-approve", {"instance_ids": [first["id"], long["id"]]}).json_body
    assert [r["status"] for r in late["results"]] == [409, 409]
    assert h.as_("head")("POST", "/batch-approve", {"instance_ids": []}).status_code == 422
