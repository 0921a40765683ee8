"""Swaps and give-aways (换班): a nurse of a published period proposes to change the live roster's cells
of her own — exchanging with a colleague, giving a shift to a colleague, taking an open shift — and,
once the colleague and the head nurse approve it in approvals' 换班, it is applied as a new version.

- **swap**: she and a colleague exchange their days ``my_date`` and ``their_date`` (one day when they
  are the same): usually she works ``my_date`` and is off on ``their_date`` and the colleague the other
  way round, so she works the colleague's shift and the colleague hers. A day off may be one side (on
  one day: she gives her shift and takes theirs, or takes theirs only).
- **give**: her shift on ``my_date`` goes to a colleague who is off that day.
- **take**: she takes a shift on ``my_date`` that is open (fewer nurses than the day's optimal), on a
  day she is off. No colleague.

What a swap moves is fixed when it is proposed (``cells``: each cell before and after, with names), on
the live version of then; applying it later requires each cell to still hold its ``before`` (else the
swap fails: the roster changed under it), and judges the changes again by every hard rule on the live
version of then. A reversal is a new swap of the same cells the other way round.

States: ``requested`` → ``applied`` | ``rejected`` | ``withdrawn`` | ``failed`` (approvals' outcome, or
the roster refusing it when approved) | ``cancelled`` (by the proposer while requested). Only a
``requested`` swap moves on, so a decision heard twice changes nothing.

Pure: the service layer reads the records and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from chalicelib.scheduling.domain.periods import OFF, Change, NurseRow, day_label

from shared.errors import Conflict, RuleViolation

Kind = Literal["swap", "give", "take"]
State = Literal["requested", "applied", "rejected", "withdrawn", "failed", "cancelled"]
Outcome = Literal["approved", "rejected", "withdrawn", "failed"]
KIND_NAMES = {"swap": "换班", "give": "送班", "take": "认领空班"}
STATE_NAMES = {
    "requested": "审批中",
    "applied": "已生效",
    "rejected": "未通过",
    "withdrawn": "已撤回",
    "failed": "未能生效",
    "cancelled": "已取消",
}
# Why a decided swap did not apply, when approvals gives no words of its own.
DEFAULT_REASONS = {"rejected": "审批未通过", "withdrawn": "审批已撤回", "failed": "换班审批未能发起"}
CHANGED_SINCE = "排班在提出换班后已有变动（{}），换班未能生效，请重新提出"


@dataclass(frozen=True)
class SwapCell:
    """One cell a swap moves: whose, which day, the shift before and after (codes; None: a day off),
    with the names people read."""

    staff_id: str
    staff_name: str
    day: date
    before: str | None
    after: str | None
    before_name: str = OFF
    after_name: str = OFF

    def reversed(self) -> SwapCell:
        return SwapCell(
            self.staff_id,
            self.staff_name,
            self.day,
            self.after,
            self.before,
            self.after_name,
            self.before_name,
        )

    def words(self) -> str:
        return f"{self.staff_name} {day_label(self.day)} {self.before_name} → {self.after_name}"


@dataclass(frozen=True)
class Swap:
    """A proposal to change the live roster (see the module docstring)."""

    id: str
    period_id: str
    period_title: str
    ward_ids: tuple[str, ...]
    kind: Kind
    state: State
    proposer_id: str
    proposer_name: str
    colleague_id: str | None
    colleague_name: str | None
    my_date: date
    their_date: date | None
    cells: tuple[SwapCell, ...]
    version: int  # the live version it was proposed on
    created_at: datetime
    reason: str = ""
    revision: int = 0  # its own optimistic lock: every change is conditioned on it
    reverses: str | None = None  # the applied swap this one undoes
    applied_version: int | None = None
    decision_reason: str = ""
    instance_id: str = ""
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: datetime | None = None

    def involves(self, staff_id: str | None) -> bool:
        return staff_id is not None and staff_id in (self.proposer_id, self.colleague_id)

    def changes(self) -> list[Change]:
        return [Change(c.staff_id, c.day, c.after) for c in self.cells]

    def summary(self) -> str:
        """What the swap moves, in words, as the colleague and the head nurse read it."""
        return "；".join(c.words() for c in self.cells)


def _shift(rows: Mapping[str, NurseRow], staff_id: str, day: date) -> str | None:
    row = rows.get(staff_id)
    cell = row.cells.get(day) if row is not None else None
    return cell.shift if cell is not None else None


def proposed_cells(
    kind: Kind,
    rows: Mapping[str, NurseRow],
    names: Mapping[str, str],
    proposer: str,
    my_date: date,
    colleague: str | None,
    their_date: date | None,
    shift: str | None,
    open_places: Mapping[tuple[date, str], int],
) -> list[SwapCell]:
    """The cells a proposal moves on the live rows (``rows``: every nurse of the period, live), or 422
    naming why it cannot be (a shift she does not work, a colleague not free, no open place, nothing to
    swap). ``names``: shift code → name; ``open_places``: (day, shift) → places below the optimal."""

    def word(code: str | None) -> str:
        return OFF if code is None else names.get(code, code)

    def cell(staff_id: str, day: date, before: str | None, after: str | None) -> SwapCell:
        return SwapCell(staff_id, rows[staff_id].staff_name, day, before, after, word(before), word(after))

    mine = _shift(rows, proposer, my_date)
    if kind == "take":
        if colleague is not None or their_date is not None:
            raise RuleViolation("taking an open shift names no colleague", field="colleague_id")
        if shift is None:
            raise RuleViolation("taking an open shift names the shift", field="shift")
        if shift not in names:
            raise RuleViolation(f"the ward has no shift {shift}", field="shift")
        if mine is not None:
            raise RuleViolation(f"you already work {word(mine)} on {my_date.isoformat()}", field="my_date")
        if open_places.get((my_date, shift), 0) <= 0:
            raise RuleViolation(
                f"{word(shift)} on {my_date.isoformat()} has no open place: it is fully staffed",
                field="shift",
            )
        return [cell(proposer, my_date, None, shift)]
    if shift is not None:
        raise RuleViolation("only taking an open shift names the shift", field="shift")
    if colleague is None:
        raise RuleViolation("a swap or a give-away names the colleague", field="colleague_id")
    if colleague == proposer:
        raise RuleViolation("the colleague is someone other than you", field="colleague_id")
    if colleague not in rows:
        raise RuleViolation("the colleague is not a nurse of this roster period", field="colleague_id")
    if kind == "give":
        if their_date is not None:
            raise RuleViolation("a give-away names no date of the colleague's", field="their_date")
        if mine is None:
            raise RuleViolation(f"you have no shift on {my_date.isoformat()} to give", field="my_date")
        theirs = _shift(rows, colleague, my_date)
        if theirs is not None:
            raise RuleViolation(
                f"{rows[colleague].staff_name} already works {word(theirs)} on {my_date.isoformat()}",
                field="colleague_id",
            )
        return [cell(proposer, my_date, mine, None), cell(colleague, my_date, None, mine)]
    days = [my_date] if their_date is None or their_date == my_date else sorted({my_date, their_date})
    out = []
    for day in days:
        a, b = _shift(rows, proposer, day), _shift(rows, colleague, day)
        if a != b:
            out += [cell(proposer, day, a, b), cell(colleague, day, b, a)]
    if not out:
        raise RuleViolation(
            "the two of you work the same shifts on those days: nothing to swap", field="my_date"
        )
    return out


def changed_since(swap: Swap, rows: Mapping[str, NurseRow]) -> list[SwapCell]:
    """The swap's cells that no longer hold, on the live rows, what they held when it was proposed."""
    return [c for c in swap.cells if _shift(rows, c.staff_id, c.day) != c.before]


def require_unchanged(swap: Swap, rows: Mapping[str, NurseRow]) -> None:
    """409 when the live roster moved one of the swap's cells since it was proposed."""
    moved = changed_since(swap, rows)
    if moved:
        first = moved[0]
        raise Conflict(
            f"{first.staff_name}'s shift on {first.day.isoformat()} changed since the swap was proposed"
        )


def require_not_pending(cells: Sequence[SwapCell], swaps: Sequence[Swap]) -> None:
    """409 when one of ``cells`` is already in a swap waiting for approval (the second to be approved
    would fail anyway: its cell moved)."""
    waiting = {(c.staff_id, c.day) for s in swaps if s.state == "requested" for c in s.cells}
    for c in cells:
        if (c.staff_id, c.day) in waiting:
            raise Conflict(
                f"{c.staff_name}'s shift on {c.day.isoformat()} is in another swap waiting for approval"
            )


def reversal_cells(swap: Swap) -> tuple[SwapCell, ...]:
    """The cells of an applied swap, the other way round."""
    return tuple(c.reversed() for c in swap.cells)


def require_state(swap: Swap, *states: State) -> None:
    if swap.state not in states:
        raise Conflict(f"the swap is {swap.state}")


def first_day(cells: Sequence[SwapCell]) -> date:
    return min(c.day for c in cells)
