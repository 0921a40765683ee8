"""The notifications I sent (``GET /notifications/sent``) on the in-memory fakes: newest first, each
with the counts the sender's detail view shows, paged, and nobody else's (nor another hospital's).

``tests/service/test_notifications.py`` keeps the route on moto; ``tests/service/test_messaging_store.py``
checks the store method on both stores."""

from __future__ import annotations

import time
from itertools import count

import pytest
from chalicelib.messaging.contracts.notifications import SentNotification
from chalicelib.messaging.domain.records import UnitRecord
from chalicelib.messaging.service import notifications

from shared.auth import Principal
from shared.errors import RuleViolation
from shared.pages import Page
from tests.unit.messaging.fakes import NotificationTables
from tests.unit.messaging.test_notifications_service import SENDER, T, as_user, deliver, send, store


@pytest.fixture
def tables() -> NotificationTables:
    """The ward of three nurses, their head nurse (the sender) and a department head."""
    t = NotificationTables()
    t.units[T] = [UnitRecord("d1", None, "department"), UnitRecord("w1", "d1", "ward")]
    t.units[T].append(UnitRecord("w2", "w1", "team"))
    for n in range(3):
        t.add_staff(T, f"s-ward-{n}", "w1", "nurse")
    t.add_staff(T, "s-chief", "d1", "doctor", "department_head")
    t.add_staff(T, "s-team", "w2", "nurse", "head_nurse")
    return t


@pytest.fixture(autouse=True)
def ordered_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids made within one millisecond come out in the order they were made (as over HTTP)."""
    made = count()
    monkeypatch.setattr(notifications, "new_id", lambda: f"{int(time.time() * 1000):012x}{next(made):010x}")


def sent(
    tables: NotificationTables, who: Principal = SENDER, limit: int = 50, cursor: str | None = None
) -> Page[SentNotification]:
    return notifications.sent(who, limit, cursor, store=store(tables, who.tenant))


def test_my_sent_notifications_newest_first_with_their_counts(tables: NotificationTables) -> None:
    first = send(tables, staff_ids=["s-ward-0", "s-ward-1"])
    second = send(tables, staff_ids=["s-ward-2"])
    deliver(tables, first.id)
    notifications.mark(as_user("nurse-0"), first.id, "ack", "req", store=store(tables))
    notifications.mark(as_user("nurse-1"), first.id, "read", "req", store=store(tables))

    page = sent(tables)
    assert [n.id for n in page.items] == [second.id, first.id]
    newest, oldest = page.items
    assert (newest.title, newest.status, newest.recipient_count, newest.delivered_count) == (
        "交班提醒",
        "fanning_out",
        1,
        0,
    )
    # the same counts the sender's detail view computes
    detail = notifications.get(SENDER, first.id, store=store(tables))
    assert (
        (oldest.recipient_count, oldest.delivered_count, oldest.read_count, oldest.ack_count)
        == (
            detail.recipient_count,
            detail.delivered_count,
            detail.read_count,
            detail.ack_count,
        )
        == (2, 2, 2, 1)
    )
    assert oldest.sent_at == detail.created_at and oldest.status == "delivered"


def test_only_mine_and_paged(tables: NotificationTables) -> None:
    made = [send(tables, staff_ids=["s-ward-0"]).id for _ in range(5)]
    chief = as_user("chief", "department_head")
    send(tables, chief, staff_ids=["s-ward-0"])
    seen, cursor = [], None
    while True:
        page = sent(tables, limit=2, cursor=cursor)
        seen += [n.id for n in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == made[::-1]  # each once, newest first, and not the chief's
    assert [n.title for n in sent(tables, chief).items] == ["交班提醒"]
    assert sent(tables, as_user("nurse-0")).items == []  # a recipient has sent nothing
    _, cursor = sent(tables, limit=1).items, sent(tables, limit=1).next_cursor
    with pytest.raises(RuleViolation):  # my cursor is no key to the chief's list
        sent(tables, chief, cursor=cursor)
    # another hospital's caller with the same staff id sees nothing of this hospital's
    elsewhere = Principal(tenant="t-elsewhere", user="sender", roles=SENDER.roles, staff_id="s-team")
    assert sent(tables, elsewhere).items == []
    assert T != elsewhere.tenant
