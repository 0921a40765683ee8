"""The daily figures on the in-process stack: real producers through HTTP, the event path drained, and the
hospital's day holding exactly what happened; the same events replayed change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chalicelib.reports import consumers
from chalicelib.reports.adapters.dynamodb import DynamoStore

from fh.local.seed import seed
from shared.events.consumer import handle_once
from shared.persistence.uow import UnitOfWork
from tests.conftest import make_staff

pytestmark = pytest.mark.e2e


def _totals(tenant: str) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Every kept count and sample of the days around today (a run across midnight stays whole)."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    values: dict[str, float] = {}
    samples: dict[str, list[float]] = {}
    days = DynamoStore(tenant).days
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        got = days.get(day)
        if got is None:
            continue
        for k, v in got.values.items():
            values[k] = values.get(k, 0) + v
        for k, vs in got.samples.items():
            samples.setdefault(k, []).extend(vs)
    return values, samples


def _delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {
        k: after.get(k, 0) - before.get(k, 0)
        for k in set(before) | set(after)
        if after.get(k, 0) != before.get(k, 0)
    }


def test_a_day_of_approvals_notifications_and_staff_is_counted_once(
    stack: Any, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = seed(stack, tenant)
    stack.drain()
    before, samples_before = _totals(tenant)
    emitted: list[Any] = []
    original = UnitOfWork.emit

    def capture(self: UnitOfWork, event: Any) -> None:
        if event.tenant == tenant:
            emitted.append(event)
        original(self, event)

    monkeypatch.setattr(UnitOfWork, "emit", capture)
    admin = stack.token(tenant, "figures-admin", ["hospital_admin"])
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "康复医学科"})
    nurse, head, dean = (
        make_staff(stack, admin, dept["id"], "林晓", "F1", ["nurse"]),
        make_staff(stack, admin, dept["id"], "陈主任", "F2", ["department_head"]),
        make_staff(stack, admin, dept["id"], "周院长", "F3", ["hospital_admin"]),
    )
    leave = next(t for t in made["templates"] if t["code"] == "leave")
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-05"}, "reason": "探亲"}
    status, approval = stack.request(
        "POST",
        "/approvals/approvals",
        stack.token(tenant, nurse, ["nurse"]),
        {"template_id": leave["id"], "form": form},
    )
    assert status == 201, approval
    path = f"/approvals/approvals/{approval['id']}/actions"
    for who, roles in ((head, ["department_head"]), (dean, ["hospital_admin"])):
        status, body = stack.request("POST", path, stack.token(tenant, who, roles), {"action": "approve"})
        assert status == 200, body
    status, sent = stack.request(
        "POST",
        "/messaging/notifications",
        admin,
        {
            "title": "院感培训",
            "body": "周五下午两点",
            "to": {"department_ids": [dept["id"]]},
            "ack_required": True,
        },
    )
    assert status == 202, sent
    stack.drain()  # the fan-out delivers it
    read = f"/messaging/notifications/{sent['id']}"
    for who, action in ((nurse, "read"), (nurse, "read"), (head, "ack"), (head, "ack")):
        status, body = stack.request("POST", f"{read}/{action}", stack.token(tenant, who, ["nurse"]), {})
        assert status == 200, body
    stack.drain()

    after, samples_after = _totals(tenant)
    # approvals' notices (a task to act on, the outcome) are work notifications too: counted from the
    # notification.sent events the scenario made
    notices = [e for e in emitted if e.type == "notification.sent"]
    assert len(notices) > 1 and sum(e.data["ack_required"] for e in notices) == 1
    assert _delta(before, after) == {
        "staff.joined": 3,
        "approvals.submitted": 1,
        "approvals.approved": 1,
        "approvals.decided": 1,
        "messaging.notifications_sent": len(notices),
        "messaging.notification_recipients": sum(e.data["recipient_count"] for e in notices),
        "messaging.ack_requested": 3,
        "messaging.notifications_read": 2,  # the nurse's (once, read twice) and the head's (with her ack)
        "messaging.notifications_acknowledged": 1,
    }
    turnaround = samples_after["approvals.turnaround_hours"][
        len(samples_before.get("approvals.turnaround_hours", [])) :
    ]
    assert len(turnaround) == 1 and 0 <= turnaround[0] < 1  # approved within the test's minute

    # The same events again through the consumers (a redelivery, a replay): nothing changes.
    replayed = 0
    for sub in consumers.SUBSCRIPTIONS:
        for envelope in emitted:
            if envelope.type in sub.event_types and envelope.source == sub.source:
                from chalicelib.reports.service import figures

                assert handle_once(sub, envelope, figures.count) is False
                replayed += 1
    assert replayed >= 10
    assert _totals(tenant) == (after, samples_after)
