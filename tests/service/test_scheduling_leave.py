"""Approved leave reaches scheduling: approvals' ``approval.leave.approved`` → the leave read model, and
``approval.leave.cancelled`` (销假) takes it out again."""

from __future__ import annotations

from typing import Any

from chalicelib.scheduling.adapters.dynamodb import LeaveItem
from chalicelib.scheduling.consumers import APPROVED_LEAVE, CANCELLED_LEAVE
from chalicelib.scheduling.service import leave as scheduling

from shared.events.consumer import handle_once
from shared.events.published.approvals import LEAVE_APPROVED, LEAVE_CANCELLED, LeaveApproved, LeaveCancelled
from tests.service.approvals.conftest import Call, Hospital, hospital  # noqa: F401 - the fixture
from tests.service.approvals.test_approvals_api import act, submit


def leave_of(call: Call, query: str) -> Any:
    return call("GET", f"/leave?{query}")


def test_an_approved_leave_shows_as_unavailability_in_scheduling(
    hospital: Hospital,  # noqa: F811
    clients: dict[str, Any],
    stack: Any,
) -> None:
    h = hospital
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-05"}, "reason": "探亲"}
    approval = submit(h, "nurse2", form=form)
    act(h, "head", approval["id"])
    assert act(h, "leader", approval["id"]).json_body["status"] == "approved"
    head = Call(clients["scheduling"], h.as_("head").token)
    mine = Call(clients["scheduling"], h.as_("nurse2").token)
    query = f"staff_id={h.staff['nurse2']}&from=2026-12-05&to=2026-12-31"

    stack.drain()  # outbox → bus → queue → consumer
    page = leave_of(head, query).json_body["items"]
    assert [(i["instance_id"], i["leave_type"], i["start"], i["end"]) for i in page] == [
        (approval["id"], "年假", "2026-12-01", "2026-12-05")
    ]
    assert [(i["staff_id"], i["staff_name"]) for i in page] == [(h.staff["nurse2"], "nurse2")]  # named
    assert [i["staff_id"] for i in leave_of(head, "from=2026-11-01&to=2026-12-01").json_body["items"]] == [
        h.staff["nurse2"]
    ]
    assert leave_of(head, "from=2026-12-06&to=2026-12-31").json_body["items"] == []  # over by then
    assert leave_of(mine, query).json_body["items"] == page  # one's own leave, without a rostering role
    # without staff_id a nurse gets her own leave (everyone's is for those who roster others)
    assert leave_of(mine, "from=2026-12-01&to=2026-12-31").json_body["items"] == page
    assert leave_of(head, "from=2026-12-31&to=2026-12-01").status_code == 422
    assert Call(clients["scheduling"], "")("GET", f"/leave?{query}").status_code == 401  # no token


def test_the_same_event_twice_records_the_leave_once(tenant: str, stack: Any) -> None:
    data = LeaveApproved(
        instance_id="A1", staff_id="S1", leave_type="病假", start="2026-03-02", end="2026-03-03"
    )
    envelope = LEAVE_APPROVED.envelope(tenant, data)
    assert handle_once(APPROVED_LEAVE, envelope, scheduling.record_leave)
    assert not handle_once(APPROVED_LEAVE, envelope, scheduling.record_leave)
    assert [(i.staff_id, i.start, i.end) for i in LeaveItem.query(LeaveItem.partition(tenant))] == [
        ("S1", "2026-03-02", "2026-03-03")
    ]


def test_half_day_leave_refused_overlaps_and_its_cancellation_reach_scheduling_and_the_approver(
    hospital: Hospital,  # noqa: F811
    clients: dict[str, Any],
    stack: Any,
) -> None:
    h = hospital
    half = {
        "leave_type": "事假",
        "period": {"start": "2027-03-01", "end": "2027-03-02", "start_half": "pm", "end_half": "am"},
        "reason": "家事",
    }
    approval = submit(h, "nurse", form=half)
    assert approval["days"] == {"period": 1.0} and [s["id"] for s in approval["steps"]] == ["department"]
    assert act(h, "head", approval["id"]).json_body["status"] == "approved"
    # the same person, the afternoon of the second day: free; the whole second day: taken
    afternoon = {**half, "period": {"start": "2027-03-02", "end": "2027-03-02", "start_half": "pm"}}
    submit(h, "nurse", form=afternoon)
    whole = {**half, "period": {"start": "2027-03-02", "end": "2027-03-02"}}
    refused = h.as_("nurse")("POST", "/approvals", {"template_id": h.templates["leave"], "form": whole})
    assert refused.status_code == 409, refused.body
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "「请假」 2027-03-01 下午 至 2027-03-02 上午 (已批准" in refused.json_body["detail"]

    head = Call(clients["scheduling"], h.as_("head").token)
    query = f"staff_id={h.staff['nurse']}&from=2027-03-01&to=2027-03-02"
    stack.drain()
    [shown] = [i for i in leave_of(head, query).json_body["items"] if i["instance_id"] == approval["id"]]
    assert (shown["start_half"], shown["end_half"], shown["days"]) == ("pm", "am", 1.0)

    # 销假: not by a colleague who approved it (403) nor one who is not on it (404, as if none)
    assert act(h, "head", approval["id"], "cancel").status_code == 403
    assert act(h, "nurse2", approval["id"], "cancel").status_code == 404
    done = act(h, "nurse", approval["id"], "cancel", key="cancel-1")
    assert done.status_code == 200 and done.json_body["status"] == "cancelled", done.body
    assert (
        act(h, "nurse", approval["id"], "cancel", key="cancel-1").json_body["version"]
        == (done.json_body["version"])
    )  # a retry with the key: once
    stack.drain()
    assert [i["instance_id"] for i in leave_of(head, query).json_body["items"]] == []
    inbox = Call(clients["messaging"], h.as_("head").token)("GET", "/notifications/inbox").json_body
    assert "销假：nurse的请假" in [i["title"] for i in inbox["items"]]
    # its morning is free again (the afternoon is still asked for)
    morning = {**half, "period": {"start": "2027-03-02", "end": "2027-03-02", "end_half": "am"}}
    assert submit(h, "nurse", form=morning)["status"] == "pending"


def test_the_same_cancellation_twice_marks_the_leave_once(tenant: str, stack: Any) -> None:
    data = LeaveCancelled(
        instance_id="A2",
        staff_id="S1",
        leave_type="病假",
        start="2026-03-02",
        end="2026-03-03",
        cancelled_by="S1",
    )
    envelope = LEAVE_CANCELLED.envelope(tenant, data)
    assert handle_once(CANCELLED_LEAVE, envelope, scheduling.cancel_leave)
    assert not handle_once(CANCELLED_LEAVE, envelope, scheduling.cancel_leave)
    [item] = LeaveItem.query(LeaveItem.partition(tenant))
    assert (item.staff_id, item.start, item.cancelled_at) == ("S1", "2026-03-02", envelope.time)
