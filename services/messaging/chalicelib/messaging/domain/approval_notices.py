"""Approval notices, free of AWS: which approvals events messaging hears, who is told, and what they read.

These are the event types messaging consumes from approvals (it publishes none of them), so they are
rules here, not contracts; the consumers' subscription names them at start-up, so this module stays light.
An approver reads who asks for what (``陈思雨的请假``); the submitter hears how their request ended; the
approvers of a leave hear when it is cancelled (销假).
"""

from __future__ import annotations

from typing import Any

APPROVAL_ASSIGNED = "approval.task.assigned"
APPROVAL_URGED = "approval.instance.urged"
APPROVAL_REMINDED = "approval.task.reminded"
APPROVAL_ESCALATED = "approval.task.escalated"
APPROVAL_APPROVED = "approval.instance.approved"
APPROVAL_REJECTED = "approval.instance.rejected"
APPROVAL_RETURNED = "approval.instance.returned"
LEAVE_CANCELLED = "approval.leave.cancelled"
HALF = {"am": "上午", "pm": "下午"}
TO_THE_SUBMITTER = {APPROVAL_APPROVED: "已通过", APPROVAL_REJECTED: "已驳回", APPROVAL_RETURNED: "已退回"}
APPROVAL_NOTICE_TYPES = (
    APPROVAL_ASSIGNED,
    APPROVAL_URGED,
    APPROVAL_REMINDED,
    APPROVAL_ESCALATED,
    *TO_THE_SUBMITTER,
    LEAVE_CANCELLED,
)


def approval_recipients(event_type: str, data: dict[str, Any]) -> list[str]:
    """Who hears of an approval event: the approver(s) it concerns; for an escalation, whoever now holds
    the task and the approver who let it run over; for how a request ended, its submitter."""
    if event_type in TO_THE_SUBMITTER:
        return [str(data["submitter"])] if data.get("submitter") else []
    if event_type == APPROVAL_URGED:
        return sorted({str(s) for s in data.get("staff_ids", [])})
    if event_type == LEAVE_CANCELLED:
        return sorted({str(s) for s in data.get("approvers", [])})
    if event_type == APPROVAL_ESCALATED:
        return sorted({str(s) for s in (data.get("escalated_to"), data.get("staff_id")) if s})
    return [str(data["staff_id"])] if data.get("staff_id") else []


def what(data: dict[str, Any]) -> str:
    """The request as a person names it: its title (its template's name by default), else its code."""
    return str(data.get("title") or data.get("template_code") or "审批")


def approval_notice(event_type: str, data: dict[str, Any], submitter_name: str | None) -> tuple[str, str]:
    """The work notification's (title, body) for an approval event: who asks for what, by name."""
    request = what(data)
    whose = f"{submitter_name}的{request}" if submitter_name else request
    number = f"（审批单 {data['instance_id']}）"
    if event_type in TO_THE_SUBMITTER:
        outcome = TO_THE_SUBMITTER[event_type]
        return f"审批{outcome}：{request}", f"您提交的「{request}」{outcome}{number}。"
    if event_type == LEAVE_CANCELLED:
        when = (
            f"{data['start']} {HALF.get(str(data.get('start_half')), '上午')} 至 "
            f"{data['end']} {HALF.get(str(data.get('end_half')), '下午')}"
        )
        return f"销假：{whose}", f"您批准的「{whose}」（{when}）已销假{number}。"
    if event_type == APPROVAL_URGED:
        return f"催办：{whose}", f"{submitter_name or '提交人'}催您尽快处理「{request}」{number}。"
    if event_type == APPROVAL_REMINDED:
        return f"超时提醒：{whose}", f"「{whose}」已超过处理时限，请尽快处理{number}。"
    if event_type == APPROVAL_ESCALATED:
        return f"已升级：{whose}", f"「{whose}」超时未处理，已按规则升级{number}。"
    return f"待审批：{whose}", f"{submitter_name or '有人'}提交了「{request}」，等待您审批{number}。"
