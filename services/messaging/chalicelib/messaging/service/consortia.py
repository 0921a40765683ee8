"""Consortium links (医共体/医联体): a lead hospital, the hospitals it invited, and who has joined.

Every hospital's own keys stay its own: each participating hospital holds a link item under its own
tenant (``<hospital>#consortia`` / consortium id: its role and whether it has joined), and the lead holds
the roster (``<lead>#consortium#<id>#members``). A hospital reaches a consortium only through its own
link, so another hospital's consortium id answers 404 exactly like an unknown one; the roster is read
from the lead's partition only after the caller's link says it is an active member.
"""

from __future__ import annotations

from chalicelib.messaging.adapters import dynamodb
from chalicelib.messaging.adapters.dynamodb import HospitalLink, RosterEntry
from chalicelib.messaging.contracts.consortia import (
    AcceptInvitation,
    Consortium,
    ConsortiumGroup,
    ConsortiumMember,
    CreateConsortium,
    InviteHospital,
)
from chalicelib.messaging.contracts.events import (
    CONSORTIUM_CREATED,
    CONSORTIUM_DECLINED,
    CONSORTIUM_INVITED,
    CONSORTIUM_JOINED,
    CONSORTIUM_LEFT,
    ConsortiumChanged,
)
from chalicelib.messaging.domain import consortia as rules
from chalicelib.messaging.service import caller

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.envelope import EventType
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"


def _view(link: HospitalLink) -> Consortium:
    return Consortium(
        id=link.sk,
        name=link.consortium_name,
        kind=link.kind,
        lead_hospital_id=link.lead_hospital_id,
        my_role=link.role,
        my_status=link.status,
        since=link.since,
    )


def _member(entry: RosterEntry) -> ConsortiumMember:
    return ConsortiumMember(
        id=entry.sk,
        hospital_name=entry.hospital_name,
        role=entry.role,
        status=entry.status,
    )


def _link(principal: Principal, consortium_id: str, status: str | None = "active") -> HospitalLink:
    link = dynamodb.hospital_link(principal.tenant, consortium_id)
    if link is None or (status is not None and link.status != status):
        raise NotFound("consortium")  # not ours (or not yet joined): indistinguishable from absent
    return link


def _event(
    uow: UnitOfWork,
    event: EventType[ConsortiumChanged],
    tenant: str,
    consortium_id: str,
    lead: str,
    hospital_id: str,
) -> None:
    data = ConsortiumChanged(consortium_id=consortium_id, lead_hospital_id=lead, hospital_id=hospital_id)
    uow.emit(event.envelope(tenant, data))


def create(principal: Principal, cmd: CreateConsortium, request_id: str) -> Consortium:
    lead = principal.tenant
    consortium_id = new_id()
    link = HospitalLink.new(
        lead,
        consortium_id,
        consortium_name=cmd.name,
        kind=cmd.kind,
        lead_hospital_id=lead,
        role="lead",
        status="active",
    )
    entry = RosterEntry.new(
        lead,
        lead,
        pk=RosterEntry.partition(lead, consortium_id),
        hospital_name=cmd.hospital_name,
        role="lead",
        status="active",
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(link)
        uow.create(entry)
        uow.audit(
            "consortium.create", "consortium", consortium_id, after={"name": cmd.name, "kind": cmd.kind}
        )
        _event(uow, CONSORTIUM_CREATED, lead, consortium_id, lead, lead)
        uow.commit()
    return _view(link)


def mine(principal: Principal, limit: int, cursor: str | None) -> Page[Consortium]:
    """The caller's hospital's consortia and pending invitations: one Query on its own partition."""
    return Page[Consortium].of(dynamodb.link_page(principal.tenant, limit, cursor), _view)


def get(principal: Principal, consortium_id: str) -> Consortium:
    return _view(_link(principal, consortium_id, status=None))


def members(
    principal: Principal, consortium_id: str, limit: int, cursor: str | None
) -> Page[ConsortiumMember]:
    """The hospitals of a consortium the caller's hospital has joined (the lead's roster, one Query)."""
    link = _link(principal, consortium_id)
    return Page[ConsortiumMember].of(
        dynamodb.roster_page(link.lead_hospital_id, consortium_id, limit, cursor), _member
    )


def groups(principal: Principal, limit: int, cursor: str | None) -> Page[ConsortiumGroup]:
    """The caller's cross-hospital groups (转诊群…), newest first: one Query on their own pointers.

    The groups themselves are conversations (``service.conversations`` starts them and checks each read
    against this hospital's consortium link); a pointer only says where one lives.
    """
    return Page[ConsortiumGroup].of(
        dynamodb.pointer_page(principal.tenant, caller.staff_id(principal), limit, cursor),
        lambda p: ConsortiumGroup(
            id=p.sk,
            name=p.name,
            consortium_id=p.consortium_id,
            home_hospital_id=p.home_hospital_id,
            joined_at=p.joined_at,
        ),
    )


def invite(
    principal: Principal, consortium_id: str, cmd: InviteHospital, request_id: str
) -> ConsortiumMember:
    """The lead invites a hospital; inviting one already invited answers the same invitation."""
    link = _link(principal, consortium_id)
    if link.role != "lead":
        raise NotFound("consortium")  # only the lead manages its roster; members see no such action
    lead = principal.tenant
    rules.check_invitation(lead, cmd.hospital_id)
    entry = RosterEntry.new(
        lead,
        cmd.hospital_id,
        pk=RosterEntry.partition(lead, consortium_id),
        hospital_name=cmd.hospital_name,
        role="member",
        status="invited",
    )
    invitation = HospitalLink.new(
        cmd.hospital_id,
        consortium_id,
        consortium_name=link.consortium_name,
        kind=link.kind,
        lead_hospital_id=lead,
        role="member",
        status="invited",
    )
    existing = dynamodb.find_roster_entry(lead, consortium_id, cmd.hospital_id)
    if existing is not None:
        if existing.status == "invited":
            return _member(existing)
        raise Conflict("this hospital is already a member")
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(entry, on_conflict=Conflict("this hospital was invited meanwhile"))
        uow.create(invitation, on_conflict=Conflict("this hospital was invited meanwhile"))
        uow.audit("consortium.invite", "consortium", consortium_id, after={"hospital_id": cmd.hospital_id})
        _event(uow, CONSORTIUM_INVITED, lead, consortium_id, lead, cmd.hospital_id)
        uow.commit()
    return _member(entry)


def accept(principal: Principal, consortium_id: str, cmd: AcceptInvitation, request_id: str) -> Consortium:
    """The invited hospital joins; an invitation not addressed to it is a 404."""
    me = principal.tenant
    link = _link(principal, consortium_id, status="invited")
    lead = link.lead_hospital_id
    link.status, link.since = "active", now_utc()
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.save(link, condition=HospitalLink.status == "invited", on_conflict=Conflict("answered meanwhile"))
        uow.update(
            RosterEntry(RosterEntry.partition(lead, consortium_id), me),
            [RosterEntry.status.set("active"), RosterEntry.hospital_name.set(cmd.hospital_name)],
            condition=RosterEntry.status == "invited",
            on_conflict=NotFound("consortium"),  # the lead withdrew the invitation meanwhile
        )
        uow.audit(
            "consortium.accept", "consortium", consortium_id, after={"hospital_name": cmd.hospital_name}
        )
        _event(uow, CONSORTIUM_JOINED, me, consortium_id, lead, me)
        uow.commit()
    return _view(link)


def decline(principal: Principal, consortium_id: str, request_id: str) -> None:
    me = principal.tenant
    link = _link(principal, consortium_id, status="invited")
    _drop(principal, link, me, "invited", CONSORTIUM_DECLINED, "consortium.decline", request_id)


def leave(principal: Principal, consortium_id: str, request_id: str) -> None:
    """A member leaves; the lead leaves (dissolving the consortium) once it is alone in it."""
    me = principal.tenant
    link = _link(principal, consortium_id)
    if link.role == "lead":
        others = [hospital for hospital in dynamodb.roster_ids(me, consortium_id, limit=2) if hospital != me]
        rules.check_can_leave_consortium(link.role, len(others))
    _drop(principal, link, me, "active", CONSORTIUM_LEFT, "consortium.leave", request_id)


def remove(principal: Principal, consortium_id: str, hospital_id: str, request_id: str) -> None:
    """The lead ends a hospital's membership (or withdraws its invitation)."""
    lead = principal.tenant
    link = _link(principal, consortium_id)
    if link.role != "lead":
        raise NotFound("consortium")
    rules.check_removal(lead, hospital_id)
    theirs = dynamodb.hospital_link(hospital_id, consortium_id)
    if theirs is None or theirs.lead_hospital_id != lead:
        raise NotFound("hospital in this consortium")
    _drop(principal, theirs, hospital_id, theirs.status, CONSORTIUM_LEFT, "consortium.remove", request_id)


def _drop(
    principal: Principal,
    link: HospitalLink,
    hospital_id: str,
    status: str,
    event: EventType[ConsortiumChanged],
    action: str,
    request_id: str,
) -> None:
    """Delete a hospital's link and its roster entry together (both only if still in ``status``)."""
    lead, consortium_id = link.lead_hospital_id, link.sk
    gone = NotFound("consortium")
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        # Both only if still as read: answered or removed meanwhile, it is no longer there (404).
        uow.delete(link, condition=HospitalLink.status == status, on_conflict=gone)
        uow.delete(
            RosterEntry(RosterEntry.partition(lead, consortium_id), hospital_id),
            condition=RosterEntry.status == status,
            on_conflict=gone,
        )
        uow.audit(action, "consortium", consortium_id, before={"hospital_id": hospital_id, "status": status})
        _event(uow, event, principal.tenant, consortium_id, lead, hospital_id)
        uow.commit()
