"""Directory rules, free of AWS: what a department or a member of staff may be."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import RuleViolation

ROLES = frozenset(
    {
        "hospital_admin",
        "department_head",
        "head_nurse",
        "doctor",
        "nurse",
        "pharmacist",
        "technician",
        "clerk",
    }
)
# Which kinds of unit may sit under which: a ward belongs to a department or a campus, never the reverse.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    "campus": frozenset({None}),
    "department": frozenset({None, "campus", "department"}),
    "ward": frozenset({"campus", "department"}),
    "team": frozenset({"department", "ward"}),
}


@dataclass(frozen=True)
class ParentUnit:
    id: str
    kind: str


def check_placement(kind: str, parent: ParentUnit | None) -> None:
    """A unit of ``kind`` may be placed under ``parent`` (None = top level)."""
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        where = f"a {parent_kind}" if parent_kind else "the top level"
        raise RuleViolation(f"a {kind} cannot be placed under {where}", field="parent_id")
