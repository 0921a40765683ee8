"""Consumers stay within their declared DynamoDB call budget, per event applied (as routes do per request).

A scripted scenario over the API (a seeded hospital, a leave request approved in two steps and cancelled, a notification
to a department, a staff import, a roster submitted for approval and published) emits the events every consumer takes, while the local stack's trigger
runner is paused. Each consumer is then handed those events in this thread, in the order they were
emitted, through its own Lambda handler, and the botocore hook counts the DynamoDB calls of each event.
Afterwards the runner drains: the relay publishes the same events, and the consumers see them as
already processed (the inbox marker), so nothing is applied twice.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from chalice.app import SQSEventConfig  # type: ignore[attr-defined]
from chalicelib.approvals.domain.roster import instance_id

from fh.local.seed import seed
from shared.events.published.scheduling import (
    ROSTER_SUBMITTED,
    ROSTER_WITHDRAWN,
    RosterSubmitted,
    RosterWithdrawn,
)
from shared.events.subscription import Subscription
from shared.persistence.uow import UnitOfWork
from tests.conftest import make_staff, register_hospital
from tests.quality import botocore_hooks

pytestmark = pytest.mark.e2e


@dataclass
class ConsumerRow:
    queue: str
    events: int = 0
    failed: list[str] = field(default_factory=list)
    worst: dict[str, int] = field(default_factory=dict)  # the most calls one event made, per operation
    worst_event: dict[str, str] = field(default_factory=dict)

    def over(self, budget: dict[str, int]) -> dict[str, tuple[int, int, str]]:
        """Operation → (most calls one event made, budget, that event's type), where over budget."""
        return {
            op: (n, budget.get(op, 0), self.worst_event[op])
            for op, n in self.worst.items()
            if n > budget.get(op, 0)
        }


def _consumers(stack: Any) -> list[tuple[Subscription, Any]]:
    out = []
    for app in stack.apps.values():
        for sub in app.fh_subscriptions:
            (source,) = [
                s for s in app.event_sources if isinstance(s, SQSEventConfig) and s.queue == sub.queue_name
            ]
            out.append((sub, app.handler_map[source.name]))
    return out


def _sqs_event(envelope: Any) -> dict[str, Any]:
    body = {
        "detail-type": envelope.type,
        "source": f"fh.{envelope.source}",
        "detail": envelope.model_dump(mode="json"),
    }
    return {
        "Records": [
            {
                "messageId": uuid.uuid4().hex,
                "receiptHandle": "gate",
                "body": json.dumps(body, ensure_ascii=False),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws-cn:sqs:cn-northwest-1:000000000000:gate",
                "awsRegion": "cn-northwest-1",
            }
        ]
    }


class _Context:
    function_name = "gate-consumer"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws-cn:lambda:cn-northwest-1:000000000000:function:gate-consumer"
    aws_request_id = "gate"


def _scenario(stack: Any, tenant: str, emitted: list[Any]) -> None:
    """Every event type a consumer takes, made through the API as a hospital would (``emitted``: the
    events so far, for a step that needs a consumer's effect before the next request)."""
    made = seed(stack, tenant)
    admin = stack.token(tenant, "gate-admin", ["hospital_admin"])
    leave = next(t for t in made["templates"] if t["code"] == "leave")
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "康复医学科"})

    nurse, head, dean = (
        make_staff(stack, admin, dept["id"], "林晓", "G1", ["nurse"]),
        make_staff(stack, admin, dept["id"], "陈主任", "G2", ["department_head"]),
        make_staff(stack, admin, dept["id"], "周院长", "G3", ["hospital_admin"]),
    )
    form = {"leave_type": "年假", "period": {"start": "2026-12-01", "end": "2026-12-05"}, "reason": "探亲"}
    status, approval = stack.request(
        "POST",
        "/approvals/approvals",
        stack.token(tenant, nurse, ["nurse"]),
        {"template_id": leave["id"], "form": form},
    )
    assert status == 201, approval
    path = f"/approvals/approvals/{approval['id']}/actions"
    for who, roles in ((head, ["department_head"]), (dean, ["hospital_admin"])):
        status, body = stack.request("POST", path, stack.token(tenant, who, roles), {"action": "approve"})
        assert status == 200, body
    # 销假: the nurse cancels it again (scheduling frees the days, the approvers are told)
    status, body = stack.request("POST", path, stack.token(tenant, nurse, ["nurse"]), {"action": "cancel"})
    assert status == 200 and body["status"] == "cancelled", body
    status, body = stack.request(
        "PATCH", f"/messaging/staff/{nurse}", admin, {"title": "主管护师", "version": 1}
    )
    assert status == 200, body
    status, body = stack.request(
        "POST",
        "/messaging/notifications",
        admin,
        {"title": "院感培训", "body": "周五下午两点", "to": {"department_ids": [dept["id"]]}},
    )
    assert status == 202, body  # accepted: the fan-out consumer delivers it
    # A consortium with a town clinic, a referral group across them, and the clinic removed: the
    # consortium-groups consumer ends the clinic's part in the group (one group, one guest).
    town = f"{tenant}-town"
    register_hospital(town, "浦沿镇卫生院")
    town_admin = stack.token(town, "gate-admin", ["hospital_admin"])
    _, town_dept = stack.request("POST", "/messaging/departments", town_admin, {"name": "全科"})
    guest = make_staff(stack, town_admin, town_dept["id"], "郑医生", "T1", ["doctor"])
    status, cons = stack.request(
        "POST", "/messaging/consortia", admin, {"name": "滨江医共体", "hospital_name": "滨江区人民医院"}
    )
    assert status == 201, cons
    path = f"/messaging/consortia/{cons['id']}"
    status, body = stack.request("POST", f"{path}/invitations", admin, {"hospital_id": town})
    assert status == 200, body
    status, body = stack.request("POST", f"{path}/accept", town_admin, {"hospital_name": "浦沿镇卫生院"})
    assert status == 200, body
    group = {
        "kind": "group",
        "name": "转诊群",
        "member_ids": [head],
        "consortium_id": cons["id"],
        "guests": [{"hospital_id": town, "staff_id": guest}],
    }
    status, body = stack.request(
        "POST", "/messaging/conversations", stack.token(tenant, nurse, ["nurse"]), group
    )
    assert status == 201, body
    status, body = stack.request("POST", f"{path}/remove", admin, {"hospital_id": town})
    assert status == 204, body

    def upload(csv: str) -> str:
        content = base64.b64encode(csv.encode()).decode()
        body = {"format": "csv", "content_base64": content, "filename": "hr.csv"}
        status, job = stack.request("POST", "/messaging/imports", admin, body)
        assert status == 202, job
        return str(job["id"])

    # One file previewed (its preview slice is measured), and one previewed here, through the import
    # consumer's own handler (so the measured replay finds it applied), and confirmed: its apply slice,
    # which creates one person and moves another, is measured.
    upload("姓名,工号,科室\n王五,G4,康复医学科\n赵六,G5,康复医学科\n")
    applied = upload("姓名,工号,科室,职称\n孙七,G6,康复医学科,护师\n林晓,G1,康复医学科,副主任护师\n")
    (handler,) = [h for sub, h in _consumers(stack) if sub.name == "directory-import"]
    (preview,) = [
        e for e in emitted if e.type == "directory.import.requested" and e.data["job_id"] == applied
    ]
    assert not (handler(_sqs_event(preview), _Context()) or {}).get("batchItemFailures")
    status, body = stack.request("POST", f"/messaging/imports/{applied}/confirm", admin, {})
    assert status == 202, body
    _roster(stack, tenant, admin, dept["id"], nurse, emitted)
    _roster_scenario(stack, tenant, admin, emitted)
    _swap_scenario(stack, tenant, admin, emitted)
    _followup_alerts(stack, tenant, admin, dept["id"], head, emitted)
    _followup_scenario(stack, tenant, admin, dept["id"], emitted)
    _revisit_scenario(stack, tenant, admin)
    _referral_scenario(stack, tenant, admin, emitted)
    _marketplace_scenario(tenant, emitted)
    _daily_report(tenant, [head, dean, nurse], emitted)


def _daily_report(tenant: str, leaders: list[str], emitted: list[Any]) -> None:
    """The morning's 院长日报 as the reports sweep emits it (its sweep is a schedule, not a request): the
    leaders resolved at 07:00, the headline lines and the link; messaging tells them."""
    from datetime import date

    from shared.events.published.reports import DAILY_REPORT_READY, DailyReportReady

    ready = DailyReportReady(
        day=date(2026, 12, 5),
        notify=leaders,
        title="院长日报 · 12月5日",
        lines=["门诊人次 1,234（较前日 +5.2%，较上周同日 −1.0%）", "急诊人次 未上报"],
        link="/reports/daily/2026-12-05/page",
    )
    emitted.append(DAILY_REPORT_READY.envelope(tenant, ready))


def _marketplace_scenario(tenant: str, emitted: list[Any]) -> None:
    """The marketplace's lifecycle events of an app installed in a hospital of its own (so the other
    services' events above meet no installation: the dispatcher's fan-out reads the standing and stops),
    upgraded and uninstalled — each makes or changes the endpoint and is delivered at once to a closed
    loopback port (a failed attempt, recorded); and an endpoint disabled for failing, which messaging
    tells this hospital's admins about."""
    from shared.events.published.marketplace import (
        APP_INSTALLED,
        APP_UNINSTALLED,
        APP_UPGRADED,
        WEBHOOK_ENDPOINT_DISABLED,
        EndpointDisabled,
        InstallationChanged,
    )
    from tests import partner_apps

    apps = f"{tenant}-apps"
    installation = partner_apps.install(apps, ["directory:read", "events:read"], app="app-gate")
    change = InstallationChanged(
        installation_id=installation,
        app_id="app-gate",
        app_name="排班助手",
        partner="partner-test",
        version=1,
        scopes=["directory:read", "events:read"],
        events=["staff.*"],
        webhook_url="https://127.0.0.1:9/hook",
        by="gate-admin",
    )
    emitted += [
        APP_INSTALLED.envelope(apps, change),
        APP_UPGRADED.envelope(
            apps, change.model_copy(update={"version": 2, "events": ["staff.*", "department.*"]})
        ),
        APP_UNINSTALLED.envelope(apps, change),
    ]
    disabled = EndpointDisabled(
        installation_id=installation,
        app_id="app-gate",
        app_name="排班助手",
        partner="partner-test",
        url="https://partner.example/hook",
        reason="failing",
    )
    emitted.append(WEBHOOK_ENDPOINT_DISABLED.envelope(tenant, disabled))


def _referral_scenario(stack: Any, tenant: str, admin: str, emitted: list[Any]) -> None:
    """Follow-up's referral and consultation events, one copy per hospital side, as its unit of work
    emits them: a town clinic (in a consortium with this hospital) refers a patient up; the referral
    group is made (twice: a duplicate event), joined on acceptance and closed on completion; the desk is
    told, by DING when overdue; a consultation asked; one notice naming nobody, one only the departed."""
    from shared.events.published.followup import (
        CONSULTATION_REQUESTED,
        REFERRAL_ACCEPTED,
        REFERRAL_COMPLETED,
        REFERRAL_OVERDUE,
        REFERRAL_REQUESTED,
        ConsultationEvent,
        ReferralEvent,
    )

    clinic = f"{tenant}-clinic"
    register_hospital(clinic, "城关镇卫生院")
    clinic_admin = stack.token(clinic, "gate-admin", ["hospital_admin"])
    _, gp_dept = stack.request("POST", "/messaging/departments", clinic_admin, {"name": "全科"})
    gp = make_staff(stack, clinic_admin, gp_dept["id"], "郑医生", "C1", ["doctor"])
    _, desk_dept = stack.request("POST", "/messaging/departments", admin, {"name": "转诊中心"})
    desk = make_staff(stack, admin, desk_dept["id"], "赵转诊", "R1", ["referral_desk"])
    cardio = make_staff(stack, admin, desk_dept["id"], "钱医生", "R2", ["doctor"])
    status, cons = stack.request(
        "POST", "/messaging/consortia", admin, {"name": "县域医共体", "hospital_name": "县人民医院"}
    )
    assert status == 201, cons
    path = f"/messaging/consortia/{cons['id']}"
    status, body = stack.request("POST", f"{path}/invitations", admin, {"hospital_id": clinic})
    assert status == 200, body
    status, body = stack.request("POST", f"{path}/accept", clinic_admin, {"hospital_name": "城关镇卫生院"})
    assert status == 200, body

    def referral(kind: Any, side: str, members: dict[str, list[str]], **extra: Any) -> Any:
        data = ReferralEvent(
            referral_id="gate-ref-1",
            direction="up",
            consortium_id=cons["id"],
            from_hospital_id=clinic,
            to_hospital_id=tenant,
            side=side,
            state=kind.name.split(".")[1],
            urgency="urgent",
            patient_label="张*",
            from_department_id=gp_dept["id"],
            to_department_id=desk_dept["id"],
            title="转诊申请：张* → 转诊中心（紧急）",
            group_members=members if side == "from" else {},
            **extra,
        )
        return kind.envelope(clinic if side == "from" else tenant, data)

    asked = {clinic: [gp], tenant: [desk]}
    joined = {clinic: [gp], tenant: [desk, cardio]}
    emitted += [
        referral(REFERRAL_REQUESTED, "from", asked),
        referral(REFERRAL_REQUESTED, "from", asked),  # a duplicate event: still one group
        referral(REFERRAL_REQUESTED, "to", {}, notify=[desk]),
        referral(REFERRAL_OVERDUE, "to", {}, notify=[desk], urgent=True),
        referral(REFERRAL_ACCEPTED, "from", joined, notify=[gp], receiver_id=cardio),
        referral(REFERRAL_ACCEPTED, "to", {}),  # names nobody here: nothing to do
        referral(REFERRAL_COMPLETED, "from", joined, notify=["gate-gone"]),  # only someone unknown
    ]
    consult = ConsultationEvent(
        consultation_id="gate-con-1",
        scope="local",
        from_hospital_id=tenant,
        to_hospital_id=tenant,
        side="to",
        urgency="emergency",
        patient_label="王*",
        notify=[cardio],
        urgent=True,
        title="急会诊：王* · 转诊中心（10分钟内）",
    )
    emitted.append(CONSULTATION_REQUESTED.envelope(tenant, consult))


def _followup_scenario(stack: Any, tenant: str, admin: str, dept: str, emitted: list[Any]) -> None:
    """A doctor finishes a follow-up call over the API (followup.task.done); the events of the features that
    enrol patients, raise alerts and sweep the day are their catalog's, for the same department."""
    from datetime import UTC, datetime

    from chalicelib.followup.adapters.dynamodb import DynamoStore
    from chalicelib.followup.domain.patients import Patient
    from chalicelib.followup.domain.tasks import Task

    from shared.auth import Principal
    from shared.errors import Conflict
    from shared.events.published.followup import (
        FOLLOWUP_ALERT_RAISED,
        FOLLOWUP_ENROLLED,
        FOLLOWUP_TASK_MISSED,
        AlertRaised,
        Enrolled,
        TaskEvent,
    )

    doctor = make_staff(stack, admin, dept, "郑医生", "G9", ["doctor"])
    now = datetime.now(UTC)
    patient = Patient(
        id="pgate1",
        masked={"name": "张*", "id_number": "110105********002X", "mobile": "138****5678", "address": ""},
        sealed={"name": "sealed", "id_number": "sealed"},
        id_number_index="gate-idn",
        sex="male",
        birth_date=date(1950, 1, 1),
        department_id=dept,
        created_at=now,
        updated_at=now,
    )
    task = Task(
        id="pgate1-t1",
        patient_id="pgate1",
        patient_label="张*",
        kind="call",
        title="出院后第7天电话随访",
        due=now.date(),
        department_id=dept,
        doctor_id=doctor,
        created_at=now,
    )
    principal = Principal(tenant=tenant, user="gate-set-up", kind="service")
    with UnitOfWork("followup", principal, "gate") as uow:
        store = DynamoStore(tenant, uow, principal)
        store.patients.add(patient, Conflict("taken"))
        store.tasks.add(task)
        uow.commit()
    token = stack.token(tenant, doctor, ["doctor"])
    status, body = stack.request("POST", f"/followup/tasks/{task.id}/done", token, {"outcome": "reached"})
    assert status == 200, body
    emitted.append(
        FOLLOWUP_ENROLLED.envelope(
            tenant,
            Enrolled(
                enrolment_id="pgate1-e1",
                patient_id="pgate1",
                plan_id="hypertension",
                plan_version=1,
                department_id=dept,
                doctor_id=doctor,
                discharge_date=now.date(),
                tasks=3,
            ),
        )
    )
    missed = TaskEvent(
        task_id="pgate1-t2",
        patient_id="pgate1",
        kind="call",
        title="电话随访",
        due=now.date(),
        department_id=dept,
    )
    emitted.append(FOLLOWUP_TASK_MISSED.envelope(tenant, missed))
    alert = AlertRaised(
        alert_id="pgate1-a1",
        patient_id="pgate1",
        patient_label="张*",
        task_id="pgate1-t3",
        department_id=dept,
        notify=[doctor],
        title="随访异常：收缩压 182 mmHg（>160）",
    )
    emitted.append(FOLLOWUP_ALERT_RAISED.envelope(tenant, alert))


def _revisit_scenario(stack: Any, tenant: str, admin: str) -> None:
    """Chronic revisits (慢病复诊): a partner app's request into a department's pool (its
    followup.revisit.requested names the department's two doctors, one of whom then leaves: messaging
    tells the other), and one into a department with no doctor (nobody to tell: logged)."""
    from tests.service.followup_world import put_patient

    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "心血管内科"})
    _, empty = stack.request("POST", "/messaging/departments", admin, {"name": "康复门诊"})
    doctors = [make_staff(stack, admin, dept["id"], f"心内医生{n}", f"RV{n}", ["doctor"]) for n in range(2)]
    put_patient(tenant, "gate-patient", dept["id"], "心血管内科")
    from tests import partner_apps

    app = partner_apps.app_token(tenant, ["followup:revisits:write"])  # an installed app's token
    for department in (dept["id"], empty["id"]):
        body = {"patient_id": "gate-patient", "department_id": department, "ask": "renew", "text": "降压药"}
        status, made = stack.request("POST", "/followup/revisits", app, body)
        assert status == 201, made
    _, person = stack.request("GET", f"/messaging/staff/{doctors[1]}", admin)
    status, body = stack.request(
        "POST", f"/messaging/staff/{doctors[1]}/leave", admin, {"version": person["version"]}
    )
    assert status == 200, body


def _roster(stack: Any, tenant: str, admin: str, ward: str, nurse: str, emitted: list[Any]) -> None:
    """Scheduling's roster events (made here as its relay would put them on the bus): one submission
    started and approved (approvals answers approval.roster.decided), one started, one that cannot start
    (nobody by that submitter), and a published version naming two nurses and one the directory does not
    know."""
    head_nurse = make_staff(stack, admin, ward, "王护士长", "G8", ["head_nurse"])

    def submitted(period: str, submitter: str = head_nurse) -> Any:
        data = RosterSubmitted(
            period_id=period,
            revision=1,
            ward_ids=[ward],
            title="康复医学科 2027年1月排班",
            submitter=submitter,
            start=date(2027, 1, 1),
            end=date(2027, 1, 31),
            summary="4名护士",
        )
        return ROSTER_SUBMITTED.envelope(tenant, data)

    first = submitted("gate-p1")
    (handler,) = [h for sub, h in _consumers(stack) if sub.name == "roster-submitted"]
    assert not (handler(_sqs_event(first), _Context()) or {}).get("batchItemFailures")
    emitted.append(first)  # measured as the repeat it then is
    path = f"/approvals/approvals/{instance_id('gate-p1', 1)}"
    status, approval = stack.request("GET", path, admin)
    assert status == 200 and approval["status"] == "pending", approval
    approver = approval["pending_approvers"][0]
    status, body = stack.request(
        "POST", f"{path}/actions", stack.token(tenant, approver, []), {"action": "approve"}
    )
    assert status == 200 and body["status"] == "approved", body  # approval.roster.decided
    emitted += [submitted("gate-p2"), submitted("gate-p3", submitter="gate-nobody")]
    # gate-p2's approval (started by the measurement above, in order) withdrawn in scheduling; gate-p1's
    # withdrawal finds it approved already and changes nothing
    emitted += [
        ROSTER_WITHDRAWN.envelope(tenant, RosterWithdrawn(period_id=p, revision=1, by=head_nurse))
        for p in ("gate-p2", "gate-p1")
    ]


def _roster_scenario(stack: Any, tenant: str, admin: str, emitted: list[Any]) -> None:
    """Two wards' rosters: one submitted for approval, approvals' answer to it (made here as approvals
    would send it: the approvals side of 排班审批 is its own consumer), and one of a ward that skips
    approval, published (its roster.published feeds the on-duty read model)."""
    from shared.events.published.approvals import ROSTER_DECIDED, RosterDecided

    (project,) = [h for sub, h in _consumers(stack) if sub.name == "staff-projection"]
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "内科"})
    periods = []
    for n, skip in enumerate((False, True)):
        body = {"name": f"病区{n}", "kind": "ward", "parent_id": dept["id"]}
        status, ward = stack.request("POST", "/messaging/departments", admin, body)
        assert status == 201, ward
        nurses = [
            make_staff(stack, admin, ward["id"], f"护士{n}{k}", f"W{n}{k}", ["nurse"]) for k in range(2)
        ]
        for envelope in [e for e in emitted if e.type == "staff.created" and e.data["staff_id"] in nurses]:
            assert not (project(_sqs_event(envelope), _Context()) or {}).get("batchItemFailures")
        if skip:
            setup = {"version": 0, "skip_approval": True}
            status, body = stack.request("PUT", f"/scheduling/wards/{ward['id']}/setup", admin, setup)
            assert status == 200, body
        body = {"ward_ids": [ward["id"]], "start": "2027-01-01", "end": "2027-01-31"}
        status, period = stack.request("POST", "/scheduling/periods", admin, body)
        assert status == 201, period
        changes = [
            {"staff_id": s, "date": "2027-01-04", "shift": c} for s, c in zip(nurses, "DN", strict=True)
        ]
        status, body = stack.request(
            "PUT", f"/scheduling/periods/{period['id']}/cells", admin, {"changes": changes}
        )
        assert status == 200, body
        periods.append(period["id"])
    status, submitted = stack.request("POST", f"/scheduling/periods/{periods[0]}/submit", admin, {})
    assert status == 200, submitted
    decided = RosterDecided(
        period_id=periods[0], revision=submitted["revision"], instance_id="gate", outcome="approved"
    )
    emitted.append(ROSTER_DECIDED.envelope(tenant, decided))
    status, body = stack.request("POST", f"/scheduling/periods/{periods[1]}/publish", admin, {})
    assert status == 200, body
    _disruptions(stack, tenant, admin, ward["id"], periods[1], nurses, emitted)
    # One of the published nurses leaves before messaging tells them: her notice is skipped and counted.
    _, person = stack.request("GET", f"/messaging/staff/{nurses[0]}", admin)
    body = {"version": person["version"]}
    status, body = stack.request("POST", f"/messaging/staff/{nurses[0]}/leave", admin, body)
    assert status == 200, body


def _disruptions(
    stack: Any, tenant: str, admin: str, ward: str, period: str, nurses: list[str], emitted: list[Any]
) -> None:
    """The published ward disrupted: its head nurse (to be told), a sick call of one nurse (its
    roster.disrupted → messaging's notice) and leave approved for the other on her published day (made
    here as approvals sends it: scheduling flags her cell and tells the head nurse)."""
    from shared.events.published.approvals import (
        LEAVE_APPROVED,
        LEAVE_CANCELLED,
        LeaveApproved,
        LeaveCancelled,
    )

    (project,) = [h for sub, h in _consumers(stack) if sub.name == "staff-projection"]
    head = make_staff(stack, admin, ward, "病区护士长", f"WH{uuid.uuid4().hex[:6]}", ["head_nurse"])
    for envelope in [e for e in emitted if e.type == "staff.created" and e.data["staff_id"] == head]:
        assert not (project(_sqs_event(envelope), _Context()) or {}).get("batchItemFailures")
    call = {"staff_id": nurses[1], "date": "2027-01-04", "reason": "发热"}
    status, body = stack.request("POST", f"/scheduling/periods/{period}/absences", admin, call)
    assert status == 201, body
    late = LeaveApproved(
        instance_id="gate-late", staff_id=nurses[0], leave_type="事假", start="2027-01-04", end="2027-01-04"
    )
    emitted.append(LEAVE_APPROVED.envelope(tenant, late))
    # and then cancelled (销假) before anyone repaired it: the disruption it flagged is dismissed
    cancelled = LeaveCancelled(**late.model_dump(), cancelled_by=nurses[0])
    emitted.append(LEAVE_CANCELLED.envelope(tenant, cancelled))


def _swap_scenario(stack: Any, tenant: str, admin: str, emitted: list[Any]) -> None:
    """Swaps (换班) on a published week of a ward that skips approval: one proposed, started in
    approvals (its consumer's handler, here), accepted by the colleague and approved by the head nurse
    (approvals answers approval.swap.decided, which scheduling applies as a new version); one started and
    cancelled by the nurse (measured withdrawing); one proposed and left to approvals' consumer (measured
    starting)."""
    from chalicelib.approvals.domain.swap import instance_id as swap_approval

    (project,) = [h for sub, h in _consumers(stack) if sub.name == "staff-projection"]
    _, dept = stack.request("POST", "/messaging/departments", admin, {"name": "外科"})
    status, ward = stack.request(
        "POST", "/messaging/departments", admin, {"name": "普外病区", "kind": "ward", "parent_id": dept["id"]}
    )
    assert status == 201, ward
    ids: dict[str, str] = {}
    people = [
        ("gate-sw-hn", "吴护士长", ["head_nurse"]),
        ("gate-sw-1", "韩雪", ["nurse"]),
        ("gate-sw-2", "林悦", ["nurse"]),
    ]
    for user, name, roles in people:
        body = {
            "name": name,
            "employee_no": user,
            "department_id": ward["id"],
            "roles": roles,
            "user_id": user,
        }
        status, made = stack.request("POST", "/messaging/staff", admin, body)
        assert status == 201, made
        ids[user] = made["id"]
    for envelope in [e for e in emitted if e.type == "staff.created" and e.data["staff_id"] in ids.values()]:
        assert not (project(_sqs_event(envelope), _Context()) or {}).get("batchItemFailures")
    status, body = stack.request(
        "PUT", f"/scheduling/wards/{ward['id']}/setup", admin, {"version": 0, "skip_approval": True}
    )
    assert status == 200, body
    body = {"ward_ids": [ward["id"]], "start": "2027-01-04", "end": "2027-01-10"}
    status, period = stack.request("POST", "/scheduling/periods", admin, body)
    assert status == 201, period
    pid = period["id"]
    changes = [{"staff_id": ids["gate-sw-1"], "date": "2027-01-05", "shift": "D"}]
    status, body = stack.request("PUT", f"/scheduling/periods/{pid}/cells", admin, {"changes": changes})
    assert status == 200, body
    status, body = stack.request("POST", f"/scheduling/periods/{pid}/publish", admin, {})
    assert status == 200, body

    def token(user: str, role: str = "nurse") -> str:
        return str(stack.token(tenant, user, [role]))

    give = {"kind": "give", "my_date": "2027-01-05", "colleague_id": ids["gate-sw-2"]}
    status, swap = stack.request("POST", f"/scheduling/periods/{pid}/swaps", token("gate-sw-1"), give)
    assert status == 201, swap
    (start,) = [h for sub, h in _consumers(stack) if sub.name == "swap-requested"]
    (requested,) = [
        e for e in emitted if e.type == "roster.swap.requested" and e.data["swap_id"] == swap["id"]
    ]
    assert not (start(_sqs_event(requested), _Context()) or {}).get("batchItemFailures")
    path = f"/approvals/approvals/{swap_approval(swap['id'])}/actions"
    for user, role in (("gate-sw-2", "nurse"), ("gate-sw-hn", "head_nurse")):
        status, body = stack.request("POST", path, token(user, role), {"action": "approve"})
        assert status == 200, body
    assert body["status"] == "approved"  # approval.swap.decided
    # one proposed, started and cancelled by the nurse: its roster.swap.cancelled withdraws the 换班
    # (measured withdrawing); the approved one's cancel, as a late redelivery would find it, changes nothing
    taken = {"kind": "take", "my_date": "2027-01-08", "shift": "D"}
    status, called = stack.request("POST", f"/scheduling/periods/{pid}/swaps", token("gate-sw-1"), taken)
    assert status == 201, called
    (requested,) = [
        e for e in emitted if e.type == "roster.swap.requested" and e.data["swap_id"] == called["id"]
    ]
    assert not (start(_sqs_event(requested), _Context()) or {}).get("batchItemFailures")
    status, body = stack.request("POST", f"/scheduling/swaps/{called['id']}/cancel", token("gate-sw-1"), {})
    assert status == 200, body
    from shared.events.published.scheduling import ROSTER_SWAP_CANCELLED, SwapCancelled

    done = SwapCancelled(swap_id=swap["id"], period_id=pid, by=ids["gate-sw-1"])
    emitted.append(ROSTER_SWAP_CANCELLED.envelope(tenant, done))
    take = {"kind": "take", "my_date": "2027-01-07", "shift": "D"}
    status, other = stack.request("POST", f"/scheduling/periods/{pid}/swaps", token("gate-sw-2"), take)
    assert status == 201, other
    # an approved swap that could not be applied, as scheduling tells it (its nurses and the approver)
    from shared.events.published.scheduling import ROSTER_SWAP_FAILED, SwapFailed

    failed = SwapFailed(
        swap_id=other["id"],
        period_id=pid,
        title="认领空班：林悦（1月7日）",
        reason="换班违反硬性规则",
        notify=[ids["gate-sw-2"], ids["gate-sw-hn"]],
    )
    emitted.append(ROSTER_SWAP_FAILED.envelope(tenant, failed))


def _followup_alerts(stack: Any, tenant: str, admin: str, dept: str, head: str, emitted: list[Any]) -> None:
    """Follow-up's abnormal results, as its unit of work emits them: one urgent (a DING, reading the
    hospital's policy) for the department's head, one not urgent for two doctors, and one naming only
    someone the directory does not know (logged, nothing sent)."""
    from shared.events.published.followup import FOLLOWUP_ALERT_RAISED, AlertRaised

    doctors = [make_staff(stack, admin, dept, f"医生{n}", f"FD{n}", ["doctor"]) for n in range(2)]

    def alert(n: int, notify: list[str], urgent: bool) -> Any:
        data = AlertRaised(
            alert_id=f"p1-a{n}",
            patient_id="p1",
            patient_label="张*",
            task_id=f"p1-a{n}",
            department_id=dept,
            notify=notify,
            title="随访异常：张* 收缩压 182 mmHg（>160）",
            urgent=urgent,
        )
        return FOLLOWUP_ALERT_RAISED.envelope(tenant, data)

    emitted += [alert(1, [head], True), alert(2, doctors, False), alert(3, ["gate-nobody"], False)]


@pytest.fixture(scope="module")
def rows(stack: Any) -> Iterator[dict[str, ConsumerRow]]:
    botocore_hooks.install()
    tenant = f"t-cb{uuid.uuid4().hex[:10]}"
    emitted: list[Any] = []
    original = UnitOfWork.emit

    def capture(self: UnitOfWork, event: Any) -> None:
        if event.tenant == tenant:
            emitted.append(event)
        original(self, event)

    result: dict[str, ConsumerRow] = {}
    with stack.runner.paused():
        UnitOfWork.emit = capture  # type: ignore[method-assign]
        try:
            _scenario(stack, tenant, emitted)
        finally:
            UnitOfWork.emit = original  # type: ignore[method-assign]
        for sub, handler in _consumers(stack):
            row = result[sub.queue_name] = ConsumerRow(sub.queue_name)
            for envelope in [e for e in emitted if e.type in sub.event_types and e.source == sub.source]:
                with botocore_hooks.counting() as log:
                    try:
                        failures = (handler(_sqs_event(envelope), _Context()) or {}).get("batchItemFailures")
                    except BatchProcessingError as exc:  # a batch whose every record failed raises
                        failures = [f"{type(exc).__name__}: {exc.__cause__ or exc}"[:300]]
                row.events += 1
                if failures:
                    row.failed.append(f"{envelope.type} {envelope.data}: {failures}")
                for op, n in log.calls.items():
                    if n > row.worst.get(op, 0):
                        row.worst[op], row.worst_event[op] = n, envelope.type
    stack.drain()  # the relay publishes the same events; the consumers find them already applied
    yield result


def _subscriptions() -> list[Subscription]:
    from fh.services import load_apps

    return [sub for app in load_apps().values() for sub in app.fh_subscriptions]


# What the scenario's events name, for consumers whose work grows with it (Subscription.per_item): the
# notification goes to the three staff of its department; the import file has two rows; the consortium
# has one cross-hospital group; the published roster names three nurses.
ITEMS = {
    "messaging-notification-fanout": 3,
    "messaging-directory-import": 2,
    "messaging-consortium-groups": 1,
    "messaging-roster-notices": 3,
    "scheduling-on-duty": 4,  # two shifts of one day, two nurses' lists
}


@pytest.mark.parametrize("sub", _subscriptions(), ids=lambda s: s.queue_name)
def test_consumer_is_within_its_budget(rows: dict[str, ConsumerRow], sub: Subscription) -> None:
    row = rows[sub.queue_name]
    budget = sub.allowed(ITEMS.get(sub.queue_name, 0))
    print(f"\n{row.queue}: {row.events} events, worst {row.worst}, budget {budget}")
    assert sub.budget, f"{sub.queue_name} declares no DynamoDB budget (Subscription(budget=...))"
    assert row.events, f"the scenario made no event {sub.queue_name} takes: extend _scenario"
    assert not row.failed, f"{sub.queue_name} failed on {row.failed}"
    assert not row.over(budget), f"{sub.queue_name} over budget (calls, budget, event): {row.over(budget)}"
