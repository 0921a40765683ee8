"""Consortium links (医共体/医联体) between hospitals (tenants) over the app: invite, accept, leave."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.persistence.models import service_item_models, tenant_key
from tests.service.test_directory_api import Api


def _hospital(clients: dict[str, Any], token: Any, name: str) -> tuple[str, Api]:
    tenant = f"t-{name}-{uuid.uuid4().hex[:8]}"
    return tenant, Api(clients["messaging"], token(tenant, "admin", ["hospital_admin"]))


@pytest.fixture
def hospitals(clients: dict[str, Any], token: Any) -> dict[str, tuple[str, Api]]:
    return {name: _hospital(clients, token, name) for name in ("lead", "town", "other")}


def _problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.body
    assert resp.headers["Content-Type"] == "application/problem+json"
    return dict(resp.json_body)


def test_invite_accept_list_and_leave(hospitals: dict[str, tuple[str, Api]]) -> None:
    (lead_id, lead), (town_id, town), (other_id, other) = (
        hospitals["lead"],
        hospitals["town"],
        hospitals["other"],
    )
    made = lead.call("POST", "/consortia", {"name": "滨江医共体", "hospital_name": "滨江区人民医院"})
    assert made.status_code == 201, made.body
    cid = made.json_body["id"]
    assert made.json_body | {"since": None} == {
        "id": cid,
        "name": "滨江医共体",
        "kind": "medical_community",
        "lead_hospital_id": lead_id,
        "my_role": "lead",
        "my_status": "active",
        "since": None,
    }

    invited = lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    assert invited.status_code == 200 and invited.json_body["status"] == "invited", invited.body
    again = lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    assert again.json_body == invited.json_body  # a retry answers the same invitation

    # The invited hospital sees the invitation in its own list, but no roster before joining.
    mine = town.call("GET", "/consortia").json_body["items"]
    assert [(c["id"], c["my_status"], c["my_role"]) for c in mine] == [(cid, "invited", "member")]
    _problem(town.call("GET", f"/consortia/{cid}/members"), 404)

    # Not addressed to it: 404, whatever it tries. Nothing of the consortium in the answer.
    for method, path, body in (
        ("GET", f"/consortia/{cid}", None),
        ("GET", f"/consortia/{cid}/members", None),
        ("POST", f"/consortia/{cid}/accept", {"hospital_name": "冒名医院"}),
        ("POST", f"/consortia/{cid}/decline", None),
        ("POST", f"/consortia/{cid}/invitations", {"hospital_id": other_id}),
    ):
        problem = _problem(other.call(method, path, body), 404)
        assert "滨江" not in str(problem)
    assert other.call("GET", "/consortia").json_body["items"] == []

    accepted = town.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "浦沿镇卫生院"})
    assert accepted.status_code == 200 and accepted.json_body["my_status"] == "active", accepted.body
    _problem(town.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "x"}), 404)  # answered already

    for api in (lead, town):
        roster = api.call("GET", f"/consortia/{cid}/members").json_body["items"]
        assert sorted((m["id"], m["hospital_name"], m["role"], m["status"]) for m in roster) == sorted(
            [(lead_id, "滨江区人民医院", "lead", "active"), (town_id, "浦沿镇卫生院", "member", "active")]
        )
        assert all(set(m) == {"id", "hospital_name", "role", "status"} for m in roster)  # no staff data

    # A member cannot manage the roster; the lead cannot leave while others remain.
    _problem(town.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": other_id}), 404)
    _problem(lead.call("POST", f"/consortia/{cid}/leave"), 409)

    assert town.call("POST", f"/consortia/{cid}/leave").status_code == 204
    assert town.call("GET", "/consortia").json_body["items"] == []
    _problem(town.call("GET", f"/consortia/{cid}"), 404)
    roster = lead.call("GET", f"/consortia/{cid}/members").json_body["items"]
    assert [m["id"] for m in roster] == [lead_id]
    assert lead.call("POST", f"/consortia/{cid}/leave").status_code == 204  # alone now: dissolves it
    assert lead.call("GET", "/consortia").json_body["items"] == []

    # Each change went out with its event, under the hospital that made it.
    outbox = service_item_models("messaging")["outbox"]

    def events(tenant: str) -> list[str]:
        return [o.event_type for o in outbox.query(tenant_key(tenant, "outbox")) if cid in o.event]

    assert events(lead_id) == ["consortium.created", "consortium.invited", "consortium.left"]
    assert events(town_id) == ["consortium.joined", "consortium.left"]
    assert events(other_id) == []


def test_wrong_moves_are_problems(
    hospitals: dict[str, tuple[str, Api]], clients: dict[str, Any], token: Any
) -> None:
    (lead_id, lead), (town_id, town) = hospitals["lead"], hospitals["town"]
    cid = lead.call(
        "POST", "/consortia", {"name": "医联体", "kind": "medical_alliance", "hospital_name": "市一院"}
    )
    cid = cid.json_body["id"]
    problem = _problem(lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": lead_id}), 422)
    assert problem["errors"][0]["field"] == "hospital_id"
    _problem(lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": "a#b"}), 422)
    _problem(lead.call("POST", "/consortia", {"name": " ", "hospital_name": "x"}), 422)
    _problem(lead.call("POST", f"/consortia/{cid}/remove", {"hospital_id": town_id}), 404)

    # Only hospital admins act for their hospital.
    nurse = Api(clients["messaging"], token(town_id, "nurse-1", ["nurse"]))
    lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    _problem(nurse.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "镇卫生院"}), 403)

    # Declining removes the invitation on both sides; the lead may invite again later.
    assert town.call("POST", f"/consortia/{cid}/decline").status_code == 204
    assert town.call("GET", "/consortia").json_body["items"] == []
    assert [m["id"] for m in lead.call("GET", f"/consortia/{cid}/members").json_body["items"]] == [lead_id]

    # The lead withdraws a pending invitation: the invited hospital can no longer accept it.
    lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    assert lead.call("POST", f"/consortia/{cid}/remove", {"hospital_id": town_id}).status_code == 204
    _problem(town.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "镇卫生院"}), 404)
    _problem(lead.call("POST", f"/consortia/{cid}/remove", {"hospital_id": lead_id}), 422)
