"""Consortium rules (医共体/医联体), free of AWS: invitations, leaving, removal, cross-hospital groups."""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import Conflict, RuleViolation

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
