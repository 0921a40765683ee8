"""Form templates: the fields a hospital's form may have and the rules that check a filled-in form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FieldType = Literal[
    "text",
    "textarea",
    "number",
    "money",
    "date",
    "date_range",
    "select",
    "multi_select",
    "staff",
    "staff_list",
    "department",
    "attachment",
    "table",
]
NAME = r"^[a-z][a-z0-9_]{0,39}$"
MAX_STAFF_LIST = 40  # as many as a step may have approvers
MAX_ATTACHMENTS = 20  # files in one attachment field (domain/attachments.py caps a whole form too)


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME, description="machine name, used in conditions and events")
    label: str = Field(min_length=1, max_length=100, description="e.g. 请假类型")
    type: FieldType
    required: bool = False
    options: list[str] = Field(default_factory=list, max_length=100, description="select/multi_select")
    min: float | None = Field(None, description="number/money lower bound")
    max: float | None = Field(None, description="number/money upper bound")
    max_length: int | None = Field(None, ge=1, le=10_000, description="text length limit")
    pattern: str | None = Field(None, max_length=200, description="a regular expression text must match")
    columns: list[FormField] = Field(default_factory=list, max_length=30, description="detail-table columns")


FieldErrors = list[tuple[str, str]]


def check_fields(fields: list[FormField]) -> FieldErrors:
    """Rules for a template's field list itself (unique names, options for selects, columns for tables)."""
    errors: FieldErrors = []
    seen: set[str] = set()
    for i, f in enumerate(fields):
        where = f"fields.{i}"
        if f.name in seen:
            errors.append((f"{where}.name", f"duplicate field name {f.name}"))
        seen.add(f.name)
        if f.type in ("select", "multi_select") and not f.options:
            errors.append((f"{where}.options", "a select needs options"))
        if f.type == "table":
            if not f.columns:
                errors.append((f"{where}.columns", "a detail table needs columns"))
            if any(c.type == "table" for c in f.columns):
                errors.append((f"{where}.columns", "tables do not nest"))
        if f.pattern is not None:
            try:
                re.compile(f.pattern)
            except re.error:
                errors.append((f"{where}.pattern", "not a valid regular expression"))
    return errors


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_value(f: FormField, value: Any, where: str) -> FieldErrors:
    if f.type in ("text", "textarea"):
        if not isinstance(value, str):
            return [(where, "must be text")]
        if f.required and not value.strip():
            return [(where, "is required")]
        if len(value) > (f.max_length or 2000):
            return [(where, f"at most {f.max_length or 2000} characters")]
        if f.pattern and value and not re.fullmatch(f.pattern, value):
            return [(where, "does not match the expected format")]
        return []
    if f.type in ("number", "money"):
        number = _number(value)
        if number is None:
            return [(where, "must be a number")]
        if f.type == "money" and number.as_tuple().exponent < -2:  # type: ignore[operator]
            return [(where, "money has at most two decimals")]
        if f.min is not None and number < Decimal(str(f.min)):
            return [(where, f"must be at least {f.min:g}")]
        if f.max is not None and number > Decimal(str(f.max)):
            return [(where, f"must be at most {f.max:g}")]
        return []
    if f.type == "date":
        return [] if _date(value) else [(where, "must be a date (YYYY-MM-DD)")]
    if f.type == "date_range":
        if not isinstance(value, dict) or not {"start", "end"} <= set(value) <= RANGE_KEYS:
            return [(where, "must be {start, end} (and start_half, end_half: am or pm)")]
        start, end = _date(value["start"]), _date(value["end"])
        if start is None or end is None:
            return [(where, "start and end must be dates (YYYY-MM-DD)")]
        halves = [value[k] for k in ("start_half", "end_half") if k in value]
        if any(h not in HALVES for h in halves):
            return [(where, "start_half and end_half are am (上午) or pm (下午)")]
        span = date_span(value)
        return [] if span is not None else [(where, "end is before start")]
    if f.type == "select":
        return [] if value in f.options else [(where, "must be one of the options")]
    if f.type == "multi_select":
        if not isinstance(value, list) or not all(v in f.options for v in value):
            return [(where, "must be a list of the options")]
        return [(where, "is required")] if f.required and not value else []
    if f.type == "staff_list":  # several people at once (传阅人: the readers of a document)
        if (
            not isinstance(value, list)
            or len(value) > MAX_STAFF_LIST
            or not all(isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", v) for v in value)
        ):
            return [(where, f"must be a list of at most {MAX_STAFF_LIST} staff ids")]
        return [(where, "is required")] if f.required and not value else []
    if f.type in ("staff", "department"):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
            return [(where, f"must be a {f.type} id")]
        return []
    if f.type == "attachment":  # files uploaded with POST /attachments, by their ids
        if (
            not isinstance(value, list)
            or len(value) > MAX_ATTACHMENTS
            or not all(isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", v) for v in value)
        ):
            return [(where, f"must be a list of at most {MAX_ATTACHMENTS} attachment ids")]
        return [(where, "is required")] if f.required and not value else []
    # a detail table: a list of rows, each a small form of its own
    if not isinstance(value, list) or len(value) > 200:
        return [(where, "must be a list of at most 200 rows")]
    if f.required and not value:
        return [(where, "is required")]
    errors: FieldErrors = []
    for r, row in enumerate(value):
        errors += validate_form(f.columns, row, prefix=f"{where}.{r}.")
    return errors


def validate_form(fields: list[FormField], values: Any, prefix: str = "form.") -> FieldErrors:
    """Every problem with a filled-in form, as (field path, message); empty means valid."""
    if not isinstance(values, dict):
        return [(prefix.rstrip(".") or "form", "must be an object")]
    known = {f.name for f in fields}
    errors: FieldErrors = [(prefix + name, "unknown field") for name in values if name not in known]
    for f in fields:
        value = values.get(f.name)
        if value is None or value == "":
            if f.required:
                errors.append((prefix + f.name, "is required"))
            continue
        errors += _check_value(f, value, prefix + f.name)
    return errors


def staff_references(fields: list[FormField], values: Any, prefix: str = "form.") -> list[tuple[str, str]]:
    """Every staff id a (valid) form names, with its field path: top-level pickers and detail-table cells."""
    if not isinstance(values, dict):
        return []
    found: list[tuple[str, str]] = []
    for f in fields:
        value = values.get(f.name)
        if f.type == "staff" and isinstance(value, str) and value:
            found.append((prefix + f.name, value))
        elif f.type == "staff_list" and isinstance(value, list):
            found += [(f"{prefix}{f.name}.{n}", v) for n, v in enumerate(value) if isinstance(v, str)]
        elif f.type == "table" and isinstance(value, list):
            for r, row in enumerate(value):
                found += staff_references(f.columns, row, prefix=f"{prefix}{f.name}.{r}.")
    return found


HALVES = ("am", "pm")  # 上午, 下午
HALF_LABEL = {"am": "上午", "pm": "下午"}
RANGE_KEYS = frozenset({"start", "end", "start_half", "end_half"})


@dataclass(frozen=True)
class Span:
    """A date range in half days: from ``start``'s ``start_half`` to ``end``'s ``end_half``, both included.

    Without halves a range is whole days (from the morning of ``start`` to the afternoon of ``end``), so
    ``2026-12-07 下午`` to ``2026-12-08 上午`` is one day and a morning and an afternoon do not overlap."""

    start: date
    end: date
    start_half: str = "am"
    end_half: str = "pm"

    def _first(self) -> int:
        return self.start.toordinal() * 2 + HALVES.index(self.start_half)

    def _last(self) -> int:
        return self.end.toordinal() * 2 + HALVES.index(self.end_half)

    @property
    def days(self) -> float:
        """Days covered, in steps of a half."""
        return (self._last() - self._first() + 1) / 2

    def overlaps(self, other: Span) -> bool:
        return self._first() <= other._last() and other._first() <= self._last()

    def label(self) -> str:
        """As a person reads it: ``2026-12-07 下午 至 2026-12-08 上午``."""
        first = f"{self.start.isoformat()} {HALF_LABEL[self.start_half]}"
        return f"{first} 至 {self.end.isoformat()} {HALF_LABEL[self.end_half]}"


def date_span(value: Any) -> Span | None:
    """A (valid) date range value as a ``Span``; None when it is not one or ends before it starts."""
    if not isinstance(value, dict):
        return None
    start, end = _date(value.get("start")), _date(value.get("end"))
    start_half, end_half = value.get("start_half", "am"), value.get("end_half", "pm")
    if start is None or end is None or start_half not in HALVES or end_half not in HALVES:
        return None
    span = Span(start, end, start_half, end_half)
    return span if span.days > 0 else None


def date_range_days(value: Any) -> float | None:
    """Days a date range covers, both ends included, in half-day steps (a one-day leave is 1, a
    morning 0.5)."""
    span = date_span(value)
    return span.days if span is not None else None


def form_days(values: Any) -> dict[str, float]:
    """The days each date range of a filled-in form covers, by field name (shown with the approval)."""
    if not isinstance(values, dict):
        return {}
    return {
        name: span.days
        for name, value in values.items()
        if isinstance(value, dict) and (span := date_span(value)) is not None
    }
