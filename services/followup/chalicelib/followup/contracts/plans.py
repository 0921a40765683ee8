"""Plans and enrolment rules as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.followup.domain.plans import PlanBody, PlanStep
from chalicelib.followup.domain.rules import EnrolmentRule
from pydantic import BaseModel, ConfigDict, Field

_EXAMPLE_PLAN: dict[str, Any] = {
    "code": "copd",
    "name": "慢阻肺出院随访",
    "disease": "慢性阻塞性肺疾病",
    "icd10": ["J44"],
    "steps": [
        {
            "id": "d3-call",
            "offset_days": 3,
            "kind": "call",
            "title": "出院后第3天电话随访",
            "assignee": "nurse",
        },
        {
            "id": "d30-labs",
            "offset_days": 30,
            "kind": "lab",
            "title": "出院后第30天复查血气",
            "lab_items": [{"code": "pao2", "name": "动脉血氧分压", "unit": "mmHg", "low": 80, "high": 100}],
        },
    ],
}


class CreatePlan(PlanBody):
    """A new plan (version 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"examples": [_EXAMPLE_PLAN]})


class PublishPlan(PlanBody):
    """A new version of a plan; ``version`` is the one it replaces (a stale one is 409)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [{**_EXAMPLE_PLAN, "version": 1}]}
    )

    version: int = Field(ge=1, description="the version being replaced")


class PlanView(BaseModel):
    id: str
    code: str
    name: str
    disease: str
    icd10: list[str]
    description: str
    steps: list[PlanStep]
    version: int
    builtin: bool = Field(description="one of the built-ins (its version 1 is the service's own)")
    lifelong: bool
    updated_at: datetime
    updated_by: str = ""
    updated_by_name: str = ""


class PlanSummary(BaseModel):
    id: str
    code: str
    name: str
    disease: str
    icd10: list[str]
    version: int
    builtin: bool
    lifelong: bool
    steps: int


class RuleView(BaseModel):
    icd10_prefix: str
    department_id: str
    department_name: str = ""
    procedure_code: str
    plan_id: str
    plan_name: str = Field("", description="the plan's name (empty: no such plan, the rule enrols no one)")


class RulesView(BaseModel):
    rules: list[RuleView] = Field(description="in order: the first rule a discharge matches wins")
    version: int = Field(description="0 while the hospital uses the built-in defaults")
    defaults: bool
    updated_at: datetime | None = None
    updated_by: str = ""
    updated_by_name: str = ""


class PutRules(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 0,
                    "rules": [
                        {"icd10_prefix": "Z94.0", "plan_id": "kidney-transplant"},
                        {"icd10_prefix": "I10", "plan_id": "hypertension"},
                    ],
                }
            ]
        },
    )

    rules: list[EnrolmentRule] = Field(max_length=200)
    version: int = Field(ge=0, description="the version being replaced (0: the defaults)")
