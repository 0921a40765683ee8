"""The ward-wall grid as a spreadsheet, on the fakes: the export opened back with openpyxl equals the grid
(every nurse × day, the totals, a shift's colour, the print setup), a published version exported as it was
published, an export imported back restores its cells, and an import refused whole with every fault by
its cell (in Chinese too)."""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from chalicelib.scheduling.contracts import periods as models
from chalicelib.scheduling.contracts import sheets as sheet_models
from chalicelib.scheduling.domain import sheets as layout
from chalicelib.scheduling.domain.setup import CalendarDay, WardSetup, default_shifts
from chalicelib.scheduling.service import periods, sheets
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from shared import i18n
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, RuleViolation
from shared.problems import Problem
from tests.unit.scheduling.test_roster_periods import HEAD, NURSE, OUTSIDER, T, Ward, cells

WEEK = (date(2027, 1, 1), date(2027, 1, 7))  # Friday 元旦 to Thursday
DAYS = [date(2027, 1, d) for d in range(1, 8)]
NAMES = {"s-a": "陈思雨", "s-b": "李娜", "s-c": "王芳", "s-d": "赵敏"}
SHIFT_NAMES = {"D": "白班", "P": "小夜", "N": "大夜"}


class Files:
    """The export's bucket: what was put, under which key, and the link handed out."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.links: list[tuple[str, str, int]] = []

    def put(self, object_key: str, content: bytes, content_type: str) -> None:
        self.objects[object_key] = (content, content_type)

    def download_url(self, object_key: str, filename: str, expires_in: int) -> str:
        self.links.append((object_key, filename, expires_in))
        return f"https://bucket.example/{object_key}?signed"


class SheetWard(Ward):
    def __init__(self) -> None:
        super().__init__()
        self.files = Files()
        self.store.tables.staff[(T, "s-a")] = replace(self.store.tables.staff[(T, "s-a")], nurse_grade="N2")
        self.store.tables.calendar[(T, "2027-01-01")] = CalendarDay(date(2027, 1, 1), "holiday", "元旦")

    def export(self, period_id: str, version: int | None = None, who: Principal = HEAD) -> Worksheet:
        link = sheets.export(
            who, period_id, sheet_models.ExportQuery(version=version), files=self.files, **self.kw()
        )
        content, kind = self.files.objects[self.files.links[-1][0]]
        assert (link.size, link.content_type, kind) == (
            len(content),
            layout.CONTENT_TYPE,
            layout.CONTENT_TYPE,
        )
        self.last = link
        self.content = content
        return load_workbook(io.BytesIO(content)).active  # type: ignore[return-value]

    def import_(self, period_id: str, content: bytes, revision: int | None = None) -> models.EditResult:
        body = sheet_models.ImportSheet(
            revision=revision, content_base64=base64.b64encode(content).decode(), filename="一月.xlsx"
        )
        return sheets.import_sheet(HEAD, period_id, body, **self.kw())


def a_week(w: SheetWard) -> str:
    period_id = w.create(*WEEK)
    w.edit(
        period_id,
        ("s-a", "2027-01-01", "D"),
        ("s-a", "2027-01-02", "D"),
        ("s-a", "2027-01-04", "N"),
        ("s-b", "2027-01-01", "P"),
        ("s-b", "2027-01-04", "D"),
        ("s-c", "2027-01-02", "N"),
        ("s-c", "2027-01-03", "N"),
        ("s-d", "2027-01-05", "P"),
    )
    return period_id


def rows_by_name(ws: Worksheet) -> dict[str, int]:
    out = {}
    for row in range(layout.FIRST_NURSE_ROW, ws.max_row + 1):
        name = ws.cell(row=row, column=1).value
        if not name:
            break
        out[str(name)] = row
    return out


def saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_export_opened_back_equals_the_grid_with_totals_colours_and_a_printable_page() -> None:
    w = SheetWard()
    period_id = a_week(w)
    grid = w.grid(period_id)
    ws = w.export(period_id)
    assert ws.title == "排班表"
    title = str(ws["A1"].value)
    assert "心内科病区" in title and "草稿（第1次修改）" in title and "打印日期" in title
    assert [ws.cell(row=2, column=c).value for c in (1, 2)] == ["姓名", "层级"]
    assert [ws.cell(row=2, column=3 + i).value.date() for i in range(7)] == DAYS  # type: ignore[union-attr]
    assert [ws.cell(row=3, column=3 + i).value for i in range(3)] == ["周五 元旦", "周六", "周日"]
    assert ws["C3"].fill.fgColor.rgb.endswith(layout.HOLIDAY_FILL)  # the holiday's column is marked
    assert [ws.cell(row=2, column=10 + j).value for j in range(3)] == ["班次数", "夜班", "工时"]
    rows = rows_by_name(ws)
    assert set(rows) == set(NAMES.values())
    for nurse in grid.nurses:
        row = rows[nurse.name]
        expected = cells(grid, nurse.staff_id)
        for i, day in enumerate(DAYS):
            code = expected.get(day.isoformat())
            assert ws.cell(row=row, column=3 + i).value == (SHIFT_NAMES[code] if code else None), (
                nurse.name,
                day,
            )
        shifts = [expected.get(d.isoformat()) for d in DAYS if expected.get(d.isoformat())]
        totals = [ws.cell(row=row, column=10 + j).value for j in range(3)]
        assert totals == [len(shifts), shifts.count("N"), 8 * len(shifts)]
    assert ws.cell(row=rows["陈思雨"], column=2).value == "N2"
    assert [ws.cell(row=rows["陈思雨"], column=10 + j).value for j in range(3)] == [3, 1, 24]
    # a shift's cell carries the catalogue's colour (白班 #4a90d9; 大夜 #7b61ff in white letters)
    assert ws.cell(row=rows["陈思雨"], column=3).fill.fgColor.rgb == "004A90D9"
    assert ws.cell(row=rows["陈思雨"], column=6).fill.fgColor.rgb == "007B61FF"
    assert ws.cell(row=rows["陈思雨"], column=6).font.color.rgb == "00FFFFFF"
    # per day: each shift's count, after a blank row under the nurses
    start = layout.FIRST_NURSE_ROW + len(NAMES) + 1
    assert ws.cell(row=start, column=1).value == "每日合计"
    counts = {ws.cell(row=start + 1 + k, column=1).value: k for k in range(3)}
    assert set(counts) == {"白班", "小夜", "大夜"}
    for shift, k in counts.items():
        got = [ws.cell(row=start + 1 + k, column=3 + i).value for i in range(7)]
        code = {v: c for c, v in SHIFT_NAMES.items()}[str(shift)]
        want = [
            sum(1 for n in grid.nurses if cells(grid, n.staff_id).get(d.isoformat()) == code) for d in DAYS
        ]
        assert got == want
    legend = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert "图例" in legend
    at = legend.index("图例") + 1
    assert [ws.cell(row=at + 1 + k, column=2).value for k in range(3)] == ["D", "P", "N"]
    # A4 landscape, one page wide, the title rows repeated on every page
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$3"
    # the download: a short-lived presigned GET, named in Chinese, kept in scheduling's part of the bucket
    key, filename, seconds = w.files.links[-1]
    assert key == f"{T}/scheduling/exports/{period_id}/r1.xlsx"
    assert filename == w.last.filename == "心内科病区 2027年1月1日–1月7日排班（草稿）.xlsx"
    assert seconds == 300 and w.last.version is None and w.last.revision == 1


def test_a_published_version_exports_as_it_was_published_while_the_draft_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = SheetWard()
    original = periods.ward_inputs

    def skipping(*args: Any, **kwargs: Any) -> periods.Inputs:
        got = original(*args, **kwargs)
        return periods.Inputs(
            [WardSetup(s.ward_id, skip_approval=True) for s in got.setups], got.nurses, got.calendar
        )

    monkeypatch.setattr(periods, "ward_inputs", skipping)
    period_id = a_week(w)
    w.publish(period_id)
    w.edit(period_id, ("s-d", "2027-01-07", "D"))  # after publishing: a new draft
    published = w.export(period_id, version=1)
    assert "第1版" in str(published["A1"].value) and w.last.version == 1
    assert w.files.links[-1][0].endswith(f"/{period_id}/v1.xlsx")
    assert w.last.filename.endswith("（第1版）.xlsx")
    row = rows_by_name(published)["赵敏"]
    assert published.cell(row=row, column=9).value is None  # not in version 1
    draft = w.export(period_id)
    assert draft.cell(row=rows_by_name(draft)["赵敏"], column=9).value == "白班"
    # the grid's readers read it: her own nurse too; a nurse of another ward does not
    assert rows_by_name(w.export(period_id, who=NURSE))
    with pytest.raises(Forbidden):
        w.export(period_id, who=OUTSIDER)


def test_an_export_imported_back_restores_its_cells_as_the_next_revision() -> None:
    w = SheetWard()
    period_id = a_week(w)
    before = {n: cells(w.grid(period_id), n) for n in NAMES}
    w.export(period_id)
    exported = w.content
    w.edit(period_id, ("s-a", "2027-01-01", None), ("s-d", "2027-01-07", "P"), ("s-b", "2027-01-06", "N"))
    assert {n: cells(w.grid(period_id), n) for n in NAMES} != before
    result = w.import_(period_id, exported, revision=2)
    assert result.period.revision == 3 and result.period.state == "draft"
    assert {n: cells(w.grid(period_id), n) for n in NAMES} == before
    assert w.store.uow.audited[-1] == ("roster.import", "roster_period", period_id)
    with pytest.raises(Conflict, match="revision 3, not 2"):  # optimistic: a stale file's base is refused
        w.import_(period_id, exported, revision=2)


def test_an_import_is_refused_whole_with_every_fault_by_its_cell_in_chinese_too() -> None:
    w = SheetWard()
    period_id = a_week(w)
    w.export(period_id)
    wb = load_workbook(io.BytesIO(w.content))
    ws = wb.active
    assert ws is not None
    rows = rows_by_name(ws)
    ws.cell(row=2, column=9).value = datetime(2027, 2, 1)  # I2: a date outside the period
    ws.cell(row=rows["李娜"], column=1).value = "李四"  # not a nurse of the ward
    ws.cell(row=rows["王芳"], column=4).value = "夜夜班"  # no such shift
    ws.cell(row=rows["陈思雨"], column=6).value = "小夜"  # F: Jan 4 小夜 …
    ws.cell(row=rows["陈思雨"], column=7).value = "D"  # … then 白班 by code on Jan 5: too short a rest
    with pytest.raises(Problem) as excinfo:
        w.import_(period_id, saved(wb))
    problem = excinfo.value
    assert (problem.status, problem.type.rsplit(":", 1)[-1]) == (422, "roster-import-refused")
    found = {(e.field, e.code) for e in problem.errors}
    assert found == {("I2", "date"), (f"A{rows['李娜']}", "nurse"), (f"D{rows['王芳']}", "shift")}
    zh = i18n.localise(problem, "zh")
    messages = {e.field: e.message for e in zh.errors}
    assert messages["I2"] == "2027-02-01 不在排班周期内（2027-01-01 至 2027-01-07）"
    assert messages[f"A{rows['李娜']}"] == "李四 不是本排班周期的护士"
    assert messages[f"D{rows['王芳']}"] == "夜夜班 不是本病区的班次"
    assert zh.detail == "排班表有 3 个单元格无法导入，未做任何修改"
    assert w.grid(period_id).period.revision == 1  # nothing written
    # the layout is clean now; the hard rules judge what is left, each fault at its cell
    ws.cell(row=2, column=9).value = datetime(2027, 1, 7)
    ws.cell(row=rows["李娜"], column=1).value = "李娜"
    ws.cell(row=rows["王芳"], column=4).value = None
    with pytest.raises(Problem) as excinfo:
        w.import_(period_id, saved(wb))
    # both cells of the succession are named, as PUT …/cells names both changes
    faults = [(e.field, e.code) for e in excinfo.value.errors]
    assert faults == [(f"F{rows['陈思雨']}", "H3"), (f"G{rows['陈思雨']}", "H3")]
    assert all("1月4日小夜后1月5日不能接白班" in e.message for e in excinfo.value.errors)
    assert w.grid(period_id).period.revision == 1


def test_an_unreadable_or_far_too_large_file_is_refused_before_anything_is_read_into_the_grid() -> None:
    w = SheetWard()
    period_id = a_week(w)
    body = sheet_models.ImportSheet(content_base64="not base64!!")
    with pytest.raises(RuleViolation, match="not base64") as excinfo:
        sheets.import_sheet(HEAD, period_id, body, **w.kw())
    assert excinfo.value.field == "content_base64"
    with pytest.raises(RuleViolation, match="not an xlsx workbook"):
        w.import_(period_id, b"name,day\n")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "层级", datetime(2027, 1, 1)])
    for n in range(layout.MAX_ROWS + 5):
        ws.append([f"护士{n}", "", "白班"])
    with pytest.raises(RuleViolation, match="larger than a roster period"):
        w.import_(period_id, saved(wb))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["没有表头"])
    with pytest.raises(Problem) as problem:
        w.import_(period_id, saved(wb))
    assert [(e.field, e.code) for e in problem.value.errors] == [("A1", "layout")]
    with pytest.raises(Forbidden):  # a nurse reads the grid but does not roster it
        sheets.import_sheet(NURSE, period_id, sheet_models.ImportSheet(content_base64="AAAA"), **w.kw())
    assert w.grid(period_id).period.revision == 1


def test_the_layout_reads_names_codes_and_days_off_and_tells_namesakes_apart_by_grade() -> None:
    shifts = default_shifts()
    nurses = [
        layout.ImportNurse("s-1", "王芳", "N1"),
        layout.ImportNurse("s-2", "王芳", "N3"),
        layout.ImportNurse("s-3", "李娜"),
    ]
    rows = [
        (1, ["标题"]),
        (2, ["姓名", "层级", "2027-01-01", "1/2", "班次数"]),
        (3, ["星期", None, "周五", "周六"]),
        (4, ["王芳", "N3", "n", "休"]),
        (5, ["王芳", "N1", "小夜", None]),
        (6, ["李娜", None, "白班", "大夜"]),
        (7, [None]),
        (8, ["白班", "人数", 1, 0]),
    ]
    parsed = layout.parse(rows, [date(2027, 1, 1), date(2027, 1, 2)], nurses, shifts)
    assert parsed.faults == []
    assert parsed.cells == {
        "s-2": {date(2027, 1, 1): "N", date(2027, 1, 2): None},
        "s-1": {date(2027, 1, 1): "P", date(2027, 1, 2): None},
        "s-3": {date(2027, 1, 1): "D", date(2027, 1, 2): "N"},
    }
    assert parsed.where[("s-3", date(2027, 1, 2))] == "D6"
    twice = layout.parse(
        [*rows[:4], (5, ["王芳", None, "D"]), (6, ["李娜"]), (7, ["李娜"])],
        [date(2027, 1, 1)],
        nurses,
        shifts,
    )
    assert [(f.cell, f.code) for f in twice.faults] == [("D2", "date"), ("A5", "nurse"), ("A7", "nurse")]


def test_a_name_that_would_be_a_formula_is_exported_as_text() -> None:
    """A name imported from HR as '=HYPERLINK(…)' must not run when the head nurse opens the grid."""
    w = SheetWard()
    hostile = '=HYPERLINK("http://evil.example","点此")'
    w.store.tables.staff[(T, "s-b")] = replace(w.store.tables.staff[(T, "s-b")], name=hostile)
    ws = w.export(a_week(w))
    (cell,) = [c for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value == hostile]
    assert cell.data_type == "s"  # text, never "f" (a formula)
