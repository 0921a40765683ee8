"""The roster periods' repositories: the same checks on the DynamoDB adapter (on moto) and on the fakes
the service-layer tests use (``tests/unit/scheduling/fakes.py``), so a fake cannot drift. Beside
``test_scheduling_store.py`` (the staff, leave and setup repositories)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from chalicelib.scheduling.adapters.periods import PeriodDynamoStore
from chalicelib.scheduling.domain.periods import (
    Cell,
    NurseRow,
    PeriodRecord,
    Snapshot,
    duty_shifts,
    my_shifts,
)
from chalicelib.scheduling.domain.setup import ShiftDef

from shared import onduty
from shared.auth import Principal
from shared.errors import Conflict
from shared.persistence.uow import UnitOfWork
from tests.unit.scheduling.fakes import FakePeriodStore, PeriodTables, Tables

AT = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
Opener = Callable[[str], tuple[Any, Callable[[Callable[[Any], None]], None]]]


def _dynamo(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    def write(change: Callable[[Any], None]) -> None:
        principal = Principal(tenant=tenant, user="service:scheduling", kind="service")
        with UnitOfWork("scheduling", principal, "test") as uow:
            change(PeriodDynamoStore(tenant, uow))
            uow.commit()

    return PeriodDynamoStore(tenant), write


_TABLES, _PERIODS = Tables(), PeriodTables()


def _fake(tenant: str) -> tuple[Any, Callable[[Callable[[Any], None]], None]]:
    store = FakePeriodStore(tenant, tables=_TABLES, period_tables=_PERIODS)

    def write(change: Callable[[Any], None]) -> None:
        with store.uow as uow:
            change(store)
            uow.commit()

    return store, write


@pytest.fixture(params=["dynamodb", "memory"])
def opener(request: pytest.FixtureRequest) -> Iterator[Opener]:
    if request.param == "dynamodb":
        request.getfixturevalue("stack")
        yield _dynamo
    else:
        yield _fake


def period(pid: str, start: date, end: date, ward: str = "w1", **fields: Any) -> PeriodRecord:
    return PeriodRecord(
        id=pid,
        ward_ids=(ward,),
        ward_names=("心内科病区",),
        name="心内科病区 排班",
        start=start,
        end=end,
        state=fields.pop("state", "draft"),
        revision=fields.pop("revision", 0),
        version=fields.pop("version", 0),
        created_at=AT,
        created_by="s-hn",
        **fields,
    )


def test_a_period_its_rows_and_its_wards_list(opener: Opener) -> None:
    store, write = opener(f"t-{uuid.uuid4().hex[:10]}")
    jan = period("p1", date(2027, 1, 1), date(2027, 1, 31))
    write(lambda s: s.periods.add(jan))
    with pytest.raises(Conflict):
        write(lambda s: s.periods.add(jan))  # create-only
    row = NurseRow("s1", "陈思雨", "w1", "N2", {date(2027, 1, 4): Cell("D", "nurse", True)})
    edited = period("p1", date(2027, 1, 1), date(2027, 1, 31), revision=1)
    write(lambda s: s.periods.save(edited, 0, [row], relist=False))
    header, rows = store.periods.grid("p1")
    assert header == edited and rows == [row]
    assert store.periods.get("p1") == edited
    with pytest.raises(Conflict):  # the header moved on: a write over revision 0 is refused
        write(
            lambda s: s.periods.save(
                period("p1", date(2027, 1, 1), date(2027, 1, 31), revision=2), 0, [], False
            )
        )
    assert store.periods.grid("p1")[0].revision == 1

    feb = period("p2", date(2027, 2, 1), date(2027, 2, 28))
    dec = period("p0", date(2026, 12, 1), date(2026, 12, 31), state="published", version=1)
    write(lambda s: (s.periods.add(feb), s.periods.add(dec)))
    assert [p.id for p in store.periods.of_ward("w1", 10, None)[0]] == ["p2", "p1", "p0"]  # newest first
    first, cursor = store.periods.of_ward("w1", 2, None)
    assert [p.id for p in first] == ["p2", "p1"] and cursor
    assert [p.id for p in store.periods.of_ward("w1", 2, cursor)[0]] == ["p0"]
    around = [p.id for p in store.periods.around("w1", date(2027, 2, 1), date(2027, 2, 28))]
    assert around == ["p1", "p2"]  # the one ending the day before, and the period itself
    assert [(p.id, p.state) for p in store.periods.around("w1", date(2027, 1, 1), date(2027, 1, 31))] == [
        ("p0", "published"),
        ("p1", "draft"),
    ]
    assert store.periods.of_ward("w2", 10, None) == ([], None)

    write(lambda s: s.periods.remove(feb, []))
    assert store.periods.get("p2") is None
    assert [p.id for p in store.periods.of_ward("w1", 10, None)[0]] == ["p1", "p0"]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.periods.get("p1") is None and other.periods.grid("p1") == (None, [])


def test_requests_lie_in_the_grids_query_one_per_nurse_and_day(opener: Opener) -> None:
    from chalicelib.scheduling.domain.requests import RosterRequest

    store, write = opener(f"t-{uuid.uuid4().hex[:10]}")
    jan = period("p1", date(2027, 1, 1), date(2027, 1, 31), request_deadline=date(2026, 12, 20))
    row = NurseRow("s1", "陈思雨", "w1", "N2", {date(2027, 1, 4): Cell("D", "nurse")})
    write(lambda s: s.periods.add(jan))
    write(lambda s: s.periods.save(jan, 0, [row], relist=False))
    wish = RosterRequest("r1", "p1", "s1", "陈思雨", date(2027, 1, 5), "shift_off", "N", 3, "搬家", AT, "s1")
    write(lambda s: s.requests.add(wish))
    with pytest.raises(Conflict):  # one per nurse and day, whatever its id
        write(
            lambda s: s.requests.add(
                RosterRequest("r2", "p1", "s1", "陈思雨", wish.day, "day_off", None, 1, "", AT, "s1")
            )
        )
    other_day = RosterRequest("r3", "p1", "s2", "李娜", date(2027, 1, 6), "day_off", None, 1, "", AT, "s-hn")
    write(lambda s: (s.requests.add(other_day), s.versions.add(snapshot(1, {}))))
    header, rows, requests = store.periods.sheet("p1")
    assert header == jan and header.request_deadline == date(2026, 12, 20) and rows == [row]
    assert requests == [wish, other_day]
    assert store.periods.grid("p1") == (jan, [row])
    assert store.periods.of_ward("w1", 10, None)[0][0].request_deadline == date(2026, 12, 20)
    with pytest.raises(Conflict):  # withdrawing by a stale id: another request holds the day now
        write(
            lambda s: s.requests.remove(
                RosterRequest("old", "p1", "s1", "陈思雨", wish.day, "day_off", None, 1, "", AT, "s1")
            )
        )
    write(lambda s: s.requests.remove(wish))
    assert store.periods.sheet("p1")[2] == [other_day]


def snapshot(version: int, cells: dict[str, dict[date, Cell]]) -> Snapshot:
    return Snapshot(
        period_id="p1",
        version=version,
        revision=version,
        ward_ids=("w1",),
        ward_names=("心内科病区",),
        start=date(2027, 1, 1),
        end=date(2027, 1, 31),
        published_at=AT,
        published_by="s-hn",
        published_by_name="周护士长",
        shifts=(ShiftDef("D", "白班", time(8), time(16)), ShiftDef("N", "大夜", time(0), time(8))),
        names={"s1": "陈思雨", "s2": "李娜"},
        wards={"s1": "w1", "s2": "w1"},
        cells=cells,
    )


def test_versions_are_create_only_and_listed_newest_first_without_their_cells(opener: Opener) -> None:
    store, write = opener(f"t-{uuid.uuid4().hex[:10]}")
    one = snapshot(1, {"s1": {date(2027, 1, 4): Cell("D", "nurse")}})
    write(lambda s: s.versions.add(one))
    with pytest.raises(Conflict):
        write(lambda s: s.versions.add(one))
    write(lambda s: s.versions.add(snapshot(2, {})))
    assert store.versions.get("p1", 1) == one
    assert store.versions.get("p1", 3) is None
    listed, _ = store.versions.page("p1", 10, None)
    assert [(v.version, v.published_by_name, dict(v.cells)) for v in listed] == [
        (2, "周护士长", {}),
        (1, "周护士长", {}),
    ]


def test_many_versions_are_read_at_once_in_the_order_asked_missing_ones_left_out(opener: Opener) -> None:
    store, write = opener(f"t-{uuid.uuid4().hex[:10]}")
    one = snapshot(1, {"s1": {date(2027, 1, 4): Cell("N", "nurse")}})
    two = snapshot(2, {"s2": {date(2027, 1, 5): Cell("D", "nurse")}})
    write(lambda s: s.versions.add(one))
    write(lambda s: s.versions.add(two))
    assert store.versions.many([("p1", 2), ("p9", 1), ("p1", 1), ("p1", 2)]) == [two, one]
    assert store.versions.many([]) == []


def test_the_on_duty_items_of_a_version_replace_the_previous_versions(opener: Opener) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    one = snapshot(1, {"s1": {date(2027, 1, 4): Cell("D")}, "s2": {date(2027, 1, 5): Cell("N")}})

    def apply(s: Snapshot) -> None:
        _, duty, staff = store.duty.applied("p1")
        write(
            lambda st: st.duty.replace("p1", s.version, duty_shifts(s), my_shifts(s), s.start, (duty, staff))
        )

    apply(one)
    assert store.duty.applied("p1")[0] == 1
    ten = datetime(2027, 1, 4, 2, tzinfo=UTC)  # 10:00 in Shanghai
    assert [(d.staff_ids, d.staff_names, d.shift_name) for d in store.duty.on_duty("w1", ten)] == [
        (("s1",), ("陈思雨",), "白班")
    ]
    assert [s.day for s in store.duty.my_shifts("s2", date(2027, 1, 1), date(2027, 1, 31))] == [
        date(2027, 1, 5)
    ]
    assert store.duty.my_shifts("s2", date(2027, 1, 6), date(2027, 1, 31)) == []

    two = snapshot(2, {"s2": {date(2027, 1, 4): Cell("D")}})
    apply(two)
    assert [d.staff_ids for d in store.duty.on_duty("w1", ten)] == [("s2",)]
    assert store.duty.on_duty("w1", datetime(2027, 1, 4, 17, tzinfo=UTC)) == []  # 01:00 on the 5th: gone
    assert store.duty.my_shifts("s1", date(2027, 1, 1), date(2027, 1, 31)) == []
    with pytest.raises(Conflict):  # an older version after a newer one: the marker refuses it
        write(lambda st: st.duty.replace("p1", 1, [], {}, one.start, ([], [])))
    if isinstance(store, PeriodDynamoStore):  # the shared read model messaging and approvals read
        assert onduty.on_duty(tenant, "w1", ten).staff_ids == ("s2",)
    # a nurse's shifts carry the version they are from and when it was published (the feed's SEQUENCE)
    (mine,) = store.duty.my_shifts("s2", date(2027, 1, 1), date(2027, 1, 31))
    assert (mine.version, mine.published_at) == (2, two.published_at)


def _lookup(store: Any) -> Any:
    if isinstance(store, PeriodDynamoStore):
        from chalicelib.scheduling.adapters.calendar_feeds import DynamoFeedLookup

        return DynamoFeedLookup()
    from tests.unit.scheduling.fakes import FakeFeedLookup

    return FakeFeedLookup(store.period_tables)


def test_a_calendar_feed_is_found_by_its_digest_replaced_only_over_itself_and_revoked(opener: Opener) -> None:
    from chalicelib.scheduling.domain.calendar_feeds import Feed, FeedRef

    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    digest = uuid.uuid4().hex * 2
    first = Feed("s1", "f1", digest, AT)
    assert store.feeds.get("s1") is None
    write(lambda st: st.feeds.save(first, None))
    assert store.feeds.get("s1") == first
    assert other.feeds.get("s1") is None  # another hospital's nurse of the same id has none
    assert _lookup(store).find(digest) == FeedRef(tenant, "s1", "f1")  # no tenant asked: the digest finds it
    with pytest.raises(Conflict):  # made again as if there were none: refused (a racing regeneration)
        write(lambda st: st.feeds.save(Feed("s1", "f9", "0" * 64, AT), None))

    second = Feed("s1", "f2", uuid.uuid4().hex * 2, AT)
    write(lambda st: st.feeds.save(second, first))
    assert _lookup(store).find(digest) is None  # the old digest finds nothing
    assert _lookup(store).find(second.token_hash) == FeedRef(tenant, "s1", "f2")
    with pytest.raises(Conflict):  # replacing the feed she no longer has
        write(lambda st: st.feeds.save(Feed("s1", "f3", "1" * 64, AT), first))
    with pytest.raises(Conflict):
        write(lambda st: st.feeds.remove(first))
    write(lambda st: st.feeds.remove(second))
    assert store.feeds.get("s1") is None and _lookup(store).find(second.token_hash) is None


def test_disruptions_are_create_only_saved_over_their_revision_and_stay_out_of_the_grid(
    opener: Opener,
) -> None:
    from dataclasses import replace

    from chalicelib.scheduling.domain.repairs import Affected, Disruption, Move, Proposal

    store, write = opener(f"t-{uuid.uuid4().hex[:10]}")
    jan = period("p1", date(2027, 1, 1), date(2027, 1, 31), state="published", version=1)
    row = NurseRow("s1", "陈思雨", "w1", "N2", {date(2027, 1, 4): Cell("D", "nurse")})
    write(lambda s: s.periods.add(jan))
    write(lambda s: s.periods.save(jan, 0, [row], relist=False))
    sick = Disruption(
        id="d1",
        period_id="p1",
        kind="sick",
        staff_id="s1",
        staff_name="陈思雨",
        cells=(Affected(date(2027, 1, 4), "D", "nurse", "白班"),),
        version=1,
        created_at=AT,
        created_by="s-hn",
        created_by_name="周护士长",
        reason="发热",
    )
    late = replace(sick, id="d2", kind="leave", leave_id="ap-1", leave_type="年假", reason="")
    write(lambda s: (s.disruptions.add(sick), s.disruptions.add(late)))
    with pytest.raises(Conflict):
        write(lambda s: s.disruptions.add(sick))  # create-only
    assert store.disruptions.get("p1", "d1") == sick
    proposal = Proposal(
        "ready",
        1,
        "job-1",
        (
            Move("s1", "陈思雨", date(2027, 1, 4), "D", None, None, "白班", "休"),
            Move("s2", "李娜", date(2027, 1, 4), None, "D", "nurse", "休", "白班"),
        ),
        120,
        150,
        "s-hn",
        "周护士长",
    )
    proposed = replace(sick, proposal=proposal, revision=1)
    write(lambda s: s.disruptions.save(proposed, 0))
    assert store.disruptions.get("p1", "d1") == proposed
    with pytest.raises(Conflict):  # saved over revision 0 again: it moved on
        write(lambda s: s.disruptions.save(replace(sick, state="dismissed", revision=1), 0))
    done = replace(
        proposed, state="resolved", resolved_version=2, resolved_at=AT, resolved_by="s-hn", revision=2
    )
    write(lambda s: s.disruptions.save(done, 1))
    assert store.disruptions.get("p1", "d1") == done
    first, cursor = store.disruptions.page("p1", 1, None)
    rest, end = store.disruptions.page("p1", 1, cursor)
    last = store.disruptions.page("p1", 1, end)[0] if end else []  # DynamoDB may say "more" on a full page
    assert [d.id for d in first + rest + last] == ["d1", "d2"]
    header, rows = store.periods.grid("p1")  # the grid's one Query holds none of them
    assert header == jan and rows == [row]
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.disruptions.get("p1", "d1") is None and other.disruptions.page("p1", 10, None) == ([], None)


def test_a_swap_is_create_only_saved_over_its_revision_and_listed_by_its_period(opener: Opener) -> None:
    from dataclasses import replace

    from chalicelib.scheduling.domain.swaps import Swap, SwapCell

    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store, write = opener(tenant)
    day = date(2027, 1, 5)
    cells = (
        SwapCell("s-a", "陈思雨", day, "D", None, "白班", "休"),
        SwapCell("s-b", "李娜", day, None, "D", "休", "白班"),
    )
    swap = Swap(
        id="sw-1",
        period_id="p-1",
        period_title="心内科病区 2027年1月排班",
        ward_ids=("w1",),
        kind="give",
        state="requested",
        proposer_id="s-a",
        proposer_name="陈思雨",
        colleague_id="s-b",
        colleague_name="李娜",
        my_date=day,
        their_date=None,
        cells=cells,
        version=1,
        created_at=AT,
        reason="家里有事",
    )
    later = replace(
        swap, id="sw-2", created_at=datetime(2026, 12, 21, tzinfo=UTC), kind="take", colleague_id=None
    )
    write(lambda s: s.swaps.add(swap))
    write(lambda s: s.swaps.add(later))
    write(lambda s: s.swaps.add(replace(swap, id="sw-3", period_id="p-2")))
    assert store.swaps.get("sw-1") == swap  # every field, the cells with their names, read back
    assert store.swaps.get("nope") is None
    assert [s.id for s in store.swaps.of_period("p-1")] == ["sw-1", "sw-2"]  # oldest first, its period's
    with pytest.raises(Conflict):
        write(lambda s: s.swaps.add(swap))  # create-only
    applied = replace(
        swap,
        state="applied",
        revision=1,
        applied_version=2,
        decided_by="s-hn",
        decided_by_name="周护士长",
        decided_at=AT,
        instance_id="ap-1",
    )
    write(lambda s: s.swaps.save(applied, 0))
    assert store.swaps.get("sw-1") == applied
    with pytest.raises(Conflict):  # decided meanwhile: saved only over the revision read
        write(lambda s: s.swaps.save(replace(swap, state="failed", revision=1), 0))
    assert store.swaps.get("sw-1") == applied
    other, _ = opener(f"t-{uuid.uuid4().hex[:10]}")
    assert other.swaps.get("sw-1") is None and other.swaps.of_period("p-1") == []  # another hospital's
