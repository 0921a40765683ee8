"""Exports never carry a live formula: every CSV or xlsx the product writes goes through
``shared.spreadsheet``, which neutralises cells starting with = + - @ (imported names can)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.spreadsheet import FORMULA_START, csv_text, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ['=HYPERLINK("http://evil.example","点此")', "+86 138 0000 0000", "-2+3", "@SUM(1+1)", "\t=1+1"]


def test_csv_cells_that_would_be_formulas_are_text() -> None:
    text = csv_text(["姓名", "工号"], [[name, "E1"] for name in HOSTILE] + [["张三", None]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:-1]] == ["'" + name for name in HOSTILE]
    assert rows[-1] == ["张三", ""]


def test_xlsx_cells_that_would_be_formulas_are_stored_as_text() -> None:
    from openpyxl import load_workbook

    data = xlsx_bytes("名单", ["姓名"], [[name] for name in HOSTILE] + [["张三"], [42]])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [*HOSTILE, "张三", 42]
    assert all(c.data_type == "s" for c in cells[: len(HOSTILE)])  # text, never "f" (a formula)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_no_csv_cell_starts_a_formula(value: str) -> None:
    text = csv_text(["x"], [[value]])
    (cell,) = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))[1] or [""]
    assert not cell.startswith(FORMULA_START) or cell.startswith("'")


@pytest.mark.parametrize("folder", ["shared", "services", "fh"])
def test_nothing_writes_csv_or_xlsx_around_the_guard(folder: str) -> None:
    """A writer anywhere but shared/spreadsheet.py would skip the neutralising."""
    writers = re.compile(r"csv\.writer|csv\.DictWriter|xlsxwriter|Workbook\(|\.to_csv\(|\.to_excel\(")
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "spreadsheet.py"
        and ".venv" not in path.parts
        and writers.search(path.read_text("utf-8"))
    ]
    assert found == []
