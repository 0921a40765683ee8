"""The daily report and the consortium view over HTTP on the local stack: who may read what, and what
the JSON and the page say (the rules are tested on the fakes in tests/unit/reports/test_daily_report.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from chalicelib.reports.adapters.dynamodb import DynamoStore
from chalicelib.reports.domain.days import Contribution
from chalicelib.reports.service.daily import today_in

from shared.auth import Principal
from shared.persistence.uow import UnitOfWork
from tests.conftest import register_hospital

DAY = today_in(None) - timedelta(days=1)


def put_day(tenant: str, counts: dict[str, float], census: dict[str, float] | None = None) -> None:
    # (two units of work: a transaction touches an item once)
    principal = Principal(tenant=tenant, user="service:reports", kind="service")
    store = DynamoStore(tenant, UnitOfWork("reports", principal, "test"), principal, "test")
    store.days.add(Contribution(day=DAY, counts=counts))
    store.uow.commit()
    if census:
        store = DynamoStore(tenant, UnitOfWork("reports", principal, "test"), principal, "test")
        store.days.set_census(DAY, census, by="his")
        store.uow.commit()


def get_html(stack: Any, path: str, token: str) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(stack.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def hospital(name: str) -> str:
    tenant = f"t-rep{uuid.uuid4().hex[:10]}"
    register_hospital(tenant, name)
    return tenant


def test_a_leader_reads_the_day_as_json_and_as_a_page_and_a_nurse_may_not(stack: Any, token: Any) -> None:
    tenant = hospital("<script>alert(1)</script>人民医院")
    put_day(
        tenant, {"approvals.submitted": 7, "approvals.overdue_tasks": 2}, {"census.outpatient_visits": 900}
    )
    leader = token(tenant, "director", ["hospital_leader"])
    status, body = stack.request("GET", f"/reports/daily/{DAY.isoformat()}", leader)
    assert status == 200, body
    assert body["hospital_name"] == "<script>alert(1)</script>人民医院"  # JSON as is; the page escapes it
    assert body["sections"][0]["code"] == "overdue"
    assert [(f["indicator"], f["value"]) for f in body["sections"][0]["figures"]] == [
        ("approvals_overdue", 2)
    ]
    figures = {f["indicator"]: f for s in body["sections"] for f in s["figures"]}
    assert figures["approvals_submitted"]["value"] == 7
    assert figures["outpatient_visits"]["value"] == 900
    assert figures["notification_read_rate"]["value"] is None  # nothing sent: no rate, not 0 %
    assert figures["notification_read_rate"]["display"] == "—"

    status, headers, html = get_html(stack, f"/reports/daily/{DAY.isoformat()}/page", leader)
    assert status == 200 and headers["Content-Type"].startswith("text/html"), html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;人民医院" in html and "<script" not in html
    assert 'data-indicator="approvals_submitted" data-value="7"' in html

    nurse = token(tenant, "nurse", ["nurse"])
    assert stack.request("GET", f"/reports/daily/{DAY.isoformat()}", nurse)[0] == 403
    assert get_html(stack, f"/reports/daily/{DAY.isoformat()}/page", nurse)[0] == 403


def test_another_hospital_sees_its_own_empty_day_never_the_first_ones(stack: Any, token: Any) -> None:
    first, second = hospital("第一医院"), hospital("第二医院")
    put_day(first, {"approvals.submitted": 5})
    status, body = stack.request(
        "GET", f"/reports/daily/{DAY.isoformat()}", token(second, "d", ["hospital_admin"])
    )
    assert status == 200 and body["hospital_id"] == second and body["hospital_name"] == "第二医院"
    figures = {f["indicator"]: f["value"] for s in body["sections"] for f in s["figures"]}
    assert figures["approvals_submitted"] == 0 and figures["outpatient_visits"] is None
    assert body["census_recorded"] is False


def test_a_day_in_the_future_is_a_422_and_one_past_the_keep_a_404_pointing_to_the_export(
    stack: Any, token: Any
) -> None:
    tenant = hospital("医院")
    leader = token(tenant, "director", ["hospital_leader"])
    future = (DAY + timedelta(days=3)).isoformat()
    assert stack.request("GET", f"/reports/daily/{future}", leader)[0] == 422
    status, problem = stack.request("GET", "/reports/daily/2001-01-01", leader)
    assert status == 404 and "export" in problem["detail"]
    assert stack.request("GET", "/reports/daily/yesterday", leader)[0] == 422


def test_the_lead_sees_every_member_side_by_side_and_a_member_does_not(stack: Any, token: Any) -> None:
    lead, town, other = hospital("县人民医院"), hospital("镇卫生院"), hospital("别的医院")
    lead_t = token(lead, "admin", ["hospital_admin"])
    town_t = token(town, "admin", ["hospital_admin"])
    other_t = token(other, "admin", ["hospital_admin"])
    status, made = stack.request(
        "POST", "/messaging/consortia", lead_t, {"name": "县域医共体", "hospital_name": "县人民医院"}
    )
    assert status == 201, made
    cid = made["id"]
    assert (
        stack.request("POST", f"/messaging/consortia/{cid}/invitations", lead_t, {"hospital_id": town})[0]
        == 200
    )
    assert (
        stack.request("POST", f"/messaging/consortia/{cid}/accept", town_t, {"hospital_name": "镇卫生院"})[0]
        == 200
    )
    put_day(lead, {"approvals.overdue_tasks": 2}, {"census.inpatients": 400, "census.beds_open": 500})
    put_day(town, {"approvals.overdue_tasks": 1}, {"census.inpatients": 90, "census.beds_open": 100})

    path = f"/reports/consortia/{cid}/daily/{DAY.isoformat()}"
    status, body = stack.request("GET", path, token(lead, "director", ["hospital_leader"]))
    assert status == 200, body
    assert [(m["hospital_id"], m["hospital_name"]) for m in body["members"]] == [
        (lead, "县人民医院"),
        (town, "镇卫生院"),
    ]
    assert [m["values"]["bed_occupancy"] for m in body["members"]] == [80.0, 90.0]
    assert body["total"]["approvals_overdue"] == 3
    assert body["total"]["bed_occupancy"] == round(490 / 600 * 100, 2)
    status, _, html = get_html(stack, path + "/page", lead_t)
    assert status == 200 and "镇卫生院" in html and 'data-total="approvals_overdue">3<' in html

    # the member's admin and another hospital: a 404 that names nothing of the consortium
    for caller in (town_t, other_t):
        status, problem = stack.request("GET", path, caller)
        assert status == 404 and "县域" not in str(problem) and cid not in str(problem)
        assert get_html(stack, path + "/page", caller)[0] == 404
