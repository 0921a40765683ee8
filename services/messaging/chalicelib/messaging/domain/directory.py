"""Directory rules, free of AWS: placement of units, moves without cycles, leaving (search: staff_search)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.messaging.domain.records import Reminder

from shared.auth import DIRECTORY_ROLES
from shared.errors import Conflict, RuleViolation

ROLES = DIRECTORY_ROLES
# Which kinds of unit may sit under which: a ward belongs to a department or a campus, never the reverse.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    "campus": frozenset({None}),
    "department": frozenset({None, "campus", "department"}),
    "ward": frozenset({"campus", "department"}),
    "team": frozenset({"department", "ward"}),
}
MAX_DEPTH = 12
# A write based on a record someone else has saved since it was read (its version moved on).
STALE = Conflict("this record was changed by someone else; reload it and try again")
CERTIFICATE_NOTICE = timedelta(days=30)  # certificate.expiring goes out this long before the expiry


@dataclass(frozen=True)
class ParentUnit:
    id: str
    kind: str
    parent_id: str | None = None


def check_placement(kind: str, parent: ParentUnit | None) -> None:
    """A unit of ``kind`` may be placed under ``parent`` (None = top level)."""
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        where = f"a {parent_kind}" if parent_kind else "the top level"
        raise RuleViolation(f"a {kind} cannot be placed under {where}", field="parent_id")


def check_move(unit_id: str, new_parent_id: str | None, lookup: Callable[[str], ParentUnit | None]) -> None:
    """Moving ``unit_id`` under ``new_parent_id`` must not put it inside its own subtree."""
    current = new_parent_id
    for _ in range(MAX_DEPTH):
        if current is None:
            return
        if current == unit_id:
            raise RuleViolation(
                "a unit cannot be moved under itself or one of its own sub-units", field="parent_id"
            )
        parent = lookup(current)
        if parent is None:
            return
        current = parent.parent_id
    raise RuleViolation(f"the unit tree may be at most {MAX_DEPTH} levels deep", field="parent_id")


def check_can_leave(status: str) -> None:
    if status == "left":
        raise Conflict("this member of staff has already left")


def check_supervisor(staff_id: str, supervisor_id: str | None, chain: Iterable[str]) -> None:
    """A supervisor must not be the person themselves, nor someone they (indirectly) supervise."""
    if supervisor_id is None:
        return
    if supervisor_id == staff_id or staff_id in chain:
        raise RuleViolation("supervisor lines cannot form a cycle", field="supervisor_id")


# A sign-in (the identity provider's subject) already bound to another member of staff.
SIGN_IN_TAKEN = Conflict("this sign-in is bound to another member of staff already")


def sign_in_subject(user_id: str | None, staff_id: str) -> str:
    """The subject a member of staff signs in as: the bound identity-provider subject, else their id."""
    return user_id or staff_id


def number_taken(employee_no: str) -> Conflict:
    return Conflict(f"employee number {employee_no} is already taken")


def _reminder_key(staff_id: str, cert: dict[str, Any]) -> str:
    return f"{staff_id}#{cert['type']}#{cert['number']}#{cert['valid_until']}"


def reminder_changes(
    staff_id: str, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> tuple[list[str], list[Reminder]]:
    """The reminders to drop (removed or renewed certificates) and to add (new ones), by key."""
    old = {_reminder_key(staff_id, c): c for c in before}
    new = {_reminder_key(staff_id, c): c for c in after}
    added = [
        Reminder(
            key=key,
            staff_id=staff_id,
            certificate_type=new[key]["type"],
            valid_until=str(new[key]["valid_until"]),
            remind_on=date.fromisoformat(str(new[key]["valid_until"])) - CERTIFICATE_NOTICE,
        )
        for key in new.keys() - old.keys()
    ]
    return sorted(old.keys() - new.keys()), sorted(added, key=lambda r: r.key)
