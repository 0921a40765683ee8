"""Conversations' use cases on the in-memory fakes (no AWS): starting 1:1s and groups (cross-hospital
ones too) and their refusals, who may reach a conversation, messages with attachments, the feed and
pushes, history, recall, read marks and receipts, sync and its settling window, presigned attachments.

``tests/service/test_conversations.py`` and ``test_consortium_groups.py`` keep the HTTP surface on moto;
``tests/service/test_messaging_store.py`` checks the fakes against the DynamoDB store."""

from __future__ import annotations

import time
from datetime import timedelta
from itertools import count
from types import SimpleNamespace
from typing import Any

import pytest
from chalicelib.messaging.contracts.conversations import (
    AttachmentRequest,
    Message,
    PostMessage,
    StartConversation,
)
from chalicelib.messaging.contracts.events import CONSORTIUM_LEFT, ConsortiumChanged
from chalicelib.messaging.domain.consortia import CONSORTIUM_GROUP_MAX_MEMBERS
from chalicelib.messaging.domain.records import MessageRecord
from chalicelib.messaging.service import conversations

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import ConversationTables, FakeConversationStore, FakeFiles, FakePush

T = "t-conv"
TOWN = "t-town"
OUTSIDE = "t-outside"
CID = "c-county"


@pytest.fixture
def tables() -> ConversationTables:
    """Three nurses (and one who left) here; a town clinic in our consortium, and a hospital outside it."""
    t = ConversationTables()
    for staff_id in ("s-wang", "s-li", "s-zhao"):
        t.add_staff(T, staff_id)
    t.add_staff(T, "s-gone", status="left")
    t.add_staff(TOWN, "s-zhou")
    t.add_staff(OUTSIDE, "s-chen")
    t.join(T, CID, lead=T)
    t.join(TOWN, CID, lead=T)
    return t


def who(user: str, tenant: str = T) -> Principal:
    """A nurse's principal as the HTTP layer hands it over: the directory binds sign-in ``x`` to ``s-x``
    (``shared.standing`` sets the staff id); a sign-in it does not know has none."""
    known = {"wang", "li", "zhao", "gone", "zhou", "chen", "qian"}
    return Principal(
        tenant=tenant, user=user, roles=frozenset({"nurse"}), staff_id=f"s-{user}" if user in known else None
    )


WANG, LI, ZHAO, ZHOU, CHEN = who("wang"), who("li"), who("zhao"), who("zhou", TOWN), who("chen", OUTSIDE)


def store(tables: ConversationTables, principal: Principal = WANG) -> FakeConversationStore:
    return FakeConversationStore(principal.tenant, tables)


def start(tables: ConversationTables, principal: Principal = WANG, **body: Any) -> Any:
    cmd = StartConversation.model_validate(body)
    return conversations.start(principal, cmd, "req-1", store=store(tables, principal))


def group(tables: ConversationTables, *members: str, name: str = "夜班群") -> str:
    return str(start(tables, kind="group", name=name, member_ids=list(members or ("s-li", "s-zhao"))).id)


def referral(tables: ConversationTables, principal: Principal = WANG, **extra: Any) -> Any:
    """A cross-hospital group started by a county nurse with li and, from the town clinic, zhou."""
    body = {
        "kind": "group",
        "name": "转诊群",
        "member_ids": ["s-li"],
        "consortium_id": CID,
        "guests": [{"hospital_id": TOWN, "staff_id": "s-zhou"}],
        **extra,
    }
    return start(tables, principal, **body)


def post(
    tables: ConversationTables, cid: str, text: str, principal: Principal = WANG, push: FakePush | None = None
) -> Message:
    return conversations.post(
        principal,
        cid,
        PostMessage(text=text),
        "req-1",
        store=store(tables, principal),
        push=push or FakePush(),
    )


def history(tables: ConversationTables, cid: str, principal: Principal = WANG) -> list[str | None]:
    page = conversations.history(principal, cid, 50, None, store=store(tables, principal))
    return [m.text for m in page.items]


@pytest.fixture(autouse=True)
def ordered_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids made within one millisecond come out in the order they were made (as they do over HTTP,
    where requests are milliseconds apart): a message's place in its history is its id."""
    made = count()
    monkeypatch.setattr(conversations, "new_id", lambda: f"{int(time.time() * 1000):012x}{next(made):010x}")


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sync's clock reads past its settling window, so what was just written is visible."""
    ahead = conversations.SETTLE_MS / 1000 + 0.001
    monkeypatch.setattr(conversations, "time", SimpleNamespace(time=lambda: time.time() + ahead))


# --- starting conversations -----------------------------------------------------------------------


def test_a_direct_conversation_is_one_however_often_it_is_started(tables: ConversationTables) -> None:
    first = start(tables, kind="direct", member_ids=["s-li"])
    assert (first.id, first.kind, first.member_ids) == ("d-s-li-s-wang", "direct", ["s-li", "s-wang"])
    assert (first.consortium_id, first.home_hospital_id) == (None, None)
    again = start(tables, LI, kind="direct", member_ids=["s-wang"])
    assert again == first
    assert tables.audits == [
        ("conversation.start", "conversation", "d-s-li-s-wang", {"members": ["s-li", "s-wang"]})
    ]


def test_a_direct_conversation_started_twice_at_once_is_a_conflict(
    tables: ConversationTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(tables, kind="direct", member_ids=["s-li"])
    from tests.unit.messaging import fakes

    monkeypatch.setattr(fakes.FakeConversations, "get", lambda *_: None)  # the other start not yet seen
    with pytest.raises(Conflict, match="this conversation already exists"):
        start(tables, LI, kind="direct", member_ids=["s-wang"])
    assert len(tables.audits) == 1


def test_a_group_gets_a_new_id_and_its_name(tables: ConversationTables) -> None:
    made = start(tables, kind="group", name="夜班群", member_ids=["s-zhao", "s-li"])
    assert (made.kind, made.name, made.member_ids) == ("group", "夜班群", ["s-li", "s-wang", "s-zhao"])
    assert made.id != group(tables)
    assert tables.conversations[(T, made.id)].hospital_id == T


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "direct", "member_ids": ["s-li", "s-zhao"]}, "member_ids", "exactly one other member"),
        ({"kind": "group", "member_ids": ["s-li"]}, "name", "needs a name"),
        (
            {"kind": "group", "name": "x", "member_ids": ["s-li", "s-gone"]},
            "member_ids",
            "not active staff: s-gone",
        ),
        ({"kind": "direct", "member_ids": ["nobody"]}, "member_ids", "not active staff: nobody"),
        (
            {"kind": "direct", "member_ids": ["s-zhou"]},
            "member_ids",
            "not active staff: s-zhou",
        ),  # another hospital's
    ],
)
def test_refusals_write_nothing(
    tables: ConversationTables, body: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        start(tables, **body)
    assert refused.value.field == field and words in str(refused.value)
    assert tables.conversations == {} and tables.audits == []


def test_the_caller_is_the_staff_record_their_sign_in_is_bound_to(tables: ConversationTables) -> None:
    bound = Principal(tenant=T, user="no-such-user", roles=frozenset({"nurse"}), staff_id="s-zhao")
    made = start(tables, bound, kind="direct", member_ids=["s-li"])
    assert made.member_ids == ["s-li", "s-zhao"]
    with pytest.raises(NotFound, match="staff record"):
        start(tables, who("stranger"), kind="direct", member_ids=["s-li"])


# --- cross-hospital groups ------------------------------------------------------------------------


def test_a_referral_group_lives_at_home_with_a_pointer_for_everyone(tables: ConversationTables) -> None:
    made = referral(tables)
    assert (made.consortium_id, made.home_hospital_id) == (CID, T)
    assert made.member_ids == ["s-li", "s-wang", f"{TOWN}:s-zhou"]
    pointers = {(h, s): p for (h, s, c), p in tables.pointers.items() if c == made.id}
    assert set(pointers) == {(T, "s-li"), (T, "s-wang"), (TOWN, "s-zhou")}
    town = pointers[(TOWN, "s-zhou")]
    assert (town.home_hospital_id, town.consortium_id, town.name) == (T, CID, "转诊群")
    assert tables.audits == [
        (
            "conversation.start",
            "conversation",
            made.id,
            {"members": ["s-li", "s-wang", f"{TOWN}:s-zhou"], "consortium_id": CID},
        )
    ]


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"kind": "direct"}, "consortium_id", "named group with a consortium_id"),
        ({"name": None}, "consortium_id", "named group with a consortium_id"),
        ({"consortium_id": None}, "consortium_id", "named group with a consortium_id"),  # guests alone
        ({"consortium_id": "c-other"}, "consortium_id", "has not joined this consortium"),
        (
            {"guests": [{"hospital_id": OUTSIDE, "staff_id": "s-chen"}]},
            "guests",
            f"not active members of this consortium: {OUTSIDE}",
        ),
        ({"guests": [{"hospital_id": TOWN, "staff_id": "nobody"}]}, "guests", "not active staff: nobody"),
        ({"member_ids": ["s-gone"]}, "member_ids", "not active staff: s-gone"),
    ],
)
def test_cross_hospital_refusals_write_nothing(
    tables: ConversationTables, extra: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        referral(tables, **extra)
    assert refused.value.field == field and words in str(refused.value)
    assert tables.conversations == {} and tables.pointers == {} and tables.audits == []


def test_only_an_active_member_hospital_starts_one(tables: ConversationTables) -> None:
    tables.join(OUTSIDE, CID, lead=T, status="invited")
    guest = [{"hospital_id": TOWN, "staff_id": "s-zhou"}]
    with pytest.raises(RuleViolation, match="has not joined") as invited:
        start(tables, CHEN, kind="group", name="x", member_ids=["s-chen"], consortium_id=CID, guests=guest)
    assert invited.value.field == "consortium_id"
    tables.links[(OUTSIDE, CID)] = (T, "active")  # its own link says active, the lead's roster does not
    with pytest.raises(RuleViolation, match="your hospital is not an active member") as not_listed:
        start(tables, CHEN, kind="group", name="x", member_ids=["s-chen"], consortium_id=CID, guests=guest)
    assert not_listed.value.field == "consortium_id"


def test_a_cross_hospital_group_has_at_most_its_members(tables: ConversationTables) -> None:
    many = [f"s-{n:02d}" for n in range(CONSORTIUM_GROUP_MAX_MEMBERS - 1)]
    for staff_id in many:
        tables.add_staff(T, staff_id)
    with pytest.raises(RuleViolation, match=f"at most {CONSORTIUM_GROUP_MAX_MEMBERS} members") as too_many:
        referral(tables, member_ids=many)  # with me and the guest: one too many
    assert too_many.value.field == "guests"
    assert referral(tables, member_ids=many[1:]).member_ids[-1] == f"{TOWN}:s-zhou"


def test_a_guest_reaches_the_group_through_both_hospitals_links(tables: ConversationTables) -> None:
    gid = referral(tables).id
    sent = post(tables, gid, "患者已转出，请接收", ZHOU)
    assert sent.sender_id == f"{TOWN}:s-zhou"
    assert history(tables, gid, LI) == ["患者已转出，请接收"]
    assert history(tables, gid, ZHOU) == ["患者已转出，请接收"]
    with pytest.raises(NotFound):
        history(tables, gid, CHEN)  # a hospital outside: nothing
    tables.add_staff(TOWN, "s-qian")
    with pytest.raises(NotFound):
        history(tables, gid, who("qian", TOWN))  # a colleague of the guest without a pointer


@pytest.mark.parametrize("leaving", [TOWN, T])
def test_a_group_closes_to_a_hospital_when_either_link_ends(tables: ConversationTables, leaving: str) -> None:
    gid = referral(tables).id
    tables.join(leaving, CID, lead=T, status="left")
    with pytest.raises(NotFound):
        history(tables, gid, ZHOU)
    with pytest.raises(NotFound):
        post(tables, gid, "还在吗", ZHOU)
    assert history(tables, gid, LI) == []  # at home it is still the home hospital's own conversation


@pytest.mark.parametrize("status", ["left", "removed"])
def test_nothing_more_crosses_to_a_hospital_that_left_or_was_removed(
    tables: ConversationTables, status: str
) -> None:
    """The outside test: the departed hospital kept receiving the others' messages in full in /sync."""
    gid = referral(tables).id
    post(tables, gid, "转诊前请会诊")
    delivered = len(tables.feeds[(TOWN, "s-zhou")])
    tables.join(TOWN, CID, lead=T, status=status)
    push = FakePush()
    post(tables, gid, "这条不应再到乡镇卫生院", push=push)
    assert len(tables.feeds[(TOWN, "s-zhou")]) == delivered  # nothing new in the departed hospital's sync
    assert tables.feeds[(T, "s-li")][-1].text == "这条不应再到乡镇卫生院"  # home members still get it
    assert all(hospital != TOWN for hospital, *_ in push.sent)


@pytest.mark.parametrize("status", ["left", "removed"])
def test_a_group_whose_own_hospital_left_is_closed_to_posting(
    tables: ConversationTables, status: str
) -> None:
    """The outside test: a removed hospital's doctor kept posting to a group they started, across."""
    gid = referral(tables).id
    tables.join(T, CID, lead=T, status=status)
    before = {person: len(feed) for person, feed in tables.feeds.items()}
    with pytest.raises(Conflict, match="closed"):
        post(tables, gid, "我们还能发吗", WANG)
    assert {person: len(feed) for person, feed in tables.feeds.items()} == before
    assert history(tables, gid, LI) == []  # its history stays readable at home


def test_a_pointer_of_someone_no_longer_a_member_reaches_nothing(tables: ConversationTables) -> None:
    gid = referral(tables).id
    kept = tables.conversations[(T, gid)]
    kept.member_ids = kept.member_ids - {f"{TOWN}:s-zhou"}
    with pytest.raises(NotFound):
        history(tables, gid, ZHOU)


# --- messages, the feed and pushes ----------------------------------------------------------------


def test_only_members_see_or_write_and_every_route_says_not_found(tables: ConversationTables) -> None:
    cid = start(tables, kind="direct", member_ids=["s-li"]).id
    mid = post(tables, cid, "今晚换班吗？").id
    s = store(tables, ZHAO)
    for attempt in (
        lambda: conversations.history(ZHAO, cid, 10, None, store=s),
        lambda: conversations.post(ZHAO, cid, PostMessage(text="x"), "r", store=s, push=FakePush()),
        lambda: conversations.recall(ZHAO, cid, mid, store=s),
        lambda: conversations.mark_read(ZHAO, cid, mid, store=s),
        lambda: conversations.receipts(ZHAO, cid, mid, store=s),
        lambda: conversations.request_upload(ZHAO, cid, upload(), store=s, files=FakeFiles()),
        lambda: conversations.download(ZHAO, cid, "a1", store=s, files=FakeFiles()),
        lambda: conversations.history(ZHAO, "never-made", 10, None, store=s),
    ):
        with pytest.raises(NotFound, match="conversation"):
            attempt()
    assert history(tables, cid, LI) == ["今晚换班吗？"]


def test_a_message_goes_to_every_members_feed_and_pushes_the_others(tables: ConversationTables) -> None:
    gid = referral(tables).id
    push = FakePush()
    sent = post(tables, gid, "收到", WANG, push)
    assert (sent.conversation_id, sent.sender_id, sent.text, sent.recalled) == (gid, "s-wang", "收到", False)
    for person in ((T, "s-wang"), (T, "s-li"), (TOWN, "s-zhou")):
        (entry,) = tables.feeds[person]
        assert (entry.kind, entry.id, entry.conversation_id, entry.sender, entry.text) == (
            "message",
            sent.id,
            gid,
            "s-wang",
            "收到",
        )
    # one push per hospital, to everyone but the sender, titled with the group's name
    assert sorted(push.sent) == [
        (T, ("s-li",), "转诊群", "message"),
        (TOWN, ("s-zhou",), "转诊群", "message"),
    ]
    direct = start(tables, kind="direct", member_ids=["s-li"]).id
    post(tables, direct, "在吗", LI, push)
    assert push.sent[-1] == (T, ("s-wang",), "新消息", "message")


def test_attachments_must_belong_to_the_conversation(tables: ConversationTables) -> None:
    cid = start(tables, kind="direct", member_ids=["s-li"]).id
    other = group(tables)
    files = FakeFiles()
    mine = conversations.request_upload(WANG, cid, upload(), store=store(tables), files=files).attachment_id
    theirs = conversations.request_upload(
        WANG, other, upload(), store=store(tables), files=files
    ).attachment_id
    s = store(tables)
    sent = conversations.post(
        WANG, cid, PostMessage(text="见附件", attachments=[mine]), "r", store=s, push=FakePush()
    )
    assert sent.attachments == [mine]
    before = list(tables.writes)
    for bogus in ("nope", theirs):
        with pytest.raises(RuleViolation, match=f"no attachment {bogus} in this conversation") as refused:
            conversations.post(
                WANG, cid, PostMessage(text="x", attachments=[mine, bogus]), "r", store=s, push=FakePush()
            )
        assert refused.value.field == "attachments"
    assert tables.writes == before  # no message, no feed entries


def test_history_is_newest_first_in_pages_of_its_own(tables: ConversationTables) -> None:
    cid = group(tables)
    for n in range(5):
        post(tables, cid, f"第{n}条")
    s = store(tables, LI)
    first = conversations.history(LI, cid, 2, None, store=s)
    assert [m.text for m in first.items] == ["第4条", "第3条"] and first.next_cursor
    rest = conversations.history(LI, cid, 10, first.next_cursor, store=s)
    assert [m.text for m in rest.items] == ["第2条", "第1条", "第0条"] and rest.next_cursor is None
    other = group(tables)
    with pytest.raises(RuleViolation):
        conversations.history(LI, other, 2, first.next_cursor, store=s)  # a cursor of another conversation


# --- recall ---------------------------------------------------------------------------------------


def test_the_sender_recalls_within_two_minutes_and_every_feed_hears_of_it(tables: ConversationTables) -> None:
    cid = group(tables)
    keep, oops = post(tables, cid, "第一条"), post(tables, cid, "发错了")
    with pytest.raises(Forbidden, match="only the sender"):
        conversations.recall(LI, cid, oops.id, store=store(tables, LI))
    with pytest.raises(NotFound, match="message"):
        conversations.recall(WANG, cid, "nope", store=store(tables))
    recalled = conversations.recall(WANG, cid, oops.id, store=store(tables))
    assert (recalled.id, recalled.recalled, recalled.text) == (oops.id, True, None)
    assert history(tables, cid, LI) == [None, "第一条"]
    kinds = [(e.kind, e.id, e.text) for e in tables.feeds[(T, "s-zhao")]]
    assert kinds == [  # the text is gone from the entry that delivered it too (a sync from the start)
        ("message", keep.id, "第一条"),
        ("message", oops.id, None),
        ("recall", oops.id, None),
    ]
    assert all(e.text != "发错了" for feed in tables.feeds.values() for e in feed)
    writes = list(tables.writes)
    assert conversations.recall(WANG, cid, oops.id, store=store(tables)) == recalled  # again: as it is
    assert tables.writes == writes


def test_too_late_to_recall(tables: ConversationTables) -> None:
    cid = group(tables)
    old = MessageRecord("m-old", cid, "s-wang", "昨天的", now_utc() - timedelta(minutes=2, seconds=1))
    tables.messages[(T, cid, old.id)] = old
    with pytest.raises(Conflict, match="only within 2 minutes"):
        conversations.recall(WANG, cid, old.id, store=store(tables))
    assert tables.messages[(T, cid, old.id)].text == "昨天的"


# --- read marks and receipts ----------------------------------------------------------------------


def test_read_marks_only_move_forward_and_name_a_message(tables: ConversationTables) -> None:
    cid = group(tables)
    first, second = post(tables, cid, "第一条"), post(tables, cid, "第二条")
    s = store(tables, LI)
    conversations.mark_read(LI, cid, second.id, store=s)
    conversations.mark_read(LI, cid, first.id, store=s)  # late: stays at the second
    with pytest.raises(RuleViolation, match="no such message") as made_up:
        conversations.mark_read(LI, cid, "zzzzzzzzzzzz", store=s)  # would mark everything read
    assert made_up.value.field == "message_id"
    assert tables.marks == {(T, cid, "s-li"): second.id}

    def read(message_id: str) -> dict[str, bool]:
        return {
            r.staff_id: r.read for r in conversations.receipts(WANG, cid, message_id, store=store(tables))
        }

    assert read(first.id) == {"s-li": True, "s-wang": False, "s-zhao": False}
    assert read(second.id) == {"s-li": True, "s-wang": False, "s-zhao": False}
    conversations.mark_read(ZHAO, cid, first.id, store=store(tables, ZHAO))
    assert read(second.id)["s-zhao"] is False and read(first.id)["s-zhao"] is True


def test_a_guest_reads_under_their_member_name(tables: ConversationTables) -> None:
    gid = referral(tables).id
    reply = post(tables, gid, "收到")
    conversations.mark_read(ZHOU, gid, reply.id, store=store(tables, ZHOU))
    receipts = conversations.receipts(WANG, gid, reply.id, store=store(tables))
    assert {r.staff_id: r.read for r in receipts} == {"s-li": False, "s-wang": False, f"{TOWN}:s-zhou": True}


# --- sync -----------------------------------------------------------------------------------------


def test_sync_leaves_the_newest_two_seconds_for_later(tables: ConversationTables) -> None:
    cid = group(tables)
    post(tables, cid, "刚发的")
    page = conversations.sync(LI, None, 100, store=store(tables, LI))
    assert (page.items, page.next_cursor) == ([], "")


def test_sync_hands_out_messages_recalls_and_notifications_oldest_first(
    tables: ConversationTables, settled: None
) -> None:
    cid = group(tables)
    first, oops = post(tables, cid, "第一条"), post(tables, cid, "发错了")
    conversations.recall(WANG, cid, oops.id, store=store(tables))
    tables.deliver(T, "s-li", "n1", "交班提醒", "head")
    s = store(tables, LI)
    page = conversations.sync(LI, None, 100, store=s)
    assert [(i.kind, i.id, i.text, i.title, i.sender) for i in page.items] == [
        ("message", first.id, "第一条", None, "s-wang"),
        ("message", oops.id, None, None, "s-wang"),  # recalled: its text is gone here too
        ("recall", oops.id, None, None, "s-wang"),
        ("notification", "n1", None, "交班提醒", "head"),
    ]
    assert page.items[0].conversation_id == cid and page.items[3].conversation_id is None
    assert page.next_cursor == tables.feeds[(T, "s-li")][-1].position
    assert conversations.sync(LI, page.next_cursor, 100, store=s).model_dump() == {
        "items": [],
        "next_cursor": page.next_cursor,
    }
    later = post(tables, cid, "新的")
    assert [i.id for i in conversations.sync(LI, page.next_cursor, 100, store=s).items] == [later.id]


def test_sync_pages_by_its_limit_and_never_shows_another_persons_feed(
    tables: ConversationTables, settled: None
) -> None:
    cid = start(tables, kind="direct", member_ids=["s-li"]).id
    sent = [post(tables, cid, f"第{n}条").id for n in range(3)]
    s = store(tables, LI)
    first = conversations.sync(LI, None, 2, store=s)
    rest = conversations.sync(LI, first.next_cursor, 2, store=s)
    assert [i.id for i in first.items + rest.items] == sent
    assert conversations.sync(ZHAO, None, 10, store=store(tables, ZHAO)).items == []
    assert conversations.sync(ZHOU, None, 10, store=store(tables, ZHOU)).items == []


def test_a_cursor_at_or_past_the_settled_mark_reads_nothing(tables: ConversationTables) -> None:
    ahead = f"{int(time.time() * 1000) + 60_000:012x}"
    page = conversations.sync(LI, ahead, 10, store=store(tables, LI))
    assert (page.items, page.next_cursor) == ([], ahead)


# --- attachments ----------------------------------------------------------------------------------


def upload(filename: str = "交班.txt", size: int = 24) -> AttachmentRequest:
    return AttachmentRequest(filename=filename, content_type="text/plain", size=size)


def test_an_upload_is_presigned_for_its_type_and_size_under_the_hospital_first(
    tables: ConversationTables,
) -> None:
    cid = start(tables, kind="direct", member_ids=["s-li"]).id
    files = FakeFiles()
    ticket = conversations.request_upload(WANG, cid, upload(), store=store(tables), files=files)
    key = f"{T}/{cid}/{ticket.attachment_id}"
    assert files.made == [("PUT", key, "text/plain", "24", "900")]
    assert (ticket.upload_url.split("?")[0], ticket.expires_in) == (f"https://files.test/{key}", 900)
    stored = tables.attachments[(T, cid, ticket.attachment_id)]
    assert (stored.filename, stored.content_type, stored.size, stored.uploader) == (
        "交班.txt",
        "text/plain",
        24,
        "s-wang",
    )

    link = conversations.download(LI, cid, ticket.attachment_id, store=store(tables, LI), files=files)
    assert (link.attachment_id, link.filename, link.expires_in) == (ticket.attachment_id, "交班.txt", 300)
    assert files.made[-1] == ("GET", key, "交班.txt", "300")
    with pytest.raises(NotFound, match="attachment"):
        conversations.download(LI, cid, "nope", store=store(tables, LI), files=files)


def test_a_file_name_is_stored_safe(tables: ConversationTables) -> None:
    cid = group(tables)
    files = FakeFiles()
    odd = upload("../../etc/\u0000pass\u202ewd.txt")
    ticket = conversations.request_upload(WANG, cid, odd, store=store(tables), files=files)
    link = conversations.download(WANG, cid, ticket.attachment_id, store=store(tables), files=files)
    assert link.filename == "passwd.txt"


def test_a_cross_hospital_groups_files_live_under_its_home(tables: ConversationTables) -> None:
    gid = referral(tables).id
    files = FakeFiles()
    ticket = conversations.request_upload(ZHOU, gid, upload(), store=store(tables, ZHOU), files=files)
    assert files.made[0][1] == f"{T}/{gid}/{ticket.attachment_id}"
    assert tables.attachments[(T, gid, ticket.attachment_id)].uploader == f"{TOWN}:s-zhou"
    link = conversations.download(LI, gid, ticket.attachment_id, store=store(tables, LI), files=files)
    assert link.filename == "交班.txt"


def test_a_member_hospitals_staff_start_one_too_and_it_lives_with_them(tables: ConversationTables) -> None:
    made = start(
        tables,
        ZHOU,
        kind="group",
        name="镇转县群",
        member_ids=["s-zhou"],
        consortium_id=CID,
        guests=[{"hospital_id": T, "staff_id": "s-li"}],
    )
    assert (made.home_hospital_id, made.member_ids) == (TOWN, ["s-zhou", f"{T}:s-li"])
    assert (TOWN, made.id) in tables.conversations and (T, made.id) not in tables.conversations
    assert history(tables, made.id, LI) == []
    with pytest.raises(NotFound):
        history(tables, made.id, WANG)  # a colleague of the guest, not in the group


@pytest.mark.parametrize("leaving", [TOWN, T])
def test_leaving_a_consortium_ends_memberships_and_pointers_on_both_sides(
    tables: ConversationTables, leaving: str
) -> None:
    """consortium.left: the departed hospital's staff leave the others' groups and the others' staff
    leave the departed hospital's groups; pointers go with them; a redelivery changes nothing."""
    gid = referral(tables).id  # homed at T (wang, li), with zhou of TOWN
    tables.join(leaving, CID, lead=T, status="left")
    envelope = CONSORTIUM_LEFT.envelope(
        T, ConsortiumChanged(consortium_id=CID, lead_hospital_id=T, hospital_id=leaving)
    )
    for _ in range(2):
        conversations.leave_consortium(envelope, UnitOfWork("messaging"), store=store(tables))
    members = tables.conversations[(T, gid)].member_ids
    assert members == {"s-wang", "s-li"}  # whichever side left, nobody of the town clinic stays
    assert (TOWN, "s-zhou", gid) not in tables.pointers
    assert (T, "s-li", gid) in tables.pointers  # the home hospital's own keep theirs


def test_a_recall_raced_by_another_of_the_senders_answers_recalled_and_tells_the_feeds_once(
    tables: ConversationTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two phones of the sender recall at once: the second is answered, not a 500, and adds nothing."""
    from tests.unit.messaging.fakes import FakeMessages

    cid = group(tables)
    oops = post(tables, cid, "发错了")
    first = FakeMessages.recall

    def raced(self: Any, hospital_id: str, record: Any) -> bool:
        first(self, hospital_id, record)  # the other phone's recall lands first
        return first(self, hospital_id, record)

    monkeypatch.setattr(FakeMessages, "recall", raced)
    feed = len(tables.feeds[(T, "s-li")])
    answered = conversations.recall(WANG, cid, oops.id, store=store(tables))
    assert (answered.recalled, answered.text) == (True, None)
    assert len(tables.feeds[(T, "s-li")]) == feed  # the recall that won told the feeds (not here)


# --- names where a person reads (#21.4) -----------------------------------------------------------


@pytest.fixture
def named(tables: ConversationTables) -> ConversationTables:
    """The same people with the names the directories give them, and the hospitals' own names."""
    for hospital_id, staff_id, name in (
        (T, "s-wang", "王护士"),
        (T, "s-li", "李护士"),
        (T, "s-zhao", "赵护士"),
        (TOWN, "s-zhou", "周医生"),
    ):
        tables.names[(hospital_id, staff_id)] = name
    tables.hospital_names.update({T: "县人民医院", TOWN: "镇卫生院"})
    return tables


def named_who(user: str, name: str, tenant: str = T) -> Principal:
    """As ``shared.standing`` hands a principal over: with the name their sign-in carries."""
    return Principal(tenant, user, roles=frozenset({"nurse"}), staff_id=f"s-{user}", staff_name=name)


def test_a_groups_members_are_named_and_so_are_its_messages_senders(named: ConversationTables) -> None:
    wang = named_who("wang", "王护士")
    started = start(named, wang, kind="group", name="夜班群", member_ids=["s-li", "s-zhao"])
    assert [(m.id, m.name) for m in started.members] == [
        ("s-li", "李护士"),
        ("s-wang", "王护士"),
        ("s-zhao", "赵护士"),
    ]
    assert started.member_ids == ["s-li", "s-wang", "s-zhao"]  # the ids stay, for clients
    sent = post(named, started.id, "交班了", wang)
    assert (sent.sender_id, sent.sender_name) == ("s-wang", "王护士")
    page = conversations.history(LI, started.id, 50, None, store=store(named, LI))
    assert [(m.sender_id, m.sender_name) for m in page.items] == [("s-wang", "王护士")]
    again = conversations.get(LI, started.id, store=store(named, LI))
    assert again == started
    receipts = conversations.receipts(LI, started.id, sent.id, store=store(named, LI))
    assert [(r.staff_id, r.name, r.read) for r in receipts] == [
        ("s-li", "李护士", False),
        ("s-wang", "王护士", False),
        ("s-zhao", "赵护士", False),
    ]
    direct = start(named, wang, kind="direct", member_ids=["s-li"])
    assert [(m.staff_id, m.name) for m in direct.members] == [("s-li", "李护士"), ("s-wang", "王护士")]


def test_a_sender_without_a_name_on_their_sign_in_is_named_from_the_group(named: ConversationTables) -> None:
    started = start(named, named_who("wang", "王护士"), kind="group", name="夜班群", member_ids=["s-li"])
    assert post(named, started.id, "收到", LI).sender_name == "李护士"  # LI's principal carries no name


def test_another_hospitals_staff_are_named_with_their_hospital_in_a_referral_group(
    named: ConversationTables,
) -> None:
    """This hospital cannot read the town clinic's directory later: the guest's name is kept on the group
    when they join, with their hospital's name from the consortium's roster."""
    made = referral(named, named_who("wang", "王护士"))
    assert [(m.id, m.staff_id, m.name, m.hospital_id, m.hospital_name) for m in made.members] == [
        ("s-li", "s-li", "李护士", T, "县人民医院"),
        ("s-wang", "s-wang", "王护士", T, "县人民医院"),
        (f"{TOWN}:s-zhou", "s-zhou", "周医生", TOWN, "镇卫生院"),
    ]
    zhou = named_who("zhou", "周医生", TOWN)
    assert conversations.get(zhou, made.id, store=store(named, zhou)).members == made.members
    sent = post(named, made.id, "患者已转出", zhou)
    assert (sent.sender_id, sent.sender_name) == (f"{TOWN}:s-zhou", "周医生")
    receipts = conversations.receipts(WANG, made.id, sent.id, store=store(named))
    assert [(r.staff_id, r.name, r.hospital_name) for r in receipts][-1] == (
        f"{TOWN}:s-zhou",
        "周医生",
        "镇卫生院",
    )


def test_sync_names_the_senders_of_messages_and_notifications(
    named: ConversationTables, settled: None
) -> None:
    cid = group(named)
    post(named, cid, "第一条", named_who("wang", "王护士"))
    named.deliver(T, "s-li", "n1", "交班提醒", "head", sender_name="李护士长")
    page = conversations.sync(LI, None, 100, store=store(named, LI))
    assert [(i.kind, i.sender, i.sender_name) for i in page.items] == [
        ("message", "s-wang", "王护士"),
        ("notification", "head", "李护士长"),
    ]
