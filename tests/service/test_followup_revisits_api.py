"""Chronic revisits (慢病复诊) over HTTP on the local stack: a partner app asks, the department's doctors get
a work notification, 20 doctors claim at once and exactly one wins (19 get 409 naming her), the claimant
closes it; a claim left unhandled returns to the pool after its hold."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.followup.adapters.revisits import DynamoRevisits
from chalicelib.followup.domain.revisits import ClaimTaken
from chalicelib.followup.service import revisits

from shared.auth import Principal
from tests.conftest import make_staff
from tests.service.followup_world import department, put_patient

SCOPE = "followup:revisits:write"


def test_a_partner_request_is_claimed_by_exactly_one_of_twenty_doctors_and_closed(
    stack: Any, tenant: str, admin: str, token: Callable[..., str], app_token: Callable[..., str]
) -> None:
    dept = department(stack, admin, "心血管内科")
    elsewhere = department(stack, admin, "普外科")
    doctors = [make_staff(stack, admin, dept, f"医生{n:02d}", f"RV{n:02d}", ["doctor"]) for n in range(20)]
    surgeon = make_staff(stack, admin, elsewhere, "外科医生", "RV99", ["doctor"])
    names = {d: f"医生{n:02d}" for n, d in enumerate(doctors)}
    put_patient(tenant, "p1", dept, "心血管内科")
    app = app_token(tenant, [SCOPE])
    body = {"patient_id": "p1", "department_id": dept, "ask": "renew", "text": "苯磺酸氨氯地平"}

    status, made = stack.request("POST", "/followup/revisits", app, body)
    assert status == 201, made
    assert (made["state"], made["channel"], made["patient_label"], made["department_name"]) == (
        "pool",
        "partner",
        "张*",
        "心血管内科",
    )
    assert stack.request("POST", "/followup/revisits", app_token(tenant, ["directory:read"]), body)[0] == 403
    unknown = {**body, "patient_id": "nobody"}
    status, problem = stack.request("POST", "/followup/revisits", app, unknown)
    assert status == 404 and "nobody" not in str(problem)

    # the pool, for the department's doctors (another department's doctor is refused)
    first = token(tenant, doctors[0], ["doctor"])
    status, pool = stack.request("GET", f"/followup/revisits?department_id={dept}", first)
    assert status == 200 and [(r["id"], r["patient_label"]) for r in pool["items"]] == [(made["id"], "张*")]
    assert "张三" not in str(pool) and "张三" not in str(made)  # the masked name only
    assert (
        stack.request("GET", f"/followup/revisits?department_id={dept}", token(tenant, surgeon, ["doctor"]))[
            0
        ]
        == 403
    )

    # each doctor of the department has a work notification asking to claim it (messaging's consumer)
    stack.drain()
    status, inbox = stack.request(
        "GET", "/messaging/notifications/inbox", token(tenant, doctors[5], ["doctor"])
    )
    assert status == 200, inbox
    (notice,) = [i for i in inbox["items"] if i["title"].startswith("慢病复诊待抢单")]
    assert (
        notice["title"] == "慢病复诊待抢单：张*（续方：苯磺酸氨氯地平）" and notice["sender_name"] == "随访"
    )
    status, inbox = stack.request("GET", "/messaging/notifications/inbox", token(tenant, surgeon, ["doctor"]))
    assert not [i for i in inbox["items"] if i["title"].startswith("慢病复诊")]

    # 20 doctors claim at once: exactly one wins, 19 get 409 naming her
    def claim(staff_id: str) -> tuple[int, Any]:
        return stack.request(
            "POST", f"/followup/revisits/{made['id']}/claim", token(tenant, staff_id, ["doctor"])
        )

    with ThreadPoolExecutor(20) as pool_:
        answers = list(pool_.map(claim, doctors))
    won = [(d, a) for d, (s, a) in zip(doctors, answers, strict=True) if s == 200]
    assert len(won) == 1, answers
    assert sorted(s for s, _ in answers) == [200] + [409] * 19
    winner, claimed = won[0]
    assert (claimed["state"], claimed["doctor_id"], claimed["doctor_name"]) == (
        "claimed",
        winner,
        names[winner],
    )
    for status, problem in answers:
        if status == 409:
            assert problem["detail"] == f"the revisit request was claimed by {names[winner]}", problem
    mine = token(tenant, winner, ["doctor"])
    other = token(tenant, next(d for d in doctors if d != winner), ["doctor"])

    # only the claimant closes it; a renewal names its prescription note
    path = f"/followup/revisits/{made['id']}"
    assert stack.request("POST", f"{path}/close", other, {"resolution": "called"})[0] == 403
    status, problem = stack.request("POST", f"{path}/close", mine, {"resolution": "renewed"})
    assert status == 422 and problem["errors"][0]["field"] == "prescription_note", problem
    note = {"resolution": "renewed", "prescription_note": "苯磺酸氨氯地平 5mg qd ×28天"}
    status, closed = stack.request("POST", f"{path}/close", mine, note)
    assert status == 200 and (closed["state"], closed["resolution"]) == ("closed", "renewed"), closed
    status, listed = stack.request("GET", f"/followup/revisits?department_id={dept}&state=closed", first)
    assert [r["doctor_name"] for r in listed["items"]] == [names[winner]]
    status, problem = stack.request("POST", f"{path}/claim", other)
    assert status == 409, problem


def test_claims_race_on_the_conditional_write_itself_and_an_unhandled_claim_returns_to_the_pool(
    stack: Any, tenant: str, admin: str, token: Callable[..., str], monkeypatch: Any
) -> None:
    """The gateway serves one request of a service at a time (one Lambda instance), so over HTTP a later
    claim reads the request taken already. Here the use case runs in 20 threads on DynamoDB, each reading
    the request in the pool before any writes (a barrier): the condition ``state = pool`` at the revision
    read decides alone."""
    dept = department(stack, admin, "内分泌科")
    doctors = [make_staff(stack, admin, dept, f"内分泌{n}", f"EN{n:02d}", ["doctor"]) for n in range(20)]
    put_patient(tenant, "p2", dept, "内分泌科")
    staff = token(tenant, doctors[0], ["doctor"])
    body = {"patient_id": "p2", "department_id": dept, "ask": "book", "text": "糖化血红蛋白复查"}
    status, made = stack.request("POST", "/followup/revisits", staff, body)  # by phone, for the patient
    assert status == 201 and made["channel"] == "staff", made

    barrier = threading.Barrier(20, timeout=30)
    waited = threading.local()
    read = DynamoRevisits.get

    def get_then_wait(self: DynamoRevisits, revisit_id: str) -> Any:
        found = read(self, revisit_id)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(DynamoRevisits, "get", get_then_wait)

    def attempt(n: int) -> str:
        who = Principal(
            tenant, doctors[n], "staff", frozenset({"doctor"}), staff_id=doctors[n], staff_name=f"内分泌{n}"
        )
        try:
            return revisits.claim(who, made["id"], f"race-{n}-{uuid.uuid4().hex[:6]}").doctor_name
        except ClaimTaken as exc:
            return f"409:{exc.holder_name}"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    monkeypatch.undo()
    winners = [o for o in outcomes if not o.startswith("409:")]
    assert len(winners) == 1, outcomes
    assert outcomes.count(f"409:{winners[0]}") == 19

    # nobody handles it: the sweep (schedules.py's use case) returns it after the hold, once
    status, now = stack.request("GET", f"/followup/revisits?department_id={dept}&state=claimed", staff)
    (held,) = now["items"]
    expires = datetime.fromisoformat(held["claim_expires_at"])
    assert expires - datetime.fromisoformat(held["claimed_at"]) == timedelta(minutes=30)
    assert revisits.return_expired_claims(expires - timedelta(seconds=1)) >= 0
    status, still = stack.request("GET", f"/followup/revisits?department_id={dept}&state=claimed", staff)
    assert [r["id"] for r in still["items"]] == [made["id"]]  # not yet
    assert revisits.return_expired_claims(expires + timedelta(seconds=1)) >= 1
    status, pool_ = stack.request("GET", f"/followup/revisits?department_id={dept}", staff)
    (back,) = pool_["items"]
    assert (back["id"], back["state"], back["doctor_id"], back["claims"]) == (made["id"], "pool", "", 1)
    status, again = stack.request("POST", f"/followup/revisits/{made['id']}/claim", staff)
    assert status == 200 and again["claims"] == 2, again
    status, released = stack.request("POST", f"/followup/revisits/{made['id']}/release", staff)
    assert status == 200 and released["state"] == "pool", released
    stack.drain()  # requested, returned, released: the pool is told each time
    status, inbox = stack.request(
        "GET", "/messaging/notifications/inbox", token(tenant, doctors[3], ["doctor"])
    )
    assert len([i for i in inbox["items"] if i["title"].startswith("慢病复诊待抢单")]) == 3
    assert datetime.now(UTC) < expires  # the real clock never ran out: the sweep was given its time


def test_the_sweep_timer_returns_a_claim_held_past_a_configured_hold(
    stack: Any, tenant: str, admin: str, token: Callable[..., str], monkeypatch: Any
) -> None:
    """The schedule's own handler (``revisit-claim-sweep``), with the hold set to zero minutes: a claim is
    overdue the moment it is made, and the next sweep puts it back in the pool."""
    from fh.local.runner import ScheduleTrigger
    from shared.settings import reset_settings

    sweep = ScheduleTrigger(
        "revisit-claim-sweep", stack.apps["followup"].handler_map["revisit-claim-sweep"], 0
    )

    dept = department(stack, admin, "呼吸内科")
    doctor = make_staff(stack, admin, dept, "呼吸科医生", "RS01", ["doctor"])
    put_patient(tenant, "p3", dept, "呼吸内科")
    mine = token(tenant, doctor, ["doctor"])
    body = {"patient_id": "p3", "department_id": dept, "ask": "question", "text": "咳嗽加重"}
    status, made = stack.request("POST", "/followup/revisits", mine, body)
    assert status == 201, made
    monkeypatch.setenv("FH_FOLLOWUP_REVISIT_CLAIM_MINUTES", "0")
    reset_settings()
    try:
        status, claimed = stack.request("POST", f"/followup/revisits/{made['id']}/claim", mine)
        assert status == 200 and claimed["claim_expires_at"] == claimed["claimed_at"], claimed
        sweep.poll()  # as EventBridge's rate(1 minute) calls it
    finally:
        monkeypatch.delenv("FH_FOLLOWUP_REVISIT_CLAIM_MINUTES")
        reset_settings()
    status, pool = stack.request("GET", f"/followup/revisits?department_id={dept}", mine)
    assert [(r["id"], r["state"]) for r in pool["items"]] == [(made["id"], "pool")]
