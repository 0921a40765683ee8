"""Work notifications over HTTP and the event path, on moto: send → fan-out consumer → inbox, read/ack
with counts, pending lists, a refusal as problem+json, and on-duty recipients from the published roster.

The rules (recipient resolution and its errors, the recipient limit, idempotent read/ack, counts,
pending lists, who may see what, the resumable fan-out, approval notices) are tested on the fakes in
``tests/unit/messaging/test_notifications_service.py``; the DynamoDB store's behaviour in
``tests/service/test_messaging_store.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.onduty import OnDutyShift
from tests.service.test_directory_api import Api, make_department
from tests.service.test_directory_changes import add_staff


@pytest.fixture
def messaging(clients: dict[str, Any], admin: str) -> Api:
    return Api(clients["messaging"], admin)


def send(api: Api, **body: Any) -> Any:
    return api.call("POST", "/notifications", {"title": "交班提醒", "body": "请按时交班", **body})


def test_department_notification_reaches_everyone_and_counts_reads_and_acks(
    messaging: Api, clients: dict[str, Any], token: Any, tenant: str, stack: Any
) -> None:
    dept = make_department(messaging, "心内科")
    ward = make_department(messaging, "心内一病区", kind="ward", parent_id=dept["id"])
    other = make_department(messaging, "骨科")
    people = [add_staff(messaging, ward["id"], f"护士{i}", f"W{i}", user_id=f"nurse-{i}") for i in range(3)]
    people.append(add_staff(messaging, dept["id"], "主任", "D1", user_id="chief"))
    add_staff(messaging, other["id"], "外人", "O1", user_id="outsider")

    resp = send(
        messaging, to={"department_ids": [dept["id"]], "include_sub_departments": True}, ack_required=True
    )
    assert resp.status_code == 202, resp.body
    notification = resp.json_body
    assert notification["recipient_count"] == 4
    nid = notification["id"]
    stack.drain()
    assert messaging.call("GET", f"/notifications/{nid}").json_body["status"] == "delivered"

    nurse = Api(clients["messaging"], token(tenant, "nurse-0", ["nurse"]))
    inbox = nurse.call("GET", "/notifications/inbox").json_body["items"]
    assert (inbox[0]["notification_id"], inbox[0]["status"]) == (nid, "delivered")
    outsider = Api(clients["messaging"], token(tenant, "outsider", ["nurse"]))
    assert all(
        i["notification_id"] != nid for i in outsider.call("GET", "/notifications/inbox").json_body["items"]
    )
    assert outsider.call("POST", f"/notifications/{nid}/read").status_code == 404

    assert nurse.call("POST", f"/notifications/{nid}/read").json_body["status"] == "read"
    assert nurse.call("POST", f"/notifications/{nid}/read").json_body["status"] == "read"  # idempotent
    chief = Api(clients["messaging"], token(tenant, "chief", ["doctor"]))
    assert chief.call("POST", f"/notifications/{nid}/ack").json_body["status"] == "acknowledged"
    assert chief.call("POST", f"/notifications/{nid}/ack").status_code == 200

    counts = messaging.call("GET", f"/notifications/{nid}").json_body
    assert (counts["read_count"], counts["ack_count"], counts["delivered_count"]) == (2, 1, 4)
    unread = messaging.call("GET", f"/notifications/{nid}/recipients?pending=read").json_body["items"]
    assert sorted(r["staff_id"] for r in unread) == sorted(p["id"] for p in people[1:3])
    # by name, kept on each delivery by the fan-out (#21.4): the list needs no read per person
    assert sorted((r["staff_id"], r["name"]) for r in unread) == [(p["id"], p["name"]) for p in people[1:3]]
    unacked = messaging.call("GET", f"/notifications/{nid}/recipients?pending=ack").json_body["items"]
    assert len(unacked) == 3
    # A recipient reads it whole (which marks it read); counts and who has not read are the sender's
    # (and admins'): a recipient does not see them.
    mine = nurse.call("GET", f"/notifications/{nid}").json_body
    assert (mine["title"], mine["body"], mine["my_status"]) == ("交班提醒", "请按时交班", "read")
    assert mine["read_count"] is None and mine["recipient_count"] is None
    assert nurse.call("GET", f"/notifications/{nid}/recipients").status_code == 404
    unread_nurse = Api(clients["messaging"], token(tenant, "nurse-2", ["nurse"]))
    assert unread_nurse.call("GET", f"/notifications/{nid}").json_body["my_status"] == "read"
    assert messaging.call("GET", f"/notifications/{nid}").json_body["read_count"] == 3
    assert outsider.call("GET", f"/notifications/{nid}").status_code == 404


def test_a_refused_send_is_problem_json_naming_the_field(messaging: Api) -> None:
    dept = make_department(messaging)
    add_staff(messaging, dept["id"], "甲", "A1")
    unknown = send(messaging, to={"department_ids": ["nope"]})
    assert unknown.status_code == 422 and unknown.json_body["errors"][0]["field"] == "to.department_ids"
    assert unknown.headers["Content-Type"] == "application/problem+json"


def test_on_duty_recipients_come_from_the_published_roster(messaging: Api, tenant: str, stack: Any) -> None:
    ward = make_department(messaging, "ICU", kind="ward", parent_id=make_department(messaging)["id"])
    day, night = (add_staff(messaging, ward["id"], name, no) for name, no in (("白班", "S1"), ("夜班", "S2")))
    now = datetime.now(UTC)
    for code, staff, start in (("D", day, now - timedelta(hours=2)), ("N", night, now - timedelta(hours=14))):
        OnDutyShift(
            OnDutyShift.partition(tenant, ward["id"]),
            OnDutyShift.sort_key(start, code),
            entity="onduty",
            tenant=tenant,
            ward_id=ward["id"],
            shift_code=code,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            staff_ids=[staff["id"]],
        ).save()
    resp = send(messaging, to={"on_duty_ward_id": ward["id"]})
    assert resp.status_code == 202, resp.body
    nid = resp.json_body["id"]
    stack.drain()
    assert messaging.call("GET", f"/notifications/{nid}").json_body["status"] == "delivered"
    listed = messaging.call("GET", f"/notifications/{nid}/recipients").json_body["items"]
    assert [r["staff_id"] for r in listed] == [day["id"]]


def test_a_nurse_cannot_ding_the_hospital_and_a_sender_past_the_rate_gets_a_429(
    messaging: Api, clients: dict[str, Any], token: Any, tenant: str
) -> None:
    """The outside test's attack: a nurse's token, every role, 0-minute SMS and calls → refused."""
    dept = make_department(messaging, "心内科")
    add_staff(messaging, dept["id"], "护士甲", "P1", roles=["nurse"], user_id="nurse-a")
    add_staff(messaging, dept["id"], "护士乙", "P2", roles=["nurse"], user_id="nurse-b")
    nurse = Api(clients["messaging"], token(tenant, "nurse-a", ["nurse"]))
    everyone = {"roles": ["hospital_admin", "department_head", "head_nurse", "doctor", "nurse"]}
    attack = send(nurse, to=everyone, ding={"sms_after_minutes": 0, "call_after_minutes": 0})
    assert attack.status_code == 403 and attack.json_body["type"] == "urn:fh:problem:forbidden"
    soon = send(nurse, to={"department_ids": [dept["id"]]}, ding={"sms_after_minutes": 0})
    assert soon.status_code == 422 and soon.json_body["errors"][0]["field"] == "ding.sms_after_minutes"

    policy = messaging.call("GET", "/notification-policy").json_body
    assert policy["broadcast_roles"] == ["hospital_admin"] and policy["per_sender_per_hour"] == 30
    policy = {k: v for k, v in policy.items() if k not in ("updated_by", "updated_at")}
    changed = messaging.call("PUT", "/notification-policy", {**policy, "per_sender_per_hour": 1})
    assert changed.status_code == 200 and changed.json_body["updated_by"] == "admin-1"
    assert nurse.call("PUT", "/notification-policy", policy).status_code == 403
    assert send(nurse, to={"department_ids": [dept["id"]]}).status_code == 202
    limited = send(nurse, to={"department_ids": [dept["id"]]})
    assert limited.status_code == 429 and limited.json_body["type"] == "urn:fh:problem:rate-limited"
    assert 0 < int({k.lower(): v for k, v in limited.headers.items()}["retry-after"]) <= 3600
