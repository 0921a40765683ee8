"""A referral's group (转诊群) from follow-up's referral events, on messaging's fakes: made once under the
referring hospital with the receiving one's people as guests, joined on acceptance, closed when the
referral ends (readable, no new message), never made across hospitals no longer in one consortium."""

from __future__ import annotations

from typing import Any

import pytest
from chalicelib.messaging.contracts.conversations import PostMessage
from chalicelib.messaging.service import conversations, referral_groups

from shared.auth import Principal
from shared.errors import Conflict
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import (
    REFERRAL_ACCEPTED,
    REFERRAL_COMPLETED,
    REFERRAL_REQUESTED,
    ReferralEvent,
)
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import ConversationTables, FakeConversationStore, FakePush

TOWN, COUNTY, CID = "t-town", "t-county", "c1"
GID = referral_groups.group_id("r1")


@pytest.fixture
def tables() -> ConversationTables:
    t = ConversationTables()
    t.add_staff(TOWN, "s-gp", name="郑医生")
    t.add_staff(COUNTY, "s-desk", name="赵转诊")
    t.add_staff(COUNTY, "s-card", name="李医生")
    t.join(COUNTY, CID, lead=COUNTY)
    t.join(TOWN, CID, lead=COUNTY)
    t.directory_hospitals.update({TOWN: "城关镇卫生院", COUNTY: "县人民医院"})
    t.departments[(COUNTY, "d-card")] = "心内科"
    return t


def event(kind: Any, members: dict[str, list[str]], side: str = "from") -> EventEnvelope:
    data = ReferralEvent(
        referral_id="r1",
        direction="up",
        consortium_id=CID,
        from_hospital_id=TOWN,
        to_hospital_id=COUNTY,
        side=side,
        state=kind.name.split(".")[1],
        urgency="routine",
        patient_label="张*",
        to_department_id="d-card",
        group_members=members,
    )
    return kind.envelope(TOWN if side == "from" else COUNTY, data)


def consume(tables: ConversationTables, envelope: EventEnvelope) -> None:
    store = FakeConversationStore(envelope.tenant, tables)
    with store:
        referral_groups.sync(envelope, UnitOfWork("messaging"), store=store)
        store.commit()


def who(tenant: str, staff_id: str) -> Principal:
    return Principal(tenant=tenant, user=staff_id, roles=frozenset({"doctor"}), staff_id=staff_id)


REQUESTED = {TOWN: ["s-gp"], COUNTY: ["s-desk"]}


def test_a_referral_makes_one_group_at_the_referring_hospital(tables: ConversationTables) -> None:
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))  # a duplicate event: still one group
    [(home, gid)] = list(tables.conversations)
    group = tables.conversations[(home, gid)]
    assert (home, gid, group.name) == (TOWN, GID, "转诊 · 城关镇卫生院 → 县人民医院 · 心内科")
    assert "张" not in (group.name or "")
    assert group.member_ids == {"s-gp", f"{COUNTY}:s-desk"}
    assert {(h, s) for h, s, c in tables.pointers if c == GID} == {(TOWN, "s-gp"), (COUNTY, "s-desk")}
    assert tables.registry == {(COUNTY, CID, TOWN, GID)}  # a hospital leaving the consortium leaves it
    seen = conversations.get(who(COUNTY, "s-desk"), GID, store=FakeConversationStore(COUNTY, tables))
    assert seen.closed is False and seen.home_hospital_id == TOWN


def test_the_receiving_sides_copy_is_ignored(tables: ConversationTables) -> None:
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED, side="to"))
    assert tables.conversations == {}


def test_acceptance_adds_the_receiving_doctor(tables: ConversationTables) -> None:
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))
    accepted = {TOWN: ["s-gp"], COUNTY: ["s-desk", "s-card"]}
    consume(tables, event(REFERRAL_ACCEPTED, accepted))
    consume(tables, event(REFERRAL_ACCEPTED, accepted))  # again: nothing more
    group = tables.conversations[(TOWN, GID)]
    assert group.member_ids == {"s-gp", f"{COUNTY}:s-desk", f"{COUNTY}:s-card"}
    assert group.member_names[f"{COUNTY}:s-card"] == "李医生"
    assert (COUNTY, "s-card", GID) in tables.pointers
    seen = conversations.get(who(COUNTY, "s-card"), GID, store=FakeConversationStore(COUNTY, tables))
    assert seen.id == GID


def test_a_finished_referral_closes_its_group_readable_but_silent(tables: ConversationTables) -> None:
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))
    conversations.post(
        who(TOWN, "s-gp"),
        GID,
        PostMessage(text="患者已出发"),
        "r",
        store=FakeConversationStore(TOWN, tables),
        push=FakePush(),
    )
    consume(tables, event(REFERRAL_COMPLETED, REQUESTED))
    desk = who(COUNTY, "s-desk")
    assert conversations.get(desk, GID, store=FakeConversationStore(COUNTY, tables)).closed
    page = conversations.history(desk, GID, 50, None, store=FakeConversationStore(COUNTY, tables))
    assert [m.text for m in page.items] == ["患者已出发"]
    with pytest.raises(Conflict, match="referral group is closed"):
        conversations.post(
            desk,
            GID,
            PostMessage(text="收到"),
            "r",
            store=FakeConversationStore(COUNTY, tables),
            push=FakePush(),
        )
    consume(tables, event(REFERRAL_ACCEPTED, {COUNTY: ["s-card"]}))  # a late acceptance joins nobody
    assert f"{COUNTY}:s-card" not in tables.conversations[(TOWN, GID)].member_ids


def test_no_group_across_hospitals_no_longer_in_the_consortium(
    tables: ConversationTables, caplog: pytest.LogCaptureFixture
) -> None:
    tables.join(TOWN, CID, lead=COUNTY, status="left")
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))
    assert tables.conversations == {} and tables.pointers == {}
    assert any("no longer share the consortium" in r.getMessage() for r in caplog.records)


def test_an_end_delivered_before_its_start_leaves_no_open_group(tables: ConversationTables) -> None:
    """Events may arrive out of order: a referral completed before its request is seen makes no group."""
    consume(tables, event(REFERRAL_COMPLETED, REQUESTED))
    consume(tables, event(REFERRAL_REQUESTED, REQUESTED))
    group = tables.conversations[(TOWN, GID)]
    assert group.closed and group.member_ids == frozenset()
    assert [p for p in tables.pointers if p[2] == GID] == []
