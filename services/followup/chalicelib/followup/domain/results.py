"""A patient's results — questionnaire responses and lab values (observations) — and the alert an abnormal
one raises.

**Lab ranges.** A value is checked against the range of the patient's plan step when the step (a ``lab``
task's ``detail.items``) gives one for its code, else against the built-in table below (kidney
transplant follow-up). Codes are the service's own (``tacrolimus_trough``); the LOINC code is accepted in
their place and kept beside them. A value whose unit is not the range's is refused (422) rather than
judged in the wrong unit.

| code | LOINC | what | unit | range |
|---|---|---|---|---|
| ``tacrolimus_trough`` | 11253-8 | 他克莫司谷浓度 | ng/mL | 5–10 |
| ``creatinine`` | 14682-9 | 血肌酐 | µmol/L | 44–133 |
| ``urine_protein_24h`` | 2889-4 | 24小时尿蛋白 | g/24h | ≤0.15 |
| ``systolic_bp`` | 8480-6 | 收缩压 | mmHg | 90–160 |
| ``diastolic_bp`` | 8462-4 | 舒张压 | mmHg | ≤100 |

**The alert.** An abnormal response or value makes a task of kind ``alert`` for the responsible doctor
— the originating task's doctor, else its care team, else its department's board — due today, urgent
when the questionnaire (or the lab code) says so, titled in Chinese with the masked name only
(``随访异常：张* 收缩压 182 mmHg（>160）``); the event ``followup.alert.raised`` tells messaging whom to
notify (the doctor, else the department's doctors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from chalicelib.followup.domain.questionnaires import Finding
from chalicelib.followup.domain.tasks import Task
from pydantic import BaseModel, ConfigDict, Field

ALERT_WINDOW_DAYS = 3
MAX_FINDINGS_IN_TITLE = 1


class Response(BaseModel):
    """A patient's answers to one version of a questionnaire, scored, with what was abnormal."""

    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str
    link_id: str
    task_id: str = ""
    questionnaire_id: str
    questionnaire_version: int
    questionnaire_title: str
    answers: dict[str, Any]
    score: float
    band: str = ""
    findings: list[Finding] = Field(default_factory=list)
    abnormal: bool = False
    alert_task_id: str = ""
    submitted_at: datetime


@dataclass(frozen=True)
class Range:
    code: str
    name: str
    unit: str
    low: float | None
    high: float | None
    loinc: str = ""
    urgent: bool = False


BUILTIN_RANGES: dict[str, Range] = {
    r.code: r
    for r in (
        Range("tacrolimus_trough", "他克莫司谷浓度", "ng/mL", 5, 10, "11253-8", urgent=True),
        Range("creatinine", "血肌酐", "µmol/L", 44, 133, "14682-9", urgent=True),
        Range("urine_protein_24h", "24小时尿蛋白", "g/24h", None, 0.15, "2889-4"),
        Range("systolic_bp", "收缩压", "mmHg", 90, 160, "8480-6"),
        Range("diastolic_bp", "舒张压", "mmHg", None, 100, "8462-4"),
    )
}
_BY_LOINC = {r.loinc: r for r in BUILTIN_RANGES.values() if r.loinc}
_UNIT_SPELLINGS = {"umol/l": "µmol/l", "μmol/l": "µmol/l", "ng/ml": "ng/ml", "g/24 h": "g/24h"}


def same_unit(a: str, b: str) -> bool:
    def norm(u: str) -> str:
        u = u.strip().lower().replace(" ", "")
        return _UNIT_SPELLINGS.get(u, u)

    return norm(a) == norm(b)


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def builtin_range(code: str) -> Range | None:
    return BUILTIN_RANGES.get(code) or _BY_LOINC.get(code)


def plan_range(detail: dict[str, Any], code: str) -> Range | None:
    """The range a plan step's ``detail.items`` gives for ``code`` (an item ``{code, name?, unit, low?,
    high?}``; ``min``/``max`` are read as ``low``/``high``)."""
    known = builtin_range(code)
    codes = {code} | ({known.code, known.loinc} if known else set())
    for item in detail.get("items") or []:
        if not isinstance(item, dict) or str(item.get("code", "")) not in codes:
            continue
        low = _num(item.get("low", item.get("min")))
        high = _num(item.get("high", item.get("max")))
        if low is None and high is None:
            continue
        return Range(
            known.code if known else code,
            str(item.get("name") or (known.name if known else code)),
            str(item.get("unit") or (known.unit if known else "")),
            low,
            high,
            known.loinc if known else "",
            bool(item.get("urgent", known.urgent if known else False)),
        )
    return None


def outside(value: float, rng: Range) -> str:
    """'' when ``value`` is in range, else the rule it breaks (``>10``, ``<5``)."""
    if rng.high is not None and value > rng.high:
        return f">{rng.high:g}"
    if rng.low is not None and value < rng.low:
        return f"<{rng.low:g}"
    return ""


class Observation(BaseModel):
    """A lab value (or a measured one) of a patient, checked against its range when it has one."""

    model_config = ConfigDict(frozen=True)

    id: str
    patient_id: str
    patient_label: str
    code: str
    name: str
    loinc: str = ""
    value: float
    unit: str
    taken_at: datetime
    low: float | None = None
    high: float | None = None
    range_source: Literal["plan", "builtin", "none"] = "none"
    abnormal: bool = False
    finding: str = Field("", description="e.g. '他克莫司谷浓度 14.2 ng/mL（>10）'")
    task_id: str = ""
    alert_task_id: str = ""
    recorded_by: str
    recorded_by_name: str = ""
    recorded_at: datetime


@dataclass(frozen=True)
class Responsible:
    """Who handles an alert: the originating task's doctor, else its team, else its department."""

    department_id: str
    department_name: str = ""
    doctor_id: str = ""
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    enrolment_id: str = ""
    plan_id: str = ""

    @classmethod
    def of_task(cls, task: Task) -> Responsible:
        return cls(
            task.department_id,
            task.department_name,
            task.doctor_id,
            task.doctor_name,
            task.team_id,
            task.team_name,
            task.enrolment_id,
            task.plan_id,
        )


def alert_title(patient_label: str, findings: list[str]) -> str:
    """``随访异常：张* 收缩压 182 mmHg（>160）`` (and ``等2项`` when there is more than one)."""
    shown = "；".join(findings[:MAX_FINDINGS_IN_TITLE])
    more = f" 等{len(findings)}项" if len(findings) > MAX_FINDINGS_IN_TITLE else ""
    return f"随访异常：{patient_label} {shown}{more}"


def alert_task(
    task_id: str,
    patient_id: str,
    patient_label: str,
    responsible: Responsible,
    findings: list[str],
    urgent: bool,
    source: dict[str, Any],
    today: date,
    now: datetime,
) -> Task:
    """The doctor's task to handle an abnormal result: due today, on the doctor's (else team's, else
    department's) board; ``detail`` names the result (``response_id`` or ``observation_id``) and what was
    abnormal."""
    return Task(
        id=task_id,
        patient_id=patient_id,
        patient_label=patient_label,
        kind="alert",
        title=alert_title(patient_label, findings),
        due=today,
        window_days=ALERT_WINDOW_DAYS,
        department_id=responsible.department_id,
        department_name=responsible.department_name,
        doctor_id=responsible.doctor_id,
        doctor_name=responsible.doctor_name,
        team_id=responsible.team_id,
        team_name=responsible.team_name,
        role="" if responsible.doctor_id else "doctor",
        enrolment_id=responsible.enrolment_id,
        plan_id=responsible.plan_id,
        urgent=urgent,
        detail={**source, "findings": findings},
        created_at=now,
    )
