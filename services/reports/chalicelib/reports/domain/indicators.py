"""Indicators, defined once: numerator / denominator × factor, with a unit and a definition — the way
DHIS2 indicators and FHIR ``Measure`` resources define them — listed in the report guide
(docs/reports.md, checked against this list by a test).

An indicator's value over any range of days is computed from the days' kept measures (one Query for
the range): a **sum** adds its numerator, a **ratio** divides the summed numerator by the summed
denominator (so a month's occupancy is its patient-days over its bed-days, not a mean of daily
percentages), an **average** is the numerator's mean over the days that have it (a census figure such as
inpatients at midnight), a **median** pools the days' samples. No value (None) when a day has no data
for it or a denominator is zero — never a made-up 0 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from chalicelib.reports.domain.days import DayFigures, median, pooled, total
from chalicelib.reports.domain.measures import BY_NAME

Aggregate = Literal["sum", "ratio", "average", "median"]

# The report's sections, in the order the page shows them: code → title.
AREAS: dict[str, str] = {
    "census": "医疗业务",
    "approvals": "协同审批",
    "messaging": "工作通知与 DING",
    "staff": "人员",
    "scheduling": "排班",
    "followup": "随访",
    "referral": "转诊与会诊",
    "marketplace": "合作应用",
}


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    area: str
    numerator: str  # a measure
    denominator: str | None = None  # a measure (ratios)
    factor: float = 1.0
    unit: str = ""
    aggregate: Aggregate = "sum"
    definition: str = ""
    better: Literal["up", "down"] | None = None  # which way is good (the arrow's colour)
    headline: bool = False  # in the morning notification
    overdue: bool = False  # an overdue item the page lists first
    # counted by both hospitals an event concerns (a referral: each side its own copy), so a consortium's
    # total would count a referral between two members twice: the consortium view gives it no total
    both_sides: bool = False

    def value(self, days: Sequence[DayFigures]) -> float | None:
        """The indicator over ``days`` (their kept measures), or None when there is nothing to say."""
        num = BY_NAME[self.numerator]
        if num.kind == "census":
            days = [d for d in days if d.census_recorded]
            if not days:
                return None
        if self.aggregate == "median":
            found = median(pooled(days, self.numerator))
            return None if found is None else round(found * self.factor, 2)
        if self.aggregate == "average":
            return round(total(days, self.numerator) / len(days) * self.factor, 2) if days else None
        if self.aggregate == "ratio":
            assert self.denominator is not None
            den = total(days, self.denominator)
            if den == 0:
                return None
            return round(total(days, self.numerator) / den * self.factor, 2)
        return round(total(days, self.numerator) * self.factor, 2)


def _i(code: str, name: str, numerator: str, **kw: object) -> Indicator:
    area = kw.pop("area", numerator.split(".", 1)[0])
    unit = kw.pop("unit", BY_NAME[numerator].unit)
    return Indicator(code=code, name=name, area=str(area), numerator=numerator, unit=str(unit), **kw)  # type: ignore[arg-type]


INDICATORS: tuple[Indicator, ...] = (
    # ---- 医疗业务 (the HIS census) --------------------------------------------------------------------
    _i(
        "outpatient_visits",
        "门诊人次",
        "census.outpatient_visits",
        headline=True,
        better="up",
        definition="当日门诊就诊人次（不含急诊）",
    ),
    _i(
        "emergency_visits",
        "急诊人次",
        "census.emergency_visits",
        headline=True,
        definition="当日急诊就诊人次",
    ),
    _i("admissions", "入院人数", "census.admissions", definition="当日办理入院的患者人数"),
    _i("discharges", "出院人数", "census.discharges", definition="当日办理出院的患者人数"),
    _i(
        "inpatients",
        "午夜在院人数",
        "census.inpatients",
        aggregate="average",
        headline=True,
        definition="当日24时在院患者人数；多日取日均",
    ),
    _i(
        "bed_occupancy",
        "床位使用率",
        "census.inpatients",
        denominator="census.beds_open",
        factor=100,
        unit="%",
        aggregate="ratio",
        headline=True,
        definition="实际占用总床日数 ÷ 实际开放总床日数 × 100%（每日以午夜在院人数计占用床日）",
    ),
    _i(
        "average_length_of_stay",
        "平均住院日",
        "census.discharged_bed_days",
        denominator="census.discharges",
        unit="天",
        aggregate="ratio",
        better="down",
        definition="出院者占用总床日数 ÷ 出院人数",
    ),
    _i("surgeries", "手术台次", "census.surgeries", definition="当日完成的手术台次"),
    # ---- 协同审批 ---------------------------------------------------------------------------------------
    _i(
        "approvals_submitted",
        "提交审批",
        "approvals.submitted",
        definition="当日提交（含重新提交）的审批件数",
    ),
    _i("approvals_approved", "审批通过", "approvals.approved", definition="当日最后一步通过的审批件数"),
    _i("approvals_rejected", "审批驳回", "approvals.rejected", definition="当日被驳回的审批件数"),
    _i(
        "approval_turnaround",
        "审批用时中位数",
        "approvals.turnaround_hours",
        aggregate="median",
        better="down",
        definition="当日办结（通过或驳回）的审批自提交至办结的小时数的中位数",
    ),
    _i(
        "approvals_overdue",
        "超时审批任务",
        "approvals.overdue_tasks",
        better="down",
        headline=True,
        overdue=True,
        definition="当日超过时限（SLA）被提醒或升级的审批任务数",
    ),
    # ---- 工作通知与 DING -------------------------------------------------------------------------------
    _i("notifications_sent", "工作通知", "messaging.notifications_sent", definition="当日发出的工作通知条数"),
    _i(
        "notification_read_rate",
        "通知已读率",
        "messaging.notifications_read",
        denominator="messaging.notification_recipients",
        factor=100,
        unit="%",
        aggregate="ratio",
        better="up",
        definition="当日发出的工作通知中已读的接收人次 ÷ 接收人次 × 100%（随已读陆续更新）",
    ),
    _i(
        "notification_ack_rate",
        "通知确认率",
        "messaging.notifications_acknowledged",
        denominator="messaging.ack_requested",
        factor=100,
        unit="%",
        aggregate="ratio",
        better="up",
        definition="当日发出的需确认通知中已确认的人次 ÷ 需确认人次 × 100%",
    ),
    _i(
        "ding_sms",
        "DING 升级短信",
        "messaging.ding_sms",
        better="down",
        definition="当日 DING 未读升级为短信的次数",
    ),
    _i(
        "ding_phone",
        "DING 升级电话",
        "messaging.ding_phone",
        better="down",
        definition="当日 DING 未读升级为电话的次数",
    ),
    # ---- 人员 -------------------------------------------------------------------------------------------
    _i("staff_joined", "入职", "staff.joined", definition="当日加入通讯录的员工人数"),
    _i("staff_left", "离职", "staff.left", definition="当日离开医院的员工人数"),
    # ---- 排班 -------------------------------------------------------------------------------------------
    _i(
        "roster_shortfall",
        "排班缺口",
        "scheduling.shortfall_shifts",
        better="down",
        headline=True,
        overdue=True,
        definition="当日发布的排班中未满足最低配置的班次数",
    ),
    _i(
        "roster_disruptions",
        "请假致排班缺口",
        "scheduling.disruptions",
        better="down",
        definition="当日批准的请假使已发布排班出现缺口的次数",
    ),
    # ---- 随访 -------------------------------------------------------------------------------------------
    _i("followups_due", "应随访", "followup.due", definition="当日到期的随访任务数"),
    _i("followups_done", "已随访", "followup.done", definition="当日完成的随访任务数"),
    _i(
        "followups_missed",
        "失访",
        "followup.missed",
        better="down",
        overdue=True,
        definition="当日窗口关闭仍未完成的随访任务数",
    ),
    _i(
        "followup_completion_rate",
        "随访完成率",
        "followup.done",
        denominator="followup.due",
        factor=100,
        unit="%",
        aggregate="ratio",
        better="up",
        definition="已随访 ÷ 应随访 × 100%",
    ),
    _i("abnormal_results", "异常结果", "followup.abnormal", definition="当日随访发现的异常结果例数"),
    # ---- 转诊与会诊 -------------------------------------------------------------------------------------
    _i("referrals_up", "上转", "referral.up", both_sides=True, definition="当日本院发起或接收的上转申请例数"),
    _i(
        "referrals_down",
        "下转",
        "referral.down",
        both_sides=True,
        definition="当日本院发起或接收的下转申请例数",
    ),
    _i(
        "referrals_rejected",
        "转诊被拒",
        "referral.rejected",
        better="down",
        both_sides=True,
        definition="当日被拒绝的转诊例数",
    ),
    _i(
        "referrals_overdue",
        "转诊超时",
        "referral.overdue",
        better="down",
        overdue=True,
        both_sides=True,
        definition="当日超过时限未处理的转诊例数",
    ),
    _i(
        "consultation_on_time_rate",
        "会诊及时率",
        "referral.consultations_on_time",
        denominator="referral.consultations_answered",
        factor=100,
        unit="%",
        aggregate="ratio",
        better="up",
        definition="当日完成的会诊中在时限内完成的例数 ÷ 完成例数 × 100%",
    ),
    # ---- 合作应用 ---------------------------------------------------------------------------------------
    _i(
        "partner_deliveries_failing",
        "合作应用推送失败",
        "marketplace.deliveries_failing",
        better="down",
        overdue=True,
        definition="当日首次推送失败（进入重试）的事件推送条数",
    ),
    _i(
        "partner_endpoints_disabled",
        "推送地址停用",
        "marketplace.endpoints_disabled",
        better="down",
        definition="当日因持续失败被停用的合作应用推送地址数",
    ),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
HEADLINE: tuple[Indicator, ...] = tuple(i for i in INDICATORS if i.headline)
