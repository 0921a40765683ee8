"""The plans every hospital has from day one, and the enrolment rules that pick them.

Questionnaire steps name the built-in questionnaires (``hypertension-bp`` for blood pressure,
``discharge-d7`` — how the patient is, fever, wound, pain, medication — for the others) until a hospital
publishes a plan version naming its own.

Built-ins live here, in code, as **version 1** of plans with fixed ids; they are listed beside the
hospital's own plans without being written anywhere. A hospital that edits one (``PUT
/followup/plans/{id}``) publishes its version 2, stored like any plan; version 1 stays the code's, so
enrolments made on it keep it. Ranges are adult reference ranges a hospital adjusts by publishing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.followup.domain.plans import LabItem, Plan, PlanStep, Repeat
from chalicelib.followup.domain.rules import EnrolmentRule

SINCE = datetime(2026, 12, 1, tzinfo=UTC)

HYPERTENSION = "hypertension"
TYPE2_DIABETES = "type2-diabetes"
POSTOP_GENERAL = "postop-general"
HEART_FAILURE = "heart-failure"
KIDNEY_TRANSPLANT = "kidney-transplant"

TACROLIMUS = LabItem(code="tacrolimus_trough", name="他克莫司谷浓度", unit="ng/mL", low=5, high=10)
CREATININE = LabItem(code="creatinine", name="血肌酐", unit="µmol/L", low=44, high=133)
URINE_PROTEIN = LabItem(code="urine_protein_24h", name="24小时尿蛋白定量", unit="g/24h", high=0.15)
URINE_PROTEIN_QUALITATIVE = LabItem(code="urine_protein", name="尿蛋白", normal="阴性")
HBA1C = LabItem(code="hba1c", name="糖化血红蛋白", unit="%", low=4.0, high=7.0)
FASTING_GLUCOSE = LabItem(code="fasting_glucose", name="空腹血糖", unit="mmol/L", low=3.9, high=7.0)
NT_PROBNP = LabItem(code="nt_probnp", name="NT-proBNP", unit="pg/mL", high=900)
POTASSIUM = LabItem(code="potassium", name="血钾", unit="mmol/L", low=3.5, high=5.5)
TRANSPLANT_LABS = [TACROLIMUS, CREATININE, URINE_PROTEIN, URINE_PROTEIN_QUALITATIVE]


def _plan(
    pid: str, name: str, disease: str, icd10: list[str], description: str, steps: list[PlanStep]
) -> Plan:
    return Plan(
        id=pid,
        code=pid,
        name=name,
        disease=disease,
        icd10=icd10,
        description=description,
        steps=steps,
        version=1,
        builtin=True,
        created_at=SINCE,
        updated_at=SINCE,
    )


def _labs(step_id: str, first: int, every: int, until: int | None, title: str) -> PlanStep:
    return PlanStep(
        id=step_id,
        offset_days=first,
        kind="lab",
        title=title,
        assignee="doctor",
        window_days=min(every - 1, 7) if every > 1 else 0,
        urgent=True,
        lab_items=TRANSPLANT_LABS,
        repeat=Repeat(every_days=every, until_day=until),
    )


PLANS: tuple[Plan, ...] = (
    _plan(
        HYPERTENSION,
        "高血压出院随访",
        "高血压",
        ["I10", "I11", "I12", "I13", "I15"],
        "出院后第1天电话随访血压与用药，第7天问卷，第30天复诊，此后每季度电话随访至一年。",
        [
            PlanStep(
                id="d1-call",
                offset_days=1,
                kind="call",
                title="出院后第1天电话随访（血压、用药）",
                assignee="nurse",
                window_days=2,
            ),
            PlanStep(
                id="d7-questionnaire",
                offset_days=7,
                kind="questionnaire",
                title="出院后第7天血压随访问卷",
                questionnaire_code="hypertension-bp",
            ),
            PlanStep(id="d30-revisit", offset_days=30, kind="revisit", title="出院后第30天门诊复诊提醒"),
            PlanStep(
                id="quarterly-call",
                offset_days=90,
                kind="call",
                title="季度电话随访（血压控制情况）",
                assignee="team",
                window_days=14,
                repeat=Repeat(every_days=90, until_day=360),
            ),
        ],
    ),
    _plan(
        TYPE2_DIABETES,
        "2型糖尿病出院随访",
        "2型糖尿病",
        ["E11"],
        "出院后电话随访血糖与用药，第7天问卷，第30天复诊，每季度查糖化血红蛋白与空腹血糖至一年。",
        [
            PlanStep(
                id="d3-call",
                offset_days=3,
                kind="call",
                title="出院后第3天电话随访（血糖、用药、低血糖）",
                assignee="nurse",
            ),
            PlanStep(
                id="d7-questionnaire",
                offset_days=7,
                kind="questionnaire",
                title="出院后第7天血糖随访问卷",
                questionnaire_code="discharge-d7",
            ),
            PlanStep(
                id="d30-revisit", offset_days=30, kind="revisit", title="出院后第30天内分泌门诊复诊提醒"
            ),
            PlanStep(
                id="quarterly-labs",
                offset_days=90,
                kind="lab",
                title="季度复查糖化血红蛋白、空腹血糖",
                window_days=14,
                lab_items=[HBA1C, FASTING_GLUCOSE],
                repeat=Repeat(every_days=90, until_day=360),
            ),
        ],
    ),
    _plan(
        POSTOP_GENERAL,
        "普外科术后随访",
        "普通外科术后",
        [],
        "术后第1天电话随访伤口与体温，第7天康复问卷，第14天伤口复查，第30天门诊复诊。",
        [
            PlanStep(
                id="d1-call",
                offset_days=1,
                kind="call",
                title="术后出院第1天电话随访（伤口、体温、疼痛）",
                assignee="nurse",
                window_days=2,
            ),
            PlanStep(
                id="d7-questionnaire",
                offset_days=7,
                kind="questionnaire",
                title="术后第7天康复问卷",
                questionnaire_code="discharge-d7",
            ),
            PlanStep(
                id="d14-visit",
                offset_days=14,
                kind="visit",
                title="术后第14天伤口复查（拆线）",
                window_days=3,
            ),
            PlanStep(id="d30-revisit", offset_days=30, kind="revisit", title="术后第30天门诊复诊提醒"),
        ],
    ),
    _plan(
        HEART_FAILURE,
        "心力衰竭出院随访",
        "心力衰竭",
        ["I50"],
        "出院后电话随访体重与症状，第7天问卷，第14天复诊，第30天查NT-proBNP、血钾、肌酐，此后每月电话随访至一年。",
        [
            PlanStep(
                id="d3-call",
                offset_days=3,
                kind="call",
                title="出院后第3天电话随访（体重、气促、水肿、用药）",
                assignee="nurse",
                window_days=2,
            ),
            PlanStep(
                id="d7-questionnaire",
                offset_days=7,
                kind="questionnaire",
                title="出院后第7天心衰随访问卷",
                questionnaire_code="discharge-d7",
                urgent=True,
            ),
            PlanStep(
                id="d14-revisit", offset_days=14, kind="revisit", title="出院后第14天心内科门诊复诊提醒"
            ),
            PlanStep(
                id="d30-labs",
                offset_days=30,
                kind="lab",
                title="出院后第30天复查NT-proBNP、血钾、血肌酐",
                urgent=True,
                lab_items=[NT_PROBNP, POTASSIUM, CREATININE],
            ),
            PlanStep(
                id="monthly-call",
                offset_days=60,
                kind="call",
                title="每月电话随访（体重、症状、用药）",
                assignee="team",
                window_days=10,
                repeat=Repeat(every_days=30, until_day=360),
            ),
        ],
    ),
    _plan(
        KIDNEY_TRANSPLANT,
        "肾移植术后终身随访",
        "肾移植状态",
        ["Z94.0"],
        "终身随访：他克莫司谷浓度、血肌酐、尿蛋白第1个月每周、至第3个月每2周、至第12个月每月、此后每3个月复查，"
        "超出范围即报警；每季度问卷与移植门诊复诊。",
        [
            PlanStep(
                id="d1-call",
                offset_days=1,
                kind="call",
                title="出院后第1天电话随访（尿量、体温、服药）",
                assignee="nurse",
                window_days=1,
            ),
            _labs("labs-month1", 7, 7, 28, "第1个月每周复查：他克莫司谷浓度、血肌酐、尿蛋白"),
            _labs("labs-month3", 42, 14, 84, "第2–3个月每2周复查：他克莫司谷浓度、血肌酐、尿蛋白"),
            _labs("labs-month12", 114, 30, 360, "第4–12个月每月复查：他克莫司谷浓度、血肌酐、尿蛋白"),
            _labs("labs-lifelong", 444, 90, None, "每3个月复查：他克莫司谷浓度、血肌酐、尿蛋白（终身）"),
            PlanStep(
                id="questionnaire",
                offset_days=30,
                kind="questionnaire",
                title="肾移植随访问卷（排斥反应、感染、服药依从性）",
                questionnaire_code="discharge-d7",
                urgent=True,
                window_days=14,
                repeat=Repeat(every_days=90),
            ),
            PlanStep(
                id="revisit",
                offset_days=30,
                kind="revisit",
                title="移植门诊复诊提醒",
                window_days=14,
                repeat=Repeat(every_days=90),
            ),
        ],
    ),
)

BY_ID = {p.id: p for p in PLANS}

# The procedure code of a kidney transplant (ICD-9-CM-3 55.69, 其他肾移植, as Chinese HIS code it).
KIDNEY_TRANSPLANT_PROCEDURE = "55.69"

# In order; the first that matches a discharge wins, so the specific (transplant) come before the
# general (any operation → post-operative).
DEFAULT_RULES: tuple[EnrolmentRule, ...] = (
    EnrolmentRule(icd10_prefix="Z94.0", plan_id=KIDNEY_TRANSPLANT),
    EnrolmentRule(procedure_code=KIDNEY_TRANSPLANT_PROCEDURE, plan_id=KIDNEY_TRANSPLANT),
    EnrolmentRule(icd10_prefix="I50", plan_id=HEART_FAILURE),
    EnrolmentRule(icd10_prefix="E11", plan_id=TYPE2_DIABETES),
    *(EnrolmentRule(icd10_prefix=code, plan_id=HYPERTENSION) for code in ("I10", "I11", "I12", "I13", "I15")),
    EnrolmentRule(procedure_code="*", plan_id=POSTOP_GENERAL),
)
