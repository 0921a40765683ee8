"""Consultations (会诊) over HTTP on the local stack, across three hospitals: A and B in a consortium (made
through messaging's own routes), C outside. A local emergency consultation left unanswered escalates when
the sweep runs ten minutes later; a remote one is kept by A and B, read by B masked (each read in A's
patient access log naming B's doctor with B), never by C; B leaves mid-consultation and from then on
every consultation route answers B a 404 that does not echo the id, while A keeps its copy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.followup.service import timers

from shared.persistence.models import now_utc
from tests.conftest import make_staff, register_hospital
from tests.service.followup_world import department, put_patient

Call = Callable[..., tuple[int, Any]]


def _hospital(name: str) -> str:
    tenant = f"t-{name}-{uuid.uuid4().hex[:8]}"
    register_hospital(tenant, f"{name} hospital")
    return tenant


def _consortium(stack: Any, lead_admin: str, member_admin: str, member: str) -> str:
    status, made = stack.request(
        "POST", "/messaging/consortia", lead_admin, {"name": "城东医联体", "hospital_name": "市一院"}
    )
    assert status == 201, made
    cid = str(made["id"])
    status, body = stack.request(
        "POST", f"/messaging/consortia/{cid}/invitations", lead_admin, {"hospital_id": member}
    )
    assert status == 200, body
    status, body = stack.request(
        "POST", f"/messaging/consortia/{cid}/accept", member_admin, {"hospital_name": "社区医院"}
    )
    assert status == 200, body
    return cid


NOTE = {
    "findings": "心电图ST段压低",
    "assessment": "不稳定型心绞痛",
    "recommendations": "冠脉造影",
    "diagnoses": ["I20.0"],
}


def test_consultations_across_three_hospitals_one_leaving_mid_consultation(
    stack: Any, token: Callable[..., str]
) -> None:
    a, b, c = _hospital("a"), _hospital("b"), _hospital("c")
    admin = {t: token(t, "admin-1", ["hospital_admin"]) for t in (a, b, c)}
    card, neuro = department(stack, admin[a], "心血管内科"), department(stack, admin[a], "神经内科")
    b_card, c_card = department(stack, admin[b], "心内科"), department(stack, admin[c], "心内科")
    feng = make_staff(stack, admin[a], card, "冯志远", "A001", ["doctor"])
    wang = make_staff(stack, admin[a], neuro, "王神经", "A002", ["doctor"])
    zhao = make_staff(stack, admin[b], b_card, "赵医生", "B001", ["doctor"])
    qian = make_staff(stack, admin[c], c_card, "钱医生", "C001", ["doctor"])
    doc_a, neuro_a = token(a, feng, ["doctor"]), token(a, wang, ["doctor"])
    doc_b, doc_c = token(b, zhao, ["doctor"]), token(c, qian, ["doctor"])
    cid = _consortium(stack, admin[a], admin[b], b)
    pid = f"p{uuid.uuid4().hex[:10]}"
    put_patient(a, pid, card, "心血管内科")

    # settings: the defaults, for admins only
    status, settings = stack.request("GET", "/followup/consultations/settings", admin[a])
    assert (status, settings["emergency_minutes"], settings["version"]) == (200, 10, 0)
    assert stack.request("GET", "/followup/consultations/settings", doc_a)[0] == 403
    status, saved = stack.request(
        "PUT", "/followup/consultations/settings", admin[b], {"version": 0, "emergency_minutes": 15}
    )
    assert (status, saved["version"], saved["emergency_minutes"]) == (200, 1, 15)

    # 1. a local emergency consultation, unanswered: reminded, then escalated at ten minutes
    ask = {"patient_id": pid, "urgency": "emergency", "department_ids": [neuro], "question": "言语不清1小时"}
    status, local = stack.request("POST", "/followup/consultations", doc_a, ask)
    assert status == 201, local
    assert (local["state"], local["patient_label"], local["departments"]) == (
        "requested",
        "张*",
        [{"id": neuro, "name": "神经内科"}],
    )
    assert "张三" not in str(local)
    status, box = stack.request("GET", "/followup/consultations?box=in", neuro_a)
    assert status == 200 and [x["id"] for x in box["items"]] == [local["id"]]
    status, out = stack.request("GET", "/followup/consultations?box=out", doc_a)
    assert status == 200 and [x["id"] for x in out["items"]] == [local["id"]]
    timers.fire_due(now_utc() + timedelta(minutes=11))  # a fresh store, as a new process would have
    status, seen = stack.request("GET", f"/followup/consultations/{local['id']}", neuro_a)
    assert status == 200 and seen["overdue"] and seen["overdue_at"] is not None, seen
    stack.drain()

    # 2. a remote one, A to B; B reads it masked, C never
    remote_ask = {
        **ask,
        "scope": "remote",
        "consortium_id": cid,
        "to_hospital_id": b,
        "department_ids": [b_card],
    }
    remote_ask["urgency"] = "ordinary"
    status, remote = stack.request("POST", "/followup/consultations", doc_a, remote_ask)
    assert status == 201, remote
    rid = remote["id"]
    assert (remote["to_hospital_name"], remote["departments"][0]["name"]) == ("社区医院", "心内科")
    status, theirs = stack.request("GET", f"/followup/consultations/{rid}", doc_b)
    assert status == 200, theirs
    assert (theirs["side"], theirs["patient_id"], theirs["patient_label"]) == ("to", "", "张*")
    assert pid not in str(theirs)
    status, box = stack.request("GET", "/followup/consultations?box=in", doc_b)
    assert [x["id"] for x in box["items"]] == [rid]
    status, bundle = stack.request("GET", f"/followup/consultations/{rid}/fhir", doc_b)
    assert status == 200 and pid not in str(bundle), bundle
    for who in (doc_c, neuro_a, admin[c]):
        for method, path, body in (
            ("GET", f"/followup/consultations/{rid}", None),
            ("GET", f"/followup/consultations/{rid}/fhir", None),
            ("POST", f"/followup/consultations/{rid}/accept", None),
            ("POST", f"/followup/consultations/{rid}/opinion", NOTE),
            ("POST", f"/followup/consultations/{rid}/cancel", {}),
        ):
            status, problem = stack.request(method, path, who, body)
            assert status in (403, 404) and rid not in str(problem), (method, path, status, problem)
    status, accepted = stack.request("POST", f"/followup/consultations/{rid}/accept", doc_b)
    assert (status, accepted["state"], accepted["accepted_by_name"]) == (200, "accepted", "赵医生"), accepted
    status, mine = stack.request("GET", f"/followup/consultations/{rid}", doc_a)
    assert (mine["accepted_by_name"], mine["patient_id"]) == ("赵医生", pid)
    # both trails: A's patient access log has the disclosure and B's reads, naming B's doctor with B
    status, log = stack.request("GET", f"/followup/patients/{pid}/access-log", admin[a])
    assert status == 200, log
    actions = [(e["action"], e["actor"]) for e in log["items"]]
    assert ("disclose:consultation", feng) in actions, actions
    assert ("read:consultation", f"{b}:{zhao}") in actions, actions
    assert ("export:consultation-fhir", f"{b}:{zhao}") in actions, actions

    # 3. B leaves mid-consultation: every consultation route is a 404 to B; A keeps its copy
    status, _ = stack.request("POST", f"/messaging/consortia/{cid}/leave", admin[b])
    assert status == 204
    for method, path, body in (
        ("GET", f"/followup/consultations/{rid}", None),
        ("GET", f"/followup/consultations/{rid}/fhir", None),
        ("POST", f"/followup/consultations/{rid}/accept", None),
        ("POST", f"/followup/consultations/{rid}/opinion", NOTE),
        ("POST", f"/followup/consultations/{rid}/cancel", {}),
    ):
        status, problem = stack.request(method, path, doc_b, body)
        assert status == 404 and rid not in str(problem), (method, path, status, problem)
    status, box = stack.request("GET", "/followup/consultations?box=in", doc_b)
    assert status == 200 and box["items"] == []
    status, again = stack.request("POST", "/followup/consultations", doc_a, remote_ask)
    assert status == 422, again
    status, mine = stack.request("GET", f"/followup/consultations/{rid}", doc_a)
    assert status == 200 and mine["state"] == "accepted"
    status, done = stack.request(
        "POST", f"/followup/consultations/{rid}/cancel", doc_a, {"reason": "对方已退出医联体"}
    )
    assert (status, done["state"]) == (200, "cancelled")

    # 4. answered locally: the opinion, on time; the stats
    status, second = stack.request("POST", "/followup/consultations", doc_a, {**ask, "urgency": "ordinary"})
    assert status == 201
    status, answered = stack.request("POST", f"/followup/consultations/{second['id']}/opinion", neuro_a, NOTE)
    assert (status, answered["state"], answered["on_time"]) == (200, "answered", True), answered
    status, bundle = stack.request("GET", f"/followup/consultations/{second['id']}/fhir", doc_a)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "ServiceRequest",
        "Task",
        "ClinicalImpression",
    ]
    month = now_utc().strftime("%Y-%m")
    status, stats = stack.request("GET", f"/followup/consultations/stats?month={month}", doc_a)
    assert status == 200, stats
    assert [
        (s["department_name"], s["requested"], s["answered"], s["on_time"], s["overdue"])
        for s in stats["items"]
    ] == [("神经内科", 2, 1, 1, 1)]
    status, stats = stack.request("GET", f"/followup/consultations/stats?month={month}", doc_b)
    # B's copy was left as it was when B left (no write crosses a broken link): still counted requested
    assert status == 200 and [(s["requested"], s["answered"]) for s in stats["items"]] == [(1, 0)]
