"""The approvals service over its real Chalice app (in-process) against moto: the HTTP surface end to end
(status codes, problem+json, who may call), the audit and outbox rows the transaction writes, and what
only DynamoDB can show (concurrent writers, the version the transaction stores). The rules behind the
routes are tested on fakes in ``tests/unit/approvals/test_approvals_service.py``."""

from __future__ import annotations

import threading
from itertools import count
from typing import Any

from shared.persistence.models import AuditRecord, service_item_models, tenant_key
from tests.service.approvals.conftest import Hospital

_months = count()


def leave(days: int = 5) -> dict[str, Any]:
    """``days`` whole days in a month no other call used (a person's leave requests may not overlap)."""
    n = next(_months)
    month = f"{2031 + n // 12}-{n % 12 + 1:02d}"
    return {
        "leave_type": "年假",
        "period": {"start": f"{month}-01", "end": f"{month}-{days:02d}"},
        "reason": "探亲",
    }


def submit(
    h: Hospital, who: str = "nurse", form: dict[str, Any] | None = None, key: str | None = None
) -> Any:
    body = {"template_id": h.templates["leave"], "form": form or leave()}
    resp = h.as_(who)("POST", "/approvals", body, key=key)
    assert resp.status_code == 201, resp.body
    return resp.json_body


def act(h: Hospital, who: str, instance: str, action: str = "approve", **body: Any) -> Any:
    key = body.pop("key", None)
    return h.as_(who)("POST", f"/approvals/{instance}/actions", {"action": action, **body}, key=key)


def mine(h: Hospital, who: str, box: str, instance: str) -> list[dict[str, Any]]:
    page = h.as_(who)("GET", f"/inbox/{box}{'&' if '?' in box else '?'}limit=200").json_body
    return [i for i in page["items"] if i["instance_id"] == instance]


def test_leave_goes_through_two_steps_with_records_inboxes_audit_and_events(hospital: Hospital) -> None:
    h = hospital
    preview = h.as_("nurse")(
        "POST", "/approvals/preview", {"template_id": h.templates["leave"], "form": leave()}
    )
    assert [s["id"] for s in preview.json_body["route"]["steps"]] == ["department", "leader"]
    assert preview.json_body["route"]["steps"][1]["approvers"] == [h.staff["leader"]]
    approval = submit(h)
    assert approval["status"] == "pending" and approval["current_step"] == "department"
    assert sorted(approval["pending_approvers"]) == sorted([h.staff["head"], h.staff["head2"]])
    pending = h.as_("head")("GET", "/inbox/pending").json_body["items"]
    assert pending[0]["instance_id"] == approval["id"]  # newest first

    approved = act(h, "head", approval["id"], comment="同意")
    assert approved.status_code == 200, approved.body
    assert approved.json_body["pending_approvers"] == [h.staff["leader"]]
    assert mine(h, "head2", "pending", approval["id"]) == []  # 或签: the other's task closed
    done = act(h, "leader", approval["id"]).json_body
    assert done["status"] == "approved" and done["finished_at"]

    records = h.as_("nurse")("GET", f"/approvals/{approval['id']}/records").json_body["items"]
    assert [(r["action"], r["actor"]) for r in records] == [
        ("submit", h.staff["nurse"]),
        ("approve", h.staff["head"]),
        ("approve", h.staff["leader"]),
    ]
    assert records[1]["comment"] == "同意"
    assert [i["status"] for i in mine(h, "nurse", "submitted?status=approved", approval["id"])] == [
        "approved"
    ]
    assert mine(h, "nurse", "submitted?status=pending", approval["id"]) == []
    assert len(mine(h, "leader", "handled", approval["id"])) == 1
    audit = list(AuditRecord.query(tenant_key(h.tenant, "approval", approval["id"])))
    assert [a.action for a in audit] == ["approval.submit", "approval.approve", "approval.approve"]
    outbox = service_item_models("approvals")["outbox"]
    types = [o.event_type for o in outbox.query(tenant_key(h.tenant, "outbox")) if approval["id"] in o.event]
    assert types.count("approval.task.assigned") == 3
    assert "approval.instance.approved" in types and "approval.leave.approved" in types


def test_two_approvers_at_once_on_an_any_step_exactly_one_counts(hospital: Hospital) -> None:
    approval = submit(hospital)
    results: dict[str, int] = {}

    def go(who: str) -> None:
        results[who] = act(hospital, who, approval["id"]).status_code

    threads = [threading.Thread(target=go, args=(who,)) for who in ("head", "head2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409]
    got = hospital.as_("nurse")("GET", f"/approvals/{approval['id']}").json_body
    decided = [t for t in got["steps"][0]["tasks"] if t["status"] == "approved"]
    assert len(decided) == 1 and got["current_step"] == "leader"


def test_stale_version_is_409_and_a_repeated_request_key_applies_once(hospital: Hospital) -> None:
    approval = submit(hospital)
    stale = act(hospital, "head", approval["id"], version=approval["version"] + 1)
    assert stale.status_code == 409
    first = act(hospital, "head", approval["id"], comment="ok", key="req-1")
    again = act(hospital, "head", approval["id"], comment="ok", key="req-1")
    assert first.status_code == again.status_code == 200 and first.json_body == again.json_body
    records = hospital.as_("nurse")("GET", f"/approvals/{approval['id']}/records").json_body["items"]
    assert len(records) == 2


def test_the_version_an_action_returns_is_the_one_to_send_next(hospital: Hospital) -> None:
    """A client that keeps the version each response gives can act again with it (no false 409)."""
    approval = submit(hospital)
    assert (
        hospital.as_("nurse")("GET", f"/approvals/{approval['id']}").json_body["version"]
        == approval["version"]
    )
    first = act(hospital, "head", approval["id"], version=approval["version"])
    assert first.status_code == 200, first.body
    got = hospital.as_("nurse")("GET", f"/approvals/{approval['id']}").json_body
    assert first.json_body["version"] == got["version"] == approval["version"] + 1
    second = act(hospital, "leader", approval["id"], version=first.json_body["version"])
    assert second.status_code == 200, second.body
    assert second.json_body["status"] == "approved"


def test_form_validation_and_who_may_see_or_act(hospital: Hospital, token: Any, clients: Any) -> None:
    h = hospital
    bad = h.as_("nurse")(
        "POST",
        "/approvals",
        {
            "template_id": h.templates["leave"],
            "form": {"leave_type": "旅游", "period": {"start": "x", "end": "y"}},
        },
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json_body["errors"]}
    assert {"form.leave_type", "form.period", "form.reason"} <= fields
    approval = submit(h)
    assert act(h, "nurse2", approval["id"]).status_code == 404  # not on it: as if it did not exist
    assert h.as_("nurse2")("GET", f"/approvals/{approval['id']}").status_code == 404
    assert act(h, "leader", approval["id"]).status_code == 403  # on the path, but not their turn
    other = token("t-another-hospital-ap", h.staff["head"], ["department_head"])
    from tests.service.approvals.conftest import Call

    assert Call(clients["approvals"], other)("GET", f"/approvals/{approval['id']}").status_code == 404


def test_a_phantom_handover_or_approver_is_a_422_naming_the_field(hospital: Hospital) -> None:
    h = hospital
    bad = h.as_("nurse")(
        "POST",
        "/approvals",
        {"template_id": h.templates["leave"], "form": {**leave(), "handover": "ghost-nobody"}},
    )
    assert bad.status_code == 422 and [e["field"] for e in bad.json_body["errors"]] == ["form.handover"]
    approval = submit(h, form={**leave(), "handover": h.staff["nurse2"]})
    moved = act(h, "head", approval["id"], "transfer", to="ghost-nobody")
    assert moved.status_code == 422 and moved.json_body["errors"][0]["field"] == "to"
    added = act(h, "head", approval["id"], "add_sign", staff_ids=[h.staff["office"], "t-other-staff"])
    assert added.status_code == 422 and added.json_body["errors"][0]["field"] == "staff_ids.1"
    assert act(h, "head", approval["id"], "transfer", to=h.staff["office"]).status_code == 200


def test_template_versions_over_http(hospital: Hospital) -> None:
    h = hospital
    tid = h.templates["leave"]
    current = h.admin("GET", f"/templates/{tid}").json_body
    body = {k: current[k] for k in ("name", "category", "description", "fields", "flow")}
    body["flow"]["steps"] = body["flow"]["steps"][:1]
    published = h.admin("POST", f"/templates/{tid}/versions", {**body, "version": 1})
    assert published.status_code == 200 and published.json_body["version"] == 2
    assert h.admin("POST", f"/templates/{tid}/versions", {**body, "version": 1}).status_code == 409
    assert len(h.admin("GET", f"/templates/{tid}?version=1").json_body["flow"]["steps"]) == 2
    assert h.as_("nurse")("POST", "/templates", {}).status_code == 403
    codes = {t["code"] for t in h.admin("GET", "/templates").json_body["items"]}
    assert {"leave", "shift_swap", "purchase", "repair", "record_inspection", "document_circulation"} <= codes
    # give the others back the two-step leave flow
    restored = {**body, "flow": current["flow"], "version": 2}
    assert h.admin("POST", f"/templates/{tid}/versions", restored).status_code == 200


def test_the_approval_its_history_and_the_inbox_name_people_beside_their_ids(hospital: Hospital) -> None:
    """#21.4: the submitter, approvers and a transfer's new approver by name (one batch read of the
    directory for the approval, one for a page of its record); the inbox entry keeps the submitter's
    name from their sign-in (the directory's sign-in item carries it)."""
    h = hospital
    approval = submit(h, "nurse2")
    pending = mine(h, "head", "pending", approval["id"])
    assert [(i["submitter"], i["submitter_name"]) for i in pending] == [(h.staff["nurse2"], "nurse2")]
    assert act(h, "head", approval["id"], "transfer", to=h.staff["office"]).status_code == 200
    got = h.as_("nurse2")("GET", f"/approvals/{approval['id']}").json_body
    assert (got["submitter"], got["submitter_name"]) == (h.staff["nurse2"], "nurse2")
    tasks = {(t["approver"], t["approver_name"], t["status"]) for s in got["steps"] for t in s["tasks"]}
    assert (h.staff["head"], "head", "transferred") in tasks
    assert (h.staff["office"], "office", "pending") in tasks
    records = h.as_("nurse2")("GET", f"/approvals/{approval['id']}/records").json_body["items"]
    assert [(r["action"], r["actor"], r["actor_name"]) for r in records] == [
        ("submit", h.staff["nurse2"], "nurse2"),
        ("transfer", h.staff["head"], "head"),
    ]
    assert records[1]["names"] == {h.staff["office"]: "office"}  # whom it was handed to
