"""The ward-wall grid as a spreadsheet: written (xlsx, printable) and read back (an import).

The layout (one sheet, 排班表), as a ward prints it:

- row 1: the title — wards, span, draft (修改 n) or 第 n 版, printed date;
- row 2: 姓名, 层级, one column per day (the date), then 班次数, 夜班, 工时;
- row 3: 星期 — each day's weekday, a public holiday's name (and its fill), 调休 working days marked;
- one row per nurse: her name, grade, each day's shift name filled with the shift's colour, her totals;
- a blank row, then 每日合计: one row per shift counting it per day;
- a blank row, then 图例: one row per shift (code, name, times, hours) in its colour.

Reading takes the same layout: the header row is the row whose A cell is 姓名 (its day columns are
dates), nurse rows run until the first row with an empty A cell; a cell is a shift's name or code, and
blank or 休 is a day off. Everything is checked before anything is returned, each fault by its cell
reference (``C7``). Pure: openpyxl only (no AWS); ``service/sheets.py`` stores and applies.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.scheduling.domain.setup import CalendarDay, ShiftDef

from shared import spreadsheet

SHEET = "排班表"
NAME, GRADE = "姓名", "层级"
WEEKDAY_ROW_LABEL = "星期"
TOTALS = ("班次数", "夜班", "工时")
DAY_TOTALS = "每日合计"
LEGEND = "图例"
OFF = "休"
WEEKDAYS = "一二三四五六日"
HEADER_ROW, WEEKDAY_ROW, FIRST_NURSE_ROW = 2, 3, 4
FIRST_DAY_COL = 3  # C
HOLIDAY_FILL = "FDE9D9"
HEADER_FILL = "D9D9D9"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What an import reads at most: a file's bytes, rows looked at, and columns of a row (two months of
# days, the names and the totals, with room to spare). Past either, the file is refused while streaming.
MAX_BYTES = 256 * 1024  # what a request body holds at most (shared.settings)
MAX_ROWS = 1000
MAX_COLUMNS = 80
MAX_ERRORS = 100  # faults listed (a file wrong everywhere says so in its first hundred)


@dataclass(frozen=True)
class SheetNurse:
    staff_id: str
    name: str
    grade: str
    cells: Mapping[date, str]  # date -> shift code


@dataclass(frozen=True)
class Sheet:
    """What the export prints."""

    title: str
    status: str  # 草稿（第 3 次修改） / 第 2 版
    printed: date
    days: Sequence[date]
    shifts: Sequence[ShiftDef]
    nurses: Sequence[SheetNurse]
    calendar: Mapping[date, CalendarDay] = field(default_factory=dict)


def column(index: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _hex(colour: str) -> str:
    text = colour.strip().lstrip("#").upper()
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    return text if len(text) == 6 and all(c in "0123456789ABCDEF" for c in text) else "FFFFFF"


def _dark(rgb: str) -> bool:
    r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


def nurse_totals(nurse: SheetNurse, shifts: Mapping[str, ShiftDef]) -> tuple[int, int, float]:
    """班次数, 夜班, 工时 of one nurse."""
    worked = [shifts[c] for c in nurse.cells.values() if c in shifts]
    return len(worked), sum(1 for s in worked if s.night), round(sum(s.hours for s in worked), 1)


def day_counts(sheet: Sheet) -> dict[str, list[int]]:
    """Per shift code, how many nurses work it on each day of the sheet."""
    return {
        s.code: [sum(1 for n in sheet.nurses if n.cells.get(d) == s.code) for d in sheet.days]
        for s in sheet.shifts
    }


def weekday_label(day: date, calendar: Mapping[date, CalendarDay]) -> str:
    special = calendar.get(day)
    text = f"周{WEEKDAYS[day.weekday()]}"
    if special is not None and special.kind == "holiday":
        return f"{text} {special.name or '节假日'}"
    if special is not None and special.kind == "workday":
        return f"{text} 班"
    return text


def write(sheet: Sheet) -> bytes:
    """The grid as an xlsx workbook (A4 landscape, one page wide, the title rows on every page)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = spreadsheet.workbook()  # every cell through set_cell: a name such as '=HYPERLINK(…)' stays text
    ws = wb.active
    ws.title = SHEET
    by_code = {s.code: s for s in sheet.shifts}
    days = list(sheet.days)
    last_day_col = FIRST_DAY_COL + len(days) - 1
    last_col = last_day_col + len(TOTALS)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor=HEADER_FILL)
    holiday = PatternFill("solid", fgColor=HOLIDAY_FILL)

    def put(
        row: int, col: int, value: object, fill: PatternFill | None = None, font: Font | None = None
    ) -> None:
        cell = spreadsheet.set_cell(ws, row, col, value)
        cell.border = box
        cell.alignment = centre
        if fill is not None:
            cell.fill = fill
        if font is not None:
            cell.font = font

    spreadsheet.set_cell(ws, 1, 1, f"{sheet.title}　{sheet.status}　打印日期：{sheet.printed.isoformat()}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.row_dimensions[1].height = 24

    put(HEADER_ROW, 1, NAME, grey, bold)
    put(HEADER_ROW, 2, GRADE, grey, bold)
    put(WEEKDAY_ROW, 1, WEEKDAY_ROW_LABEL, grey, bold)
    put(WEEKDAY_ROW, 2, "", grey)
    for i, day in enumerate(days):
        col = FIRST_DAY_COL + i
        special = sheet.calendar.get(day)
        fill = holiday if special is not None and special.kind == "holiday" else grey
        put(HEADER_ROW, col, day, fill, bold)
        ws.cell(row=HEADER_ROW, column=col).number_format = "m/d"
        put(WEEKDAY_ROW, col, weekday_label(day, sheet.calendar), fill)
        ws.column_dimensions[column(col)].width = 6.5
    for j, label in enumerate(TOTALS):
        put(HEADER_ROW, last_day_col + 1 + j, label, grey, bold)
        put(WEEKDAY_ROW, last_day_col + 1 + j, "", grey)
        ws.column_dimensions[column(last_day_col + 1 + j)].width = 7
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 6
    ws.row_dimensions[WEEKDAY_ROW].height = 28

    fills = {s.code: PatternFill("solid", fgColor=_hex(s.colour)) for s in sheet.shifts}
    fonts = {s.code: Font(color="FFFFFF" if _dark(_hex(s.colour)) else "000000") for s in sheet.shifts}
    row = FIRST_NURSE_ROW
    for nurse in sheet.nurses:
        put(row, 1, nurse.name)
        put(row, 2, nurse.grade)
        for i, day in enumerate(days):
            code = nurse.cells.get(day)
            shift = by_code.get(code) if code else None
            if shift is None:
                put(row, FIRST_DAY_COL + i, code or None)
            else:
                put(row, FIRST_DAY_COL + i, shift.name, fills[shift.code], fonts[shift.code])
        for j, value in enumerate(nurse_totals(nurse, by_code)):
            put(row, last_day_col + 1 + j, value)
        row += 1

    row += 1
    put(row, 1, DAY_TOTALS, grey, bold)
    put(row, 2, "", grey)
    row += 1
    for code, counts in day_counts(sheet).items():
        shift = by_code[code]
        put(row, 1, shift.name, fills[code], fonts[code])
        put(row, 2, "人数")
        for i, count in enumerate(counts):
            put(row, FIRST_DAY_COL + i, count)
        row += 1

    row += 1
    put(row, 1, LEGEND, grey, bold)
    put(row, 2, "代码", grey, bold)
    spreadsheet.set_cell(ws, row, 3, "时间").font = bold
    spreadsheet.set_cell(ws, row, 6, "工时").font = bold
    row += 1
    for shift in sheet.shifts:
        put(row, 1, shift.name, fills[shift.code], fonts[shift.code])
        put(row, 2, shift.code)
        spreadsheet.set_cell(ws, row, 3, f"{shift.start:%H:%M}–{shift.end:%H:%M}")
        spreadsheet.set_cell(ws, row, 6, round(shift.hours, 1))
        row += 1
    spreadsheet.set_cell(ws, row, 1, f"空白或「{OFF}」为休息；夜班：跨零点或 20:00–06:00 开始的班次")

    ws.freeze_panes = ws.cell(row=FIRST_NURSE_ROW, column=FIRST_DAY_COL)
    ws.print_title_rows = f"1:{WEEKDAY_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading a file back -----------------------------------------------------------------------------


class FileTooLarge(ValueError):
    """More than one ward's period could hold: refused before the rest of the file is read."""


class Unreadable(ValueError):
    """Not an xlsx workbook this layout can be read from."""


@dataclass(frozen=True)
class Fault:
    """A cell that cannot be imported: its reference (``C7``), an English template with its values
    (``{}``; the catalogue in ``shared/i18n.py`` renders it in Chinese) and a code."""

    cell: str
    template: str
    values: tuple[str, ...] = ()
    code: str = "invalid"

    def text(self) -> str:
        return self.template.format(*self.values)


@dataclass(frozen=True)
class ImportNurse:
    staff_id: str
    name: str
    grade: str = ""


@dataclass
class Parsed:
    """An imported grid: per nurse (by staff id) her cells (date → shift code or None for off), the
    cell each came from, and every fault found."""

    cells: dict[str, dict[date, str | None]] = field(default_factory=dict)
    where: dict[tuple[str, date], str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # staff id -> her row's number
    faults: list[Fault] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_date(value: object, year: int) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for sep in ("-", "/", "."):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                return None
        if len(parts) == 2 and all(p.isdigit() for p in parts):  # 1/4 as the sheet shows it
            try:
                return date(year, int(parts[0]), int(parts[1]))
            except ValueError:
                return None
    return None


def rows_of(content: bytes) -> Iterable[tuple[int, Sequence[object]]]:
    """The first sheet's rows (1-based number, values), streamed (openpyxl read-only); ``FileTooLarge``
    past MAX_BYTES, MAX_ROWS rows or MAX_COLUMNS columns, ``Unreadable`` when it is not a workbook."""
    if len(content) > MAX_BYTES:
        raise FileTooLarge(f"more than {MAX_BYTES} bytes")
    from zipfile import BadZipFile

    from openpyxl import load_workbook  # lazy

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise Unreadable(str(exc)) from exc
    try:
        sheet = wb.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise FileTooLarge(f"more than {MAX_ROWS} rows")
            if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                raise FileTooLarge(f"more than {MAX_COLUMNS} columns")
            yield number, values[:MAX_COLUMNS]
    finally:
        wb.close()


def parse(
    rows: Iterable[tuple[int, Sequence[object]]],
    days: Sequence[date],
    nurses: Sequence[ImportNurse],
    shifts: Sequence[ShiftDef],
) -> Parsed:
    """The grid a file holds, checked whole: the header (a row whose A cell is 姓名, its day columns
    dates of the period), each nurse row (a name of the period's nurses — a name two of them share is
    told apart by 层级 — at most once), each cell (a shift's name or code; blank or 休 is off)."""
    out = Parsed()
    first, last = days[0], days[-1]
    by_label: dict[str, str] = {}
    for s in shifts:
        by_label[s.code.casefold()] = s.code
        by_label[s.name.casefold()] = s.code
    by_name: dict[str, list[ImportNurse]] = {}
    for n in nurses:
        by_name.setdefault(n.name, []).append(n)
    columns: dict[int, date] | None = None  # 0-based column -> date
    seen: dict[str, str] = {}  # staff id -> the cell naming her
    done = False

    def fault(cell: str, template: str, *values: str, code: str = "invalid") -> None:
        out.faults.append(Fault(cell, template, tuple(values), code))

    for number, values in rows:
        a = _text(values[0]) if values else ""
        if columns is None:
            if a != NAME:
                continue
            columns = {}
            used: dict[date, str] = {}
            for i, value in enumerate(values[FIRST_DAY_COL - 1 :], start=FIRST_DAY_COL - 1):
                ref = f"{column(i + 1)}{number}"
                text = _text(value)
                if not text or text in TOTALS:
                    continue
                day = _as_date(value, first.year)
                if day is None:
                    fault(ref, "{} is not a date", text, code="date")
                elif not first <= day <= last:
                    fault(
                        ref,
                        "{} is outside the period ({} to {})",
                        day.isoformat(),
                        first.isoformat(),
                        last.isoformat(),
                        code="date",
                    )
                elif day in used:
                    fault(ref, "{} is in the header twice (also {})", day.isoformat(), used[day], code="date")
                else:
                    used[day] = ref
                    columns[i] = day
            continue
        if done:
            continue
        if not a:
            done = True  # the nurses end at the first row without a name (the totals and legend follow)
            continue
        if a == WEEKDAY_ROW_LABEL:
            continue
        ref = f"A{number}"
        grade = _text(values[1]) if len(values) > 1 else ""
        matches = by_name.get(a, [])
        if len(matches) > 1:
            matches = [n for n in matches if n.grade == grade] if grade else matches
        if not matches:
            fault(ref, "{} is not a nurse of this roster period", a, code="nurse")
            continue
        if len(matches) > 1:
            fault(ref, "two nurses of the period are named {}: give each her grade", a, code="nurse")
            continue
        nurse = matches[0]
        if nurse.staff_id in seen:
            fault(ref, "{} has a row already ({})", a, seen[nurse.staff_id], code="nurse")
            continue
        seen[nurse.staff_id] = ref
        out.rows[nurse.staff_id] = number
        cells: dict[date, str | None] = {}
        for i, day in columns.items():
            value = values[i] if i < len(values) else None
            text = _text(value)
            where = f"{column(i + 1)}{number}"
            if not text or text == OFF:
                cells[day] = None
            else:
                code = by_label.get(text.casefold())
                if code is None:
                    fault(where, "{} is not a shift of this ward", text, code="shift")
                    continue
                cells[day] = code
            out.where[(nurse.staff_id, day)] = where
        out.cells[nurse.staff_id] = cells
        if len(out.faults) >= MAX_ERRORS:
            break
    if columns is None:
        fault("A1", "no header row: column A of one row must read 姓名, followed by the days", code="layout")
    elif not columns and not out.faults:
        fault(f"C{HEADER_ROW}", "the header row has no day of the period", code="layout")
    return out
