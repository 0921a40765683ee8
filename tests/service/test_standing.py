"""A member of staff's standing comes from the directory on every request (``shared.standing``):
leaving, a role taken away and a sign-in moved to someone else take effect at once, in every service,
and a token's staff_id claim counts only for the sign-in the directory binds to it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture
def hospital(stack: Any) -> dict[str, Any]:
    tenant = f"t-st{uuid.uuid4().hex[:10]}"
    admin = stack.token(tenant, "st-admin", ["hospital_admin"])
    status, dept = stack.request("POST", "/messaging/departments", admin, {"name": "心内科"})
    assert status == 201, dept
    return {"tenant": tenant, "admin": admin, "dept": dept["id"]}


def add(stack: Any, h: dict[str, Any], number: str, **extra: Any) -> dict[str, Any]:
    body = {"name": f"护士{number}", "employee_no": number, "department_id": h["dept"], **extra}
    status, made = stack.request("POST", "/messaging/staff", h["admin"], body)
    assert status == 201, made
    return dict(made)


def test_leaving_shuts_every_service_at_once(stack: Any, hospital: dict[str, Any]) -> None:
    h = hospital
    wang = add(stack, h, "W1", roles=["nurse"], user_id="idp-wang")
    token = stack.token(h["tenant"], "idp-wang", ["nurse"])
    reads = [
        "/messaging/staff/me/colleagues",
        "/messaging/notifications/inbox",
        "/approvals/inbox/pending",
        "/scheduling/staff",
    ]
    assert [stack.request("GET", path, token)[0] for path in reads] == [200, 200, 200, 200]
    status, _ = stack.request("POST", f"/messaging/staff/{wang['id']}/leave", h["admin"], {"version": 1})
    assert status == 200
    for path in reads:  # the same, unexpired token
        status, problem = stack.request("GET", path, token)
        assert (status, problem["type"]) == (403, "urn:fh:problem:forbidden"), path
        assert "left the hospital" in problem["detail"]


def test_a_subject_that_is_the_staff_id_is_refused_after_leaving_too(
    stack: Any, hospital: dict[str, Any]
) -> None:
    h = hospital
    li = add(stack, h, "L1", roles=["nurse"])  # no sign-in bound: a token whose subject is the staff id
    token = stack.token(h["tenant"], li["id"], ["nurse"])
    assert stack.request("GET", "/messaging/notifications/inbox", token)[0] == 200
    stack.request("POST", f"/messaging/staff/{li['id']}/leave", h["admin"], {"version": 1})
    assert stack.request("GET", "/messaging/notifications/inbox", token)[0] == 403


def test_directory_roles_come_from_the_directory_not_the_token(stack: Any, hospital: dict[str, Any]) -> None:
    h = hospital
    zhao = add(stack, h, "Z1", roles=["nurse"], user_id="idp-zhao")
    # The token says hospital_admin; the directory says nurse: the admin route is refused.
    token = stack.token(h["tenant"], "idp-zhao", ["nurse", "hospital_admin"])
    assert stack.request("POST", "/messaging/departments", token, {"name": "骨科"})[0] == 403
    status, _ = stack.request(
        "PATCH", f"/messaging/staff/{zhao['id']}", h["admin"], {"version": 1, "roles": ["hospital_admin"]}
    )
    assert status == 200
    assert stack.request("POST", "/messaging/departments", token, {"name": "骨科"})[0] == 201
    stack.request("PATCH", f"/messaging/staff/{zhao['id']}", h["admin"], {"version": 2, "roles": ["nurse"]})
    assert stack.request("POST", "/messaging/departments", token, {"name": "眼科"})[0] == 403


def test_a_staff_id_claim_counts_only_for_the_sign_in_bound_to_it(
    stack: Any, hospital: dict[str, Any]
) -> None:
    h = hospital
    sun = add(stack, h, "S1", roles=["nurse"], user_id="idp-sun")
    unbound = add(stack, h, "S2", roles=["nurse"])
    mine = stack.token(h["tenant"], "idp-sun", ["nurse"], staff_id=sun["id"])
    assert stack.request("GET", "/messaging/notifications/inbox", mine)[0] == 200
    for sub, claimed in (
        ("idp-sun", unbound["id"]),
        ("idp-stranger", sun["id"]),
        ("idp-stranger", unbound["id"]),
    ):
        status, problem = stack.request(
            "GET",
            "/messaging/notifications/inbox",
            stack.token(h["tenant"], sub, ["nurse"], staff_id=claimed),
        )
        assert status == 403, (sub, claimed, problem)


def test_a_sign_in_moved_to_another_subject_stops_the_old_one_and_is_never_shared(
    stack: Any, hospital: dict[str, Any]
) -> None:
    h = hospital
    zhou = add(stack, h, "Z2", roles=["nurse"], user_id="idp-zhou")
    old = stack.token(h["tenant"], "idp-zhou", ["nurse"])
    status, moved = stack.request(
        "PATCH", f"/messaging/staff/{zhou['id']}", h["admin"], {"version": 1, "user_id": "idp-zhou-2"}
    )
    assert (status, moved["user_id"]) == (200, "idp-zhou-2")
    assert stack.request("GET", "/messaging/notifications/inbox", old)[0] == 403
    new = stack.token(h["tenant"], "idp-zhou-2", ["nurse"])
    assert stack.request("GET", "/messaging/notifications/inbox", new)[0] == 200
    # Nobody else can be bound to a sign-in someone holds, at creation or later.
    status, problem = stack.request(
        "POST",
        "/messaging/staff",
        h["admin"],
        {"name": "吴", "employee_no": "Z3", "department_id": h["dept"], "user_id": "idp-zhou-2"},
    )
    assert (status, problem["type"]) == (409, "urn:fh:problem:conflict"), problem
    wu = add(stack, h, "Z4", roles=["nurse"])
    status, _ = stack.request(
        "PATCH", f"/messaging/staff/{wu['id']}", h["admin"], {"version": 1, "user_id": "idp-zhou-2"}
    )
    assert status == 409
    # The subject left behind may be bound again (to someone new), and then works for them.
    status, _ = stack.request(
        "PATCH", f"/messaging/staff/{wu['id']}", h["admin"], {"version": 1, "user_id": "idp-zhou"}
    )
    assert status == 200
    assert stack.request("GET", "/messaging/notifications/inbox", old)[0] == 200
