"""A leave request through a two-step flow over real HTTP, as docs/approvals.md shows it with curl."""

from __future__ import annotations

from typing import Any

import pytest

from fh.local.seed import seed
from tests.conftest import make_staff

pytestmark = pytest.mark.e2e


def test_demo_hospital_leave_request_two_steps_over_http(
    stack: Any, tenant: str, admin: str, token: Any
) -> None:
    made = seed(stack, tenant)
    leave = next(t for t in made["templates"] if t["code"] == "leave")
    assert {t["code"] for t in made["templates"]} >= {"leave", "shift_swap", "document_circulation"}

    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "康复医学科"})

    nurse, head, dean = (
        make_staff(stack, admin, dept["id"], "林晓", "R1", ["nurse"]),
        make_staff(stack, admin, dept["id"], "陈主任", "R2", ["department_head"]),
        make_staff(stack, admin, dept["id"], "周院长", "R3", ["hospital_admin"]),
    )
    as_nurse = token(tenant, nurse, ["nurse"])
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-05"}, "reason": "探亲"}
    status, preview = stack.request(
        "POST", "/approvals/approvals/preview", as_nurse, {"template_id": leave["id"], "form": form}
    )
    leaders = sorted([dean, made["demo"]["admin"]["id"]])  # the hospital's admins: the dean and the demo one
    assert status == 200 and [sorted(s["approvers"]) for s in preview["route"]["steps"]] == [[head], leaders]
    status, approval = stack.request(
        "POST", "/approvals/approvals", as_nurse, {"template_id": leave["id"], "form": form}
    )
    assert status == 201 and approval["pending_approvers"] == [head]

    as_head = token(tenant, head, ["department_head"])
    status, pending = stack.request("GET", "/approvals/inbox/pending", as_head)
    assert [i["instance_id"] for i in pending["items"]] == [approval["id"]]
    path = f"/approvals/approvals/{approval['id']}/actions"
    status, step1 = stack.request("POST", path, as_head, {"action": "approve", "comment": "同意"})
    assert status == 200 and sorted(step1["pending_approvers"]) == leaders
    status, done = stack.request("POST", path, token(tenant, dean, ["hospital_admin"]), {"action": "approve"})
    assert status == 200 and done["status"] == "approved"
    status, records = stack.request("GET", f"/approvals/approvals/{approval['id']}/records", as_nurse)
    assert [r["action"] for r in records["items"]] == ["submit", "approve", "approve"]


def test_the_demo_tokens_sign_in_as_seeded_people(stack: Any, tenant: str) -> None:
    """make dev prints a token per demo role: each is someone, so the personal routes answer for them."""
    from fh.local.seed import DEMO_ROLES

    made = seed(stack, tenant)
    demo = made["demo"]
    nurse = stack.token(tenant, "demo-nurse", DEMO_ROLES["nurse"])
    status, colleagues = stack.request("GET", "/messaging/staff/me/colleagues?limit=200", nurse)
    assert status == 200 and demo["head-nurse"]["name"] in [s["name"] for s in colleagues["items"]]
    for path in ("/messaging/notifications/inbox", "/approvals/inbox/pending", "/messaging/sync"):
        status, body = stack.request("GET", path, nurse)
        assert status == 200, (path, body)
    # The demo admin's changes are on the trail under her name.
    admin = stack.token(tenant, "demo-admin", DEMO_ROLES["admin"])
    unit = next(d for d in made["departments"] if d["name"] == "心内一病区")
    status, renamed = stack.request(
        "PATCH",
        f"/messaging/departments/{unit['id']}",
        admin,
        {"version": unit["version"] + 1, "name": "心内一病区"},
    )
    assert status == 200, renamed
    status, trail = stack.request(
        "GET", f"/messaging/audit?resource_type=department&resource_id={unit['id']}", admin
    )
    assert status == 200, trail
    assert demo["admin"]["name"] in [e.get("actor_name") for e in trail["items"]], trail
    # The demo hospital is a hospital of the province: another hospital's consortium can invite it.
    lead = stack.token(f"{tenant}-lead", "admin", ["hospital_admin"])
    status, consortium = stack.request(
        "POST", "/messaging/consortia", lead, {"name": "医联体", "hospital_name": "县医院"}
    )
    assert status == 201, consortium
    status, invited = stack.request(
        "POST", f"/messaging/consortia/{consortium['id']}/invitations", lead, {"hospital_id": tenant}
    )
    assert status == 200 and invited["hospital_name"] == "未来医院（演示）", invited
    leave = next(t for t in made["templates"] if t["code"] == "leave")
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-02"}, "reason": "探亲"}
    status, approval = stack.request(
        "POST", "/approvals/approvals", nurse, {"template_id": leave["id"], "form": form}
    )
    assert status == 201 and approval["submitter"] == demo["nurse"]["id"], approval
    # the nurse's unit is the ward her head nurse heads: the leave waits on the demo head nurse
    head = stack.token(tenant, "demo-head-nurse", DEMO_ROLES["head-nurse"])
    status, pending = stack.request("GET", "/approvals/inbox/pending", head)
    assert status == 200 and approval["id"] in [i["instance_id"] for i in pending["items"]], pending
