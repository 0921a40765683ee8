"""The only way the product writes CSV or xlsx files people open in a spreadsheet program.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a formula to Excel,
WPS and LibreOffice: an imported name such as ``=HYPERLINK("http://…","点此")`` or ``@SUM(1+1)*cmd|' /C
calc'!A0`` would run when a head nurse opens an export. So every cell goes through here:

- CSV (``csv_text``): such a cell is written with a leading ``'`` (OWASP's advice), which spreadsheet
  programs show as text; the file starts with a UTF-8 BOM so Excel reads Chinese correctly.
- xlsx (``xlsx_bytes``): such a cell is stored as an explicit string cell, which is never evaluated,
  so the text stays exactly as entered.

``tests/unit/test_spreadsheet.py`` also fails when any module writes CSV or xlsx another way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell a spreadsheet shows as text (a formula-like string gets a leading ')."""
    return "'" + value if is_formula_like(value) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (UTF-8 BOM, CRLF lines) whose every cell is safe to open."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell("" if cell is None else cell) for cell in row])
    return out.getvalue()


def workbook() -> Any:
    """An openpyxl workbook for an export laid out by hand (print setup, fills, merged titles): write
    every cell of it with ``set_cell``."""
    from openpyxl import Workbook

    return Workbook()


def set_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell of such a workbook: a formula-like string is stored as text, never evaluated."""
    cell = sheet.cell(row=row, column=column, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
    return cell


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An xlsx workbook of one sheet (streamed: rows are not held in memory); no cell is a formula."""
    return xlsx_book([(sheet or "Sheet1", header, rows)])


def xlsx_book(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An xlsx workbook of several sheets (each ``(title, header, rows)``), streamed as ``xlsx_bytes``
    writes one: no cell is a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        page = book.create_sheet(title=title[:31] or "Sheet1")

        def cells(values: Sequence[Any], page: Any = page) -> list[Any]:
            out = []
            for value in values:
                cell = WriteOnlyCell(page, value=value)
                if is_formula_like(value):
                    cell.data_type = "s"  # stored as text: never evaluated
                out.append(cell)
            return out

        page.append(cells(header))
        for row in rows:
            page.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
