"""Directory rules, free of AWS: placement of units, moves without cycles, search terms, leaving."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shared.errors import Conflict, RuleViolation

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
MAX_DEPTH = 12


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


def search_blob(name: str, employee_no: str) -> str:
    """What staff search matches against: the name, its full pinyin, its initials and the 工号.

    ``|张三|zhangsan|zs|e001|`` — a query matches if it is contained in it (case-insensitive).
    """
    from pypinyin import Style, lazy_pinyin  # its dictionaries are large: loaded on first write, not import

    full = "".join(lazy_pinyin(name)).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return "|" + "|".join((name.lower(), full, initials, employee_no.lower())) + "|"


def search_key(query: str) -> str:
    """A query as it is matched: trimmed, lower case, spaces removed (``Zhang San`` → ``zhangsan``)."""
    return "".join(query.split()).lower()


def check_can_leave(status: str) -> None:
    if status == "left":
        raise Conflict("this member of staff has already left")


def check_supervisor(staff_id: str, supervisor_id: str | None, chain: Iterable[str]) -> None:
    """A supervisor must not be the person themselves, nor someone they (indirectly) supervise."""
    if supervisor_id is None:
        return
    if supervisor_id == staff_id or staff_id in chain:
        raise RuleViolation("supervisor lines cannot form a cycle", field="supervisor_id")


# --- consortium links (医共体/医联体) ----------------------------------------------------------------

CONSORTIUM_GROUP_MAX_MEMBERS = 50  # all pointers, the group and its audit in one transaction (limit 100)


def check_invitation(lead_hospital_id: str, invitee_hospital_id: str) -> None:
    """A lead hospital invites another hospital, never itself."""
    if invitee_hospital_id == lead_hospital_id:
        raise RuleViolation("a hospital cannot invite itself", field="hospital_id")


def check_can_leave_consortium(role: str, other_members: int) -> None:
    """A member leaves at any time; the lead leaves (dissolving it) only once it is alone in it."""
    if role == "lead" and other_members:
        raise Conflict("the lead hospital can leave only after removing the other hospitals")


def check_removal(lead_hospital_id: str, hospital_id: str) -> None:
    if hospital_id == lead_hospital_id:
        raise RuleViolation("the lead hospital leaves, it is not removed", field="hospital_id")


def member_key(home_hospital_id: str, hospital_id: str, staff_id: str) -> str:
    """How a person is named among a conversation's members: bare at home, ``hospital:staff`` as a guest."""
    return staff_id if hospital_id == home_hospital_id else f"{hospital_id}:{staff_id}"


def split_member_key(home_hospital_id: str, key: str) -> tuple[str, str]:
    """``member_key`` reversed: (hospital id, staff id)."""
    hospital_id, _, staff_id = key.rpartition(":")
    return (hospital_id or home_hospital_id), staff_id


def check_consortium_group(
    my_hospital_id: str,
    guest_hospitals: Iterable[str],
    active_member_hospitals: Iterable[str],
    member_count: int,
) -> None:
    """Everyone in a cross-hospital group comes from a hospital that is an active member of its consortium."""
    active = set(active_member_hospitals)
    if my_hospital_id not in active:
        raise RuleViolation("your hospital is not an active member of this consortium", field="consortium_id")
    outside = sorted(set(guest_hospitals) - active)
    if outside:
        raise RuleViolation(
            f"not active members of this consortium: {', '.join(outside[:5])}", field="guests"
        )
    if member_count > CONSORTIUM_GROUP_MAX_MEMBERS:
        raise RuleViolation(
            f"a cross-hospital group has at most {CONSORTIUM_GROUP_MAX_MEMBERS} members", field="guests"
        )


# --- approval notices -------------------------------------------------------------------------------

APPROVAL_ASSIGNED = "approval.task.assigned"
APPROVAL_URGED = "approval.instance.urged"
APPROVAL_REMINDED = "approval.task.reminded"
APPROVAL_ESCALATED = "approval.task.escalated"
APPROVAL_NOTICE_TYPES = (APPROVAL_ASSIGNED, APPROVAL_URGED, APPROVAL_REMINDED, APPROVAL_ESCALATED)


def approval_recipients(event_type: str, data: dict[str, Any]) -> list[str]:
    """Who hears of an approval event: the approver(s) it concerns; for an escalation, whoever now holds
    the task and the approver who let it run over."""
    if event_type == APPROVAL_URGED:
        return sorted({str(s) for s in data.get("staff_ids", [])})
    if event_type == APPROVAL_ESCALATED:
        return sorted({str(s) for s in (data.get("escalated_to"), data.get("staff_id")) if s})
    return [str(data["staff_id"])] if data.get("staff_id") else []


def approval_notice(event_type: str, template_code: str, instance_id: str) -> tuple[str, str]:
    """The work notification's (title, body) for an approval event (events are thin: codes and ids)."""
    if event_type == APPROVAL_URGED:
        return f"催办：审批 {template_code}", f"审批单 {instance_id} 的提交人催您尽快处理。"
    if event_type == APPROVAL_REMINDED:
        return f"超时提醒：审批 {template_code}", f"审批单 {instance_id} 已超过处理时限，请尽快处理。"
    if event_type == APPROVAL_ESCALATED:
        return f"已升级：审批 {template_code}", f"审批单 {instance_id} 超时未处理，已按规则升级。"
    return f"待审批：{template_code}", f"审批单 {instance_id} 等待您审批。"
