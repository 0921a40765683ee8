"""A roster period's history as people read it: each audited change (an edit, a solve saved, a publish, a
swap, a repair…) named in the reader's language, with the cells it moved.

The records are the audit trail's (``uow.audit`` on resource ``roster_period``); changes to a published
roster (an amendment, a publish) list every cell before and after (``amendments.audit_cells``). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACTIONS: Mapping[str, tuple[str, str]] = {  # action -> (English, Chinese)
    "roster.create": ("period created", "创建排班周期"),
    "roster.delete": ("period deleted", "删除排班周期"),
    "roster.edit": ("cells edited", "修改排班"),
    "roster.copy": ("block copied", "区域复制"),
    "roster.rotation": ("rotation laid", "轮转排班"),
    "roster.import": ("imported from a spreadsheet", "导入排班表"),
    "roster.solve": ("auto-roster saved", "自动排班"),
    "roster.submit": ("submitted for approval", "提交审批"),
    "roster.withdraw": ("withdrawn from approval", "撤回审批"),
    "roster.publish": ("published", "发布"),
    "roster.swap": ("swap applied", "换班"),
    "roster.repair": ("repair applied", "排班调整"),
    "roster.deadline": ("request deadline changed", "修改排班意愿截止日"),
    "roster.request": ("request filed", "提交排班意愿"),
    "roster.request.withdraw": ("request withdrawn", "撤回排班意愿"),
}
SHOWN = ("cells", "cells_more", "by", "by_name", "revision", "version")  # the entry's own fields


def action_name(action: str, zh: bool) -> str:
    names = ACTIONS.get(action)
    return action if names is None else names[1 if zh else 0]


def details(after: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the record says beyond the fields an entry shows on its own."""
    return {k: v for k, v in (after or {}).items() if k not in SHOWN}
