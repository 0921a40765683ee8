"""Requests and responses of questionnaires, patient links, responses, lab results and a patient's results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalicelib.followup.domain.links import DEFAULT_DAYS, MAX_DAYS
from chalicelib.followup.domain.questionnaires import CODE, Band, Definition, Finding, Item
from pydantic import BaseModel, ConfigDict, Field

from shared.pages import Page

_EXAMPLE_ITEMS: Any = [
    {
        "id": "systolic",
        "kind": "number",
        "label": "收缩压",
        "unit": "mmHg",
        "min": 50,
        "max": 300,
        "threshold": {"above": 160},
    },
    {
        "id": "dizzy",
        "kind": "single",
        "label": "是否头晕？",
        "options": [{"value": "no", "label": "否"}, {"value": "yes", "label": "是", "score": 2}],
    },
    {
        "id": "dizzy_days",
        "kind": "number",
        "label": "头晕几天了？",
        "unit": "天",
        "min": 0,
        "max": 365,
        "show_if": {"item": "dizzy", "any_of": ["yes"]},
    },
]


class QuestionnaireCreate(Definition):
    """A new questionnaire of the hospital, by its code (a plan step names the code)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "bp-weekly", "title": "每周血压随访", "items": _EXAMPLE_ITEMS, "urgent": True}
            ]
        },
    )

    id: str = Field(pattern=CODE, description="its code, e.g. 'bp-weekly' (lower-case letters, digits, -)")


class QuestionnaireUpdate(Definition):
    """A new version of a questionnaire (of a built-in: the hospital's own from now on)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1, description="the version you changed (a newer one meanwhile is a 409)")


class QuestionnaireView(BaseModel):
    id: str
    version: int
    title: str
    description: str = ""
    items: list[Item]
    bands: list[Band] = Field(default_factory=list)
    urgent: bool = False
    builtin: bool = Field(False, description="a built-in not adapted by the hospital yet")
    updated_by: str = ""
    updated_by_name: str = ""
    updated_at: datetime | None = None


class QuestionnaireSummary(BaseModel):
    id: str
    version: int
    title: str
    items: int = Field(description="how many items it has")
    urgent: bool = False
    builtin: bool = False
    updated_by: str = ""
    updated_by_name: str = ""
    updated_at: datetime | None = None


class QuestionnairePage(Page[QuestionnaireSummary]):
    """The hospital's questionnaires; on the first page, ``builtin`` lists the built-ins it has not
    adapted (they work as they are)."""

    builtin: list[QuestionnaireSummary] = Field(default_factory=list)


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questionnaire_id: str | None = Field(
        None,
        pattern=CODE,
        description="which questionnaire (default: the task's detail.questionnaire_code)",
    )
    days: int = Field(DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="how long the link works")


class LinkCreated(BaseModel):
    """The link, with its URL shown this once (only its digest is kept): send it to the patient."""

    id: str = Field(description="the link's id, to revoke it (never part of its URL)")
    url: str = Field(description="the full URL when the request named its host, else the path")
    path: str = Field(description="/followup/p/<token>")
    expires_at: datetime
    patient_id: str
    patient_label: str = Field(description="the patient's masked name")
    task_id: str = ""
    questionnaire_id: str
    questionnaire_version: int
    questionnaire_title: str


class PatientQuestionnaire(BaseModel):
    """What the patient's phone renders: the questionnaire, and nothing else of the hospital's."""

    title: str
    description: str = ""
    items: list[Item]
    patient_label: str = Field(description="the patient's masked name (张*), so they know it is theirs")
    expires_at: datetime
    answered: bool = Field(description="answered already: the form is shown as done")


class ResponseBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"answers": {"systolic": 182, "dizzy": "yes", "dizzy_days": 3}}]},
    )

    answers: dict[str, Any] = Field(
        max_length=100,
        description="item id → answer: an option value (single), a list of them (multi), a number "
        "(number, scale), text, or a date (YYYY-MM-DD); hidden items are left out",
    )


class ResponseReceipt(BaseModel):
    received: bool = True
    submitted_at: datetime
    message: str = Field(description="what the patient reads, e.g. '提交成功，感谢您的配合！'")


class ResponseView(BaseModel):
    id: str
    task_id: str = ""
    questionnaire_id: str
    questionnaire_version: int
    questionnaire_title: str
    answers: dict[str, Any]
    score: float
    band: str = ""
    abnormal: bool
    findings: list[Finding]
    alert_task_id: str = ""
    submitted_at: datetime


class ObservationBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "tacrolimus_trough",
                    "value": 14.2,
                    "unit": "ng/mL",
                    "taken_at": "2026-12-05T08:00:00+08:00",
                }
            ]
        },
    )

    code: str = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="tacrolimus_trough, creatinine, urine_protein_24h, … or its LOINC code",
    )
    value: float = Field(ge=-1e9, le=1e9)
    unit: str = Field(min_length=1, max_length=20)
    taken_at: datetime = Field(description="when the sample was taken (with its time zone)")
    task_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the lab task of the plan it answers"
    )


class ObservationView(BaseModel):
    id: str
    code: str
    name: str
    loinc: str = ""
    value: float
    unit: str
    taken_at: datetime
    low: float | None = None
    high: float | None = None
    range_source: str = Field(description="plan (the patient's plan step), builtin, or none")
    abnormal: bool
    finding: str = ""
    task_id: str = ""
    alert_task_id: str = ""
    recorded_by: str
    recorded_by_name: str = ""
    recorded_at: datetime


class PatientResults(BaseModel):
    """A patient's latest responses and lab values (newest first, up to ``limit`` of each)."""

    patient_id: str
    patient_label: str
    responses: list[ResponseView]
    observations: list[ObservationView]


class ResultsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100)


# ---- the revisit link (慢病复诊 through a link) ---------------------------------------------------------


class RevisitLinkCreate(BaseModel):
    """A link for a chronic patient to ask the department for a revisit from their phone."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 30}]})

    department_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="whose pool (default: the patient's department)"
    )
    days: int = Field(MAX_DAYS, ge=1, le=MAX_DAYS, description="how long the link works (default 30)")


class RevisitLinkCreated(BaseModel):
    """The link, with its URL shown this once (only its digest is kept): send it to the patient."""

    id: str = Field(description="the link's id, to revoke it (never part of its URL)")
    url: str = Field(description="the full URL when the request named its host, else the path")
    path: str = Field(description="/followup/p/<token>/revisit")
    expires_at: datetime
    patient_id: str
    patient_label: str = Field(description="the patient's masked name")
    department_id: str
    department_name: str


class AskChoice(BaseModel):
    ask: str = Field(description="renew, book or question")
    label: str = Field(description="续方, 预约复诊, 咨询")


class OpenRequest(BaseModel):
    summary: str = Field(description="e.g. '续方：苯磺酸氨氯地平'")
    state: str = Field(description="pool (waiting for a doctor), claimed (a doctor has it) or closed")
    state_label: str = Field(description="等待医生接单, 医生已接单, 已处理")
    doctor_name: str = Field("", description="the doctor who took it, once one has")


class PatientRevisitPage(BaseModel):
    """What the patient's phone shows at a revisit link: whose it is (masked), where the request goes, what
    can be asked, and the latest request's state."""

    patient_label: str = Field(description="the patient's masked name (张*), so they know it is theirs")
    department_name: str
    expires_at: datetime
    asks: list[AskChoice]
    latest: OpenRequest | None = None
    can_ask: bool = Field(description="false while the latest request is still being handled")


class PatientRevisitBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ask": "renew", "text": "苯磺酸氨氯地平 5mg，每日一次"}]},
    )

    ask: Literal["renew", "book", "question"] = Field(
        description="renew (续方), book (预约复诊), question (咨询)"
    )
    text: str = Field(min_length=1, max_length=500, description="what the patient asks, in their words")


class PatientRevisitReceipt(BaseModel):
    submitted_at: datetime
    state: str = Field(description="pool: waiting for a doctor of the department")
    message: str = Field(description="what the patient reads")
