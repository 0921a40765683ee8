"""The events one change of an approval publishes (put in the outbox by ``instances.commit``)."""

from __future__ import annotations

from typing import Any

from chalicelib.approvals.contracts.events import (
    CC,
    ESCALATED,
    INSTANCE_EVENTS,
    LEAVE_APPROVED,
    LEAVE_CANCELLED,
    REMINDED,
    ROSTER_DECIDED,
    SWAP_DECIDED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    URGED,
    CarbonCopied,
    InstanceEvent,
    LeaveApproved,
    LeaveCancelled,
    RosterDecided,
    SwapDecided,
    TaskEscalated,
    TaskEvent,
    Urged,
)
from chalicelib.approvals.domain import engine, forms, roster, swap
from chalicelib.approvals.domain.builtin_templates import LEAVE, ROSTER, SHIFT_SWAP
from chalicelib.approvals.domain.engine import Command, Instance
from pydantic import ValidationError

from shared.observability import logger as _logger

logger = _logger("approvals")


def events(tenant: str, before: Instance | None, after: Instance, command: Command) -> list[Any]:
    code = after.submission.template_code
    # what a person reads of it (the notices messaging sends): its title and who submitted it
    named = {"title": after.submission.title, "submitter": after.submitter}
    out = []
    cc: dict[str, list[str]] = {}
    for change in engine.changes(before, after):
        if change.kind == "instance":
            out.append(
                INSTANCE_EVENTS[change.status].envelope(
                    tenant,
                    InstanceEvent(
                        instance_id=after.id,
                        template_id=after.submission.template_id,
                        template_code=code,
                        submitter=after.submitter,
                        status=after.status,
                        title=after.submission.title,
                        submitted_at=(
                            after.submitted_at if change.status in ("approved", "rejected") else None
                        ),
                    ),
                )
            )
        elif change.kind == "cc":
            cc.setdefault(change.status, []).append(change.staff_id)
        else:
            event = TASK_ASSIGNED if change.kind == "task_assigned" else TASK_COMPLETED
            data = TaskEvent(
                instance_id=after.id,
                template_code=code,
                step_id=change.step_id,
                staff_id=change.staff_id,
                outcome=change.status or None,
                **named,
            )
            out.append(event.envelope(tenant, data))
    for when, people in cc.items():
        out.append(
            CC.envelope(
                tenant,
                CarbonCopied(instance_id=after.id, template_code=code, staff_ids=people, when=when),
            )
        )
    step = after.current_step()
    if command.action == "remind" and step is not None:
        data = TaskEvent(
            instance_id=after.id,
            template_code=code,
            step_id=step.id,
            staff_id=str(command.approver),
            **named,
        )
        out.append(REMINDED.envelope(tenant, data))
    if command.action == "escalate" and step is not None:
        moved = command.to if command.to and step.open_task(command.to) is not None else None
        escalated = TaskEscalated(
            instance_id=after.id,
            template_code=code,
            step_id=step.id,
            staff_id=str(command.approver),
            escalated_to=moved,
            **named,
        )
        out.append(ESCALATED.envelope(tenant, escalated))
    if command.action == "urge":
        out.append(
            URGED.envelope(
                tenant,
                Urged(instance_id=after.id, template_code=code, staff_ids=after.pending_approvers(), **named),
            )
        )
    if code == LEAVE and after.status == "approved" and (before is None or before.status != "approved"):
        leave = _leave_facts(after)
        if leave is not None:
            out.append(LEAVE_APPROVED.envelope(tenant, LeaveApproved(**leave)))
    if code == LEAVE and after.status == "cancelled" and before is not None and before.status == "approved":
        leave = _leave_facts(after)
        if leave is not None:
            approvers = [
                t.acted_by or t.approver
                for s in after.steps
                for t in s.tasks
                if t.status == "approved" and not t.auto
            ]
            cancelled = LeaveCancelled(
                **leave,
                cancelled_by=command.actor,
                approvers=list(dict.fromkeys(approvers)),
                **named,
            )
            out.append(LEAVE_CANCELLED.envelope(tenant, cancelled))
    if code == ROSTER and after.status != (before.status if before else None):
        decided = _roster_decided(after, command)
        if decided is not None:
            out.append(ROSTER_DECIDED.envelope(tenant, decided))
    if code == SHIFT_SWAP and after.status != (before.status if before else None):
        swapped = _swap_decided(after, command)
        if swapped is not None:
            out.append(SWAP_DECIDED.envelope(tenant, swapped))
    return out


def _roster_decided(inst: Instance, command: Command) -> RosterDecided | None:
    """A 排班审批 that ended (approved, rejected, returned to the head nurse, withdrawn by her): what
    scheduling needs to move the period on or back to draft — the comment of whoever decided, and who."""
    outcome = roster.ENDINGS.get(inst.status)
    if outcome is None:  # still pending (submitted, resubmitted)
        return None
    period = roster.period_of(inst.form)
    if period is None:
        # A hospital's edited roster template without the period: ended all the same, but scheduling
        # cannot tell which period; said loudly rather than sent half-filled.
        logger.warning("roster approval without its period: not sent", extra={"instance": inst.id})
        return None
    reason = command.comment
    if inst.status == "returned" and reason:
        reason = f"退回：{reason}"
    elif inst.status == "returned":
        reason = "退回：请修改排班后重新提交"
    return RosterDecided(
        period_id=period[0],
        revision=period[1],
        instance_id=inst.id,
        outcome=outcome,
        reason=reason,
        by=command.actor,
    )


def _swap_decided(inst: Instance, command: Command) -> SwapDecided | None:
    """A 换班 started for a nurse's swap that ended (approved; rejected or returned by the colleague or
    the head nurse; withdrawn by her): what scheduling needs to apply it or record why not."""
    outcome = swap.ENDINGS.get(inst.status)
    if outcome is None:  # still pending
        return None
    found = swap.swap_of(inst.id, inst.form)
    if found is None:  # a 换班 filled in by hand: nothing in scheduling waits for it
        return None
    reason = command.comment
    if inst.status == "returned":
        reason = f"退回：{reason}" if reason else "退回：请重新提出换班"
    return SwapDecided(
        swap_id=found[0],
        period_id=found[1],
        instance_id=inst.id,
        outcome=outcome,
        reason=reason,
        by=command.actor,
    )


def _leave_facts(inst: Instance) -> dict[str, Any] | None:
    """What scheduling needs of a leave (who, which type, from which half day to which)."""
    period = inst.form.get("period") or {}
    span = forms.date_span(period)
    try:
        leave = LeaveApproved(
            instance_id=inst.id,
            staff_id=inst.submitter,
            leave_type=str(inst.form.get("leave_type", "")),
            start=period.get("start"),
            end=period.get("end"),
            start_half=period.get("start_half", "am"),
            end_half=period.get("end_half", "pm"),
            days=span.days if span is not None else None,
        )
    except ValidationError:
        # A hospital's own leave template without a usable period: approved all the same, but
        # scheduling cannot roster around it; said loudly rather than sent half-filled.
        logger.warning("leave without a period: not sent to scheduling", extra={"instance": inst.id})
        return None
    return leave.model_dump()
