"""Indicators over a range of kept days, on the fakes: a ratio over a range is the summed numerator over
the summed denominator (not a mean of daily rates), a day with nothing kept has no value, bad codes and
ranges are refused naming them; the xlsx export shows names and units (never codes) and the definitions;
the catalogue lists every indicator; the history export goes to exports/<date>."""

from __future__ import annotations

import io
from datetime import date

import pytest
from chalicelib.reports.contracts import indicators as models
from chalicelib.reports.domain.days import Contribution
from chalicelib.reports.domain.indicators import BY_CODE, INDICATORS
from chalicelib.reports.service import history
from chalicelib.reports.service import indicators as service

from shared.auth import Principal
from shared.errors import RuleViolation
from tests.unit.reports.fakes import MemoryFiles, MemoryHistory, MemoryStore

LEADER = Principal(tenant="h-one", user="dir-1", roles=frozenset({"hospital_leader"}), staff_name="李院长")


def _store() -> MemoryStore:
    store = MemoryStore("h-one")
    # day 1: 90 of 100 beds; day 2: 50 of 200 beds (daily rates 90 % and 25 %)
    store.days.set_census(
        date(2026, 12, 1),
        {"census.inpatients": 90, "census.beds_open": 100, "census.outpatient_visits": 1000},
        "adm-1",
    )
    store.days.set_census(
        date(2026, 12, 2),
        {"census.inpatients": 50, "census.beds_open": 200, "census.outpatient_visits": 1200},
        "adm-1",
    )
    store.days.add(Contribution(date(2026, 12, 3), counts={"approvals.submitted": 4}))
    store.uow.commit()
    return store


def _query(codes: str | None, first: str = "2026-12-01", last: str = "2026-12-04") -> models.RangeQuery:
    return models.RangeQuery.model_validate({"from": first, "to": last, "indicators": codes})


def test_a_ratio_over_a_range_is_the_summed_numerator_over_the_summed_denominator() -> None:
    out = service.range_of(LEADER, _query("bed_occupancy,outpatient_visits,inpatients"), _store())
    occupancy, visits, inpatients = out.indicators
    assert occupancy.value == round(140 / 300 * 100, 2)  # 46.67, not (90 + 25) / 2
    assert [d.value for d in occupancy.days] == [90.0, 25.0, None, None]
    assert visits.value == 2200
    assert inpatients.value == 70  # the mean of the days the census arrived for
    assert (occupancy.name, occupancy.unit) == ("床位使用率", "%")


def test_every_indicator_by_default_and_a_bad_code_is_refused_naming_it() -> None:
    out = service.range_of(LEADER, _query(None), _store())
    assert [i.code for i in out.indicators] == [i.code for i in INDICATORS]
    assert next(i for i in out.indicators if i.code == "approvals_submitted").value == 4
    with pytest.raises(RuleViolation, match="no indicator beds_used"):
        service.range_of(LEADER, _query("bed_occupancy,beds_used"), _store())


@pytest.mark.parametrize(("first", "last"), [("2026-12-02", "2026-12-01"), ("2025-01-01", "2026-12-01")])
def test_a_range_must_run_forward_and_hold_at_most_366_days(first: str, last: str) -> None:
    with pytest.raises(RuleViolation):
        service.range_of(LEADER, _query(None, first, last), _store())


def test_the_catalogue_lists_every_indicator_with_its_formula_in_words() -> None:
    listed = {i.code: i for i in service.catalogue().indicators}
    assert list(listed) == [i.code for i in INDICATORS]
    occupancy = listed["bed_occupancy"]
    assert (occupancy.area_title, occupancy.numerator, occupancy.denominator) == (
        "医疗业务",
        "午夜在院人数",
        "开放床位",
    )
    assert (occupancy.factor, occupancy.unit, occupancy.aggregate) == (100, "%", "ratio")


def test_the_export_holds_the_figures_by_day_under_names_and_units_and_the_definitions() -> None:
    from openpyxl import load_workbook

    files = MemoryFiles()
    query = models.ExportQuery.model_validate({"from": "2026-12-01", "to": "2026-12-03"})
    download = service.export(LEADER, query, _store(), files)
    (key,) = files.objects
    assert key == "h-one/reports/exports/2026-12-01_2026-12-03.xlsx"
    assert download.url == f"memory://get/{key}" and download.filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(files.objects[key]), read_only=True)
    figures, definitions = book.worksheets
    rows = list(figures.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "日期" and "门诊人次（人次）" in header and "床位使用率（%）" in header
    assert not any(i.code in str(h) for h in header for i in INDICATORS if i.code != i.name)
    visits = header.index("门诊人次（人次）")
    assert [r[visits] for r in rows[1:]] == [1000, 1200, None, 2200]  # the days, then the whole range
    assert rows[-1][0] == "全期"
    defs = list(definitions.iter_rows(values_only=True))
    assert len(defs) == len(INDICATORS) + 1
    assert any(r[1] == "床位使用率" and r[2] == "午夜在院人数" and r[3] == "开放床位" for r in defs)


def test_the_weekly_history_export_goes_under_exports_and_its_date() -> None:
    exporter = MemoryHistory()
    assert history.export_history(exporter, on=date(2026, 12, 7)) == "export-1"
    assert exporter.prefixes == ["exports/2026-12-07"]


def test_every_indicator_aggregate_has_its_words_in_the_export() -> None:
    assert {i.aggregate for i in BY_CODE.values()} <= set(service.AGGREGATES)
