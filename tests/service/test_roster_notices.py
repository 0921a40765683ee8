"""Roster change notices on the event path (moto): scheduling's ``roster.published`` on the province bus
→ messaging's roster-notices consumer → the ordinary fan-out → each changed nurse's inbox and sync feed,
each reading her own lines; a nurse who left gets nothing; a retried event sends nothing twice. The
rules are on the fakes in ``tests/unit/messaging/test_roster_notices_service.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import shared.aws
from shared.events.published.scheduling import ROSTER_PUBLISHED, NurseChange, RosterPublished
from shared.events.relay import publish
from shared.settings import get_settings
from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff

TITLE = "心内一病区 2027年1月排班（第2版）"


def test_each_changed_nurse_gets_her_lines_once(
    clients: dict[str, Any], admin: str, token: Any, tenant: str, stack: Any, sync_settled: None
) -> None:
    messaging = Api(clients["messaging"], admin)
    dept = make_department(messaging, "心血管内科")
    ward = make_department(messaging, "心内一病区", kind="ward", parent_id=dept["id"])
    head = add_staff(messaging, ward["id"], "王护士长", "H1", user_id="hn", roles=["head_nurse"])
    nurses = [add_staff(messaging, ward["id"], f"护士{i}", f"N{i}", user_id=f"nurse-{i}") for i in range(3)]
    gone = add_staff(messaging, ward["id"], "离职护士", "N9", user_id="gone")
    left = messaging.call("POST", f"/staff/{gone['id']}/leave", {"version": gone["version"]})
    assert left.status_code == 200, left.body
    stack.drain()  # the directory's own events

    lines = {
        nurses[0]["id"]: ["1月3日 白班 → 大夜", "1月4日 大夜 → 休"],
        nurses[1]["id"]: ["1月9日 休 → 小夜"],
        gone["id"]: ["1月5日 白班 → 休"],
    }
    data = RosterPublished(
        period_id="p-2027-01",
        version=2,
        ward_ids=[ward["id"]],
        title=TITLE,
        start=date(2027, 1, 1),
        end=date(2027, 1, 31),
        published_by=head["id"],
        changes=[NurseChange(staff_id=s, lines=ls) for s, ls in lines.items()],
    )
    envelope = ROSTER_PUBLISHED.envelope(tenant, data)
    bus = get_settings().event_bus_name
    publish([envelope], shared.aws.client("events"), bus)  # as scheduling's relay puts it there
    stack.drain()

    def inbox(user: str) -> list[dict[str, Any]]:
        api = Api(clients["messaging"], token(tenant, user, ["nurse"]))
        return [i for i in api.call("GET", "/notifications/inbox").json_body["items"] if i["title"] == TITLE]

    for n, user in enumerate(("nurse-0", "nurse-1")):
        [entry] = inbox(user)
        assert (entry["sender"], entry["sender_name"], entry["status"]) == (
            head["id"],
            "王护士长",
            "delivered",
        )
        api = Api(clients["messaging"], token(tenant, user, ["nurse"]))
        synced = api.call("GET", "/sync").json_body["items"]
        assert [i["id"] for i in synced if i["kind"] == "notification"] == [entry["notification_id"]]
        mine = api.call("GET", f"/notifications/{entry['notification_id']}").json_body
        assert (mine["title"], mine["body"]) == (TITLE, "\n".join(lines[nurses[n]["id"]]))
    assert inbox("nurse-2") == []  # her shifts did not move
    # the head nurse sees one notification to the two of them
    sent = Api(clients["messaging"], token(tenant, "hn", ["head_nurse"])).call("GET", "/notifications/sent")
    assert [(s["title"], s["recipient_count"]) for s in sent.json_body["items"]] == [(TITLE, 2)]

    # the same event again (a retry past the bus): nothing is sent twice
    publish([envelope], shared.aws.client("events"), bus)
    stack.drain()
    assert len(inbox("nurse-0")) == 1 and len(inbox("nurse-1")) == 1
