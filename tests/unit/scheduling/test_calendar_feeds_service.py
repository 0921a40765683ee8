"""A nurse's calendar feed on the fakes: the secret is kept only as its digest, regenerating and revoking
kill the old URL, a nurse who has left gets nothing, and the events follow her published shifts with a
UID that stays the same across versions (so a republish updates her phone's events, never doubles them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chalicelib.scheduling.domain import calendar_feeds as feeds
from chalicelib.scheduling.service import calendar_feeds
from icalendar import Calendar

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound
from tests.unit.scheduling.fakes import FakeFeedLookup, FakePeriodStore
from tests.unit.scheduling.test_roster_periods import NURSE, T, Ward

TODAY = date(2027, 1, 10)  # the week rostered below is inside the feed's window around it
NOW = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)


def token_of(made: Any) -> str:
    return str(made.path.split("/")[3])


class Feeds:
    """A published ward (``Ward``) and the feed use cases over its fakes."""

    def __init__(self) -> None:
        self.ward = Ward()
        self.store: FakePeriodStore = self.ward.store

    def create(self, who: Principal = NURSE) -> Any:
        return calendar_feeds.create_feed(who, "r1", "https://api.example.cn", store=self.store, now=NOW)

    def fetch(self, token: str) -> Calendar:
        return Calendar.from_ical(self.text(token))

    def text(self, token: str) -> str:
        return calendar_feeds.feed_ics(
            token,
            lookup=FakeFeedLookup(self.store.period_tables),
            store_of=lambda tenant: self.store if tenant == T else FakePeriodStore(tenant),
            directory=self.ward.directory,
            today=TODAY,
            now=NOW,
        )

    def publish_week(self, *changes: tuple[str, str, str | None]) -> str:
        pid = self.ward.create(date(2027, 1, 4), date(2027, 1, 10))
        self.ward.edit(pid, *changes)
        self.ward.approve_and_publish(pid)
        self.ward.project()
        return pid


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo("Asia/Shanghai"))  # type: ignore[misc]


def events(cal: Calendar) -> dict[str, Any]:
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_the_secret_is_long_random_and_kept_only_as_its_digest() -> None:
    f = Feeds()
    made = f.create()
    token = token_of(made)
    assert made.url == f"https://api.example.cn/scheduling/calendar-feeds/{token}/shifts.ics"
    assert made.webcal == f"webcal://api.example.cn/scheduling/calendar-feeds/{token}/shifts.ics"
    assert len(token) == 43 and token != token_of(Feeds().create())  # 256 random bits each
    (kept,) = f.store.period_tables.feeds.values()
    assert kept.token_hash == feeds.token_hash(token) and token not in repr(kept)
    # the URL names no one: not her staff id, not her name, not the hospital
    assert all(x not in made.url for x in (NURSE.staff or "", "陈思雨", T))
    assert f.store.uow.audited == [("calendar_feed.create", "calendar_feed", kept.feed_id)]
    status = calendar_feeds.feed_status(NURSE, store=f.store)
    assert status.active and status.created_at == NOW and "url" not in status.model_dump()


def test_the_feed_shows_her_published_shifts_in_the_hospitals_time_zone() -> None:
    f = Feeds()
    f.publish_week(("s-a", "2027-01-04", "D"), ("s-a", "2027-01-06", "N"), ("s-b", "2027-01-04", "P"))
    text = f.text(token_of(f.create()))
    cal = Calendar.from_ical(text)
    mine = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    # only hers (李娜's 小夜 is not in 陈思雨's feed), at the hospital's local times
    assert [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in mine] == [
        ("白班 · 心内科病区", local(2027, 1, 4, 8), local(2027, 1, 4, 16)),
        ("大夜 · 心内科病区", local(2027, 1, 6, 0), local(2027, 1, 6, 8)),
    ]
    assert all(str(e.decoded("dtstart").tzinfo) == "Asia/Shanghai" for e in mine)
    assert "DTSTART;TZID=Asia/Shanghai:20270104T080000" in text
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert [int(e["sequence"]) for e in mine] == [1, 1]


def test_a_republished_day_keeps_its_uid_with_a_higher_sequence() -> None:
    f = Feeds()
    pid = f.publish_week(("s-a", "2027-01-04", "D"), ("s-a", "2027-01-06", "N"))
    token = token_of(f.create())
    before = events(f.fetch(token))
    f.ward.edit(pid, ("s-a", "2027-01-04", "P"))  # 白班 → 小夜: the day's event changes
    f.ward.approve_and_publish(pid)
    f.ward.project()
    after = events(f.fetch(token))
    assert set(after) == set(before)  # no event added, none lost: the phone updates them in place
    day = next(uid for uid, e in before.items() if e.decoded("dtstart").date() == date(2027, 1, 4))
    assert (str(before[day]["summary"]), int(before[day]["sequence"])) == ("白班 · 心内科病区", 1)
    assert (str(after[day]["summary"]), int(after[day]["sequence"])) == ("小夜 · 心内科病区", 2)
    assert after[day].decoded("last-modified") >= before[day].decoded("last-modified")
    # the UID names no one either
    assert all(x not in day for x in ("s-a", T))


def test_regenerating_kills_the_old_url_and_revoking_the_new_one() -> None:
    f = Feeds()
    old = token_of(f.create())
    new = token_of(f.create())
    assert f.store.uow.audited[-1][0] == "calendar_feed.regenerate"
    with pytest.raises(NotFound):
        f.text(old)
    f.fetch(new)
    calendar_feeds.revoke_feed(NURSE, "r2", store=f.store)
    assert f.store.uow.audited[-1][0] == "calendar_feed.revoke"
    with pytest.raises(NotFound):
        f.text(new)
    assert not calendar_feeds.feed_status(NURSE, store=f.store).active
    with pytest.raises(NotFound):  # nothing left to revoke
        calendar_feeds.revoke_feed(NURSE, "r3", store=f.store)


def test_unknown_or_altered_tokens_are_404_saying_nothing() -> None:
    f = Feeds()
    token = token_of(f.create())
    for bad in (feeds.new_token(), token[:-1], token + "x", "", token.swapcase()):
        with pytest.raises(NotFound) as refused:
            f.text(bad)
        assert str(refused.value.what) == "calendar feed"


def test_a_nurse_who_has_left_gets_nothing_at_once() -> None:
    f = Feeds()
    f.publish_week(("s-a", "2027-01-04", "D"))
    token = token_of(f.create())
    assert events(f.fetch(token))
    f.ward.directory.people[(T, "s-a")].status = "left"
    with pytest.raises(NotFound):
        f.text(token)


def test_a_feed_is_a_member_of_staffs_own() -> None:
    admin = Principal(tenant=T, user="u-admin", roles=frozenset({"hospital_admin"}))
    f = Feeds()
    with pytest.raises(Forbidden):
        f.create(admin)
    # asking whether she has one is no error: a sign-in that is not staff has none
    assert not calendar_feeds.feed_status(admin, store=f.store).active


def test_two_regenerations_racing_do_not_both_win() -> None:
    """Both read 'no feed yet'; the second to commit is refused, so no URL outlives its replacement."""
    f = Feeds()
    first = FakePeriodStore(T, period_tables=f.store.period_tables)
    second = FakePeriodStore(T, period_tables=f.store.period_tables)
    seen = second.feeds.get("s-a")
    calendar_feeds.create_feed(NURSE, "r1", store=first, now=NOW)
    second.feeds.save(feeds.Feed("s-a", "f2", feeds.token_hash(feeds.new_token()), NOW), seen)
    with pytest.raises(Conflict):
        second.uow.commit()


def test_the_window_is_thirty_days_back_to_ninety_ahead() -> None:
    assert feeds.window(TODAY) == (TODAY - timedelta(days=30), TODAY + timedelta(days=90))
