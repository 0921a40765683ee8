"""Approval notices, free of AWS: which approvals events messaging hears, who is told, and what they read.

These are the event types messaging consumes from approvals (it publishes none of them), so they are
rules here, not contracts; the consumers' subscription names them at start-up, so this module stays light.
"""

from __future__ import annotations

from typing import Any

APPROVAL_ASSIGNED = "approval.task.assigned"
APPROVAL_URGED = "approval.instance.urged"
APPROVAL_REMINDED = "approval.task.reminded"
APPROVAL_ESCALATED = "approval.task.escalated"
APPROVAL_NOTICE_TYPES = (APPROVAL_ASSIGNED, APPROVAL_URGED, APPROVAL_REMINDED, APPROVAL_ESCALATED)


def approval_recipients(event_type: str, data: dict[str, Any]) -> list[str]:
    """Who hears of an approval event: the approver(s) it concerns; for an escalation, whoever now holds
    the task and the approver who let it run over."""
    if event_type == APPROVAL_URGED:
        return sorted({str(s) for s in data.get("staff_ids", [])})
    if event_type == APPROVAL_ESCALATED:
        return sorted({str(s) for s in (data.get("escalated_to"), data.get("staff_id")) if s})
    return [str(data["staff_id"])] if data.get("staff_id") else []


def approval_notice(event_type: str, template_code: str, instance_id: str) -> tuple[str, str]:
    """The work notification's (title, body) for an approval event (events are thin: codes and ids)."""
    if event_type == APPROVAL_URGED:
        return f"催办：审批 {template_code}", f"审批单 {instance_id} 的提交人催您尽快处理。"
    if event_type == APPROVAL_REMINDED:
        return f"超时提醒：审批 {template_code}", f"审批单 {instance_id} 已超过处理时限，请尽快处理。"
    if event_type == APPROVAL_ESCALATED:
        return f"已升级：审批 {template_code}", f"审批单 {instance_id} 超时未处理，已按规则升级。"
    return f"待审批：{template_code}", f"审批单 {instance_id} 等待您审批。"
