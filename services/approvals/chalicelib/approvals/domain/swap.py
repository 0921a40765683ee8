"""换班: a nurse's swap proposed in scheduling, as an approval — its key, its form, how it ends.

Scheduling sends a swap checked by the roster's hard rules (``roster.swap.requested``); approvals starts
its built-in ``shift_swap`` template for it, as the proposing nurse (the colleague accepts; for an open
shift taken there is none, and that step does not apply; then the head nurse), and answers with
``approval.swap.decided`` when the approval ends (or could not start). Pure: the service reads the
template and the directory and commits.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from chalicelib.approvals.domain.roster import ENDINGS, Outcome

__all__ = ["ENDINGS", "Outcome", "form", "instance_id", "swap_of"]

TITLE_LENGTH = 100  # an approval's title
SUMMARY_LENGTH = 500
KINDS = {"swap": "换班", "give": "送班", "take": "认领空班"}

# Why an approval could not start, as the nurse reads it (the outcome ``failed``): each says what to do.
NOT_INSTALLED = "换班审批模板未安装：请医院管理员安装内置模板（POST /approvals/templates/builtin）后重新提出"
PROPOSER_GONE = "提出人已离职或不在本院通讯录中，无法以其名义发起换班审批"
NO_APPROVER = (
    "换班审批找不到审批人：请医院管理员在通讯录中设置病区的护士长或科室负责人，"
    "或在换班审批模板中设置备用审批人，然后重新提出"
)
FORM_REFUSED = (
    "换班审批模板的表单与换班不符（{}）：请医院管理员为换班模板发布包含这些字段的新版本，然后重新提出"
)

# The record of a 换班 withdrawn because the nurse cancelled her swap in scheduling.
CANCELLED = "撤回：申请人已取消换班"


def instance_id(swap_id: str) -> str:
    """The approval of one swap: the same id every time it is asked for, so a redelivered request can
    never start a second one, and only this approval's end is heard as the swap's decision (one started
    by hand from the template has another id). URL-safe and of a fixed length."""
    digest = hashlib.sha256(f"swap#{swap_id}".encode()).hexdigest()
    return f"sw{digest[:30]}"


def form(
    swap_id: str,
    period_id: str,
    kind: str,
    colleague: str | None,
    my_date: date,
    their_date: date | None,
    summary: str,
    reason: str,
) -> dict[str, Any]:
    """The 换班 form of a swap: what kind, the colleague (none for an open shift: her step does not
    apply), the days, what moves in words, the nurse's reason, and the keys scheduling answers to."""
    out: dict[str, Any] = {
        "kind": KINDS.get(kind, kind),
        "my_shift": my_date.isoformat(),
        "summary": summary[:SUMMARY_LENGTH],
        "swap_id": swap_id,
        "period_id": period_id,
    }
    if colleague:
        out["colleague"] = colleague
    if their_date is not None:
        out["their_shift"] = their_date.isoformat()
    if reason:
        out["reason"] = reason[:200]
    return out


def swap_of(approval_id: str, form: dict[str, Any]) -> tuple[str, str] | None:
    """The swap and period a 换班 approval answers for: only the approval started for that swap (its id
    is the swap's), never one filled in by hand."""
    swap_id, period_id = form.get("swap_id"), form.get("period_id")
    if not isinstance(swap_id, str) or not isinstance(period_id, str) or not swap_id:
        return None
    return (swap_id, period_id) if approval_id == instance_id(swap_id) else None
