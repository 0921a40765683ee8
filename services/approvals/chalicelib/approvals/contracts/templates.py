"""Form templates: create, publish a version, read, list, install the built-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.approvals.contracts._ids import CODE, ID
from chalicelib.approvals.domain.flow import FlowDefinition
from chalicelib.approvals.domain.forms import FormField
from pydantic import BaseModel, ConfigDict, Field

LEAVE_EXAMPLE: dict[str, Any] = {
    "name": "加班申请",
    "category": "人事",
    "fields": [
        {"name": "hours", "label": "加班时长", "type": "number", "required": True, "min": 0.5, "max": 24},
        {"name": "reason", "label": "事由", "type": "textarea"},
    ],
    "flow": {
        "steps": [
            {"id": "confirm", "name": "本人确认", "approvers": [{"kind": "submitter"}]},
            {
                "id": "head",
                "name": "科室负责人",
                "approvers": [{"kind": "department_head"}],
                "fallback_staff_id": "fallback-approver",
            },
        ],
        "cc_on_start": [{"kind": "submitter"}],
    },
}


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, description="e.g. 请假")
    category: str = Field("通用", max_length=30)
    description: str = Field("", max_length=500)
    fields: list[FormField] = Field(min_length=1, max_length=60)
    flow: FlowDefinition


class CreateTemplate(TemplateBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LEAVE_EXAMPLE]})

    code: str | None = Field(
        None, pattern=CODE, description="unique within the hospital, e.g. leave (default: made from the id)"
    )


class PublishTemplate(TemplateBody):
    """A new version; instances already started keep the version they started with."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**LEAVE_EXAMPLE, "version": 1}]},
    )

    version: int = Field(ge=1, description="the version this one replaces (a stale one is 409)")


class TemplateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="an earlier version (default: the current one)")


class Template(BaseModel):
    id: str
    code: str
    name: str
    category: str
    description: str
    version: int
    builtin: bool
    fields: list[FormField]
    flow: FlowDefinition
    created_at: datetime
    updated_at: datetime


class TemplateSummary(BaseModel):
    id: str
    code: str
    name: str
    category: str
    version: int
    builtin: bool


class InstallBuiltins(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fallback_staff_id: str = Field(
        pattern=ID, description="who approves a step when resolution finds nobody (e.g. the hospital office)"
    )
