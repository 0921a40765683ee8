"""The department tree and removing an empty unit over HTTP on moto: the tree from the hospital's units,
a removal by an admin (204, audited, ``department.removed`` through the outbox), a unit still holding
staff or units refused with a 409 problem saying what, nobody else may remove, and another hospital's
unit is a 404.

The rules are tested on the fakes in ``tests/unit/messaging/test_department_removal_service.py``; the
store's methods in ``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from typing import Any

from shared.persistence.models import service_item_models, tenant_key
from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


def test_the_tree_and_removing_an_empty_unit(
    clients: dict[str, Any], admin: str, token: Any, tenant: str, stack: Any
) -> None:
    api = Api(clients["messaging"], admin)
    medicine = make_department(api, "内科")
    ward = make_department(api, "心内一病区", kind="ward", parent_id=medicine["id"])
    add_staff(api, medicine["id"], "张三", "E1")

    tree = api.call("GET", "/departments/tree")
    assert tree.status_code == 200, tree.body
    (root,) = tree.json_body
    assert (root["name"], root["kind"], [c["name"] for c in root["children"]]) == (
        "内科",
        "department",
        ["心内一病区"],
    )
    nurse = Api(clients["messaging"], token(tenant, "nurse-1", ["nurse"]))
    assert nurse.call("GET", "/departments/tree").status_code == 200  # a picker for everyone

    held = api.call("DELETE", f"/departments/{medicine['id']}")
    assert held.status_code == 409 and held.headers["Content-Type"] == "application/problem+json"
    assert (
        held.json_body["detail"]
        == "内科 still holds staff: 1, units under it: 1 (心内一病区); move or remove them first"
    )
    assert nurse.call("DELETE", f"/departments/{ward['id']}").status_code == 403
    other = Api(clients["messaging"], token("t-other-hospital", "admin-1", ["hospital_admin"]))
    assert other.call("DELETE", f"/departments/{ward['id']}").status_code == 404
    assert api.call("DELETE", f"/departments/{ward['id']}?version=9").status_code == 409  # stale

    gone = api.call("DELETE", f"/departments/{ward['id']}?version={ward['version']}")
    assert gone.status_code == 204, gone.body
    assert api.call("GET", f"/departments/{ward['id']}").status_code == 404
    assert [c["name"] for c in api.call("GET", "/departments/tree").json_body[0]["children"]] == []
    refused = api.call("POST", "/staff", {"name": "新人", "employee_no": "N1", "department_id": ward["id"]})
    assert refused.status_code == 422  # its name and id resolve nowhere any more
    trail = api.call("GET", f"/audit?resource_type=department&resource_id={ward['id']}").json_body["items"]
    assert [e["action"] for e in trail][-1] == "department.remove"
    outbox = service_item_models("messaging")["outbox"]
    removed = [
        o.event for o in outbox.query(tenant_key(tenant, "outbox")) if o.event_type == "department.removed"
    ]
    assert len(removed) == 1 and ward["id"] in removed[0]
