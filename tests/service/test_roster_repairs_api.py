"""Late leave, sick calls and repairs over HTTP on the local stack (moto): a week solved and published,
leave approved after publishing (approvals' event, as its consumers take it) flags the nurse's cells and
the head nurse is told; a repair job (the solver function) proposes a diff; accepting it is version 2 at
once, the on-duty read model and the nurses' shifts follow, and every hard rule holds; a sick call, the
nurses who can cover, one accepted (once, though the request is retried)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.scheduling.consumers import APPROVED_LEAVE, LEAVE_DISRUPTIONS
from chalicelib.scheduling.domain import periods as rules
from chalicelib.scheduling.domain.amendments import live_rows
from chalicelib.scheduling.domain.roster.evaluate import evaluate
from chalicelib.scheduling.service import leave as scheduling_leave
from chalicelib.scheduling.service import periods, repairs, wiring

from shared.events.consumer import handle_once
from shared.events.published.approvals import LEAVE_APPROVED, LeaveApproved
from tests.conftest import make_staff
from tests.service.test_scheduling_solve_jobs import send


def _every_hard_rule_holds(tenant: str, period_id: str) -> dict[str, dict[str, str]]:
    """The live version judged by the engine's evaluator on the period's problem (leave and absences in
    it); returns its cells (staff → date → shift)."""
    store = wiring.tenant_period_store(tenant)
    period, rows, requests = store.periods.sheet(period_id)
    assert period is not None
    ctx = periods._context(tenant, period, rows, store, requests)
    live = store.versions.get(period_id, period.version)
    assert live is not None
    ev = evaluate(ctx.problem, rules.roster_of(ctx.problem, live_rows(live, ctx.rows).values()))
    assert ev.hard_violations == 0, ev.hard
    return {k: {d.isoformat(): c.shift for d, c in v.items()} for k, v in live.cells.items()}


def _inbox(stack: Any, token: str) -> list[dict[str, Any]]:
    status, page = stack.request("GET", "/messaging/notifications/inbox", token)
    assert status == 200, page
    return list(page["items"])


def test_late_leave_is_repaired_by_a_proposal_and_a_sick_call_by_a_candidate_over_http(
    stack: Any, tenant: str, token: Callable[..., str], admin: str
) -> None:
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "内科"})
    body = {"name": "心内科病区", "kind": "ward", "parent_id": dept["id"]}
    status, unit = stack.request("POST", "/messaging/departments", admin, body)
    assert status == 201, unit
    ward = unit["id"]
    head_id = make_staff(stack, admin, ward, "王护士长", "RJ0", ["head_nurse"])
    nurses = [make_staff(stack, admin, ward, f"护士{i}", f"RJ{i + 1}", ["nurse"]) for i in range(7)]
    stack.drain()
    head = token(tenant, head_id, ["head_nurse"])
    status, setup = stack.request(
        "PUT", f"/scheduling/wards/{ward}/setup", admin, {"version": 0, "skip_approval": True}
    )
    assert status == 200, setup
    period_body = {"ward_ids": [ward], "start": "2027-01-04", "end": "2027-01-10"}
    status, period = stack.request("POST", "/scheduling/periods", head, period_body)
    assert status == 201, period
    base = f"/scheduling/periods/{period['id']}"
    assert send(stack, "POST", f"{base}/solve", head, {"time_limit": 10})[0] == 202
    assert stack.run_solver_jobs()[0]["outcome"] == "succeeded"
    status, grid, _ = send(stack, "GET", base, head)
    status, published, _ = send(
        stack, "POST", f"{base}/publish", head, {"revision": grid["period"]["revision"]}
    )
    assert status == 200 and published["version"] == 1, published
    stack.drain()  # on duty; the nurses told of version 1
    v1 = _every_hard_rule_holds(tenant, period["id"])

    # --- leave approved after publishing: a nurse who works the 6th is off on the 6th and the 7th
    away = next(n for n in nurses if "2027-01-06" in v1.get(n, {}))
    leave = LeaveApproved(
        instance_id="ap-late-1",
        staff_id=away,
        leave_type="事假",
        start="2027-01-06",
        end="2027-01-07",
        days=2,
    )
    envelope = LEAVE_APPROVED.envelope(tenant, leave)
    assert handle_once(APPROVED_LEAVE, envelope, scheduling_leave.record_leave)
    assert handle_once(LEAVE_DISRUPTIONS, envelope, repairs.flag_leave)
    assert not handle_once(LEAVE_DISRUPTIONS, envelope, repairs.flag_leave)  # a retry flags nothing more
    stack.drain()  # roster.disrupted → messaging tells the head nurse
    status, page, _ = send(stack, "GET", f"{base}/disruptions", head)
    assert status == 200, page
    (flagged,) = page["items"]
    assert (flagged["kind"], flagged["staff_id"], flagged["staff_name"], flagged["state"]) == (
        "leave",
        away,
        next(f"护士{i}" for i, n in enumerate(nurses) if n == away),
        "open",
    )
    assert {c["date"] for c in flagged["cells"]} == {d for d in ("2027-01-06", "2027-01-07") if d in v1[away]}
    told = [i for i in _inbox(stack, head) if "需要调整" in i["title"]]
    assert len(told) == 1 and flagged["staff_name"] in told[0]["title"]

    # --- the repair: a job in the solver function, its result the disruption's proposal
    status, job, headers = send(stack, "POST", f"{base}/disruptions/{flagged['id']}/repair", head, {})
    assert status == 202 and job["mode"] == "repair" and job["disruption_id"] == flagged["id"], job
    assert headers["Location"] == f"{base}/jobs/{job['id']}"
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]
    status, shown, _ = send(stack, "GET", f"{base}/disruptions/{flagged['id']}", head)
    proposal = shown["proposal"]
    assert proposal["state"] == "ready" and proposal["version"] == 1, shown
    assert proposal["cost_change"] == proposal["cost_after"] - proposal["cost_before"]
    moves = proposal["moves"]
    assert {(m["staff_id"], m["date"], m["after"]) for m in moves if m["staff_id"] == away} == {
        (away, c["date"], None) for c in flagged["cells"]
    }
    assert {m["date"] for m in moves} <= {c["date"] for c in flagged["cells"]}  # only the days repaired
    assert all(m["staff_name"] and m["before_name"] and m["after_name"] for m in moves)
    status, draft, _ = send(stack, "GET", base, head)
    assert draft["period"]["revision"] == grid["period"]["revision"]  # not saved to the draft

    # --- accepted: version 2 at once; the on-duty model and the nurses' shifts follow
    accept = {"version": 1}
    status, done, _ = send(stack, "POST", f"{base}/disruptions/{flagged['id']}/accept", head, accept)
    assert status == 200 and (done["state"], done["resolved_version"]) == ("resolved", 2), done
    status, again, _ = send(stack, "POST", f"{base}/disruptions/{flagged['id']}/accept", head, accept)
    assert status == 200 and again["resolved_version"] == 2  # the retry applies nothing
    stack.drain()
    v2 = _every_hard_rule_holds(tenant, period["id"])
    assert not {c["date"] for c in flagged["cells"]} & set(v2.get(away, {}))  # she is off those days
    status, versions, _ = send(stack, "GET", f"{base}/versions", head)
    assert [v["version"] for v in versions["items"]] == [2, 1]
    mine = token(tenant, away, ["nurse"])
    status, shifts, _ = send(stack, "GET", "/scheduling/me/shifts?from=2027-01-04&to=2027-01-10", mine)
    assert {s["date"]: s["shift"] for s in shifts["items"]} == v2.get(away, {})
    status, version, _ = send(stack, "GET", f"{base}/versions/2", head)
    times = {s["code"]: (s["start"], s["end"]) for s in version["shifts"]}
    at = "2027-01-06T10:00:00+08:00"
    status, duty, _ = send(
        stack, "GET", f"/scheduling/on-duty?ward_id={ward}&at={at.replace('+', '%2B')}", head
    )
    assert status == 200, duty
    expected = {
        k
        for k, cells in v2.items()
        if cells.get("2027-01-06")
        and times[cells["2027-01-06"]][0] <= "10:00" < times[cells["2027-01-06"]][1]
    }
    assert expected and {p["staff_id"] for p in duty["people"]} == expected
    moved = {m["staff_id"] for m in moves}
    for nurse in moved:  # one notification of version 2 each (the one roster.published)
        inbox = _inbox(stack, token(tenant, nurse, ["nurse"]))
        assert len([i for i in inbox if "第2版" in i["title"]]) == 1

    # --- a sick call on the 8th: who can cover, one accepted (and the retry applies nothing)
    sick = next(n for n in nurses if n != away and "2027-01-08" in v2.get(n, {}))
    call = {"staff_id": sick, "date": "2027-01-08", "reason": "发热"}
    status, reported, _ = send(stack, "POST", f"{base}/absences", head, call)
    assert status == 201 and reported["kind"] == "sick", reported
    assert send(stack, "POST", f"{base}/absences", head, call)[0] == 409
    status, found, _ = send(stack, "GET", f"{base}/disruptions/{reported['id']}/candidates", head)
    assert status == 200 and found["version"] == 2 and found["candidates"], found
    first = found["candidates"][0]
    assert (
        first["staff_name"]
        and first["staff_id"] not in (sick,)
        and "2027-01-08" not in v2.get(first["staff_id"], {})
    )
    take = {"version": 2, "staff_id": first["staff_id"]}
    status, covered, _ = send(stack, "POST", f"{base}/disruptions/{reported['id']}/accept", head, take)
    assert status == 200 and covered["resolved_version"] == 3, covered
    assert (
        send(stack, "POST", f"{base}/disruptions/{reported['id']}/accept", head, take)[1]["resolved_version"]
        == 3
    )
    stack.drain()
    v3 = _every_hard_rule_holds(tenant, period["id"])
    assert v3[first["staff_id"]]["2027-01-08"] == v2[sick]["2027-01-08"] and "2027-01-08" not in v3.get(
        sick, {}
    )
    status, versions, _ = send(stack, "GET", f"{base}/versions", head)
    assert [v["version"] for v in versions["items"]] == [3, 2, 1]

    # another hospital finds nothing, and is not told the ids it asked for
    other = token(f"{tenant}x", head_id, ["head_nurse"])
    status, problem, _ = send(stack, "GET", f"{base}/disruptions/{reported['id']}", other)
    assert status == 404 and reported["id"] not in str(problem) and period["id"] not in str(problem)
    nurse = token(tenant, nurses[0], ["nurse"])
    assert send(stack, "GET", f"{base}/disruptions", nurse)[0] == 403
    assert [c["date"] for c in found["cells"]] == ["2027-01-08"]
