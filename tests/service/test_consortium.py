"""Consortium links (医共体/医联体) between hospitals (tenants) over the app: invite, accept, leave.

The routes end to end on moto: status codes, bodies, problem+json, roles, the outbox. The rules and
every refusal (404s for another hospital, retries, races, who may invite, leave or remove) are tested on
the fakes in ``tests/unit/messaging/test_consortia_service.py``."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.persistence.models import service_item_models, tenant_key
from tests.conftest import register_hospital
from tests.service.test_directory_api import Api


def _hospital(clients: dict[str, Any], token: Any, name: str) -> tuple[str, Api]:
    tenant = f"t-{name}-{uuid.uuid4().hex[:8]}"
    register_hospital(tenant, f"{name} hospital")
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

    # A hospital id the province never onboarded is nobody to invite: 404, and nothing is written.
    _problem(lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": "t-nosuchplace"}), 404)
    invited = lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    assert invited.status_code == 200 and invited.json_body["status"] == "invited", invited.body
    assert invited.json_body["hospital_name"] == "town hospital"  # named as the province registered it

    # The invited hospital sees the invitation in its own list; another hospital gets a 404 that names
    # nothing of the consortium.
    mine = town.call("GET", "/consortia").json_body["items"]
    assert [(c["id"], c["my_status"], c["my_role"]) for c in mine] == [(cid, "invited", "member")]
    problem = _problem(other.call("GET", f"/consortia/{cid}"), 404)
    assert "滨江" not in str(problem)

    accepted = town.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "浦沿镇卫生院"})
    assert accepted.status_code == 200 and accepted.json_body["my_status"] == "active", accepted.body

    for api in (lead, town):
        roster = api.call("GET", f"/consortia/{cid}/members").json_body["items"]
        assert sorted((m["id"], m["hospital_name"], m["role"], m["status"]) for m in roster) == sorted(
            [(lead_id, "滨江区人民医院", "lead", "active"), (town_id, "浦沿镇卫生院", "member", "active")]
        )
        assert all(set(m) == {"id", "hospital_name", "role", "status"} for m in roster)  # no staff data

    # The lead cannot leave while others remain (409); once alone, leaving dissolves it.
    _problem(lead.call("POST", f"/consortia/{cid}/leave"), 409)
    assert town.call("POST", f"/consortia/{cid}/leave").status_code == 204
    assert lead.call("POST", f"/consortia/{cid}/leave").status_code == 204
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

    # Declining, and the lead withdrawing an invitation, over the app (their effects: on the fakes).
    assert town.call("POST", f"/consortia/{cid}/decline").status_code == 204
    lead.call("POST", f"/consortia/{cid}/invitations", {"hospital_id": town_id})
    assert lead.call("POST", f"/consortia/{cid}/remove", {"hospital_id": town_id}).status_code == 204
    _problem(town.call("POST", f"/consortia/{cid}/accept", {"hospital_name": "镇卫生院"}), 404)
