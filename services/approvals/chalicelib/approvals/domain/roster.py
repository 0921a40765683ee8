"""排班审批: a roster period submitted by scheduling, as an approval — its key, its form, how it ends.

Scheduling submits a period (``roster.submitted``); approvals starts its built-in ``roster`` template for
it, as the head nurse who submitted, and answers with ``approval.roster.decided`` when the approval ends
(or could not start). Pure: the service reads the template and the directory and commits.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Literal

from chalicelib.approvals.domain.records import Unit

Outcome = Literal["approved", "rejected", "withdrawn", "failed"]
MAX_WARDS = 20  # wards named on one approval (a group of wards, 分组排班); the rest are counted
SUMMARY_LENGTH = 2000  # the form's summary field
TITLE_LENGTH = 100  # an approval's title

# Why an approval could not start, as the head nurse reads it (the outcome ``failed``): each says what to do.
NOT_INSTALLED = "排班审批模板未安装：请医院管理员安装内置模板（POST /approvals/templates/builtin）后重新提交"
SUBMITTER_GONE = "提交人已离职或不在本院通讯录中，无法以其名义发起排班审批：请由在职的护士长重新提交"
NO_APPROVER = (
    "排班审批找不到审批人：请医院管理员在通讯录中设置护士长的上级或所属科室的负责人，"
    "或在排班审批模板中设置备用审批人，然后重新提交"
)
FORM_REFUSED = "排班审批模板的表单与排班不符（{}）：请医院管理员检查排班审批模板是否被修改，然后重新提交"

# The record of a 排班审批 withdrawn because the head nurse withdrew the period in scheduling.
WITHDRAWN = "撤回：护士长已撤回排班"

# An approval's end, as scheduling hears it: returned to the submitter is a rejection (she edits the draft
# in scheduling and submits it again, which is a new revision and a new approval).
ENDINGS: dict[str, Outcome] = {
    "approved": "approved",
    "rejected": "rejected",
    "returned": "rejected",
    "withdrawn": "withdrawn",
}


def instance_id(period_id: str, revision: int) -> str:
    """The approval of one submitted revision of one period: the same id every time it is asked for, so
    a redelivered (or repeated) submission can never start a second one — the instance's create-only
    write is the key. URL-safe and of a fixed length, whatever the period's id looks like."""
    digest = hashlib.sha256(f"{period_id}#{revision}".encode()).hexdigest()
    return f"rs{digest[:30]}"


def department_of(ward: Unit | None, ward_id: str) -> str:
    """The unit whose head approves a ward's roster: the ward's department (科室) when the ward is a
    病区 or team under one, else the unit itself."""
    if ward is not None and ward.kind in ("ward", "team") and ward.parent_id:
        return ward.parent_id
    return ward_id


def form(
    period_id: str,
    revision: int,
    ward_ids: list[str],
    wards: dict[str, Unit | None],
    start: date,
    end: date,
    summary: str,
) -> dict[str, Any]:
    """The 排班审批 form of a submission: the period and revision, the wards by name (``wards``: the
    units the directory has), the department whose head may approve, the dates, and the summary the
    approver reads."""
    named = [(wards.get(w) or Unit(w, w)).name for w in ward_ids[:MAX_WARDS]]
    shown = "、".join(named) + (f" 等{len(ward_ids)}个病区" if len(ward_ids) > len(named) else "")
    first = ward_ids[0] if ward_ids else ""
    return {
        "period_id": period_id,
        "revision": revision,
        "wards": shown[:500],
        "department": department_of(wards.get(first), first),
        "dates": {"start": start.isoformat(), "end": end.isoformat()},
        "summary": summary[:SUMMARY_LENGTH],
    }


def period_of(form: dict[str, Any]) -> tuple[str, int] | None:
    """The period and revision a roster approval's form names (None: a form without them)."""
    period_id, revision = form.get("period_id"), form.get("revision")
    if not isinstance(period_id, str) or not period_id or isinstance(revision, bool):
        return None
    try:
        return period_id, int(revision)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
