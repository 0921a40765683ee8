"""The 07:00 morning report on the in-process stack: an admin names the leaders; the sweep's Lambda handler
(run with the scheduled event's time, as EventBridge gives it) at 06:59 local sends nothing, at 07:00 one
院长日报 reaches the director's inbox through messaging's consumer and the fan-out; run again — a fresh call
of the handler on the same tables, as after a restart — and it is still one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import make_staff, register_hospital

# 2026-11-20 07:00 in Urumqi (UTC+6) is 01:00 UTC
URUMQI_0700 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _inbox(stack: Any, token: str) -> list[dict[str, Any]]:
    status, body = stack.request("GET", "/messaging/notifications/inbox", token)
    assert status == 200, body
    # this morning's report by its title: a drain also plays the sweep on the wall clock, which may send
    # today's report (another title) to this hospital when the tests run in its morning
    return [i for i in body["items"] if i["title"] == "院长日报 · 11月19日"]


def test_the_director_is_told_once_at_0700_local_across_a_restart(
    stack: Any, tenant: str, admin: str, token: Any
) -> None:
    register_hospital(tenant, "乌鲁木齐市第一医院")
    from fh.tenancy_store import HospitalItem  # the demo hospital is Shanghai's; this one keeps its own clock

    hospital = HospitalItem.get(HospitalItem.partition(tenant), tenant)
    hospital.update(actions=[HospitalItem.timezone.set("Asia/Urumqi")])

    status, dept = stack.request("POST", "/messaging/departments", admin, {"name": "院办"})
    assert status == 201, dept
    director = make_staff(stack, admin, dept["id"], "王院长", "D001", ["hospital_leader"])
    vice = make_staff(stack, admin, dept["id"], "赵副院长", "D002", ["doctor"])

    status, view = stack.request("GET", "/reports/settings", admin)
    assert status == 200, view
    assert (view["version"], view["send_at"], view["timezone"]) == (0, "07:00", "Asia/Urumqi")
    status, view = stack.request(
        "PUT", "/reports/settings", admin, {"version": 0, "leaders": [vice], "send_at": "07:00"}
    )
    assert status == 200, view
    assert view["leaders"] == [{"id": vice, "name": "赵副院长"}]
    status, refused = stack.request(
        "PUT", "/reports/settings", admin, {"version": 1, "leaders": ["nobody-here"]}
    )
    assert status == 422 and "nobody-here" in str(refused), refused

    director_token = token(tenant, director, ["hospital_leader"])
    vice_token = token(tenant, vice, ["doctor"])

    stack.runner.fire_schedule("reports-morning", URUMQI_0700 - timedelta(minutes=1))
    stack.drain()
    assert _inbox(stack, director_token) == []

    stack.runner.fire_schedule("reports-morning", URUMQI_0700)
    stack.drain()
    [notice] = _inbox(stack, director_token)
    assert notice["sender_name"] == "院长日报"
    status, full = stack.request(
        "GET", f"/messaging/notifications/{notice['notification_id']}", director_token
    )
    assert status == 200, full
    # no census uploaded: the headline says so; the link to the full report ends the body
    assert "门诊人次 未上报" in full["body"]
    assert full["body"].endswith("查看完整日报：/reports/daily/2026-11-19/page")
    assert len(_inbox(stack, vice_token)) == 1

    # a restart: the handler called afresh on the same tables, later the same morning and right away
    stack.runner.fire_schedule("reports-morning", URUMQI_0700)
    stack.runner.fire_schedule("reports-morning", URUMQI_0700 + timedelta(minutes=5))
    stack.drain()
    assert len(_inbox(stack, director_token)) == 1
