"""The demo seed's consortium for referral and consultation (双向转诊/会诊), over real HTTP: the county
hospital's referral desk, the town clinic in its consortium and the outside hospital not in it, each
labelled person signing in with the token ``fh dev`` prints for them."""

from __future__ import annotations

from typing import Any

import pytest

from fh.local.seed import CONSORTIUM_NAME, DEMO_ROLES, PARTNER_PEOPLE, partner_tenant, seed

pytestmark = pytest.mark.e2e


def test_the_demo_consortium_and_its_people_sign_in(stack: Any, tenant: str) -> None:
    made = seed(stack, tenant, partners=True)
    people = made["partner_people"]
    assert set(people) == set(PARTNER_PEOPLE)
    clinic, outside = partner_tenant(tenant, "clinic"), partner_tenant(tenant, "outside")
    assert {p["tenant"] for p in people.values()} == {clinic, outside}

    def as_(label: str) -> str:
        if label in DEMO_ROLES:
            return str(stack.token(tenant, f"demo-{label}", DEMO_ROLES[label]))
        return str(stack.token(people[label]["tenant"], f"demo-{label}", PARTNER_PEOPLE[label][3]))

    desk = made["demo"]["desk"]
    assert desk["roles"] == ["referral_desk"]
    # each labelled person is bound to their token: their colleagues are their own hospital's
    for label in ("desk", "clinic-doctor", "outside-doctor"):
        status, page = stack.request("GET", "/messaging/staff/me/colleagues", as_(label))
        assert status == 200, (label, page)
    status, listed = stack.request("GET", "/messaging/consortia", as_("clinic-admin"))
    assert status == 200 and [c["name"] for c in listed["items"]] == [CONSORTIUM_NAME], listed
    status, listed = stack.request("GET", "/messaging/consortia", as_("outside-admin"))
    assert status == 200 and listed["items"] == []
    # the desk can start a referral group with the clinic's doctor, not with the outside one
    group = {
        "kind": "group",
        "name": "转诊 · 城关镇卫生院（演示） → 未来医院（演示）",
        "member_ids": [made["demo"]["doctor"]["id"]],
        "consortium_id": made["consortium"]["id"],
        "guests": [{"hospital_id": clinic, "staff_id": people["clinic-doctor"]["id"]}],
    }
    status, body = stack.request("POST", "/messaging/conversations", as_("desk"), group)
    assert status == 201, body
    group["guests"] = [{"hospital_id": outside, "staff_id": people["outside-doctor"]["id"]}]
    status, body = stack.request("POST", "/messaging/conversations", as_("desk"), group)
    assert status == 422, body
