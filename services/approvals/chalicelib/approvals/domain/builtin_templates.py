"""The templates a hospital gets on day one: leave, shift swap, purchase, repair, record inspection,
document circulation (公文流转) and roster approval (排班审批). Hospitals copy and adapt them; the codes
are what other services key on.

Pure data checked by the domain's own models; the service installs them as ordinary templates.
"""

from __future__ import annotations

from typing import Any

from chalicelib.approvals.domain.flow import FlowDefinition
from chalicelib.approvals.domain.forms import FormField
from pydantic import BaseModel, ConfigDict

LEAVE = "leave"
SHIFT_SWAP = "shift_swap"
DOCUMENT_CIRCULATION = "document_circulation"
ROSTER = "roster"  # started by scheduling's roster.submitted, never by hand (see service/roster.py)


def _rule(kind: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, **kw}


HEAD = [_rule("department_head"), _rule("role", role="department_head")]
HEAD_NURSE = [_rule("role", role="head_nurse")]
# A roster's approver is on the nursing line: the head nurse's own supervisor (科护士长 / 护理部, as the
# hospital sets supervisors in the directory) or the head of the ward's department (the form's
# ``department``: the ward's parent unit); either may decide (或签), else the flow's fallback.
NURSING = [_rule("supervisor", level=1), _rule("department_head", department_field="department")]
LEADERS = [_rule("role", role="hospital_admin", scope="hospital")]


class BuiltinTemplate(BaseModel):
    """One built-in template: its code, names, form fields and approval flow."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    category: str
    fields: list[FormField]
    flow: FlowDefinition


def _template(
    code: str, name: str, category: str, fields: list[dict[str, Any]], flow: dict[str, Any]
) -> BuiltinTemplate:
    return BuiltinTemplate.model_validate(
        {"code": code, "name": name, "category": category, "fields": fields, "flow": flow}
    )


def default_title(code: str, name: str, form: dict[str, Any]) -> str:
    """An approval's title when the submitter gives none: a document (公文) is its 文号 and title, as the
    office files it (``〔2026〕12号 关于…的通知``); anything else is its template's name."""
    if code == DOCUMENT_CIRCULATION:
        doc_no, doc_title = form.get("doc_no"), form.get("doc_title")
        if isinstance(doc_no, str) and isinstance(doc_title, str) and (doc_no.strip() or doc_title.strip()):
            return f"{doc_no.strip()} {doc_title.strip()}".strip()
    return name


def templates(fallback: str) -> list[BuiltinTemplate]:
    """The built-in templates; ``fallback`` approves any step whose approvers cannot be found."""
    return [
        _template(
            LEAVE,
            "请假",
            "人事",
            [
                {
                    "name": "leave_type",
                    "label": "请假类型",
                    "type": "select",
                    "required": True,
                    "options": ["年假", "病假", "事假", "婚假", "产假", "调休"],
                },
                {"name": "period", "label": "请假时间", "type": "date_range", "required": True},
                {
                    "name": "reason",
                    "label": "请假事由",
                    "type": "textarea",
                    "required": True,
                    "max_length": 500,
                },
                {"name": "handover", "label": "工作交接人", "type": "staff"},
                {"name": "attachments", "label": "附件（病假证明等）", "type": "attachment"},
            ],
            {
                "steps": [
                    {
                        "id": "department",
                        "name": "科室负责人审批",
                        "mode": "any",
                        "approvers": HEAD + HEAD_NURSE,
                        "sla_hours": 24,
                    },
                    {
                        "id": "leader",
                        "name": "院领导审批",
                        "mode": "any",
                        "approvers": LEADERS,
                        "when": [{"field": "period.days", "op": "gt", "value": 3}],
                        "sla_hours": 48,
                    },
                ],
                "cc_on_finish": [_rule("chosen", field="handover")],
                "fallback_staff_id": fallback,
                "withdraw": "while_pending",
            },
        ),
        _template(
            SHIFT_SWAP,
            "换班",
            "排班",
            # Started by scheduling for a nurse's swap checked by the roster's rules (swap_id, period_id:
            # see domain/swap.py), or filled in by hand. Taking an open shift names no colleague: her
            # step applies only when there is one.
            [
                {"name": "kind", "label": "类型", "type": "select", "options": ["换班", "送班", "认领空班"]},
                {"name": "colleague", "label": "换班同事", "type": "staff"},
                {"name": "my_shift", "label": "我的班次日期", "type": "date", "required": True},
                {"name": "their_shift", "label": "对方班次日期", "type": "date"},
                {"name": "summary", "label": "换班内容", "type": "textarea", "max_length": 500},
                {"name": "reason", "label": "原因", "type": "text"},
                {"name": "swap_id", "label": "换班编号", "type": "text", "max_length": 64},
                {"name": "period_id", "label": "排班周期编号", "type": "text", "max_length": 64},
            ],
            {
                "steps": [
                    {
                        "id": "colleague",
                        "name": "换班同事确认",
                        "approvers": [_rule("chosen", field="colleague")],
                        "when": [{"field": "colleague", "op": "ne", "value": ""}],
                    },
                    {"id": "head-nurse", "name": "护士长审批", "mode": "any", "approvers": HEAD_NURSE + HEAD},
                ],
                "fallback_staff_id": fallback,
                "withdraw": "before_first_approval",
            },
        ),
        _template(
            "purchase",
            "采购申请",
            "行政",
            [
                {
                    "name": "items",
                    "label": "采购明细",
                    "type": "table",
                    "required": True,
                    "columns": [
                        {"name": "item", "label": "物品", "type": "text", "required": True},
                        {"name": "quantity", "label": "数量", "type": "number", "required": True, "min": 1},
                        {"name": "unit_price", "label": "单价", "type": "money", "required": True, "min": 0},
                    ],
                },
                {"name": "amount", "label": "总金额", "type": "money", "required": True, "min": 0},
                {"name": "reason", "label": "用途", "type": "textarea", "required": True},
                {"name": "quotes", "label": "报价单", "type": "attachment"},
            ],
            {
                "steps": [
                    {"id": "department", "name": "科室负责人审批", "mode": "any", "approvers": HEAD},
                    {
                        "id": "equipment",
                        "name": "设备科/采购办",
                        "mode": "any",
                        "approvers": [_rule("role", role="clerk", scope="hospital")],
                    },
                    {
                        "id": "leaders",
                        "name": "院领导会签",
                        "mode": "k_of_n",
                        "k": 2,
                        "approvers": LEADERS,
                        "when": [{"field": "amount", "op": "gt", "value": 50000}],
                    },
                ],
                "cc_on_finish": LEADERS,
                "fallback_staff_id": fallback,
            },
        ),
        _template(
            "repair",
            "设备报修",
            "后勤",
            [
                {"name": "equipment", "label": "设备名称/编号", "type": "text", "required": True},
                {"name": "location", "label": "位置", "type": "department", "required": True},
                {"name": "fault", "label": "故障描述", "type": "textarea", "required": True},
                {
                    "name": "urgency",
                    "label": "紧急程度",
                    "type": "select",
                    "options": ["一般", "紧急", "危急"],
                    "required": True,
                },
                {"name": "photos", "label": "照片", "type": "attachment"},
            ],
            {
                "steps": [
                    {
                        "id": "engineer",
                        "name": "工程师受理",
                        "mode": "any",
                        "sla_hours": 4,
                        "approvers": [_rule("role", role="technician", scope="hospital")],
                        "action_label": "受理",
                    },
                    {
                        "id": "confirm",
                        "name": "报修人确认",
                        "approvers": [_rule("submitter")],
                        "action_label": "确认修复",
                    },
                ],
                "skip_submitter": False,
                "fallback_staff_id": fallback,
            },
        ),
        _template(
            "record_inspection",
            "病历质控检查",
            "医务",
            [
                {"name": "record_no", "label": "病历号", "type": "text", "required": True, "max_length": 40},
                {"name": "department", "label": "被检科室", "type": "department", "required": True},
                {"name": "score", "label": "评分", "type": "number", "required": True, "min": 0, "max": 100},
                {
                    "name": "defects",
                    "label": "缺陷",
                    "type": "multi_select",
                    "options": ["首程超时", "病程缺项", "知情同意缺签", "医嘱不规范", "其他"],
                },
                {"name": "opinion", "label": "质控意见", "type": "textarea"},
            ],
            {
                "steps": [
                    {
                        "id": "department",
                        "name": "被检科室主任确认",
                        "mode": "any",
                        "approvers": [
                            _rule("department_head", department_field="department"),
                            _rule("role", role="department_head", department_field="department"),
                        ],
                    },
                    {
                        "id": "medical-office",
                        "name": "医务科复核",
                        "mode": "any",
                        "approvers": [_rule("role", role="clerk", scope="hospital")],
                        "when": [{"field": "score", "op": "lt", "value": 80}],
                    },
                ],
                "fallback_staff_id": fallback,
            },
        ),
        _template(
            DOCUMENT_CIRCULATION,
            "公文流转",
            "办公",
            [
                {"name": "doc_no", "label": "文号", "type": "text", "required": True, "max_length": 60},
                {"name": "doc_title", "label": "标题", "type": "text", "required": True, "max_length": 200},
                {
                    "name": "classification",
                    "label": "密级",
                    "type": "select",
                    "required": True,
                    "options": ["公开", "内部", "秘密", "机密"],
                },
                {"name": "issuer", "label": "来文单位", "type": "text", "required": True},
                {"name": "received_on", "label": "收文日期", "type": "date", "required": True},
                {"name": "proposal", "label": "拟办意见", "type": "textarea"},
                {"name": "handling_department", "label": "承办科室", "type": "department"},
                {"name": "readers", "label": "传阅人", "type": "staff_list"},
                {"name": "body", "label": "正文及附件", "type": "attachment", "required": True},
            ],
            {
                "steps": [
                    {
                        "id": "office",
                        "name": "办公室拟办",
                        "mode": "any",
                        "approvers": [_rule("role", role="clerk", scope="hospital")],
                        "action_label": "拟办",
                    },
                    {
                        "id": "leader",
                        "name": "领导批示",
                        "mode": "any",
                        "approvers": LEADERS,
                        "action_label": "批示",
                    },
                    {
                        "id": "reading",
                        "name": "传阅",
                        "mode": "all",
                        "action_label": "已阅",
                        "approvers": [*LEADERS, _rule("chosen", field="readers")],
                    },
                    {
                        "id": "handling",
                        "name": "承办科室办理",
                        "mode": "any",
                        "action_label": "办结",
                        "approvers": [
                            _rule("department_head", department_field="handling_department"),
                            _rule("role", role="department_head", department_field="handling_department"),
                        ],
                    },
                    {
                        "id": "archive",
                        "name": "归档",
                        "mode": "any",
                        "action_label": "归档",
                        "approvers": [_rule("role", role="clerk", scope="hospital")],
                    },
                ],
                "skip_submitter": False,
                "fallback_staff_id": fallback,
                "withdraw": "before_first_approval",
            },
        ),
        _template(
            ROSTER,
            "排班审批",
            "排班",
            [
                {
                    "name": "period_id",
                    "label": "排班周期编号",
                    "type": "text",
                    "required": True,
                    "max_length": 64,
                },
                {"name": "revision", "label": "排班草稿版本", "type": "number", "required": True, "min": 1},
                {"name": "wards", "label": "病区", "type": "text", "required": True, "max_length": 500},
                {"name": "department", "label": "所属科室", "type": "department", "required": True},
                {"name": "dates", "label": "排班日期", "type": "date_range", "required": True},
                {"name": "summary", "label": "排班概要", "type": "textarea", "max_length": 2000},
            ],
            {
                "steps": [
                    {
                        "id": "nursing",
                        "name": "护理部审批",
                        "mode": "any",
                        "approvers": NURSING,
                        "sla_hours": 24,
                    },
                ],
                "fallback_staff_id": fallback,
                "withdraw": "while_pending",
            },
        ),
    ]
