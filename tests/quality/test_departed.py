"""Departed principals, swept over every route: a member of staff who has left, a sign-in the directory
has moved to someone else, and a token claiming another person's staff record are refused (403) by
every protected route at once, before anything is read or written beyond the one standing lookup.

The check is one policy in the HTTP layer (``shared.standing``), so a route added later is covered
without an edit here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.quality import botocore_hooks
from tests.quality.surface import all_roles, all_routes, fill, route_id

pytestmark = pytest.mark.e2e

STAFF_ROUTES = [r for r in all_routes() if not r.public and "staff" in r.kinds]


@pytest.fixture(scope="module")
def departed(stack: Any) -> dict[str, str]:
    """Tokens (holding every role) of: one who left, one whose sign-in was rebound, one claiming another's
    record. Their records hold every directory role, so only their standing refuses them."""
    from shared.auth import DIRECTORY_ROLES

    tenant = f"t-dp{uuid.uuid4().hex[:10]}"
    roles = all_roles(all_routes())
    admin = stack.token(tenant, "dp-admin", ["hospital_admin"])
    status, dept = stack.request("POST", "/messaging/departments", admin, {"name": "离职测试科"})
    assert status == 201, dept

    def staff(number: str, user_id: str) -> dict[str, Any]:
        body = {
            "name": f"员工{number}",
            "employee_no": number,
            "department_id": dept["id"],
            "roles": sorted(DIRECTORY_ROLES),
            "user_id": user_id,
        }
        status, made = stack.request("POST", "/messaging/staff", admin, body)
        assert status == 201, made
        return dict(made)

    gone = staff("DP1", "dp-gone")
    status, left = stack.request("POST", f"/messaging/staff/{gone['id']}/leave", admin, {"version": 1})
    assert status == 200, left
    moved = staff("DP2", "dp-old")
    status, rebound = stack.request(
        "PATCH", f"/messaging/staff/{moved['id']}", admin, {"version": 1, "user_id": "dp-new"}
    )
    assert status == 200, rebound
    victim = staff("DP3", "dp-victim")
    return {
        "left": stack.token(tenant, "dp-gone", roles),
        "rebound": stack.token(tenant, "dp-old", roles),
        "claims another's record": stack.token(tenant, "dp-thief", roles, staff_id=victim["id"]),
    }


@pytest.mark.parametrize("who", ["left", "rebound", "claims another's record"])
@pytest.mark.parametrize("route", [pytest.param(r, id=route_id(r)) for r in STAFF_ROUTES])
def test_a_departed_principal_is_refused_by_every_route(
    route: Any, who: str, departed: dict[str, str], inproc: Callable[..., Any]
) -> None:
    url = f"/{route.service}" + fill(route.path, {p: "01dpx" for p in route.path_params})
    with botocore_hooks.counting() as log:
        status, _, body = inproc(route.method, url, departed[who], {})
    assert status == 403, body
    assert body["type"] == "urn:fh:problem:forbidden"
    assert dict(log.calls) == {"GetItem": 1}, log  # the standing lookup, nothing of the route's
