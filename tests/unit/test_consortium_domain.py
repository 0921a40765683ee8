"""Consortium rules and approval notices, without AWS."""

from __future__ import annotations

import pytest
from chalicelib.messaging.domain import approval_notices, consortia

from shared.errors import Conflict, RuleViolation


def test_a_hospital_cannot_invite_or_remove_itself() -> None:
    with pytest.raises(RuleViolation) as invited:
        consortia.check_invitation("t-lead", "t-lead")
    assert invited.value.field == "hospital_id"
    consortia.check_invitation("t-lead", "t-town")
    with pytest.raises(RuleViolation):
        consortia.check_removal("t-lead", "t-lead")


def test_the_lead_leaves_only_once_alone() -> None:
    with pytest.raises(Conflict):
        consortia.check_can_leave_consortium("lead", other_members=1)
    consortia.check_can_leave_consortium("lead", other_members=0)
    consortia.check_can_leave_consortium("member", other_members=5)


def test_a_cross_hospital_group_stays_inside_its_consortium() -> None:
    active = ["t-lead", "t-town"]
    consortia.check_consortium_group("t-lead", ["t-town"], active, member_count=3)
    with pytest.raises(RuleViolation) as outside:
        consortia.check_consortium_group("t-lead", ["t-town", "t-far"], active, member_count=3)
    assert outside.value.field == "guests" and "t-far" in str(outside.value)
    with pytest.raises(RuleViolation) as not_joined:
        consortia.check_consortium_group("t-far", ["t-town"], active, member_count=2)
    assert not_joined.value.field == "consortium_id"
    with pytest.raises(RuleViolation):
        consortia.check_consortium_group("t-lead", [], active, consortia.CONSORTIUM_GROUP_MAX_MEMBERS + 1)


def test_member_keys_name_guests_by_their_hospital() -> None:
    assert consortia.member_key("t-lead", "t-lead", "s1") == "s1"
    assert consortia.member_key("t-lead", "t-town", "s2") == "t-town:s2"
    assert consortia.split_member_key("t-lead", "s1") == ("t-lead", "s1")
    assert consortia.split_member_key("t-lead", "t-town:s2") == ("t-town", "s2")


def test_approval_notices_say_who_asks_for_what() -> None:
    data = {"instance_id": "i1", "template_code": "leave", "title": "请假", "submitter": "s-lin"}
    notice = approval_notices.approval_notice
    assert notice(approval_notices.APPROVAL_ASSIGNED, data, "林晓")[0] == "待审批：林晓的请假"
    title, body = notice(approval_notices.APPROVAL_URGED, data, "林晓")
    assert title == "催办：林晓的请假" and "i1" in body and "林晓" in body
    # an older event without the title or a name still reads: the code, no name
    assert (
        notice(approval_notices.APPROVAL_ASSIGNED, {"instance_id": "i1", "template_code": "leave"}, None)[0]
        == "待审批：leave"
    )


def test_the_submitter_hears_how_the_request_ended() -> None:
    data = {"instance_id": "i1", "template_code": "leave", "title": "请假", "submitter": "s-lin"}
    for event_type, outcome in (
        (approval_notices.APPROVAL_APPROVED, "已通过"),
        (approval_notices.APPROVAL_REJECTED, "已驳回"),
        (approval_notices.APPROVAL_RETURNED, "已退回"),
    ):
        assert approval_notices.approval_recipients(event_type, data) == ["s-lin"]
        title, body = approval_notices.approval_notice(event_type, data, "林晓")
        assert title == f"审批{outcome}：请假" and "您提交的「请假」" in body


def test_overdue_and_escalated_tasks_reach_the_people_they_concern() -> None:
    overdue = {"instance_id": "i1", "template_code": "leave", "step_id": "s1", "staff_id": "head"}
    assert approval_notices.approval_recipients(approval_notices.APPROVAL_REMINDED, overdue) == ["head"]
    assert approval_notices.approval_notice(approval_notices.APPROVAL_REMINDED, overdue, None)[0].startswith(
        "超时提醒"
    )
    escalated = {**overdue, "escalated_to": "dean"}
    # the new holder must act; the approver who let it run over is told it left their hands
    assert approval_notices.approval_recipients(approval_notices.APPROVAL_ESCALATED, escalated) == [
        "dean",
        "head",
    ]
    assert approval_notices.approval_recipients(
        approval_notices.APPROVAL_ESCALATED, {**overdue, "escalated_to": None}
    ) == ["head"]
    assert approval_notices.approval_notice(approval_notices.APPROVAL_ESCALATED, overdue, None)[0].startswith(
        "已升级"
    )
    assert approval_notices.approval_recipients(
        approval_notices.APPROVAL_URGED, {"staff_ids": ["b", "a", "b"]}
    ) == ["a", "b"]
    assert approval_notices.APPROVAL_REMINDED in approval_notices.APPROVAL_NOTICE_TYPES
