"""My conversations list (``GET /conversations``) on the in-memory fakes: newest activity first, names
rather than ids, the newest message's preview (none once recalled), unread, paging, who sees what, and
what a message costs in list writes (every post in a small conversation, once per window in a large one).

``tests/service/test_conversations.py`` keeps the route on moto; ``tests/service/test_messaging_store.py``
checks the new store methods on both stores."""

from __future__ import annotations

import time
from itertools import count
from types import SimpleNamespace
from typing import Any

import pytest
from chalicelib.messaging.contracts.conversations import PostMessage, StartConversation
from chalicelib.messaging.contracts.events import CONSORTIUM_LEFT, ConsortiumChanged
from chalicelib.messaging.domain.records import ListingRecord
from chalicelib.messaging.service import conversations

from shared.auth import Principal
from shared.errors import NotFound, RuleViolation
from shared.persistence.uow import UnitOfWork
from tests.unit.messaging.fakes import ConversationTables, FakeConversationStore, FakePush

T = "t-list"
TOWN = "t-town"
OTHER = "t-other"
CID = "c-county"


@pytest.fixture
def tables() -> ConversationTables:
    t = ConversationTables()
    for staff_id, name in (("s-wang", "王芳"), ("s-li", "李娜"), ("s-zhao", "赵敏")):
        t.add_staff(T, staff_id, name=name)
    t.add_staff(TOWN, "s-zhou", name="周婷")
    t.add_staff(OTHER, "s-wang", name="别院王芳")
    t.join(T, CID, lead=T)
    t.join(TOWN, CID, lead=T)
    return t


def who(user: str, tenant: str = T) -> Principal:
    return Principal(tenant=tenant, user=user, roles=frozenset({"nurse"}), staff_id=f"s-{user}")


WANG, LI, ZHAO, ZHOU = who("wang"), who("li"), who("zhao"), who("zhou", TOWN)


@pytest.fixture(autouse=True)
def ordered_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    made = count()
    monkeypatch.setattr(conversations, "new_id", lambda: f"{int(time.time() * 1000):012x}{next(made):010x}")


def store(tables: ConversationTables, principal: Principal) -> FakeConversationStore:
    return FakeConversationStore(principal.tenant, tables)


def start(tables: ConversationTables, principal: Principal = WANG, **body: Any) -> str:
    cmd = StartConversation.model_validate(body)
    return conversations.start(principal, cmd, "req", store=store(tables, principal)).id


def post(tables: ConversationTables, cid: str, text: str, principal: Principal = WANG) -> str:
    sent = conversations.post(
        principal, cid, PostMessage(text=text), "req", store=store(tables, principal), push=FakePush()
    )
    return sent.id


def listing(
    tables: ConversationTables, principal: Principal = WANG, limit: int = 20, cursor: str | None = None
) -> Any:
    return conversations.my_conversations(principal, limit, cursor, store=store(tables, principal))


def names(tables: ConversationTables, principal: Principal = WANG) -> list[str | None]:
    return [line.name for line in listing(tables, principal).items]


def test_my_conversations_newest_activity_first_with_names_previews_and_unread(
    tables: ConversationTables,
) -> None:
    direct = start(tables, kind="direct", member_ids=["s-li"])
    night = start(tables, kind="group", name="夜班群", member_ids=["s-li", "s-zhao"])
    quiet = start(tables, kind="group", name="质控小组", member_ids=["s-zhao"])
    post(tables, direct, "下午交班吗？")
    post(tables, night, "今晚谁值班", principal=ZHAO)

    page = listing(tables)
    # the newest activity first; a group that never had a message sorts by when it started
    assert [line.id for line in page.items] == [night, direct, quiet]
    night_line, direct_line, quiet_line = page.items
    assert direct_line.name == "李娜"  # a 1:1 is named by the other person, not by an id
    assert direct_line.last_message is not None
    assert (direct_line.kind, direct_line.last_message.text) == ("direct", "下午交班吗？")
    assert direct_line.unread is False  # my own message
    assert night_line.name == "夜班群"
    assert night_line.last_message is not None
    assert (night_line.last_message.sender_name, night_line.last_message.text) == ("赵敏", "今晚谁值班")
    assert night_line.unread is True
    assert (quiet_line.last_message, quiet_line.unread) == (None, False)
    # li sees the same 1:1 named after me
    assert names(tables, LI) == ["夜班群", "王芳"]


def test_reading_clears_unread_and_a_new_message_brings_it_back(tables: ConversationTables) -> None:
    night = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    first = post(tables, night, "交班", principal=LI)
    conversations.mark_read(WANG, night, first, store=store(tables, WANG))
    assert listing(tables).items[0].unread is False
    post(tables, night, "还有一件事", principal=LI)
    assert listing(tables).items[0].unread is True


def test_a_recalled_newest_message_leaves_no_text_in_the_list(tables: ConversationTables) -> None:
    night = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    mid = post(tables, night, "发错群了：3床血钾 6.1")
    conversations.recall(WANG, night, mid, store=store(tables, WANG))
    for principal in (WANG, LI):
        (line,) = listing(tables, principal).items
        assert line.last_message is not None
        assert (line.last_message.text, line.last_message.recalled) == (None, True)
        assert "血钾" not in line.model_dump_json()


def test_a_long_message_is_previewed_not_copied(tables: ConversationTables) -> None:
    night = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    post(tables, night, "长" * 500)
    (line,) = listing(tables, LI).items
    assert line.last_message is not None and line.last_message.text == "长" * 60


def test_the_list_pages_with_a_cursor_and_holds_each_conversation_once(tables: ConversationTables) -> None:
    made = [start(tables, kind="group", name=f"群{i}", member_ids=["s-li"]) for i in range(5)]
    for cid in made[::2]:
        post(tables, cid, "在吗", principal=LI)
    seen, cursor = [], None
    while True:
        page = listing(tables, limit=2, cursor=cursor)
        seen += [line.id for line in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)
    assert seen[:3] == made[::2][::-1]  # the three with news first, newest first


def test_only_my_own_conversations_and_another_hospitals_cursor_is_refused(
    tables: ConversationTables,
) -> None:
    for name in ("夜班群", "质控小组"):
        start(tables, kind="group", name=name, member_ids=["s-li"])
    assert names(tables, ZHAO) == []  # not a member: nothing of it
    assert names(tables, who("wang", OTHER)) == []  # the same staff id in another hospital: nothing
    cursor = listing(tables, LI, limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(RuleViolation):  # a cursor of someone else's list
        listing(tables, ZHAO, cursor=cursor)


def test_a_caller_without_a_staff_record_has_no_list(tables: ConversationTables) -> None:
    nobody = Principal(tenant=T, user="svc", roles=frozenset(), staff_id=None)
    with pytest.raises(NotFound):
        listing(tables, nobody)


def test_a_line_without_membership_shows_nothing(tables: ConversationTables) -> None:
    """Lines are hints: one left behind (a start that failed after its lines were written, a leave
    racing a post) shows nothing, since the conversation is read for every line."""
    night = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    tables.lines[ListingRecord(T, "s-zhao", night, T)] = tables.position()  # zhao is no member
    tables.lines[ListingRecord(T, "s-zhao", "c-never-made", T)] = tables.position()
    assert names(tables, ZHAO) == []


def test_a_cross_hospital_group_is_in_each_participants_list(tables: ConversationTables) -> None:
    body = {
        "kind": "group",
        "name": "转诊群",
        "member_ids": ["s-li"],
        "consortium_id": CID,
        "guests": [{"hospital_id": TOWN, "staff_id": "s-zhou"}],
    }
    group = start(tables, **body)
    post(tables, group, "请会诊", principal=ZHOU)
    (line,) = listing(tables).items
    assert line.last_message is not None
    assert (line.name, line.last_message.sender_name, line.unread) == ("转诊群", "周婷", True)
    (theirs,) = listing(tables, ZHOU).items
    assert (theirs.id, theirs.home_hospital_id, theirs.unread) == (group, T, False)

    # the town clinic leaves the consortium: the group leaves its staff's lists
    left = ConsortiumChanged(consortium_id=CID, lead_hospital_id=T, hospital_id=TOWN)
    envelope = CONSORTIUM_LEFT.envelope(TOWN, left)
    tables.join(TOWN, CID, lead=T, status="left")
    conversations.leave_consortium(envelope, UnitOfWork("messaging"), store=store(tables, ZHOU))
    assert names(tables, ZHOU) == []
    assert not [line for line in tables.lines if line.hospital_id == TOWN]


def test_every_post_moves_a_small_conversation_up_but_a_large_group_once_per_window(
    tables: ConversationTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Write amplification: a message already writes a feed entry per member; moving every member's
    line up as well is done per message only up to RELIST_MEMBERS members. A larger group moves its
    members' lines once per window, and the list still orders a page by the newest message itself."""
    crowd = [f"s-n{i:03}" for i in range(conversations.RELIST_MEMBERS + 10)]
    for staff_id in crowd:
        tables.add_staff(T, staff_id)
    big = start(tables, kind="group", name="护理部", member_ids=crowd)
    small = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    window = conversations.RELIST_WINDOW_SECONDS
    base = (int(time.time()) // window) * window + 1  # well inside one window
    clock = SimpleNamespace(time=lambda: base)
    monkeypatch.setattr(conversations, "time", clock)

    tables.writes.clear()
    for text in ("一", "二", "三"):
        post(tables, small, text)
        post(tables, big, text)
    moved = [w for w in tables.writes if w.startswith("lines:")]
    # the small one: every post (2 lines each); the big one: the first post of the window only
    assert moved == ["lines:2", f"lines:{len(crowd) + 1}", "lines:2", "lines:2"]
    assert [line.id for line in listing(tables).items] == [big, small]  # the page orders by the newest

    clock.time = lambda: base + window
    tables.writes.clear()
    post(tables, big, "下一个窗口")
    assert [w for w in tables.writes if w.startswith("lines:")] == [f"lines:{len(crowd) + 1}"]


def test_a_group_too_large_for_one_transaction_lists_its_members_first(tables: ConversationTables) -> None:
    crowd = [f"s-n{i:03}" for i in range(120)]
    for staff_id in crowd:
        tables.add_staff(T, staff_id)
    tables.writes.clear()
    big = start(tables, kind="group", name="全院群", member_ids=crowd)
    assert tables.writes == ["lines:121"]  # at once, before the conversation's transaction
    assert [line.id for line in listing(tables, who("n007")).items] == [big]
    small = start(tables, kind="group", name="夜班群", member_ids=["s-li"])
    assert "lines:2" not in tables.writes  # a small one's lines land with it, in its transaction
    assert names(tables, LI) == ["夜班群"] and small
