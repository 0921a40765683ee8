"""Bulk import of staff from an HR export (CSV or XLSX): parse, validate every row, then apply.

Rows are matched on 工号 (employee number), so importing the same file twice changes nothing: a new
number is created, a known one is updated only if something differs. Parsing and validation are pure
(no AWS); ``apply_rows`` is told how to look up and write records.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.messaging.contracts.directory import CreateStaff
from pydantic import ValidationError

from shared.personal import mask_identifiers_in

# Header names hospitals use in their HR exports, Chinese or English → our field.
HEADERS = {
    "姓名": "name",
    "name": "name",
    "工号": "employee_no",
    "employee_no": "employee_no",
    "employee no": "employee_no",
    "科室": "department",
    "部门": "department",
    "department": "department",
    "职称": "title",
    "title": "title",
    "护理层级": "nurse_grade",
    "层级": "nurse_grade",
    "nurse_grade": "nurse_grade",
    "grade": "nurse_grade",
    "角色": "roles",
    "roles": "roles",
    "手机": "mobile",
    "手机号": "mobile",
    "mobile": "mobile",
}
ROLE_NAMES = {
    "医生": "doctor",
    "护士": "nurse",
    "护士长": "head_nurse",
    "科主任": "department_head",
    "管理员": "hospital_admin",
    "药师": "pharmacist",
    "技师": "technician",
    "文员": "clerk",
}
REQUIRED = ("name", "employee_no", "department")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# A file is read as a stream and given up on as soon as it is too big: a few kilobytes of xlsx can
# declare a million rows (or columns), and reading them all took a minute and 260 MB.
MAX_COLUMNS = 64  # an HR export has a dozen; cells past this are not read
MAX_SCANNED = 5 * MAX_ROWS  # rows looked at, blank or not


class FileTooLarge(ValueError):
    """More rows than one import takes; said before the rest of the file is read."""


def read_table(content: bytes, fmt: str) -> list[list[str]]:
    """The cells of the first sheet (XLSX) or the file (CSV, UTF-8 with or without BOM, or GBK), read
    row by row and refused (``FileTooLarge``) past MAX_ROWS rows with content (or MAX_SCANNED rows)."""
    rows: Iterable[Sequence[Any]]
    if fmt == "xlsx":
        from openpyxl import load_workbook  # lazy: only the import path pays for it

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("the file is neither UTF-8 nor GBK text")
        rows = csv.reader(io.StringIO(text))
    table: list[list[str]] = []
    filled = 0
    for scanned, row in enumerate(rows, start=1):
        cells = ["" if c is None else str(c).strip() for c in row[:MAX_COLUMNS]]
        filled += any(cells)
        if filled > MAX_ROWS + 1 or scanned > MAX_SCANNED:  # the header and MAX_ROWS rows
            raise FileTooLarge(f"more than {MAX_ROWS} rows; at most {MAX_ROWS} per import")
        table.append(cells)
    return table


def parse(table: list[list[str]], departments: dict[str, str]) -> Parsed:
    """Validate every row against the staff rules; ``departments`` maps unit name (or id) → id.

    Row numbers are as a person sees them in the spreadsheet (the header is row 1).
    """
    out = Parsed()
    if not table or not any(table[0]):
        out.errors.append(RowError(1, "", "the file is empty"))
        return out
    columns = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip(), "")) for h in table[0]]
    for need in REQUIRED:
        if need not in columns:
            out.errors.append(RowError(1, need, f"missing column '{need}'"))
    if out.errors:
        return out
    body = [r for r in table[1:] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        out.errors.append(RowError(1, "", f"more than {MAX_ROWS} rows; at most {MAX_ROWS} per import"))
        return out
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        raw = {col: row[i] if i < len(row) else "" for i, col in enumerate(columns) if col}
        record: dict[str, Any] = {k: v for k, v in raw.items() if v != "" and k != "department"}
        department = raw.get("department", "")
        if department not in departments:
            out.errors.append(RowError(number, "department", f"no unit named '{department}'"))
        else:
            record["department_id"] = departments[department]
        if "roles" in record:
            record["roles"] = [
                ROLE_NAMES.get(r.strip(), r.strip())
                for r in record["roles"].replace("，", ",").split(",")
                if r.strip()
            ]
        number_text = raw.get("employee_no", "")
        if number_text in seen:
            out.errors.append(RowError(number, "employee_no", f"also on row {seen[number_text]}"))
        seen[number_text] = number
        try:
            staff = CreateStaff.model_validate({**record, "department_id": record.get("department_id", "x")})
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                out.errors.append(RowError(number, column, err["msg"]))
            continue
        out.rows.append({"row": number, **staff.model_dump(mode="json", exclude_none=True)})
    # A message may quote a cell; a mobile or ID number in the wrong column is not sent back whole.
    out.errors = [RowError(e.row, e.column, mask_identifiers_in(e.message)) for e in out.errors]
    return out


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def apply_rows(
    rows: Iterable[dict[str, Any]],
    existing: Callable[[str], dict[str, Any] | None],
    create: Callable[[dict[str, Any]], None],
    update: Callable[[dict[str, Any], dict[str, Any]], None],
    differs: Callable[[dict[str, Any], str, Any], bool] = lambda current, key, value: current.get(key)
    != value,
) -> Outcome:
    """Create what is new, update what differs, leave the rest; ``existing`` finds a record by 工号."""
    outcome = Outcome()
    for row in rows:
        data = {k: v for k, v in row.items() if k != "row"}
        current = existing(data["employee_no"])
        if current is None:
            create(data)
            outcome.created += 1
        else:
            changes = {k: v for k, v in data.items() if differs(current, k, v)}
            if changes:
                update(current, changes)
                outcome.updated += 1
            else:
                outcome.unchanged += 1
    return outcome


def pack_rows(rows: list[dict[str, Any]]) -> str:
    """The validated rows as a job keeps them: JSON, compressed, base64 (an item holds 400 KB)."""
    return base64.b64encode(zlib.compress(json.dumps(rows, ensure_ascii=False).encode())).decode()


def unpack_rows(blob: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(zlib.decompress(base64.b64decode(blob)))
    return rows
