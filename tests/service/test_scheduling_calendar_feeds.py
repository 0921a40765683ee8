"""A nurse's calendar feed over HTTP on moto: a ward that skips approval publishes a week; the nurse makes
her feed; the .ics is fetched with no Authorization at all and parsed with icalendar; a republish updates
the changed day's event in place (same UID, higher SEQUENCE); revoking, and leaving the hospital, make
the URL a 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.service.approvals.conftest import Call
from tests.service.test_roster_periods_api import _ward

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fetch(clients: dict[str, Any], path: str) -> Any:
    """What a phone's calendar app does: a plain GET, no Authorization header."""
    return clients["scheduling"].http.get(path.removeprefix("/scheduling"), headers={})


def _events(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.body)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_a_nurse_subscribes_to_her_shifts_and_the_feed_follows_republishing(
    clients: dict[str, Any], stack: Any
) -> None:
    tenant, ward, ids, _ = _ward(clients, stack)
    head = Call(clients["scheduling"], str(stack.token(tenant, "hn", ["head_nurse"])))
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))
    n1 = ids["n1"]
    setup = head("PUT", f"/wards/{ward}/setup", {"version": 0, "skip_approval": True})
    assert setup.status_code == 200, setup.body

    # a week starting a few days from now (inside the feed's window), published without approval
    start = datetime.now(SHANGHAI).date() + timedelta(days=3)
    day1, day3 = start, start + timedelta(days=2)
    made = head(
        "POST", "/periods", {"ward_ids": [ward], "start": str(start), "end": str(start + timedelta(days=6))}
    )
    assert made.status_code == 201, made.body
    pid = made.json_body["id"]
    changes = [
        {"staff_id": n1, "date": str(day1), "shift": "D"},
        {"staff_id": n1, "date": str(day3), "shift": "N"},
        {"staff_id": ids["n2"], "date": str(day1), "shift": "P"},
    ]
    assert head("PUT", f"/periods/{pid}/cells", {"changes": changes}).status_code == 200
    assert head("POST", f"/periods/{pid}/publish", {}).json_body["version"] == 1
    stack.drain()  # roster.published → her shifts

    assert nurse("GET", "/me/calendar-feed").json_body == {"active": False, "created_at": None}
    created = clients["scheduling"].http.post(  # as the gateway passes it: the host she reached
        "/me/calendar-feed", headers={"Authorization": f"Bearer {nurse.token}", "Host": "api.example.cn"}
    )
    assert created.status_code == 201, created.body
    feed = created.json_body
    assert feed["path"].startswith("/scheduling/calendar-feeds/") and feed["path"].endswith("/shifts.ics")
    assert feed["url"] == "https://api.example.cn" + feed["path"]
    assert feed["webcal"] == "webcal://api.example.cn" + feed["path"]
    assert all(x not in feed["url"] for x in (n1, tenant, "陈思雨"))  # the URL names no one
    status = nurse("GET", "/me/calendar-feed").json_body
    assert status["active"] is True and "url" not in status and "path" not in status

    before = _events(_fetch(clients, feed["path"]))
    mine = sorted(before.values(), key=lambda e: e.decoded("dtstart"))
    assert [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in mine] == [
        (
            "白班 · 心内科病区",
            datetime.combine(day1, datetime.min.time()).replace(hour=8, tzinfo=SHANGHAI),
            datetime.combine(day1, datetime.min.time()).replace(hour=16, tzinfo=SHANGHAI),
        ),
        (
            "大夜 · 心内科病区",
            datetime.combine(day3, datetime.min.time()).replace(tzinfo=SHANGHAI),
            datetime.combine(day3, datetime.min.time()).replace(hour=8, tzinfo=SHANGHAI),
        ),
    ]
    assert all(int(e["sequence"]) == 1 for e in mine)

    # republish with 白班 → 小夜 on the first day: the same event, updated
    change = {"changes": [{"staff_id": n1, "date": str(day1), "shift": "P"}]}
    assert head("PUT", f"/periods/{pid}/cells", change).status_code == 200
    assert head("POST", f"/periods/{pid}/publish", {}).json_body["version"] == 2
    stack.drain()
    after = _events(_fetch(clients, feed["path"]))
    assert set(after) == set(before)
    first = next(uid for uid, e in before.items() if e.decoded("dtstart").date() == day1)
    assert (str(after[first]["summary"]), int(after[first]["sequence"])) == ("小夜 · 心内科病区", 2)
    assert after[first].decoded("dtstart") == datetime.combine(day1, datetime.min.time()).replace(
        hour=16, tzinfo=SHANGHAI
    )

    # regenerate: the old URL is gone, the new one works; revoke: 404 with nothing said
    again = nurse("POST", "/me/calendar-feed").json_body
    assert _fetch(clients, feed["path"]).status_code == 404
    assert set(_events(_fetch(clients, again["path"]))) == set(before)
    assert nurse("DELETE", "/me/calendar-feed").status_code == 204
    gone = _fetch(clients, again["path"])
    assert gone.status_code == 404 and again["path"].split("/")[3] not in gone.body.decode()
    assert nurse("DELETE", "/me/calendar-feed").status_code == 404


def test_a_nurse_who_leaves_loses_her_feed_at_once(clients: dict[str, Any], stack: Any) -> None:
    tenant, _, ids, admin = _ward(clients, stack)
    nurse = Call(clients["scheduling"], str(stack.token(tenant, "n1", ["nurse"])))
    feed = nurse("POST", "/me/calendar-feed").json_body
    assert _fetch(clients, feed["path"]).status_code == 200
    version = admin("GET", f"/staff/{ids['n1']}").json_body["version"]
    left = admin("POST", f"/staff/{ids['n1']}/leave", {"version": version})
    assert left.status_code in (200, 204), left.body
    assert _fetch(clients, feed["path"]).status_code == 404


def test_unknown_feeds_are_404(clients: dict[str, Any]) -> None:
    assert _fetch(clients, "/scheduling/calendar-feeds/" + "A" * 43 + "/shifts.ics").status_code == 404
    assert _fetch(clients, "/scheduling/calendar-feeds/short/shifts.ics").status_code == 404
