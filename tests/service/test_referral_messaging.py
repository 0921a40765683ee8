"""Follow-up's referral events in messaging, on moto through the app: the referral group (转诊群) made
once across the two hospitals, joined by the receiving doctor, closed when the referral ends (a new
message is a 409 problem+json, the group still reads, and says it is closed); the notices reach the
staff named, as a DING (its timer) when urgent, once however often the event comes.

The rules in detail are tested on the fakes (``tests/unit/messaging/test_referral_groups_service.py``,
``test_referral_notices_service.py``)."""

from __future__ import annotations

from typing import Any

from shared.events.envelope import EventEnvelope
from shared.events.published.followup import (
    REFERRAL_ACCEPTED,
    REFERRAL_CANCELLED,
    REFERRAL_OVERDUE,
    REFERRAL_REQUESTED,
    ReferralEvent,
)
from tests.service.test_consortium_groups import Hospital, world  # noqa: F401  (the fixture)


def _event(
    kind: Any, town: Hospital, county: Hospital, cid: str, side: str, dept: str, **extra: Any
) -> EventEnvelope:
    data = ReferralEvent(
        referral_id="01REFERRALHTTP0000000000",
        direction="up",
        consortium_id=cid,
        from_hospital_id=town.id,
        to_hospital_id=county.id,
        side=side,
        state=kind.name.split(".")[1],
        urgency="routine",
        patient_label="张*",
        to_department_id=dept,
        title="转诊申请：张* → 转诊中心",
        **extra,
    )
    return kind.envelope(town.id if side == "from" else county.id, data)


def test_the_referral_group_is_made_once_joined_and_closed(
    world: tuple[Hospital, Hospital, Hospital, str],  # noqa: F811
    stack: Any,
) -> None:
    from chalicelib.messaging.consumers import REFERRAL_GROUPS
    from chalicelib.messaging.service import referral_groups

    from shared.events.consumer import handle_once

    county, town, _, cid = world
    zhou, wang, li = town.staff["zhou"], county.staff["wang"], county.staff["li"]
    dept = wang["department_id"]
    members = {town.id: [zhou["id"]], county.id: [wang["id"]]}
    made = _event(REFERRAL_REQUESTED, town, county, cid, "from", dept, group_members=members)
    assert handle_once(REFERRAL_GROUPS, made, referral_groups.sync)
    assert not handle_once(REFERRAL_GROUPS, made, referral_groups.sync)  # a retry: nothing twice
    again = _event(REFERRAL_REQUESTED, town, county, cid, "from", dept, group_members=members)
    assert handle_once(REFERRAL_GROUPS, again, referral_groups.sync)  # a duplicate event: one group
    other_side = _event(REFERRAL_REQUESTED, town, county, cid, "to", dept, group_members=members)
    assert handle_once(REFERRAL_GROUPS, other_side, referral_groups.sync)  # ignored
    listed = town.api["zhou"].call("GET", "/conversations").json_body["items"]
    groups = [c for c in listed if c["consortium_id"] == cid]
    assert len(groups) == 1 and groups[0]["closed"] is False
    gid = groups[0]["id"]
    assert groups[0]["name"] == f"转诊 · {town.id} → {county.id} · 转诊中心"  # hospitals named by id here
    seen = county.api["wang"].call("GET", f"/conversations/{gid}")
    assert seen.status_code == 200 and seen.json_body["home_hospital_id"] == town.id
    assert county.api["li"].call("GET", f"/conversations/{gid}").status_code == 404  # not yet in it

    joined = {town.id: [zhou["id"]], county.id: [wang["id"], li["id"]]}
    accepted = _event(REFERRAL_ACCEPTED, town, county, cid, "from", dept, group_members=joined)
    assert handle_once(REFERRAL_GROUPS, accepted, referral_groups.sync)
    view = county.api["li"].call("GET", f"/conversations/{gid}")
    assert view.status_code == 200 and f"{county.id}:{li['id']}" in view.json_body["member_ids"]
    sent = county.api["li"].call(
        "POST", f"/conversations/{gid}/messages", {"text": "已接收，明早9点到心内科"}
    )
    assert sent.status_code == 201, sent.body

    ended = _event(REFERRAL_CANCELLED, town, county, cid, "from", dept, group_members=joined)
    assert handle_once(REFERRAL_GROUPS, ended, referral_groups.sync)
    refused = town.api["zhou"].call("POST", f"/conversations/{gid}/messages", {"text": "还能发吗"})
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    chinese = town.api["zhou"].call(
        "POST", f"/conversations/{gid}/messages", {"text": "还能发吗"}, headers={"Accept-Language": "zh-CN"}
    )
    assert chinese.status_code == 409 and "该转诊群已关闭" in chinese.body.decode()
    still = county.api["li"].call("GET", f"/conversations/{gid}")
    assert still.status_code == 200 and still.json_body["closed"] is True
    history = county.api["li"].call("GET", f"/conversations/{gid}/messages")
    assert [m["text"] for m in history.json_body["items"]] == ["已接收，明早9点到心内科"]


def test_a_referral_notice_reaches_the_desk_as_a_ding_once(
    world: tuple[Hospital, Hospital, Hospital, str],  # noqa: F811
    stack: Any,
) -> None:
    from chalicelib.messaging.adapters.dynamodb import DingTimer
    from chalicelib.messaging.consumers import REFERRAL_NOTICES
    from chalicelib.messaging.service import referral_notices

    from shared.events.consumer import handle_once

    county, town, _, cid = world
    wang = county.staff["wang"]
    overdue = _event(
        REFERRAL_OVERDUE, town, county, cid, "to", wang["department_id"], notify=[wang["id"]], urgent=True
    )
    assert handle_once(REFERRAL_NOTICES, overdue, referral_notices.from_referral_event)
    assert not handle_once(REFERRAL_NOTICES, overdue, referral_notices.from_referral_event)
    stack.drain()
    inbox = county.api["wang"].call("GET", "/notifications/inbox").json_body["items"]
    [notice] = [i for i in inbox if i["sender_name"] == "转诊"]
    assert notice["title"] == "转诊申请：张* → 转诊中心" and notice["ack_required"]
    assert DingTimer.count(DingTimer.partition(county.id), DingTimer.sk == notice["notification_id"]) == 1
    others = county.api["li"].call("GET", "/notifications/inbox").json_body["items"]
    assert [i for i in others if i["sender_name"] == "转诊"] == []  # only the staff the event names
