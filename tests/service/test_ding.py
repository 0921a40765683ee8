"""DING: urgent notifications escalate SMS → call to whoever has not acknowledged, from stored timers.

End to end here (HTTP, the fan-out, SNS SMS on moto, the alert-log route, a runner restart); the
ladder's rules, the policy check and the sweep's error handling are tested on the fakes in
``tests/unit/messaging/test_ding_service.py``, the DynamoDB store in ``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from fh.local.runner import TriggerRunner
from fh.local.stack import LOCAL_REGION
from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def sms_sent_to(number: str) -> list[str]:
    backend = sns_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION]
    return [text for phone, text in backend.sms_messages.values() if phone == f"+86{number}"]


def alerts_for(messaging: Api, nid: str) -> list[dict[str, Any]]:
    items = messaging.call("GET", "/alerts?limit=200").json_body["items"]
    return [e for e in items if e["notification_id"] == nid]


def test_ding_escalates_to_the_unacknowledged_only_and_survives_a_runner_restart(
    stack: Any,
    messaging: Api,
    clients: dict[str, Any],
    token: Any,
    tenant: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.messaging.service import ding

    from shared.persistence.uow import UnitOfWork

    escalations: list[tuple[str, str]] = []
    original = UnitOfWork.emit

    def capture(self: UnitOfWork, event: Any) -> None:
        if event.type == "ding.escalated" and event.tenant == tenant:
            escalations.append((event.data["staff_id"], event.data["channel"]))
        original(self, event)

    monkeypatch.setattr(UnitOfWork, "emit", capture)

    dept = make_department(messaging, "急诊科")
    quick = add_staff(messaging, dept["id"], "快", "Q1", user_id="quick", mobile="13900000001")
    slow = add_staff(messaging, dept["id"], "慢", "S1", user_id="slow", mobile="13900000002")
    nophone = add_staff(messaging, dept["id"], "无号", "N1", user_id="nophone")
    resp = messaging.call(
        "POST",
        "/notifications",
        {
            "title": "抢救室需要支援",
            "body": "请立即到抢救室",
            "to": {"department_ids": [dept["id"]]},
            "ding": {"sms_after_minutes": 5, "call_after_minutes": 15},
        },
    )
    assert resp.status_code == 202, resp.body
    nid = resp.json_body["id"]
    assert resp.json_body["ding"] and resp.json_body["ack_required"]
    stack.drain()
    assert messaging.call("GET", f"/notifications/{nid}").json_body["status"] == "delivered"
    quick_api = Api(clients["messaging"], token(tenant, "quick", ["doctor"]))
    assert quick_api.call("POST", f"/notifications/{nid}/ack").status_code == 200

    sent = datetime.now(UTC)
    ding.sweep(sent + timedelta(minutes=1))
    assert alerts_for(messaging, nid) == []  # nothing due yet
    # The runner that delivered it is gone; a fresh one (another process, in AWS another Lambda
    # instance) finds the timers in the table: nothing about them was held in memory.
    stack.runner = TriggerRunner(stack.runner.triggers)
    stack.drain()
    ding.sweep(sent + timedelta(minutes=6))
    # a fixed text naming the sender and the app, never the title (it could carry a link)
    assert len(sms_sent_to("13900000002")) == 1 and "未来医院" in sms_sent_to("13900000002")[0]
    assert "抢救室需要支援" not in sms_sent_to("13900000002")[0]
    assert sms_sent_to("13900000001") == []  # acknowledged in time
    log = {(e["staff_id"], e["channel"]): e for e in alerts_for(messaging, nid)}
    assert log[(slow["id"], "sms")]["status"] == "sent" and log[(slow["id"], "sms")]["to"] == "139****0002"
    assert log[(nophone["id"], "sms")]["status"] == "skipped"  # no number on record: said, not dropped
    assert (quick["id"], "sms") not in log

    ding.sweep(sent + timedelta(minutes=16))
    calls = [e for e in alerts_for(messaging, nid) if e["channel"] == "call"]
    assert sorted((e["staff_id"], e["status"]) for e in calls) == sorted(
        [(slow["id"], "sent"), (nophone["id"], "skipped")]
    )
    ding.sweep(sent + timedelta(minutes=60))  # the ladder is finished: nothing more goes out
    assert len(alerts_for(messaging, nid)) == 4
    # one ding.escalated per SMS or call that went out (the daily report's count): not the skipped
    assert escalations == [(slow["id"], "sms"), (slow["id"], "phone")]
    assert len(sms_sent_to("13900000002")) == 1
