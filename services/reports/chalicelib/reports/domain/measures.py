"""The daily measures (the raw figures a day keeps) — each named once, with its label and area.

A **count** is added to by events (``approvals.submitted`` +1) and summed over a range; a **sample** keeps
each value (an approval's turnaround in hours) so a range's median is exact; a **census** figure is set
whole by the HIS feed (a partner app or an upload: inpatients at midnight) and summed over a range the
way DHIS2 sums a data element (so occupancy over a month is patient-days over bed-days).

Indicators (``indicators.py``) are made from these; the sources (``sources.py``) say which event adds to
which. Adding a measure is a line here; its indicator a line there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["count", "sample", "census"]


@dataclass(frozen=True)
class Measure:
    name: str  # area.what: the attribute it is kept in is derived from it (``attribute``)
    label: str  # what a person reads (Chinese)
    kind: Kind = "count"
    unit: str = ""

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def attribute(self) -> str:
        """The item attribute the day keeps it in (``m_`` counts and census, ``s_`` samples)."""
        prefix = "s_" if self.kind == "sample" else "m_"
        return prefix + self.name.replace(".", "_")


def _m(name: str, label: str, kind: Kind = "count", unit: str = "") -> Measure:
    return Measure(name, label, kind, unit)


MEASURES: tuple[Measure, ...] = (
    # ---- the HIS census (a partner app with report:census:write, or an admin's upload) ----------------
    _m("census.outpatient_visits", "门诊人次", "census", "人次"),
    _m("census.emergency_visits", "急诊人次", "census", "人次"),
    _m("census.admissions", "入院人数", "census", "人"),
    _m("census.discharges", "出院人数", "census", "人"),
    _m("census.inpatients", "午夜在院人数", "census", "人"),
    _m("census.beds_open", "开放床位", "census", "张"),
    _m("census.discharged_bed_days", "出院者占用总床日", "census", "床日"),
    _m("census.surgeries", "手术台次", "census", "台"),
    # ---- approvals (协同) -------------------------------------------------------------------------------
    _m("approvals.submitted", "提交审批", unit="件"),
    _m("approvals.approved", "审批通过", unit="件"),
    _m("approvals.rejected", "审批驳回", unit="件"),
    _m("approvals.decided", "审批办结", unit="件"),
    _m("approvals.turnaround_hours", "审批用时", "sample", "小时"),
    _m("approvals.overdue_tasks", "超时审批任务", unit="件"),
    # ---- work notifications and DING (沟通) ----------------------------------------------------------
    _m("messaging.notifications_sent", "工作通知", unit="条"),
    _m("messaging.notification_recipients", "通知送达人次", unit="人次"),
    _m("messaging.notifications_read", "通知已读人次", unit="人次"),
    _m("messaging.ack_requested", "需确认人次", unit="人次"),
    _m("messaging.notifications_acknowledged", "已确认人次", unit="人次"),
    _m("messaging.ding_sms", "DING 升级短信", unit="次"),
    _m("messaging.ding_phone", "DING 升级电话", unit="次"),
    # ---- staff (组织) -----------------------------------------------------------------------------------
    _m("staff.joined", "入职", unit="人"),
    _m("staff.left", "离职", unit="人"),
    # ---- scheduling (排班) ------------------------------------------------------------------------------
    _m("scheduling.shortfall_shifts", "排班缺口", unit="班次"),
    _m("scheduling.disruptions", "请假致排班缺口", unit="次"),
    # ---- follow-up (随访) -------------------------------------------------------------------------------
    _m("followup.due", "应随访", unit="次"),
    _m("followup.done", "已随访", unit="次"),
    _m("followup.missed", "失访", unit="次"),
    _m("followup.abnormal", "异常结果", unit="例"),
    # ---- referral and consultation (转诊·会诊) --------------------------------------------------------
    _m("referral.up", "上转", unit="例"),
    _m("referral.down", "下转", unit="例"),
    _m("referral.rejected", "转诊被拒", unit="例"),
    _m("referral.overdue", "转诊超时", unit="例"),
    _m("referral.consultations_answered", "会诊完成", unit="例"),
    _m("referral.consultations_on_time", "按时会诊", unit="例"),
    # ---- partner apps (生态) ----------------------------------------------------------------------------
    _m("marketplace.deliveries_failing", "合作应用推送失败", unit="条"),
    _m("marketplace.endpoints_disabled", "推送地址停用", unit="个"),
)

BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}
CENSUS: tuple[Measure, ...] = tuple(m for m in MEASURES if m.kind == "census")


def measure(name: str) -> Measure:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no measure {name!r}: add it to MEASURES") from None
