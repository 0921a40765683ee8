"""The daily report's view model, its page and its charts, on the fakes (no AWS)."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from chalicelib.reports.domain import daily, page
from chalicelib.reports.domain.days import Contribution
from chalicelib.reports.domain.svg import bars, sparkline
from chalicelib.reports.service import daily as service

from shared.errors import NotFound, RuleViolation
from tests.unit.reports.fakes import MemoryDaysAcross, MemoryStore, Tables


def well_formed(svg: str) -> ET.Element:
    """Our own SVG parsed as XML (it must be well-formed)."""
    return ET.fromstring(svg)  # noqa: S314


DAY = date(2026, 12, 5)  # a Saturday
TODAY = date(2026, 12, 6)
CENSUS = {
    "census.outpatient_visits": 1200,
    "census.emergency_visits": 150,
    "census.inpatients": 450,
    "census.beds_open": 500,
    "census.admissions": 60,
    "census.discharges": 55,
    "census.discharged_bed_days": 440,
    "census.surgeries": 38,
}


def write(
    store: MemoryStore, day: date, counts: dict[str, float] | None = None, census: dict | None = None
) -> None:
    if counts:
        store.days.add(Contribution(day=day, counts=counts))
    if census:
        store.days.set_census(day, dict(census), by="his")
    store.uow.commit()


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore("hosp-a", Tables())
    write(s, DAY, {"approvals.submitted": 12, "approvals.overdue_tasks": 3}, CENSUS)
    write(
        s, DAY - timedelta(days=1), {"approvals.submitted": 8}, {**CENSUS, "census.outpatient_visits": 1000}
    )
    write(s, DAY - timedelta(days=7), {"approvals.submitted": 6})
    write(s, date(2025, 12, 5), {"approvals.submitted": 4})
    return s


def by_code(r: daily.DailyReport) -> dict[str, object]:
    return {f.indicator.code: f for s in r.sections for f in s.figures}


def test_a_figure_beside_the_day_before_the_week_before_and_the_year_before(store: MemoryStore) -> None:
    r = service.build(store, "第一人民医院", DAY, TODAY)
    f = by_code(r)["approvals_submitted"]
    assert (f.value, f.day_before, f.week_before, f.year_before) == (12, 8, 6, 4)  # type: ignore[attr-defined]
    assert f.change(f.day_before) == 4 and f.change_percent(f.day_before) == 50.0  # type: ignore[attr-defined]
    visits = by_code(r)["outpatient_visits"]
    assert visits.change_percent(visits.day_before) == 20.0  # type: ignore[attr-defined]
    assert by_code(r)["bed_occupancy"].value == 90.0  # type: ignore[attr-defined]
    assert len(f.trend) == 30 and f.trend[-1] == 12  # type: ignore[attr-defined]
    assert [s.code for s in r.sections] == list(daily.AREAS)


def test_no_data_is_none_never_a_made_up_zero(store: MemoryStore) -> None:
    r = service.build(store, "第一人民医院", DAY, TODAY)
    f = by_code(r)["outpatient_visits"]
    assert f.week_before is None and f.year_before is None  # type: ignore[attr-defined]
    assert by_code(r)["notification_read_rate"].value is None  # type: ignore[attr-defined]
    # a day with no census at all says so on the page
    empty = service.build(MemoryStore("hosp-b", Tables()), "乡镇卫生院", DAY, TODAY)
    assert not empty.census_recorded
    html = page.daily_page(empty)
    assert page.NOT_REPORTED in html
    assert 'data-indicator="outpatient_visits" data-value=""' in html


def test_the_overdue_section_lists_the_non_zero_overdue_items_first(store: MemoryStore) -> None:
    r = service.build(store, "第一人民医院", DAY, TODAY)
    assert [f.indicator.code for f in r.overdue] == ["approvals_overdue"]
    view = service.view(r)
    assert view.sections[0].code == "overdue"
    assert [f.indicator for f in view.sections[0].figures] == ["approvals_overdue"]
    assert view.sections[0].figures[0].value == 3


def test_a_day_in_the_future_is_refused_and_a_day_older_than_the_keep_points_to_the_export(
    store: MemoryStore,
) -> None:
    with pytest.raises(RuleViolation):
        service.build(store, "", TODAY + timedelta(days=1), TODAY)
    with pytest.raises(NotFound, match="export"):
        service.build(store, "", TODAY - timedelta(days=900), TODAY)
    with pytest.raises(RuleViolation):
        service.parse_day("2026-13-01")
    service.build(store, "", TODAY, TODAY)  # today so far is fine


def test_the_page_escapes_every_name_and_fetches_nothing(store: MemoryStore) -> None:
    html = page.daily_page(service.build(store, "<script>alert(1)</script>医院", DAY, TODAY))
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;医院" in html
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<img" not in html
    assert 'lang="zh-CN"' in html and "Content-Security-Policy" in html
    assert "@page{size:A4" in html and "@media print" in html
    assert html.count("<svg") >= 30  # a sparkline per figure and the comparison chart
    assert 'data-indicator="approvals_submitted" data-value="12"' in html
    assert "较前日 ↑+4（+50.0%）" in html


def test_the_sparkline_is_valid_svg_with_gaps_and_no_nan() -> None:
    for series in ([], [None] * 30, [1.0], [5.0] * 30, [1.0, None, 3.0, float("nan"), 2.0, float("inf")]):
        svg = sparkline(series, label="<b>")
        root = well_formed(svg)
        assert root.tag == "svg"
        assert "nan" not in svg.lower() and "inf" not in svg.lower()
        for n in re.findall(r'(?:x|y|cx|cy|points)="([^"]*)"', svg):
            assert all(math.isfinite(float(v)) for v in re.split(r"[ ,]", n) if v)
    assert len(well_formed(sparkline([1.0, None, 3.0, 4.0])).findall("polyline")) == 1  # 1 is a dot


def test_the_bar_chart_is_valid_svg_and_escapes_labels() -> None:
    svg = bars([("门诊<人次>", (10.0, None, 0.0, 5.0)), ("空", (None, None, None, None))], ("当日", "前日"))
    well_formed(svg)
    assert "门诊&lt;人次&gt;" in svg and "nan" not in svg.lower()


def test_the_consortium_sums_counts_and_recomputes_ratios_from_summed_parts() -> None:
    tables = Tables()
    lead, town = MemoryStore("lead", tables), MemoryStore("town", tables)
    write(
        lead,
        DAY,
        {"approvals.overdue_tasks": 2, "referral.overdue": 1},
        {**CENSUS, "census.inpatients": 400, "census.beds_open": 500},
    )
    write(
        town,
        DAY,
        {"approvals.overdue_tasks": 1, "referral.overdue": 1},
        {**CENSUS, "census.inpatients": 90, "census.beds_open": 100},
    )
    members = [("lead", "县人民医院"), ("town", "<b>镇</b>卫生院"), ("quiet", "")]
    r = daily.consortium(
        "c1", "县域医共体", DAY, members, MemoryDaysAcross(tables).days_of(["lead", "town", "quiet"], [DAY])
    )
    assert [m.values["bed_occupancy"] for m in r.members] == [80.0, 90.0, None]
    assert r.total["bed_occupancy"] == round(490 / 600 * 100, 2)  # not the mean of 80 and 90
    assert r.total["approvals_overdue"] == 3
    assert r.total["inpatients"] == 490
    # one overdue referral between the two, counted by each side: each member shows it, no total counts it twice
    assert [m.values["referrals_overdue"] for m in r.members] == [1, 1, 0]
    assert r.total["referrals_overdue"] is None
    html = page.consortium_page(r)
    assert "&lt;b&gt;镇&lt;/b&gt;卫生院" in html and "<b>" not in html
    assert 'data-total="approvals_overdue">3<' in html


def test_an_arrow_is_green_when_the_figure_moves_the_better_way_and_red_when_not(store: MemoryStore) -> None:
    html = page.daily_page(service.build(store, "医院", DAY, TODAY))
    # outpatient visits (better up) rose 1000 → 1200; overdue approval tasks (better down) rose 0 → 3
    assert '<span class="change good">较前日 ↑+200（+20.0%）</span>' in html
    assert '<span class="change bad">较前日 ↑+3</span>' in html  # no % against a zero
    # emergency visits have no better way: grey
    assert '<span class="change flat">较前日 →0（0.0%）</span>' in html


def test_the_json_says_not_reported_for_a_census_that_did_not_arrive() -> None:
    view = service.view(service.build(MemoryStore("hosp-c", Tables()), "卫生院", DAY, TODAY))
    figures = {f.indicator: f for s in view.sections for f in s.figures}
    assert figures["outpatient_visits"].value is None and figures["outpatient_visits"].display == "未上报"
    assert figures["approvals_submitted"].value == 0 and figures["approvals_submitted"].display == "0"
    assert view.sections[0].code == "overdue" and view.sections[0].figures == []
