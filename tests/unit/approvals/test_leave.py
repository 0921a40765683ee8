"""Leave as a person takes it, on the fakes: half days (上午/下午), overlapping requests refused, and
cancelling approved leave (销假) with what it tells scheduling and the approvers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chalicelib.approvals.domain.forms import date_range_days, date_span

from shared import problems
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.events.envelope import EventEnvelope
from shared.events.published.approvals import LEAVE_APPROVED
from tests.unit.approvals.test_approvals_service import ADMIN, Hospital, T, h  # noqa: F401 - the fixture


def period(
    start: str, end: str, start_half: str | None = None, end_half: str | None = None
) -> dict[str, Any]:
    value = {"start": start, "end": end}
    if start_half:
        value["start_half"] = start_half
    if end_half:
        value["end_half"] = end_half
    return {"leave_type": "事假", "period": value, "reason": "家事"}


def approved(h: Hospital, form: dict[str, Any], staff: str = "nurse") -> Any:  # noqa: F811
    a = h.submit(staff, form=form)
    a = h.act("head", a.id)
    if a.status == "pending":
        a = h.act("leader", a.id)
    assert a.status == "approved"
    return a


# ---- half days -------------------------------------------------------------------------------------------


def test_half_days_count_in_halves_and_a_morning_and_an_afternoon_do_not_overlap() -> None:
    assert (
        date_range_days({"start": "2026-12-07", "end": "2026-12-08", "start_half": "pm", "end_half": "am"})
        == 1
    )
    assert date_range_days({"start": "2026-12-07", "end": "2026-12-07", "end_half": "am"}) == 0.5
    assert date_range_days({"start": "2026-12-01", "end": "2026-12-05"}) == 5  # whole days as before
    assert (
        date_span({"start": "2026-12-07", "end": "2026-12-07", "start_half": "pm", "end_half": "am"}) is None
    )
    morning = date_span({"start": "2026-12-07", "end": "2026-12-07", "end_half": "am"})
    afternoon = date_span({"start": "2026-12-07", "end": "2026-12-07", "start_half": "pm"})
    assert morning and afternoon and not morning.overlaps(afternoon)
    assert morning.overlaps(date_span({"start": "2026-12-06", "end": "2026-12-07"}))  # type: ignore[arg-type]
    assert afternoon.label() == "2026-12-07 下午 至 2026-12-07 下午"


def test_a_leave_from_an_afternoon_to_the_next_morning_is_one_day_shown_and_sent_with_its_halves(
    h: Hospital,  # noqa: F811
) -> None:
    a = h.submit(form=period("2026-12-07", "2026-12-08", "pm", "am"))
    assert a.days == {"period": 1.0}
    assert [s.id for s in a.steps] == ["department"]  # one day: no leader step
    assert h.act("head", a.id).status == "approved"
    [event] = h.events("approval.leave.approved", a.id)
    assert {k: event.data[k] for k in ("start", "end", "start_half", "end_half", "days")} == {
        "start": "2026-12-07",
        "end": "2026-12-08",
        "start_half": "pm",
        "end_half": "am",
        "days": 1.0,
    }
    # three and a half days is more than three: the leader decides too
    longer = h.submit(form=period("2026-12-14", "2026-12-17", "pm"))
    assert longer.days == {"period": 3.5} and [s.id for s in longer.steps] == ["department", "leader"]


def test_a_half_that_is_not_am_or_pm_or_an_afternoon_ending_that_morning_is_refused(
    h: Hospital,  # noqa: F811
) -> None:
    for form in (
        period("2026-12-07", "2026-12-08", "evening"),
        period("2026-12-07", "2026-12-07", "pm", "am"),
        {
            **period("2026-12-07", "2026-12-08"),
            "period": {"start": "2026-12-07", "end": "2026-12-08", "x": 1},
        },
    ):
        with pytest.raises(problems.Problem) as refused:
            h.submit(form=form)
        assert refused.value.status == 422 and refused.value.errors[0].field == "form.period"
    assert h.tables.approvals == {}


def test_an_old_leave_payload_without_halves_still_reads_as_whole_days() -> None:
    old = EventEnvelope(
        source="approvals",
        type="approval.leave.approved",
        tenant=T,
        data={
            "instance_id": "A1",
            "staff_id": "S1",
            "leave_type": "年假",
            "start": "2026-12-01",
            "end": "2026-12-02",
        },
    )
    data = LEAVE_APPROVED.parse(old)
    assert (data.start_half, data.end_half, data.days) == ("am", "pm", None)


# ---- overlapping leave -----------------------------------------------------------------------------------


def test_leave_overlapping_ones_own_pending_or_approved_leave_is_refused_naming_it(
    h: Hospital,  # noqa: F811
) -> None:
    morning = h.submit(form=period("2026-12-07", "2026-12-07", end_half="am"))
    h.submit(form=period("2026-12-07", "2026-12-07", start_half="pm"))  # the afternoon: free
    h.submit("nurse2", form=period("2026-12-07", "2026-12-09"))  # someone else's: no matter
    with pytest.raises(Conflict) as refused:
        h.submit(form=period("2026-12-06", "2026-12-07", end_half="am"))
    assert "「请假」 2026-12-07 上午 至 2026-12-07 上午 (审批中" in str(refused.value)
    assert morning.id in str(refused.value)
    approved(h, period("2026-12-20", "2026-12-22"))
    with pytest.raises(Conflict, match="2026-12-20 上午 至 2026-12-22 下午 \\(已批准"):
        h.submit(form=period("2026-12-22", "2026-12-23"))
    assert sum(1 for (t, _), a in h.tables.approvals.items() if a.instance.submitter == "nurse") == 3


def test_rejected_withdrawn_and_returned_leave_free_their_days_and_a_resubmit_claims_them_again(
    h: Hospital,  # noqa: F811
) -> None:
    dates = period("2026-12-10", "2026-12-11")
    rejected = h.submit(form=dates)
    h.act("head", rejected.id, "reject")
    withdrawn = h.submit(form=dates)
    h.act("nurse", withdrawn.id, "withdraw")
    returned = h.submit(form=dates)
    h.act("head", returned.id, "return")
    again = h.submit(form=dates)  # every earlier one has freed the days
    with pytest.raises(Conflict, match=again.id):
        h.act("nurse", returned.id, "resubmit")  # now they are taken again
    assert h.get(returned.id).status == "returned"
    moved = h.act("nurse", returned.id, "resubmit", form=period("2026-12-12", "2026-12-12"))
    assert moved.status == "pending"
    with pytest.raises(Conflict, match=returned.id):
        h.submit(form=period("2026-12-12", "2026-12-13"))


def test_two_overlapping_submits_at_once_land_one(h: Hospital) -> None:  # noqa: F811
    """Both read a book without the other; the book's version lets only the first commit, and the
    second, re-read, is refused naming the first."""
    store = h.store()
    store.meanwhile = lambda: h.submit(form=period("2026-12-03", "2026-12-04"))
    with pytest.raises(Conflict, match="2026-12-03 上午 至 2026-12-04 下午"):
        h.submit_with(store, period("2026-12-04", "2026-12-05"))
    # a leave of other days landing meanwhile only makes the submit read the book again
    store = h.store()
    store.meanwhile = lambda: h.submit(form=period("2026-12-24", "2026-12-24"))
    assert h.submit_with(store, period("2026-12-28", "2026-12-29")).status == "pending"


# ---- cancelling approved leave (销假) -----------------------------------------------------------------------


def test_the_submitter_cancels_approved_leave_which_frees_it_and_tells_scheduling_and_the_approvers(
    h: Hospital,  # noqa: F811
) -> None:
    a = approved(h, period("2026-12-07", "2026-12-08", "pm", "am"))
    done = h.act("nurse", a.id, "cancel", comment="提前返岗", key="k1")
    assert done.status == "cancelled" and done.cancelled_at is not None
    assert h.act("nurse", a.id, "cancel", key="k1").status == "cancelled"  # a retry: once
    [event] = h.events("approval.leave.cancelled", a.id)
    assert {k: event.data[k] for k in ("staff_id", "start", "end", "start_half", "end_half", "days")} == {
        "staff_id": "nurse",
        "start": "2026-12-07",
        "end": "2026-12-08",
        "start_half": "pm",
        "end_half": "am",
        "days": 1.0,
    }
    assert event.data["approvers"] == ["head"] and event.data["cancelled_by"] == "nurse"
    assert event.data["title"] == "请假" and event.data["submitter"] == "nurse"
    assert h.events("approval.instance.cancelled", a.id)
    assert [i.status for i in h.mine("nurse", "submitted", a.id)] == ["cancelled"]
    assert h.records(a.id)[-1] == ("cancel", "nurse", None)
    with pytest.raises(Conflict, match="cancelled"):
        h.act("nurse", a.id, "cancel")  # cancelled already (without the same key)
    assert h.submit(form=period("2026-12-08", "2026-12-08", end_half="am")).status == "pending"  # free


def test_only_the_submitter_or_an_admin_cancels_and_pending_leave_is_withdrawn_instead(
    h: Hospital,  # noqa: F811
) -> None:
    a = approved(h, period("2026-12-14", "2026-12-15"))
    with pytest.raises(Forbidden, match="submitter or a hospital admin"):
        h.act("head", a.id, "cancel")  # the approver is on it, but it is not theirs
    pending = h.submit(form=period("2026-12-21", "2026-12-21"))
    with pytest.raises(Conflict, match=re.escape('withdraw it instead ({"action": "withdraw"})')):
        h.act("nurse", pending.id, "cancel")
    items = [{"item": "口罩", "quantity": 1, "unit_price": 1}]
    purchase = h.submit(form={"items": items, "amount": 1, "reason": "r"}, code="purchase")
    h.act("head", purchase.id)
    assert h.act("office", purchase.id).status == "approved"  # no clerk: the fallback approver
    with pytest.raises(Conflict, match="only leave can be cancelled"):
        h.act("nurse", purchase.id, "cancel")
    done = approvals_act_as(h, ADMIN, a.id)
    assert done.status == "cancelled"
    [event] = h.events("approval.leave.cancelled", a.id)
    assert event.data["cancelled_by"] == ADMIN.staff


def approvals_act_as(h: Hospital, principal: Principal, instance: str) -> Any:  # noqa: F811
    from chalicelib.approvals.contracts.approvals import ApprovalAction
    from chalicelib.approvals.service import approvals

    return approvals.act(
        principal,
        instance,
        ApprovalAction(action="cancel"),
        "req",
        None,
        store=h.store(),
        directory=h.directory,
    )
