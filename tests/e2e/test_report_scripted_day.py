"""A scripted day on the local stack, and the daily report's page against the scenario's own records.

A hospital's day goes through the real services over HTTP — staff joining and one leaving, leave requests
approved, rejected and left pending, a work notification read and acknowledged, a DING that escalates to
SMS, the HIS census uploaded as a CSV — then the event path is drained. Every figure the director's page
shows (its ``data-indicator`` / ``data-value`` pairs) must equal the same figure recomputed from what the
other services say happened (the approvals' own records, messaging's counts and alert log, the uploaded
file); and the same events delivered again change nothing.
"""

from __future__ import annotations

import re
import statistics
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chalicelib.reports import consumers
from chalicelib.reports.service import figures

from fh.local.seed import _install_builtin_templates
from shared.events.consumer import handle_once
from shared.persistence.uow import UnitOfWork

pytestmark = pytest.mark.e2e

PAIR = re.compile(r'data-indicator="([a-z_]+)" data-value="([^"]*)"')
CENSUS = {
    "outpatient_visits": 2841,
    "emergency_visits": 233,
    "admissions": 97,
    "discharges": 102,
    "inpatients": 968,
    "beds_open": 1100,
    "discharged_bed_days": 857,
    "surgeries": 61,
}
HEADER = "日期,门诊人次,急诊人次,入院人数,出院人数,午夜在院人数,开放床位,出院者占用总床日,手术台次"


def page_figures(html: str) -> dict[str, str]:
    """The figures the page shows, by indicator (a headline figure is shown twice: the same both times)."""
    found: dict[str, str] = {}
    for code, value in PAIR.findall(html):
        assert found.setdefault(code, value) == value, f"{code} shown as {found[code]} and {value}"
    return found


def number(text: str) -> float | None:
    return float(text) if text else None


def test_every_figure_on_the_page_is_what_the_scenarios_records_say_and_a_replay_changes_nothing(
    stack: Any, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    emitted: list[Any] = []
    original = UnitOfWork.emit

    def capture(self: UnitOfWork, event: Any) -> None:
        if event.tenant == tenant:
            emitted.append(event)
        original(self, event)

    monkeypatch.setattr(UnitOfWork, "emit", capture)
    admin = stack.token(tenant, "day-admin", ["hospital_admin"])

    def ok(method: str, path: str, token: str, body: Any = None, expect: int = 200) -> Any:
        status, answer = stack.request(method, path, token, body)
        assert status == expect, (method, path, answer)
        return answer

    # ---- the morning: a unit and its people ---------------------------------------------------------------
    dept = ok("POST", "/messaging/departments", admin, {"name": "康复医学科"}, 201)
    people: dict[str, dict[str, Any]] = {}
    for key, name, roles, mobile in (
        ("nurse", "林晓", ["nurse"], "13900001001"),
        ("nurse2", "周敏", ["nurse"], "13900001002"),
        ("nurse3", "吴静", ["nurse"], "13900001003"),
        ("head", "陈主任", ["department_head"], "13900001004"),
        ("dean", "周副院长", ["hospital_admin"], None),
        ("director", "林院长", ["hospital_leader"], None),
    ):
        body = {
            "name": name,
            "employee_no": f"DAY-{key}",
            "department_id": dept["id"],
            "roles": roles,
            "user_id": f"day-{key}",
            **({"mobile": mobile} if mobile else {}),
        }
        people[key] = ok("POST", "/messaging/staff", admin, body, 201)
    as_ = {key: stack.token(tenant, f"day-{key}", p["roles"]) for key, p in people.items()}
    leave = next(
        t for t in _install_builtin_templates(stack, admin, people["dean"]["id"]) if t["code"] == "leave"
    )

    # ---- approvals: a day's leave is the department head's alone — one approved, one rejected, one pending -----------------------------
    approvals = []
    for who, start in (("nurse", "2026-12-14"), ("nurse2", "2026-12-15"), ("nurse", "2026-12-21")):
        form = {"leave_type": "年假", "period": {"start": start, "end": start}, "reason": "家事"}
        approvals.append(
            ok("POST", "/approvals/approvals", as_[who], {"template_id": leave["id"], "form": form}, 201)
        )
    act = "/approvals/approvals/{}/actions"
    ok("POST", act.format(approvals[0]["id"]), as_["head"], {"action": "approve"})
    ok("POST", act.format(approvals[1]["id"]), as_["head"], {"action": "reject", "comment": "排班紧张"})

    # ---- a work notification, read and acknowledged; a DING that goes on to SMS ------------------------------
    notice = ok(
        "POST",
        "/messaging/notifications",
        admin,
        {
            "title": "院感培训",
            "body": "周五 14:00",
            "to": {"department_ids": [dept["id"]]},
            "ack_required": True,
        },
        202,
    )
    ding = ok(
        "POST",
        "/messaging/notifications",
        admin,
        {
            "title": "抢救室需要支援",
            "body": "请立即到抢救室",
            "to": {"staff_ids": [people["nurse2"]["id"], people["nurse3"]["id"]]},
            "ding": {"sms_after_minutes": 5, "call_after_minutes": 120},
        },
        202,
    )
    stack.drain()  # the fan-out delivers both
    ok("POST", f"/messaging/notifications/{notice['id']}/read", as_["nurse"], {})
    ok("POST", f"/messaging/notifications/{notice['id']}/read", as_["nurse"], {})  # twice: one reader
    ok("POST", f"/messaging/notifications/{notice['id']}/ack", as_["head"], {})
    ok("POST", f"/messaging/notifications/{ding['id']}/ack", as_["nurse2"], {})
    stack.runner.fire_schedule("ding-escalation-sweep", datetime.now(UTC) + timedelta(minutes=6))

    # ---- one leaves; the HIS census arrives as the admin's CSV ------------------------------------------------
    leaving = ok("GET", f"/messaging/staff/{people['nurse3']['id']}", admin)
    ok("POST", f"/messaging/staff/{leaving['id']}/leave", admin, {"version": leaving["version"]})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    csv = f"{HEADER}\n{today.isoformat()},{','.join(str(v) for v in CENSUS.values())}\n".encode()
    ticket = ok(
        "POST",
        "/reports/census/uploads",
        admin,
        {"filename": "日报.csv", "content_type": "text/csv", "size": len(csv)},
        201,
    )
    put = urllib.request.Request(
        ticket["upload_url"], data=csv, method="PUT", headers=ticket["upload_headers"]
    )
    with urllib.request.urlopen(put, timeout=10) as resp:
        assert resp.status == 200
    ok("POST", f"/reports/census/uploads/{ticket['id']}/import", admin, {})
    stack.drain()

    # ---- what the other services' own records say happened ----------------------------------------------------
    decided = [ok("GET", f"/approvals/approvals/{a['id']}", admin) for a in approvals]
    hours = [
        (datetime.fromisoformat(d["finished_at"]) - datetime.fromisoformat(d["submitted_at"])).total_seconds()
        / 3600
        for d in decided
        if d["status"] in ("approved", "rejected")
    ]
    sent_ids = [e.data["notification_id"] for e in emitted if e.type == "notification.sent"]
    sent = [ok("GET", f"/messaging/notifications/{i}", admin) for i in sent_ids]
    asked = [n for n in sent if n["ack_required"]]
    alerts = ok("GET", "/messaging/alerts?limit=200", admin)["items"]
    recipients = sum(n["recipient_count"] for n in sent)
    expected: dict[str, float | None] = {
        "staff_joined": len(people),
        "staff_left": 1,
        "approvals_submitted": len(approvals),
        "approvals_approved": sum(d["status"] == "approved" for d in decided),
        "approvals_rejected": sum(d["status"] == "rejected" for d in decided),
        "approval_turnaround": round(statistics.median(hours), 2),
        "approvals_overdue": 0,
        "notifications_sent": len(sent),
        "notification_read_rate": round(sum(n["read_count"] for n in sent) / recipients * 100, 2),
        "notification_ack_rate": round(
            sum(n["ack_count"] for n in asked) / sum(n["recipient_count"] for n in asked) * 100, 2
        ),
        "ding_sms": sum(a["channel"] == "sms" and a["status"] == "sent" for a in alerts),
        "ding_phone": sum(a["channel"] == "call" and a["status"] == "sent" for a in alerts),
        **{k: v for k, v in CENSUS.items() if k not in ("beds_open", "discharged_bed_days")},
        "bed_occupancy": round(CENSUS["inpatients"] / CENSUS["beds_open"] * 100, 2),
        "average_length_of_stay": round(CENSUS["discharged_bed_days"] / CENSUS["discharges"], 2),
        # nothing of these happened in the scenario: each is a counted 0, never a gap
        "followups_missed": 0,
        "referrals_overdue": 0,
        "partner_deliveries_failing": 0,
    }
    # the scenario itself is what it says: two reads counted once, one SMS (the unacknowledged nurse's)
    assert expected["ding_sms"] == 1 and len(asked) == 2 and expected["approvals_approved"] == 1

    director = as_["director"]
    html = ok("GET", f"/reports/daily/{today.isoformat()}/page", director)
    shown = page_figures(html)
    for code, value in expected.items():
        assert code in shown, f"{code} is not on the page"
        got = number(shown[code])
        assert got is not None and abs(got - float(value or 0)) < 0.006, (code, shown[code], value)
    report = ok("GET", f"/reports/daily/{today.isoformat()}", director)
    in_json = {f["indicator"]: f["value"] for s in report["sections"] for f in s["figures"]}
    assert {c: in_json[c] for c in expected} == {c: number(shown[c]) for c in expected}

    # ---- the same events delivered again (a redelivery, a replay from the archive): nothing changes ------------
    replayed = 0
    for sub in consumers.SUBSCRIPTIONS:
        for envelope in emitted:
            if envelope.type in sub.event_types and envelope.source == sub.source:
                assert handle_once(sub, envelope, figures.count) is False
                replayed += 1
    assert replayed > 20
    assert page_figures(ok("GET", f"/reports/daily/{today.isoformat()}/page", director)) == shown
