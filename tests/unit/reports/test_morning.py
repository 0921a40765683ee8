"""The 07:00 morning report on fakes, its clock injected: due at send_at on each hospital's own clock
(never in the afternoon), once a morning (the marker decides), the leaders resolved at the time, the
headline lines' arithmetic, and the settings an admin keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chalicelib.reports.contracts.settings import SettingsIn
from chalicelib.reports.domain import morning as rules
from chalicelib.reports.domain.compare import figures
from chalicelib.reports.domain.days import Contribution
from chalicelib.reports.domain.indicators import BY_CODE, HEADLINE
from chalicelib.reports.domain.morning import ReportSettings
from chalicelib.reports.service import morning, settings

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, RuleViolation
from shared.events.published.reports import DAILY_REPORT_READY
from tests.fakes import MemoryUnitOfWork
from tests.unit.reports.fakes import MemoryDirectory, MemoryStore, Tables

H1, H2 = "h-sh", "h-xj"
# 2026-12-06 07:00 in Shanghai (UTC+8) is 2026-12-05 23:00 UTC
SH_0700 = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.tables = Tables()
        self.directory = MemoryDirectory()
        self.uows: list[MemoryUnitOfWork] = []

    def store(self, tenant: str) -> MemoryStore:
        uow = MemoryUnitOfWork()
        self.uows.append(uow)
        return MemoryStore(tenant, self.tables, uow)

    def sweep(self, now: datetime) -> morning.SweepReport:
        return morning.sweep(now, self.directory, self.store)

    @property
    def events(self) -> list[object]:
        return [e for u in self.uows for e in u.published]

    def census(self, tenant: str, day: date, **values: float) -> None:
        s = self.store(tenant)
        s.days.set_census(day, {f"census.{k}": v for k, v in values.items()}, "his")
        s.commit()


@pytest.fixture
def world() -> World:
    w = World()
    w.directory.add_hospital(H1, "Asia/Shanghai")
    w.directory.add_staff(H1, "dir-1", "王院长", ("hospital_leader",))
    w.directory.add_staff(H1, "adm-1", "李管理", ("hospital_admin",))
    return w


def test_before_send_at_nothing_is_sent_and_nothing_marked(world: World) -> None:
    report = world.sweep(SH_0700 - timedelta(minutes=1))
    assert report.sent == [] and world.events == []
    assert world.tables.records == {}


def test_at_0700_one_event_with_recipients_lines_and_link(world: World) -> None:
    yesterday = date(2026, 12, 5)
    world.census(H1, yesterday, outpatient_visits=1234, emergency_visits=80)
    world.census(H1, yesterday - timedelta(days=1), outpatient_visits=1173, emergency_visits=80)
    world.census(H1, yesterday - timedelta(days=7), outpatient_visits=1246.5, emergency_visits=100)

    report = world.sweep(SH_0700)

    assert report.sent == [H1]
    [event] = world.events
    data = DAILY_REPORT_READY.parse(event)  # type: ignore[arg-type]
    assert event.tenant == H1  # type: ignore[attr-defined]
    assert data.day == yesterday
    assert data.notify == ["dir-1"]
    assert data.title == "院长日报 · 12月5日"
    assert data.link == "/reports/daily/2026-12-05/page"
    assert data.lines[0] == "门诊人次 1,234（较前日 +5.2%，较上周同日 −1.0%）"
    assert data.lines[1] == "急诊人次 80（较前日 ±0%，较上周同日 −20.0%）"
    assert len(data.lines) == len(HEADLINE)


def test_a_second_sweep_the_same_morning_sends_nothing(world: World) -> None:
    world.sweep(SH_0700)
    again = world.sweep(SH_0700 + timedelta(minutes=5))
    later = world.sweep(SH_0700 + timedelta(hours=3))
    assert again.sent == [] and later.sent == []
    assert len(world.events) == 1


def test_two_sweeps_at_once_the_marker_condition_decides(world: World) -> None:
    """Both read 'not sent' (a Lambda retry racing the first run): the second's commit conflicts."""
    hospital = world.directory.hospitals()[0]
    first, second = world.store(H1), world.store(H1)
    assert morning.send_one(hospital, SH_0700, first, world.directory) == "sent"
    # the second read before the first committed: its marker staged on a fresh store fails on commit
    second.mornings.mark(date(2026, 12, 6), morning.ALREADY_SENT)
    with pytest.raises(Conflict):
        second.commit()
    assert morning.send_one(hospital, SH_0700, world.store(H1), world.directory) is None
    assert len(world.events) == 1


def test_next_morning_sends_again(world: World) -> None:
    world.sweep(SH_0700)
    world.sweep(SH_0700 + timedelta(days=1))
    days = [DAILY_REPORT_READY.parse(e).day for e in world.events]  # type: ignore[arg-type]
    assert days == [date(2026, 12, 5), date(2026, 12, 6)]


def test_an_afternoon_start_sends_no_stale_morning_report(world: World) -> None:
    assert world.sweep(SH_0700 + timedelta(hours=5)).sent == []  # 12:00 local
    assert world.tables.records == {}


def test_each_hospital_on_its_own_clock(world: World) -> None:
    world.directory.add_hospital(H2, "Asia/Urumqi")  # UTC+6: 07:00 there is 09:00 in Shanghai
    world.directory.add_staff(H2, "dir-2", "阿院长", ("hospital_leader",))
    assert world.sweep(SH_0700).sent == [H1]
    assert world.sweep(SH_0700 + timedelta(hours=1, minutes=55)).sent == []
    assert world.sweep(SH_0700 + timedelta(hours=2)).sent == [H2]
    assert [e.tenant for e in world.events] == [H1, H2]  # type: ignore[attr-defined]


def test_hong_kong_gets_it_at_its_0700(world: World) -> None:
    world.directory.zones.clear()
    world.directory.add_hospital(H2, "Asia/Hong_Kong")
    world.directory.add_staff(H2, "dir-2", "陳院長", ("hospital_leader",))
    assert world.sweep(SH_0700 - timedelta(seconds=1)).sent == []
    assert world.sweep(SH_0700).sent == [H2]


def test_a_leader_who_left_is_not_told(world: World) -> None:
    world.directory.add_staff(H1, "dir-old", "前院长", ("hospital_leader",), status="left")
    world.directory.add_staff(H1, "vice-1", "赵副院长")
    world.directory.add_staff(H1, "vice-2", "钱副院长", status="left")
    s = world.store(H1)
    s.settings.put(ReportSettings(leaders=["vice-1", "vice-2", "dir-1"]), Conflict("stale"))
    s.commit()
    world.sweep(SH_0700)
    [event] = world.events
    assert DAILY_REPORT_READY.parse(event).notify == ["dir-1", "vice-1"]  # type: ignore[arg-type]


def test_nobody_to_tell_marks_the_morning_without_an_event(world: World) -> None:
    world.directory.staff.clear()
    report = world.sweep(SH_0700)
    assert report.untold == [H1] and world.events == []
    assert (H1, "morning", "2026-12-06") in world.tables.records
    # a leader named later that morning does not get a second, late sweep's report
    world.directory.add_staff(H1, "dir-1", "王院长", ("hospital_leader",))
    assert world.sweep(SH_0700 + timedelta(minutes=5)).sent == []


def test_disabled_sends_nothing(world: World) -> None:
    s = world.store(H1)
    s.settings.put(ReportSettings(enabled=False), Conflict("stale"))
    s.commit()
    assert world.sweep(SH_0700).sent == [] and world.events == []


def test_a_later_send_at_is_kept(world: World) -> None:
    s = world.store(H1)
    s.settings.put(ReportSettings(send_at="08:30"), Conflict("stale"))
    s.commit()
    assert world.sweep(SH_0700 + timedelta(hours=1, minutes=29)).sent == []
    assert world.sweep(SH_0700 + timedelta(hours=1, minutes=30)).sent == [H1]


def test_one_hospital_failing_does_not_stop_the_others(world: World) -> None:
    world.directory.add_hospital(H2, "Asia/Shanghai")
    world.directory.add_staff(H2, "dir-2", "钱院长", ("hospital_leader",))
    real = world.store

    def store(tenant: str) -> MemoryStore:
        if tenant == H1:
            raise RuntimeError("boom")
        return real(tenant)

    report = morning.sweep(SH_0700, world.directory, store)
    assert report.failed == [H1] and report.sent == [H2]
    assert world.sweep(SH_0700 + timedelta(minutes=5)).sent == [H1]  # the next sweep catches up


# ---- the lines' arithmetic --------------------------------------------------------------------------


def _line(code: str, days: list[tuple[date, dict[str, float], bool]]) -> str:
    from chalicelib.reports.domain.days import DayFigures

    kept = [DayFigures(day=d, values=v, census_recorded=c) for d, v, c in days]
    [figure] = figures(date(2026, 12, 5), kept, [BY_CODE[code]])
    return rules.line(figure)


def test_no_census_reads_not_reported() -> None:
    assert _line("outpatient_visits", []) == "门诊人次 未上报"


def test_no_base_day_reads_a_dash() -> None:
    got = _line("outpatient_visits", [(date(2026, 12, 5), {"census.outpatient_visits": 10}, True)])
    assert got == "门诊人次 10（较前日 —，较上周同日 —）"


def test_a_count_with_no_events_is_zero_not_missing() -> None:
    d = date(2026, 12, 5)
    got = _line("approvals_overdue", [(d, {"approvals.overdue_tasks": 3}, False)])
    assert got == "超时审批任务 3（较前日 —，较上周同日 —）"
    contribution = Contribution(day=d - timedelta(days=1), counts={"approvals.overdue_tasks": 4})
    assert contribution.counts


def test_a_rate_moves_in_points() -> None:
    d = date(2026, 12, 5)
    census = {"census.inpatients": 85, "census.beds_open": 100}
    before = {"census.inpatients": 80, "census.beds_open": 100}
    got = _line("bed_occupancy", [(d - timedelta(days=1), before, True), (d, census, True)])
    assert got.startswith("床位使用率 85%（较前日 +5.0个百分点")


def test_send_at_must_be_a_morning_time() -> None:
    assert rules.parse_send_at("06:45").hour == 6
    for bad in ("12:00", "7:00", "07:60", "ab:cd"):
        with pytest.raises(ValueError):
            rules.parse_send_at(bad)


# ---- the settings ---------------------------------------------------------------------------------------

ADMIN = Principal(tenant=H1, user="adm-1", roles=frozenset({"hospital_admin"}), staff_id="adm-1")


def test_settings_default_then_saved_with_names_and_audited(world: World) -> None:
    s = world.store(H1)
    view = settings.get_settings(ADMIN, store=s, directory=world.directory)
    assert (view.version, view.leader_roles, view.send_at, view.enabled) == (
        0,
        ["hospital_leader"],
        "07:00",
        True,
    )
    assert view.timezone == "Asia/Shanghai"
    saved = settings.put_settings(
        ADMIN,
        SettingsIn(version=0, leaders=["dir-1"], send_at="06:30"),
        store=s,
        directory=world.directory,
    )
    assert saved.version == 1
    assert [(x.id, x.name) for x in saved.leaders] == [("dir-1", "王院长")]
    assert s.uow.audited == [("report.settings_saved", "report-settings", "settings")]
    assert settings.get_settings(ADMIN, store=world.store(H1), directory=world.directory).send_at == "06:30"


def test_settings_stale_version_conflicts(world: World) -> None:
    settings.put_settings(ADMIN, SettingsIn(version=0), store=world.store(H1), directory=world.directory)
    with pytest.raises(Conflict):
        settings.put_settings(ADMIN, SettingsIn(version=0), store=world.store(H1), directory=world.directory)


def test_settings_refuse_unknown_or_departed_leaders_by_name(world: World) -> None:
    world.directory.add_staff(H1, "gone", "孙离职", status="left")
    world.directory.add_staff("other", "foreign", "外院")
    with pytest.raises(RuleViolation) as refused:
        settings.put_settings(
            ADMIN,
            SettingsIn(version=0, leaders=["dir-1", "gone", "nobody", "foreign"]),
            store=world.store(H1),
            directory=world.directory,
        )
    message = str(refused.value)
    assert "孙离职（gone）" in message and "nobody" in message and "foreign" in message
    assert "dir-1" not in message and "外院" not in message


def test_settings_need_an_admin(world: World) -> None:
    leader = Principal(tenant=H1, user="dir-1", roles=frozenset({"hospital_leader"}), staff_id="dir-1")
    with pytest.raises(Forbidden):
        settings.get_settings(leader, store=world.store(H1), directory=world.directory)


def test_the_sweep_takes_its_clock_from_the_scheduled_event() -> None:
    from types import SimpleNamespace

    from chalicelib.reports import schedules

    assert schedules.scheduled_at(SimpleNamespace(time="2026-12-05T23:00:00Z")) == SH_0700
    assert schedules.scheduled_at(SimpleNamespace()).tzinfo is UTC  # no time given: now
