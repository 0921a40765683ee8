"""A partner app's calls as every service sees them (shared.http → shared.installations): its installation's
standing decides at each call, its calls are counted per day, and a minute's allowance ends in a 429."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.installations import PROVINCE_TZ, StandingItem, usage
from tests import partner_apps


def test_an_app_past_its_minute_allowance_gets_429_with_retry_after_and_its_calls_are_counted(
    stack: Any, tenant: str
) -> None:
    installation = partner_apps.install(tenant, ["directory:read"], rate_per_minute=3)
    token = partner_apps.sign(tenant, installation, ["directory:read"])
    answers = [stack.request("GET", "/messaging/departments", token) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200]
    request = urllib.request.Request(
        stack.url + "/messaging/departments", headers={"Authorization": f"Bearer {token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 429
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    today = datetime.now(PROVINCE_TZ).strftime("%Y-%m-%d")
    # the three calls it made are the hospital's to see; the refused one is not a call made
    assert usage(tenant, installation, today, today) == [(today, 3)]


def test_revoked_credentials_refuse_every_token_issued_before(stack: Any, tenant: str) -> None:
    installation = partner_apps.install(tenant, ["directory:read"])
    token = partner_apps.sign(tenant, installation, ["directory:read"])
    assert stack.request("GET", "/messaging/departments", token)[0] == 200
    standing = StandingItem.get(StandingItem.partition(tenant), installation)
    standing.update(actions=[StandingItem.not_before.set(datetime.now(UTC) + timedelta(seconds=5))])
    status, problem = stack.request("GET", "/messaging/departments", token)
    assert status == 403 and "revoked" in problem["detail"]


def test_a_scope_taken_back_is_gone_at_the_next_call(stack: Any, tenant: str) -> None:
    """The token still says directory:read; the hospital's consent (the standing) no longer does."""
    installation = partner_apps.install(tenant, ["directory:read", "roster:read"])
    token = partner_apps.sign(tenant, installation, ["directory:read", "roster:read"])
    assert stack.request("GET", "/messaging/departments", token)[0] == 200
    standing = StandingItem.get(StandingItem.partition(tenant), installation)
    standing.update(actions=[StandingItem.scopes.set(["roster:read"])])
    status, problem = stack.request("GET", "/messaging/departments", token)
    assert status == 403 and "directory:read" in problem["detail"]


def test_an_app_reads_names_and_units_but_no_mobile_or_sign_in(
    stack: Any, tenant: str, admin: str, app_token: Callable[..., str]
) -> None:
    status, unit = stack.request("POST", "/messaging/departments", admin, {"name": "心血管内科"})
    assert status == 201, unit
    dept = unit["id"]
    person = {"name": "王医生", "employee_no": "W001", "department_id": dept, "roles": ["doctor"]}
    status, made = stack.request("POST", "/messaging/staff", admin, {**person, "mobile": "13800138000"})
    assert status == 201, made
    staff_id = made["id"]
    token = app_token(tenant, ["directory:read"])
    status, person = stack.request("GET", f"/messaging/staff/{staff_id}", token)
    assert status == 200, person
    assert (person["name"], person["department_id"], person["mobile"], person["user_id"]) == (
        "王医生",
        dept,
        None,
        None,
    )
    status, page = stack.request("GET", "/messaging/staff", token)
    assert status == 200 and all(p["mobile"] is None for p in page["items"]) and page["items"]
    # staff still see the masked mobile
    assert stack.request("GET", f"/messaging/staff/{staff_id}", admin)[1]["mobile"] == "138****8000"
