"""Amendments: a change to the roster nurses are working — the live published version — made as a new
version at once, without going back through draft and approval (an approved swap, an accepted repair).

A published period may also have a draft in progress (the head nurse editing after publishing). An
amendment is carried into that draft too, so the next publish does not undo it: each cell it changes
must still hold in the draft what the live version held; a cell the draft has already changed is a
conflict (the head nurse is changing that cell herself), and nothing is applied.

The cells are judged by the same hard rules as a hand edit (``periods.apply_changes``), on the live
version's rows. Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from chalicelib.scheduling.domain.periods import Cell, Change, NurseRow, Snapshot

from shared.errors import Conflict


@dataclass(frozen=True)
class CellMove:
    """One cell of a published roster before and after a change (shift codes; None: a day off), for the
    audit trail and the people who read what moved."""

    staff_id: str
    staff_name: str
    day: date
    before: str | None
    after: str | None
    before_name: str = ""  # the shift's name (白班…); empty for a day off
    after_name: str = ""

    def as_audit(self) -> dict[str, object]:
        return {
            "staff_id": self.staff_id,
            "staff_name": self.staff_name,
            "date": self.day.isoformat(),
            "before": self.before,
            "before_name": self.before_name,
            "after": self.after,
            "after_name": self.after_name,
        }


AUDIT_CELLS = 300  # cells listed in one audit record (an item stays far below DynamoDB's 400 KB)


def audit_cells(moved: Sequence[CellMove]) -> dict[str, object]:
    """The cells that moved, as an audit record holds them: the first ``AUDIT_CELLS``, then how many more."""
    out: dict[str, object] = {"cells": [m.as_audit() for m in moved[:AUDIT_CELLS]]}
    if len(moved) > AUDIT_CELLS:
        out["cells_more"] = len(moved) - AUDIT_CELLS
    return out


def live_rows(snapshot: Snapshot, rows: Mapping[str, NurseRow]) -> dict[str, NurseRow]:
    """Every nurse's row as the live version has it: the version's cells, with the draft's pin kept where
    the draft holds the same shift. ``rows`` is every nurse of the period (``Context.rows``)."""
    out: dict[str, NurseRow] = {}
    for staff_id, row in rows.items():
        live = snapshot.cells.get(staff_id, {})
        cells: dict[date, Cell] = {}
        for day, cell in live.items():
            was = row.cells.get(day)
            pinned = was is not None and was.pinned and was.shift == cell.shift
            cells[day] = Cell(cell.shift, cell.skill, pinned)
        out[staff_id] = replace(row, cells=cells)
    for staff_id, theirs in snapshot.cells.items():
        if staff_id not in out:
            name, ward = snapshot.names.get(staff_id, ""), snapshot.wards.get(staff_id, "")
            out[staff_id] = NurseRow(staff_id, name, ward, cells=dict(theirs))
    return out


def moves(
    before: Mapping[str, NurseRow], after: Mapping[str, NurseRow], shift_names: Mapping[str, str]
) -> list[CellMove]:
    """Every cell whose shift differs between two sets of rows, by nurse and day, with the shifts' names."""

    def named(code: str | None) -> str:
        return shift_names.get(code, code) if code is not None else ""

    out = []
    for staff_id in sorted(set(before) | set(after)):
        was, now = before.get(staff_id), after.get(staff_id)
        was_cells = was.cells if was is not None else {}
        now_cells = now.cells if now is not None else {}
        name = now.staff_name if now is not None else was.staff_name if was is not None else ""
        for day in sorted(set(was_cells) | set(now_cells)):
            a, b = was_cells.get(day), now_cells.get(day)
            x, y = (a.shift if a else None), (b.shift if b else None)
            if x != y:
                out.append(CellMove(staff_id, name, day, x, y, named(x), named(y)))
    return out


def snapshot_moves(before: Snapshot, after: Snapshot) -> list[CellMove]:
    """The cells that moved from one published version to the next."""

    def rows(s: Snapshot) -> dict[str, NurseRow]:
        return {k: NurseRow(k, s.names.get(k, ""), s.wards.get(k, ""), cells=v) for k, v in s.cells.items()}

    names = {**{s.code: s.name for s in before.shifts}, **{s.code: s.name for s in after.shifts}}
    return moves(rows(before), rows(after), names)


def carried_into_draft(
    draft: Mapping[str, NurseRow],
    live_before: Mapping[str, NurseRow],
    live_after: Mapping[str, NurseRow],
    changes: Sequence[Change],
) -> dict[str, NurseRow]:
    """The draft with the amendment's cells applied (as ``live_after`` has them). Conflict when the draft
    no longer holds, in one of them, what the live version held."""
    out = {k: replace(v, cells=dict(v.cells)) for k, v in draft.items()}
    for change in changes:
        was = live_before.get(change.staff_id)
        held = was.cells.get(change.day) if was is not None else None
        row = out.get(change.staff_id)
        mine = row.cells.get(change.day) if row is not None else None
        if (held.shift if held else None) != (mine.shift if mine else None):
            raise Conflict(
                "the head nurse has changed this cell in the roster's draft since it was published; "
                "ask her to change it there"
            )
        now = live_after.get(change.staff_id)
        cell = now.cells.get(change.day) if now is not None else None
        if row is None:
            continue
        cells = dict(row.cells)
        if cell is None:
            cells.pop(change.day, None)
        else:
            cells[change.day] = cell
        out[change.staff_id] = replace(row, cells=cells)
    return out
