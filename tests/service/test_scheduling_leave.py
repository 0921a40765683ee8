"""Approved leave reaches scheduling: approvals' ``approval.leave.approved`` → the leave read model."""

from __future__ import annotations

from typing import Any

from chalicelib.scheduling.adapters.dynamodb import LeaveItem
from chalicelib.scheduling.consumers import APPROVED_LEAVE
from chalicelib.scheduling.service import leave as scheduling

from shared.events.consumer import handle_once
from shared.events.published.approvals import LEAVE_APPROVED, LeaveApproved
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
