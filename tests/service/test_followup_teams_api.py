"""Care teams (家庭医生团队) over HTTP on the local stack: the head of a department sets up a team with a
village clinic's public-health worker, a member signs a resident, the team shares visit notes that nobody
outside it reads, and a member taken off the team loses the resident at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import make_staff
from tests.service.followup_world import department, put_patient


def test_a_team_shares_its_residents_and_notes_and_a_member_removed_loses_them_at_once(
    stack: Any, tenant: str, admin: str, token: Callable[..., str]
) -> None:
    dept = department(stack, admin, "全科医学科")
    clinic = department(stack, admin, "城东社区卫生服务站")
    head = make_staff(stack, admin, dept, "周主任", "CT1", ["department_head", "doctor"])
    doctor = make_staff(stack, admin, dept, "李医生", "CT2", ["doctor"])
    colleague = make_staff(stack, admin, dept, "王医生", "CT3", ["doctor"])
    worker = make_staff(stack, admin, clinic, "赵公卫", "CT4", ["nurse"])
    nurse = make_staff(stack, admin, dept, "陈护士", "CT5", ["nurse"])
    put_patient(tenant, "p1", dept, "全科医学科")
    as_head, as_doctor, as_colleague, as_worker = (
        token(tenant, head, ["department_head", "doctor"]),
        token(tenant, doctor, ["doctor"]),
        token(tenant, colleague, ["doctor"]),
        token(tenant, worker, ["nurse"]),
    )

    body = {
        "name": "城东家庭医生团队",
        "department_id": dept,
        "members": [{"staff_id": doctor, "role": "doctor"}, {"staff_id": worker, "role": "public_health"}],
    }
    assert stack.request("POST", "/followup/teams", as_doctor, body)[0] == 403  # not the head
    status, team = stack.request("POST", "/followup/teams", as_head, body)
    assert status == 201, team
    assert (team["department_name"], [(m["name"], m["role"]) for m in team["members"]]) == (
        "全科医学科",
        [("李医生", "doctor"), ("赵公卫", "public_health")],
    )
    ghost = {**body, "members": [{"staff_id": "ghost", "role": "nurse"}]}
    status, problem = stack.request("POST", "/followup/teams", as_head, ghost)
    assert status == 422 and problem["errors"][0]["field"] == "members", problem
    status, listed = stack.request("GET", "/followup/teams", as_worker)
    assert status == 200 and [t["name"] for t in listed["items"]] == ["城东家庭医生团队"]
    status, read = stack.request("GET", f"/followup/teams/{team['id']}", as_colleague)
    assert status == 200 and read == team

    # before signing, the clinic's worker has no way to the patient (a 404 that does not echo the id)
    notes = "/followup/patients/p1/notes"
    status, problem = stack.request("GET", notes, as_worker)
    assert status == 404 and "p1" not in str(problem)
    base = f"/followup/teams/{team['id']}"
    status, signed = stack.request("POST", f"{base}/residents", as_doctor, {"patient_id": "p1"})
    assert status == 201, signed
    assert (signed["patient_label"], signed["team_name"], signed["signed_by_name"]) == (
        "张*",
        "城东家庭医生团队",
        "李医生",
    )
    assert stack.request("POST", f"{base}/residents", as_doctor, {"patient_id": "p1"})[0] == 409
    status, residents = stack.request("GET", f"{base}/residents", as_worker)
    assert status == 200 and [(r["patient_id"], r["patient_label"]) for r in residents["items"]] == [
        ("p1", "张*")
    ]
    assert "张三" not in str(residents) and "sealed" not in str(residents)  # the masked name only
    assert stack.request("GET", f"{base}/residents", as_colleague)[0] == 403  # members only

    # a team's note is read in the team only; a note for no team by whoever reaches the patient
    shared = {"text": "上门随访：血压 138/86，用药规律", "kind": "home", "team_id": team["id"]}
    status, note = stack.request("POST", notes, as_worker, shared)
    assert status == 201 and (note["author_name"], note["team_name"]) == ("赵公卫", "城东家庭医生团队"), note
    status, _ = stack.request("POST", notes, as_colleague, {"text": "电话随访：已按时服药", "kind": "phone"})
    assert status == 201
    assert stack.request("POST", notes, as_colleague, shared)[0] == 422  # not his team to share in

    def texts(who: str) -> list[str]:
        status, page = stack.request("GET", notes, who)
        assert status == 200, page
        return [n["text"] for n in page["items"]]

    assert texts(as_doctor) == ["电话随访：已按时服药", "上门随访：血压 138/86，用药规律"]
    assert texts(as_worker) == ["电话随访：已按时服药", "上门随访：血压 138/86，用药规律"]
    assert texts(as_colleague) == ["电话随访：已按时服药"]
    assert texts(token(tenant, nurse, ["nurse"])) == ["电话随访：已按时服药"]

    # the worker is taken off the team: at once she reaches neither the resident nor the notes
    members = {"members": [{"staff_id": doctor, "role": "doctor"}], "revision": team["revision"]}
    status, changed = stack.request("PUT", f"{base}/members", as_head, members)
    assert status == 200 and [m["name"] for m in changed["members"]] == ["李医生"], changed
    assert stack.request("PUT", f"{base}/members", as_head, members)[0] == 409  # a stale revision
    assert stack.request("GET", notes, as_worker)[0] == 404
    assert stack.request("GET", f"{base}/residents", as_worker)[0] == 403

    # every read of the notes is in the patient's access log; the signing ends
    status, _ = stack.request("DELETE", f"{base}/residents/p1", as_doctor)
    assert status == 204
    status, residents = stack.request("GET", f"{base}/residents", as_doctor)
    assert residents["items"] == []
    from chalicelib.followup.adapters.dynamodb import DynamoAccessLog

    rows, _ = DynamoAccessLog(tenant, None).page("p1", 50, None)
    reads = [r.actor for r in rows if r.action == "read:notes"]
    assert sorted(reads) == sorted([doctor, worker, colleague, nurse])
    assert {"patient.signed", "patient.unsigned", "note.written"} <= {r.action for r in rows}
