"""Bulk import of staff from an HR export (CSV or XLSX): parse, validate, preview, then apply.

Rows are matched on 工号 (employee number), so importing the same file twice changes nothing: a new
number is created, a known one is updated only in the fields its row names and only where they differ.

What a file says, and what it leaves alone:

- a column the file does not have changes nothing (a file without 角色 keeps everyone's roles);
- an empty cell keeps the value too; a cell holding just ``-`` clears an optional field (职称, 护理层级,
  角色, 手机); 姓名, 工号 and 科室 are required in every row and never cleared;
- a 工号 that belongs to someone of another name is a row error, unless the row's 更正 column says 是
  (yes): then the rename is an update like any other (姓名: before → after);
- 科室 names a unit by name, by ``parent/child`` path (``内科/心血管内科``) or by id; a name two units
  share is an error naming both, by path.

Everything here is pure (no AWS): ``parse`` checks the file against the rules and the hospital's units;
``preview_row`` tells, against the directory's current record, what applying a row would do; the
fingerprints of the record before and after let the apply tell a row the directory changed since the
preview (stale: not applied) from one a retried slice applied already (done).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.messaging.contracts.directory import CreateStaff
from chalicelib.messaging.domain.directory import ROLES
from chalicelib.messaging.domain.records import StaffRecord
from pydantic import ValidationError

from shared.personal import mask_identifiers_in, mask_mobile

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
    "更正": "correction",
    "是否更正": "correction",
    "correction": "correction",
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
    "转诊中心": "referral_desk",
    "院领导": "hospital_leader",
}
REQUIRED = ("name", "employee_no", "department")
OPTIONAL = ("title", "nurse_grade", "roles", "mobile")  # what a ``-`` cell clears
CLEAR = "-"
YES = frozenset({"是", "yes", "y", "true", "1", "更正"})
NO = frozenset({"否", "no", "n", "false", "0", ""})
MAX_ROWS = 20_000
QUOTED = 100  # characters of a cell a message quotes back


@dataclass(frozen=True)
class RowError:
    """A problem with the file (row 1: the header) or a row, as a code the reader's language words."""

    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"column": self.column, "code": self.code, "params": self.params}


@dataclass
class Parsed:
    """``rows``: every row with content, in order, each ``{"row", "data", "correction"}`` when valid or
    ``{"row", "employee_no", "name", "errors"}`` when not; ``errors``: problems of the file as a whole
    (nothing can be previewed)."""

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


# --- the hospital's units, by name or path --------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent_id: str | None


class Units:
    """The hospital's units as the 科室 column names them: by name, ``parent/child`` path, or id."""

    def __init__(self, units: Iterable[Unit]):
        self.by_id = {u.id: u for u in units}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in sorted(self.by_id.values(), key=lambda u: u.id):
            self.by_name.setdefault(unit.name, []).append(unit)

    def path(self, unit_id: str) -> str:
        """``总院/内科/心血管内科``: the names from the top down (the id itself if the unit is gone)."""
        names: list[str] = []
        unit = self.by_id.get(unit_id)
        while unit is not None and len(names) < 16:  # the directory nests at most 12 deep
            names.append(unit.name)
            unit = self.by_id.get(unit.parent_id) if unit.parent_id else None
        return "/".join(reversed(names)) or unit_id

    def _under(self, unit: Unit, parents: list[str]) -> bool:
        """Whether ``unit``'s nearest ancestors are named ``parents`` (nearest last)."""
        parent_id = unit.parent_id
        for name in reversed(parents):
            parent = self.by_id.get(parent_id) if parent_id else None
            if parent is None or parent.name != name:
                return False
            parent_id = parent.parent_id
        return True

    def resolve(self, text: str) -> tuple[str | None, RowError | None]:
        """The unit's id, or the problem (unknown, or a name shared by several units) for row 0."""
        parts = [p.strip() for p in text.replace("／", "/").split("/") if p.strip()]
        if not parts:
            return None, RowError(0, "department", "required")
        found = [u for u in self.by_name.get(parts[-1], []) if self._under(u, parts[:-1])]
        if not found and len(parts) == 1 and text in self.by_id:
            return text, None
        if len(found) == 1:
            return found[0].id, None
        if not found:
            return None, RowError(0, "department", "department_unknown", {"value": text})
        paths = sorted(self.path(u.id) for u in found)
        return None, RowError(
            0, "department", "department_ambiguous", {"value": text, "paths": paths, "example": paths[0]}
        )

    def as_json(self) -> list[list[str | None]]:
        return [[u.id, u.name, u.parent_id] for u in self.by_id.values()]

    @classmethod
    def from_json(cls, rows: list[list[str | None]]) -> Units:
        return cls(Unit(str(i), str(n), p) for i, n, p in rows)


# --- parsing and checking a file ------------------------------------------------------------------


def _pydantic_problem(column: str, error: Any) -> RowError:
    """A validator's complaint as a sentence a person reads, by field (never its regex)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if column == "employee_no":
        return RowError(0, column, "employee_no_invalid")
    if column == "mobile":
        return RowError(0, column, "mobile_invalid")
    if column == "nurse_grade":
        return RowError(0, column, "nurse_grade_invalid")
    if column == "roles" and kind == "too_long":
        return RowError(0, column, "roles_too_many", {"max": ctx.get("max_length", 20)})
    if column in ("name", "title") and kind == "string_too_long":
        return RowError(0, column, "too_long", {"max": ctx.get("max_length", 0)})
    if column == "name":
        return RowError(0, column, "required")
    return RowError(0, column, "invalid")


def _check_row(raw: dict[str, str], units: Units) -> tuple[dict[str, Any], bool, list[RowError]]:
    """One row's fields as the directory takes them (only the columns it fills), whether it is a
    correction, and its problems."""
    problems: list[RowError] = []
    for need in REQUIRED:
        if raw.get(need, "") == "":
            problems.append(RowError(0, need, "required"))
        elif raw[need] == CLEAR:
            problems.append(RowError(0, need, "cannot_clear"))
    record: dict[str, Any] = {
        k: v for k, v in raw.items() if k in ("name", "employee_no", *OPTIONAL) and v not in ("", CLEAR)
    }
    cleared = [k for k in OPTIONAL if raw.get(k) == CLEAR]
    department_id = None
    if raw.get("department", "") not in ("", CLEAR):
        department_id, problem = units.resolve(raw["department"])
        if problem is not None:
            problems.append(problem)
    correction = raw.get("correction", "").strip().lower()
    if correction not in YES | NO:
        problems.append(RowError(0, "correction", "correction_invalid"))
    if "roles" in record:
        named = [
            r.strip() for r in record["roles"].replace("，", ",").replace("、", ",").split(",") if r.strip()
        ]
        record["roles"] = [ROLE_NAMES.get(r, r) for r in named]
        unknown = [r for r in named if ROLE_NAMES.get(r, r) not in ROLES]
        if unknown:
            problems.append(RowError(0, "roles", "roles_unknown", {"roles": unknown}))
            del record["roles"]
    flagged = {p.column for p in problems}
    try:
        staff = CreateStaff.model_validate(
            {"name": "-", "employee_no": "-", **record, "department_id": department_id or "x"}
        )
    except ValidationError as exc:
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else ""
            if column not in flagged:
                problems.append(_pydantic_problem(column, err))
                flagged.add(column)
        return {}, False, problems
    if problems:
        return {}, False, problems
    data = staff.model_dump(mode="json", include={*record, "department_id"})
    for name in cleared:
        data[name] = [] if name == "roles" else None
    return data, correction in YES, problems


def parse(table: list[list[str]], units: Units) -> Parsed:
    """Check every row against the staff rules and the hospital's ``units``.

    Row numbers are as a person sees them in the spreadsheet (the header is row 1). A problem of the
    file as a whole (empty, a required column missing, too many rows) is in ``errors``; a row's own
    problems stay with the row, so the preview shows them where they are."""
    out = Parsed()
    if not table or not any(table[0]):
        out.errors.append(RowError(1, "", "file_empty"))
        return out
    columns = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip(), "")) for h in table[0]]
    for need in REQUIRED:
        if need not in columns:
            out.errors.append(RowError(1, need, "missing_column"))
    if out.errors:
        return out
    body = [r for r in table[1:] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        out.errors.append(RowError(1, "", "file_too_large", {"max": MAX_ROWS}))
        return out
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        raw = {col: row[i].strip() if i < len(row) else "" for i, col in enumerate(columns) if col}
        data, correction, problems = _check_row(raw, units)
        employee_no = raw.get("employee_no", "")
        if employee_no and employee_no in seen:
            problems.append(RowError(0, "employee_no", "duplicate_number", {"row": seen[employee_no]}))
        seen.setdefault(employee_no, number)
        if problems:
            out.rows.append(
                {
                    "row": number,
                    # A cell may be quoted back; a mobile or ID number in the wrong column is not, whole.
                    "employee_no": mask_identifiers_in(employee_no[:QUOTED]),
                    "name": mask_identifiers_in(raw.get("name", "")[:QUOTED]),
                    "errors": [_masked(p).as_json() for p in problems],
                }
            )
        else:
            out.rows.append({"row": number, "data": data, **({"correction": True} if correction else {})})
    return out


def _masked(problem: RowError) -> RowError:
    params = {
        k: mask_identifiers_in(v[:QUOTED])
        if isinstance(v, str)
        else [mask_identifiers_in(str(x)[:QUOTED]) for x in v]
        if isinstance(v, list)
        else v
        for k, v in problem.params.items()
    }
    return RowError(problem.row, problem.column, problem.code, params)


# --- the preview, and applying it -----------------------------------------------------------------

Action = Literal["create", "update", "unchanged", "error"]
ABSENT = "absent"  # the fingerprint of no record


def _wanted(name: str, value: Any, mobile_index: Callable[[str], str]) -> Any:
    """A row's value as the directory's record compares it (a mobile by its blind index)."""
    if name == "mobile":
        return mobile_index(value) if value else None
    if name == "roles":
        return sorted(value or [])
    return value


def _current(record: StaffRecord, name: str) -> Any:
    if name == "mobile":
        return record.mobile_index
    if name == "roles":
        return sorted(record.roles)
    return getattr(record, name)


def fields_of(data: dict[str, Any]) -> list[str]:
    """The fields a row sets (its 工号 is the key, not a field)."""
    return [name for name in data if name != "employee_no"]


def fingerprint(record: StaffRecord | None, fields: Iterable[str]) -> str:
    """What the row's fields (and the person's standing) hold on ``record``, as a short digest."""
    if record is None:
        return ABSENT
    state = {"status": record.status, **{name: _current(record, name) for name in fields}}
    return _digest(state)


def _digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def _shown(name: str, value: Any, units: Units) -> Any:
    """A value as a person reads it in the preview: a unit's path, a mobile masked."""
    if value is None:
        return None
    if name == "department_id":
        return units.path(value)
    if name == "mobile":
        return mask_mobile(value)
    return value


def _shown_current(record: StaffRecord, name: str, units: Units) -> Any:
    if name == "mobile":
        return record.mobile_masked
    if name == "roles":
        return sorted(record.roles)
    return _shown(name, getattr(record, name), units)


def preview_row(
    entry: dict[str, Any],
    current: StaffRecord | None,
    units: Units,
    mobile_index: Callable[[str], str],
) -> dict[str, Any]:
    """What applying one parsed row would do to ``current`` (the record holding its 工号, if any):
    ``{"row", "action", "employee_no", "name", "changes": [[field, before, after]…], "errors",
    "before", "after"}`` — the fingerprints the apply checks the directory against."""
    if "errors" in entry:
        return {**entry, "action": "error", "changes": []}
    data: dict[str, Any] = entry["data"]
    fields = fields_of(data)
    row = {"row": entry["row"], "employee_no": data["employee_no"], "name": data["name"]}

    def error(column: str, code: str, **params: Any) -> dict[str, Any]:
        problem = RowError(entry["row"], column, code, params)
        return {**row, "action": "error", "changes": [], "errors": [problem.as_json()]}

    if current is None:
        after = {"status": "active", **{n: _wanted(n, data[n], mobile_index) for n in fields}}
        changes = [[n, None, _shown(n, data[n], units)] for n in fields if data[n] not in (None, [])]
        return {**row, "action": "create", "changes": changes, "before": ABSENT, "after": _digest(after)}
    if current.status == "left":
        return error("employee_no", "staff_left", employee_no=current.employee_no, current=current.name)
    if data["name"] != current.name and not entry.get("correction"):
        return error(
            "name", "name_mismatch", employee_no=current.employee_no, current=current.name, name=data["name"]
        )
    before = {"status": current.status, **{n: _current(current, n) for n in fields}}
    after = {**before, **{n: _wanted(n, data[n], mobile_index) for n in fields}}
    changes = [
        [n, _shown_current(current, n, units), _shown(n, data[n], units)]
        for n in fields
        if before[n] != after[n]
    ]
    return {
        **row,
        "action": "update" if changes else "unchanged",
        "staff_id": current.id,
        "changes": changes,
        "before": _digest(before),
        "after": _digest(after),
    }


def decide(planned: dict[str, Any], current: StaffRecord | None, data: dict[str, Any]) -> str:
    """At apply time: ``apply`` if the directory still holds what the preview saw, ``done`` if it holds
    what applying gives (a retried slice got this far), else ``stale`` (changed meanwhile)."""
    now = fingerprint(current, fields_of(data))
    if now == planned["before"]:
        return "apply"
    if now == planned["after"]:
        return "done"
    return "stale"


CHUNK_ROWS = 1_000  # rows kept per chunk item: a slice reads its own chunk, never the whole file
MAX_CHUNK = 300_000  # characters of a packed chunk, well inside an item's 400 KB


def _pack(value: Any) -> str:
    return base64.b64encode(zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 9)).decode()


def _unpack(blob: str) -> Any:
    return json.loads(zlib.decompress(base64.b64decode(blob)))


def pack_rows(rows: list[dict[str, Any]], chunk_rows: int = CHUNK_ROWS) -> list[str]:
    """The checked rows as a job keeps them: ``chunk_rows`` to a chunk, each JSON, compressed and
    base64 (1,000 rows of an HR export pack into some 25 KB)."""
    starts = range(0, len(rows), chunk_rows)
    return [_pack(rows[start : start + chunk_rows]) for start in starts] or [_pack([])]


def unpack_rows(blob: str) -> list[dict[str, Any]]:
    return list(_unpack(blob))


def pack_units(units: Units) -> str:
    return _pack(units.as_json())


def unpack_units(blob: str) -> Units:
    return Units.from_json(_unpack(blob))
