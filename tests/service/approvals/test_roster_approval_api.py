"""排班审批 on the event path (moto): scheduling's ``roster.submitted`` put on the province bus reaches
approvals' consumer, which starts the built-in roster approval as the head nurse; her approver decides
over HTTP, and ``approval.roster.decided`` leaves approvals' outbox for the bus. A submission that cannot
start is answered on the bus too; a redelivery starts nothing twice. The rules are on the fakes in
``tests/unit/approvals/test_roster_approval.py``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chalicelib.approvals.domain import roster

import shared.aws
from shared.events.envelope import EventEnvelope
from shared.events.published.scheduling import ROSTER_SUBMITTED, RosterSubmitted
from shared.events.relay import publish
from shared.settings import get_settings
from tests.service.approvals.conftest import Call, Hospital
from tests.service.approvals.test_approvals_api import act


@pytest.fixture(scope="module")
def decisions(hospital: Hospital, stack: Any) -> Iterator[Any]:
    """What the bus carries of this hospital's ``approval.roster.decided``: a rule and a queue of the
    test's own, as scheduling's consumer will have (``read()`` drains the event path, then the queue)."""
    bus = get_settings().event_bus_name
    events, sqs = shared.aws.client("events"), shared.aws.client("sqs")
    name = f"roster-decided-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {
        "source": ["fh.approvals"],
        "detail-type": ["approval.roster.decided"],
        "detail": {"tenant": [hospital.tenant]},
    }
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        stack.drain()
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for message in got:
                out.append(json.loads(message["Body"])["detail"]["data"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    yield read
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["q"])
    events.delete_rule(Name=name, EventBusName=bus)
    sqs.delete_queue(QueueUrl=url)


@pytest.fixture(scope="module")
def head_nurse(hospital: Hospital, clients: dict[str, Any], stack: Any) -> tuple[str, Call]:
    """王护士长, head nurse of the department (its head, 科主任 ``head``, approves her rosters)."""
    body = {"name": "王护士长", "employee_no": "HN1", "department_id": hospital.dept, "roles": ["head_nurse"]}
    made = Call(clients["messaging"], hospital.admin.token)("POST", "/staff", body)
    assert made.status_code == 201, made.body
    staff_id = made.json_body["id"]
    return staff_id, Call(clients["approvals"], stack.token(hospital.tenant, staff_id, ["head_nurse"]))


def submitted(h: Hospital, submitter: str, period_id: str, revision: int = 1) -> EventEnvelope:
    data = RosterSubmitted(
        period_id=period_id,
        revision=revision,
        ward_ids=[h.dept],
        title="康复医学科 2027年1月排班",
        submitter=submitter,
        start=date(2027, 1, 1),
        end=date(2027, 1, 31),
        summary="6名护士；白班/小夜/大夜；空班 0",
    )
    return ROSTER_SUBMITTED.envelope(h.tenant, data)


def on_the_bus(*envelopes: EventEnvelope) -> None:
    """As scheduling's relay puts them there."""
    publish(list(envelopes), shared.aws.client("events"), get_settings().event_bus_name)


def test_a_submitted_roster_is_approved_and_scheduling_hears_it(
    hospital: Hospital, head_nurse: tuple[str, Call], decisions: Any
) -> None:
    h, (hn, as_hn) = hospital, head_nurse
    period = f"p-{uuid.uuid4().hex[:8]}"
    envelope = submitted(h, hn, period)
    on_the_bus(envelope)
    assert decisions() == []  # started, not decided
    instance_id = roster.instance_id(period, 1)
    approval = as_hn("GET", f"/approvals/{instance_id}")
    assert approval.status_code == 200, approval.body
    got = approval.json_body
    assert (got["template_code"], got["title"], got["submitter"], got["submitter_name"], got["status"]) == (
        "roster",
        "康复医学科 2027年1月排班",
        hn,
        "王护士长",
        "pending",
    )
    assert got["form"]["period_id"] == period and got["form"]["wards"] == "康复医学科"
    assert got["pending_approvers"] == [h.staff["head"]]  # the department's head: 科主任
    pending = h.as_("head")("GET", "/inbox/pending?limit=200").json_body["items"]
    assert [i["title"] for i in pending if i["instance_id"] == instance_id] == ["康复医学科 2027年1月排班"]

    # delivered again (the same event), and submitted again (a new event, the same revision): no second one
    on_the_bus(envelope, submitted(h, hn, period))
    assert decisions() == []
    mine = as_hn("GET", "/inbox/submitted?limit=200").json_body["items"]
    assert [i["instance_id"] for i in mine if i["instance_id"] == instance_id] == [instance_id]

    done = act(h, "head", instance_id, comment="同意，注意春节前后夜班")
    assert done.status_code == 200 and done.json_body["status"] == "approved", done.body
    assert decisions() == [
        {
            "period_id": period,
            "revision": 1,
            "instance_id": instance_id,
            "outcome": "approved",
            "reason": "同意，注意春节前后夜班",
            "by": h.staff["head"],
        }
    ]


def test_the_head_nurse_withdrawing_is_heard_as_withdrawn(
    hospital: Hospital, head_nurse: tuple[str, Call], decisions: Any
) -> None:
    h, (hn, as_hn) = hospital, head_nurse
    period = f"p-{uuid.uuid4().hex[:8]}"
    on_the_bus(submitted(h, hn, period, revision=7))
    assert decisions() == []
    instance_id = roster.instance_id(period, 7)
    withdrawn = as_hn("POST", f"/approvals/{instance_id}/actions", {"action": "withdraw"})
    assert withdrawn.status_code == 200 and withdrawn.json_body["status"] == "withdrawn", withdrawn.body
    [heard] = decisions()
    assert (heard["period_id"], heard["revision"], heard["outcome"], heard["by"]) == (
        period,
        7,
        "withdrawn",
        hn,
    )


def test_a_submission_that_cannot_start_is_answered_failed_on_the_bus(
    hospital: Hospital, decisions: Any
) -> None:
    period = f"p-{uuid.uuid4().hex[:8]}"
    on_the_bus(submitted(hospital, "nobody-here", period))
    assert decisions() == [
        {
            "period_id": period,
            "revision": 1,
            "instance_id": "",
            "outcome": "failed",
            "reason": roster.SUBMITTER_GONE,
            "by": "",
        }
    ]
