"""The HIS census: one day's hospital figures (visits, admissions, beds…), sent whole by a partner app
(``report:census:write``) or uploaded by an admin as CSV/xlsx, and validated whole before any is kept.

The fields are the ``census.*`` measures (``measures.py``) without their area: ``outpatient_visits`` …
A spreadsheet's header may name them by their label (``门诊人次``) or their code. Each value is a whole
number ≥ 0 (a blank cell: not reported, the day keeps no value for it). ``inpatients`` may exceed
``beds_open``: overflow (加床) beds happen, and the occupancy rate then exceeds 100 %; it is not refused.

A day is refused when it is in the future (in the hospital's time zone) or older than the table keeps
(``KEEP_DAYS``: such a day would expire at once). A batch is refused whole when any row is: every fault
is returned, each naming its row (its index, or the row number the spreadsheet shows) and its field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.reports.domain.measures import CENSUS
from chalicelib.reports.domain.ports import KEEP_DAYS

FIELDS: tuple[str, ...] = tuple(m.name.split(".", 1)[1] for m in CENSUS)
LABELS: dict[str, str] = {m.name.split(".", 1)[1]: m.label for m in CENSUS}
DAY_LABEL = "日期"
# a header cell (label or code, as written) → the field it names ("day" for the date column)
HEADERS: dict[str, str] = {
    DAY_LABEL: "day",
    "day": "day",
    **{label: code for code, label in LABELS.items()},
    **{code: code for code in FIELDS},
}
MAX_VALUE = 10_000_000  # no hospital has ten million visits a day: a typo (a misplaced column) is caught
MAX_ROWS = 366  # a year's days in one batch or file
CHUNK_DAYS = 99  # days per transaction (with its audit record: DynamoDB's 100 items)
MAX_COLUMNS = 32
MAX_SCANNED = 5 * MAX_ROWS  # rows looked at, blank or not, before a file is given up on


@dataclass(frozen=True)
class CensusDay:
    day: date
    values: dict[str, int]  # measure name (census.outpatient_visits) → value

    def fields(self) -> dict[str, int]:
        return {name.split(".", 1)[1]: value for name, value in self.values.items()}


@dataclass(frozen=True)
class Fault:
    """One problem of a batch: ``row`` is its index (JSON) or the spreadsheet's row number, ``column``
    the field's code (JSON) or the column's letter and header (a file)."""

    row: int
    day: str | None
    field: str
    message: str
    code: str = "invalid"


@dataclass
class Checked:
    days: list[CensusDay] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)


def day_fault(day: date, today: date) -> str | None:
    """Why the census of ``day`` may not be kept, or None."""
    if day > today:
        return "a future day's census cannot be recorded"
    if day <= today - timedelta(days=KEEP_DAYS):
        return f"the report keeps {KEEP_DAYS} days: an older day is in the history exports"
    return None


def value_of(raw: Any) -> tuple[int | None, str | None]:
    """A cell or JSON value as a figure: (value, None), (None, None) when blank, (None, why) when bad."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool):
        return None, "must be a whole number of at least 0"
    number: float
    if isinstance(raw, int | float):
        number = raw
    elif isinstance(raw, str):
        try:
            number = float(raw.strip().replace(",", ""))
        except ValueError:
            return None, "must be a whole number of at least 0"
    else:
        return None, "must be a whole number of at least 0"
    if number != number or number != int(number) or number < 0:  # NaN, a fraction, a negative
        return None, "must be a whole number of at least 0"
    if number > MAX_VALUE:
        return None, f"must be at most {MAX_VALUE}"
    return int(number), None


def day_of(raw: Any) -> date | None:
    if isinstance(raw, datetime):  # a date cell of a workbook
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        text = raw.strip().replace("/", "-").replace(".", "-")
        try:
            y, m, d = (int(p) for p in text.split("-"))
            return date(y, m, d)
        except ValueError:
            return None
    return None


def check(
    rows: Sequence[Mapping[str, Any]],
    today: date,
    numbers: Sequence[int] | None = None,
    columns: Mapping[str, str] | None = None,
) -> Checked:
    """Every row checked; ``numbers``: what to call each row (default its index); ``columns``: what to
    call each field (default its code)."""
    out = Checked()
    seen: dict[date, int] = {}
    names = columns or {}
    for index, row in enumerate(rows):
        number = numbers[index] if numbers is not None else index
        faults: list[tuple[str, str, str]] = []  # (field, message, code)
        raw_day = row.get("day")
        day = day_of(raw_day)
        shown = day.isoformat() if day else (None if raw_day is None else str(raw_day))
        unknown = sorted(set(row) - {"day", *FIELDS})
        faults.extend((name, "is not a census field", "unknown") for name in unknown)
        if day is None:
            faults.append(("day", "must be a date (YYYY-MM-DD)", "invalid"))
        else:
            why = day_fault(day, today)
            if why:
                faults.append(("day", why, "out_of_range"))
            elif day in seen:
                faults.append(("day", f"the same day is already in row {seen[day]}", "duplicate"))
            seen.setdefault(day, number)
        values: dict[str, int] = {}
        for code in FIELDS:
            value, why = value_of(row.get(code))
            if why:
                faults.append((code, why, "invalid"))
            elif value is not None:
                values[f"census.{code}"] = value
        if not values and not faults:
            faults.append(("day", "the row has no figures", "empty"))
        out.faults.extend(Fault(number, shown, names.get(f, f), message, c) for f, message, c in faults)
        if day is not None and not faults:
            out.days.append(CensusDay(day, values))
    return out


# ---- files -----------------------------------------------------------------------------------------------


class Unreadable(ValueError):
    """Not a CSV or xlsx file the import can read."""


class FileTooLarge(ValueError):
    """More rows than one import takes."""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def decode(content: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else GB18030 (what Excel in China writes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("the file is neither UTF-8 nor GB18030 text")


def cells(content: bytes, fmt: str) -> Iterable[Sequence[Any]]:
    """The rows of the first sheet (xlsx, read streaming) or of the CSV."""
    if fmt == "xlsx":
        from openpyxl import load_workbook  # lazy: only the import pays for it

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise Unreadable("the file is not an xlsx workbook") from exc
        rows: Iterable[Sequence[Any]] = book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        return rows
    return csv.reader(io.StringIO(decode(content)))


@dataclass
class Table:
    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # each row's number as the spreadsheet shows it
    columns: dict[str, str] = field(default_factory=dict)  # field → "B（门诊人次）"
    faults: list[Fault] = field(default_factory=list)


def read(content: bytes, fmt: str) -> Table:
    """The file's rows by field, from its header row (labels or codes); blank rows skipped."""
    table = Table()
    header: list[str | None] | None = None
    filled = 0
    for number, raw in enumerate(cells(content, fmt), start=1):
        if number > MAX_SCANNED:
            raise FileTooLarge(f"at most {MAX_ROWS} days per file")
        row = list(raw)[:MAX_COLUMNS]
        if not any(c is not None and str(c).strip() for c in row):
            continue
        if header is None:
            header = []
            for index, cell in enumerate(row):
                text = "" if cell is None else str(cell).strip().lstrip("\ufeff")
                name = HEADERS.get(text)
                if text and name is None:
                    table.faults.append(
                        Fault(
                            number,
                            None,
                            f"{column_letter(index)}（{text}）",
                            "is not a census column",
                            "unknown",
                        )
                    )
                if name is not None and name in table.columns:
                    table.faults.append(
                        Fault(
                            number,
                            None,
                            f"{column_letter(index)}（{text}）",
                            "names a column twice",
                            "duplicate",
                        )
                    )
                    name = None
                header.append(name)
                if name is not None:
                    table.columns[name] = f"{column_letter(index)}（{text}）"
            if "day" not in table.columns:
                table.faults.append(
                    Fault(number, None, DAY_LABEL, "the header has no 日期 column", "missing")
                )
            continue
        filled += 1
        if filled > MAX_ROWS:
            raise FileTooLarge(f"at most {MAX_ROWS} days per file")
        table.rows.append({name: row[i] for i, name in enumerate(header) if name and i < len(row)})
        table.numbers.append(number)
    if header is None:
        table.faults.append(Fault(1, None, DAY_LABEL, "the file is empty", "missing"))
    return table


def template_rows(today: date) -> tuple[list[str], list[list[Any]]]:
    """The upload template: the header (labels) and one example row (yesterday)."""
    header = [DAY_LABEL, *(LABELS[c] for c in FIELDS)]
    return header, [[(today - timedelta(days=1)).isoformat(), *([None] * len(FIELDS))]]
