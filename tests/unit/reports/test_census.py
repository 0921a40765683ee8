"""The HIS census on the fakes: each rule a row is refused for, a batch refused whole naming every bad row
(its index and day, and the field), a spreadsheet's rows by its own row numbers and columns (Chinese
headers, CSV in UTF-8 with and without BOM and in GB18030, xlsx), a day replaced rather than added, and a
batch written in transactions of 99 days with their audit records."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from chalicelib.reports.contracts import census as models
from chalicelib.reports.domain import census
from chalicelib.reports.domain.ports import KEEP_DAYS
from chalicelib.reports.service import census as service

from shared import spreadsheet
from shared.auth import Principal
from shared.errors import NotFound, RuleViolation
from shared.problems import Problem
from tests.unit.reports.fakes import MemoryFiles, MemoryStore

# 2026-12-06 01:00 UTC is 09:00 on the 6th in Shanghai (and still the 5th nowhere that matters)
NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
TODAY = date(2026, 12, 6)
ADMIN = Principal(tenant="h-one", user="adm-1", roles=frozenset({"hospital_admin"}), staff_name="王伟")
APP = Principal(
    tenant="h-one",
    user="app-1",
    kind="partner",
    installation="in-1",
    app="his-1",
    scopes=frozenset({"report:census:write"}),
)
FULL = {
    "outpatient_visits": 3120,
    "emergency_visits": 264,
    "admissions": 118,
    "discharges": 121,
    "inpatients": 1032,
    "beds_open": 1100,
    "discharged_bed_days": 1006,
    "surgeries": 87,
}


def test_the_fields_are_the_census_measures_and_their_labels_the_headers() -> None:
    assert census.FIELDS == tuple(FULL)
    assert census.HEADERS["门诊人次"] == "outpatient_visits"
    assert census.HEADERS["午夜在院人数"] == "inpatients"
    assert census.HEADERS["出院者占用总床日"] == "discharged_bed_days"
    assert census.HEADERS["日期"] == "day"


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ({"day": "2026-12-05", "admissions": -1}, "admissions", "invalid"),
        ({"day": "2026-12-05", "admissions": 1.5}, "admissions", "invalid"),
        ({"day": "2026-12-05", "admissions": True}, "admissions", "invalid"),
        ({"day": "2026-12-05", "admissions": "many"}, "admissions", "invalid"),
        ({"day": "2026-12-05", "admissions": census.MAX_VALUE + 1}, "admissions", "invalid"),
        ({"day": "2026-12-05", "beds": 3}, "beds", "unknown"),
        ({"day": "2026-13-05", "admissions": 3}, "day", "invalid"),
        ({"admissions": 3}, "day", "invalid"),
        ({"day": "2026-12-07", "admissions": 3}, "day", "out_of_range"),  # tomorrow in Shanghai
        ({"day": (TODAY - timedelta(days=KEEP_DAYS)).isoformat(), "admissions": 3}, "day", "out_of_range"),
        ({"day": "2026-12-05"}, "day", "empty"),
    ],
)
def test_each_rule_refuses_the_row_naming_its_field(row: dict[str, object], field: str, code: str) -> None:
    checked = census.check([row], TODAY)
    assert checked.days == []
    assert [(f.row, f.field, f.code) for f in checked.faults] == [(0, field, code)]


def test_a_clean_row_keeps_whole_numbers_blanks_left_out_and_overflow_beds_allowed() -> None:
    row = {"day": "2026-12-06", "inpatients": "1,120", "beds_open": 1100.0, "surgeries": "", "admissions": 0}
    checked = census.check([row], TODAY)
    assert checked.faults == []
    (day,) = checked.days
    assert day.day == TODAY
    # inpatients above beds open (加床) is kept: occupancy may pass 100 %
    assert day.values == {"census.inpatients": 1120, "census.beds_open": 1100, "census.admissions": 0}


def test_a_batch_with_one_bad_row_is_refused_whole_naming_the_row_its_day_and_field() -> None:
    store = MemoryStore("h-one")
    rows = [
        {"day": "2026-12-01", **FULL},
        {"day": "2026-12-02", **FULL, "surgeries": -3},
        {"day": "2026-12-01", **FULL},
    ]
    with pytest.raises(Problem) as refused:
        service.put_days(ADMIN, models.CensusBatch(rows=rows), store=store, now=NOW)
    problem = refused.value
    assert problem.status == 422
    fields = [e.field for e in problem.errors]
    assert fields == ["rows[1] (2026-12-02).surgeries", "rows[2] (2026-12-01).day"]
    assert "row 0" in problem.errors[1].message
    assert store.tables.days == {}  # nothing written
    assert store.uow.commits == 0


def test_a_day_is_replaced_not_added_and_audited_as_the_app() -> None:
    store = MemoryStore("h-one")
    service.put_day(APP, date(2026, 12, 5), models.CensusFigures(**FULL), store=store, now=NOW)
    again = models.CensusFigures(outpatient_visits=3000, inpatients=1000)
    result = service.put_day(APP, date(2026, 12, 5), again, store=store, now=NOW)
    assert result.days == 1
    kept = store.days.get(date(2026, 12, 5))
    assert kept is not None and kept.census_recorded
    assert kept.values == {"census.outpatient_visits": 3000.0, "census.inpatients": 1000.0}
    assert store.uow.audited[-1][:2] == ("report.census.recorded", "census")


def test_a_future_day_is_refused_in_the_hospitals_time_zone() -> None:
    late = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 01:00 on the 6th in Shanghai: the 6th is today
    store = MemoryStore("h-one")
    service.put_day(ADMIN, date(2026, 12, 6), models.CensusFigures(admissions=3), store=store, now=late)
    with pytest.raises(RuleViolation):
        service.put_day(ADMIN, date(2026, 12, 7), models.CensusFigures(admissions=3), store=store, now=late)


def test_a_year_is_written_in_transactions_of_99_days_each_audited() -> None:
    store = MemoryStore("h-one")
    first = TODAY - timedelta(days=365)
    rows = [{"day": (first + timedelta(days=i)).isoformat(), "outpatient_visits": i} for i in range(366)]
    result = service.put_days(ADMIN, models.CensusBatch(rows=rows), store=store, now=NOW)
    assert (result.days, result.first, result.last) == (366, first, TODAY)
    assert store.uow.commits == 4  # 99 + 99 + 99 + 69
    assert len(store.uow.audited) == 4
    assert len(store.days.between(first, TODAY)) == 366


# ---- files ------------------------------------------------------------------------------------------


def _csv(lines: list[str]) -> str:
    return "\r\n".join(lines) + "\r\n"


CSV = _csv(
    [
        "日期,门诊人次,急诊人次,入院人数,出院人数,午夜在院人数,开放床位,出院者占用总床日,手术台次",
        "2026-12-04,3100,250,110,120,1030,1100,1000,80",
        "",
        "2026/12/05,3120,264,118,121,1032,1100,1006,87",
    ]
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_with_chinese_headers_reads_in_utf8_with_or_without_bom_and_gb18030(encoding: str) -> None:
    table = census.read(CSV.encode(encoding), "csv")
    assert table.faults == []
    assert table.numbers == [2, 4]  # the spreadsheet's own row numbers (a blank row skipped)
    checked = census.check(table.rows, TODAY, table.numbers, table.columns)
    assert checked.faults == []
    assert [d.day for d in checked.days] == [date(2026, 12, 4), date(2026, 12, 5)]
    assert checked.days[1].values["census.discharged_bed_days"] == 1006


def test_field_codes_are_headers_too() -> None:
    table = census.read(b"day,outpatient_visits\n2026-12-05,12\n", "csv")
    checked = census.check(table.rows, TODAY, table.numbers, table.columns)
    assert checked.days[0].values == {"census.outpatient_visits": 12}


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    return spreadsheet.xlsx_bytes("日报", header, rows)


def test_an_xlsx_bad_row_is_named_by_its_row_number_and_column() -> None:
    content = _xlsx(
        ["日期", "门诊人次", "手术台次"],
        [[date(2026, 12, 4), 3100, 80], ["2026-12-05", 3120, "八十"]],
    )
    table = census.read(content, "xlsx")
    checked = census.check(table.rows, TODAY, table.numbers, table.columns)
    assert [(f.row, f.day, f.field) for f in checked.faults] == [(3, "2026-12-05", "C（手术台次）")]


def test_an_unknown_or_missing_header_refuses_the_file() -> None:
    table = census.read(_csv(["门诊,手术台次", "2026-12-05,3"]).encode(), "csv")
    assert [(f.row, f.field, f.code) for f in table.faults] == [
        (1, "A（门诊）", "unknown"),
        (1, "日期", "missing"),
    ]


def test_a_file_of_more_than_a_year_is_refused_before_it_is_read_whole() -> None:
    lines = ["日期,门诊人次"] + [f"2026-01-01,{i}" for i in range(census.MAX_ROWS + 1)]
    with pytest.raises(census.FileTooLarge):
        census.read(_csv(lines).encode(), "csv")


def test_an_upload_is_imported_from_the_tenants_own_key_and_a_bad_row_refuses_it() -> None:
    store, files = MemoryStore("h-one"), MemoryFiles()
    ticket = service.start_upload(
        ADMIN,
        models.UploadRequest(filename="日报.csv", content_type="text/csv", size=len(CSV.encode("gb18030"))),
        files=files,
        now=NOW,
    )
    assert ticket.format == "csv" and ticket.upload_url.startswith("memory://put/h-one/reports/census/")
    files.objects[service.object_key("h-one", ticket.id, "csv")] = CSV.encode("gb18030")
    result = service.import_upload(ADMIN, ticket.id, store=store, files=files, now=NOW)
    assert result.days == 2
    assert store.days.get(date(2026, 12, 5)) is not None
    # another hospital's admin does not find it
    other = Principal(tenant="h-two", user="adm-2", roles=frozenset({"hospital_admin"}))
    with pytest.raises(NotFound):
        service.import_upload(other, ticket.id, store=MemoryStore("h-two"), files=files, now=NOW)
    bad = CSV.replace("1032", "-1").encode()
    files.objects[service.object_key("h-one", ticket.id, "csv")] = bad
    with pytest.raises(Problem) as refused:
        service.import_upload(ADMIN, ticket.id, store=MemoryStore("h-one"), files=files, now=NOW)
    assert [e.field for e in refused.value.errors] == ["row 4 (2026-12-05) · F（午夜在院人数）"]


def test_the_template_is_an_xlsx_with_the_chinese_headers() -> None:
    from openpyxl import load_workbook

    files = MemoryFiles()
    download = service.template(ADMIN, files=files, now=NOW)
    content = files.objects["h-one/reports/templates/census.xlsx"]
    assert download.size == len(content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert list(header) == ["日期", *(census.LABELS[f] for f in census.FIELDS)]
    # the template reads back as a valid (empty) census
    table = census.read(content, "xlsx")
    assert table.faults == []


def test_a_later_chunk_failing_says_how_many_days_were_kept_and_a_retry_lands_on_the_same_figures() -> None:
    from shared.errors import TransientStoreError

    store = MemoryStore("h-one")
    real_commit = store.uow.commit
    calls = {"n": 0}

    def flaky_commit() -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            store.uow.staged.clear()
            raise TransientStoreError("the store is busy, retry shortly")
        real_commit()

    store.uow.commit = flaky_commit  # type: ignore[method-assign]
    first = TODAY - timedelta(days=149)
    rows = [{"day": (first + timedelta(days=i)).isoformat(), "admissions": i} for i in range(150)]
    with pytest.raises(Problem) as partly:
        service.put_days(ADMIN, models.CensusBatch(rows=rows), store=store, now=NOW)
    assert partly.value.status == 503 and partly.value.headers == {"Retry-After": "1"}
    assert partly.value.detail.startswith(
        f"99 of 150 days were recorded (up to {(first + timedelta(days=98))})"
    )
    assert len(store.days.between(first, TODAY)) == 99
    service.put_days(ADMIN, models.CensusBatch(rows=rows), store=store, now=NOW)  # the retry
    kept = store.days.between(first, TODAY)
    assert len(kept) == 150 and [d.values["census.admissions"] for d in kept] == list(range(150))
