"""Consortium links (医共体/医联体): a lead hospital, the hospitals it invited, and who has joined.

Every hospital's own keys stay its own: each participating hospital holds a link item under its own
tenant (``<hospital>#consortia`` / consortium id: its role and whether it has joined), and the lead holds
the roster (``<lead>#consortium#<id>#members``). A hospital reaches a consortium only through its own
link, so another hospital's consortium id answers 404 exactly like an unknown one; the roster is read
from the lead's partition only after the caller's link says it is an active member.

Each use case takes the store it works on (``store=``); left out, ``service/wiring.py`` opens the
DynamoDB one for the caller's hospital.
"""

from __future__ import annotations

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
from chalicelib.messaging.domain.ports import ConsortiumStore
from chalicelib.messaging.domain.records import ConsortiumGroupPointer, ConsortiumLink, RosterMember
from chalicelib.messaging.service import caller, wiring

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.envelope import EventType
from shared.ids import new_id
from shared.pages import Page
from shared.persistence.models import now_utc


def _view(link: ConsortiumLink) -> Consortium:
    return Consortium(
        id=link.consortium_id,
        name=link.name,
        kind=link.kind,
        lead_hospital_id=link.lead_hospital_id,
        my_role=link.role,
        my_status=link.status,
        since=link.since,
    )


def _member(entry: RosterMember) -> ConsortiumMember:
    return ConsortiumMember(
        id=entry.hospital_id,
        hospital_name=entry.hospital_name,
        role=entry.role,
        status=entry.status,
    )


def _group(pointer: ConsortiumGroupPointer) -> ConsortiumGroup:
    return ConsortiumGroup(
        id=pointer.conversation_id,
        name=pointer.name,
        consortium_id=pointer.consortium_id,
        home_hospital_id=pointer.home_hospital_id,
        joined_at=pointer.joined_at,
    )


def _link(
    principal: Principal, consortium_id: str, store: ConsortiumStore, status: str | None = "active"
) -> ConsortiumLink:
    link = store.links.get(principal.tenant, consortium_id)
    if link is None or (status is not None and link.status != status):
        raise NotFound("consortium")  # not ours (or not yet joined): indistinguishable from absent
    return link


def _event(
    store: ConsortiumStore,
    event: EventType[ConsortiumChanged],
    tenant: str,
    consortium_id: str,
    lead: str,
    hospital_id: str,
) -> None:
    data = ConsortiumChanged(consortium_id=consortium_id, lead_hospital_id=lead, hospital_id=hospital_id)
    store.emit(event.envelope(tenant, data))


def create(
    principal: Principal, cmd: CreateConsortium, request_id: str, store: ConsortiumStore | None = None
) -> Consortium:
    lead = principal.tenant
    consortium_id = new_id()
    link = ConsortiumLink(
        hospital_id=lead,
        consortium_id=consortium_id,
        name=cmd.name,
        kind=cmd.kind,
        lead_hospital_id=lead,
        role="lead",
        status="active",
        since=now_utc(),
    )
    entry = RosterMember(lead, consortium_id, lead, cmd.hospital_name, role="lead", status="active")
    store = store or wiring.open_consortia(principal, request_id)
    with store:
        store.links.create(link)
        store.rosters.create(entry)
        store.audit(
            "consortium.create", "consortium", consortium_id, after={"name": cmd.name, "kind": cmd.kind}
        )
        _event(store, CONSORTIUM_CREATED, lead, consortium_id, lead, lead)
        store.commit()
    return _view(link)


def mine(
    principal: Principal, limit: int, cursor: str | None, store: ConsortiumStore | None = None
) -> Page[Consortium]:
    """The caller's hospital's consortia and pending invitations: one Query on its own partition."""
    store = store or wiring.open_consortia(principal)
    return Page[Consortium].of(store.links.page(principal.tenant, limit, cursor), _view)


def get(principal: Principal, consortium_id: str, store: ConsortiumStore | None = None) -> Consortium:
    return _view(_link(principal, consortium_id, store or wiring.open_consortia(principal), status=None))


def members(
    principal: Principal,
    consortium_id: str,
    limit: int,
    cursor: str | None,
    store: ConsortiumStore | None = None,
) -> Page[ConsortiumMember]:
    """The hospitals of a consortium the caller's hospital has joined (the lead's roster, one Query)."""
    store = store or wiring.open_consortia(principal)
    link = _link(principal, consortium_id, store)
    return Page[ConsortiumMember].of(
        store.rosters.page(link.lead_hospital_id, consortium_id, limit, cursor), _member
    )


def groups(
    principal: Principal, limit: int, cursor: str | None, store: ConsortiumStore | None = None
) -> Page[ConsortiumGroup]:
    """The caller's cross-hospital groups (转诊群…), newest first: one Query on their own pointers.

    The groups themselves are conversations (``service.conversations`` starts them and checks each read
    against this hospital's consortium link); a pointer only says where one lives.
    """
    store = store or wiring.open_consortia(principal)
    staff_id = caller.staff_id(principal)  # as the directory binds the sign-in (shared.standing)
    pointers, next_cursor = store.groups.page(staff_id, limit, cursor)
    # A group of a consortium this hospital has left (or was removed from) is closed to it: not listed.
    links = {c: store.links.get(principal.tenant, c) for c in {p.consortium_id for p in pointers}}
    still_in = {c for c, link in links.items() if link is not None and link.status == "active"}
    return Page[ConsortiumGroup](
        items=[_group(p) for p in pointers if p.consortium_id in still_in], next_cursor=next_cursor
    )


def invite(
    principal: Principal,
    consortium_id: str,
    cmd: InviteHospital,
    request_id: str,
    store: ConsortiumStore | None = None,
) -> ConsortiumMember:
    """The lead invites a hospital; inviting one already invited answers the same invitation."""
    store = store or wiring.open_consortia(principal, request_id)
    link = _link(principal, consortium_id, store)
    if link.role != "lead":
        raise NotFound("consortium")  # only the lead manages its roster; members see no such action
    lead = principal.tenant
    rules.check_invitation(lead, cmd.hospital_id)
    registered = store.hospitals.name(cmd.hospital_id)
    if registered is None:
        raise NotFound("hospital")  # not a hospital of this province: nothing to invite
    hospital_name = cmd.hospital_name or registered
    entry = RosterMember(lead, consortium_id, cmd.hospital_id, hospital_name, role="member", status="invited")
    invitation = ConsortiumLink(
        hospital_id=cmd.hospital_id,
        consortium_id=consortium_id,
        name=link.name,
        kind=link.kind,
        lead_hospital_id=lead,
        role="member",
        status="invited",
        since=now_utc(),
    )
    existing = store.rosters.get(lead, consortium_id, cmd.hospital_id)
    if existing is not None:
        if existing.status == "invited":
            return _member(existing)
        raise Conflict("this hospital is already a member")
    with store:
        store.rosters.create(entry, Conflict("this hospital was invited meanwhile"))
        store.links.create(invitation, Conflict("this hospital was invited meanwhile"))
        store.audit("consortium.invite", "consortium", consortium_id, after={"hospital_id": cmd.hospital_id})
        _event(store, CONSORTIUM_INVITED, lead, consortium_id, lead, cmd.hospital_id)
        store.commit()
    return _member(entry)


def accept(
    principal: Principal,
    consortium_id: str,
    cmd: AcceptInvitation,
    request_id: str,
    store: ConsortiumStore | None = None,
) -> Consortium:
    """The invited hospital joins; an invitation not addressed to it is a 404."""
    me = principal.tenant
    store = store or wiring.open_consortia(principal, request_id)
    link = _link(principal, consortium_id, store, status="invited")
    lead = link.lead_hospital_id
    link.status, link.since = "active", now_utc()
    with store:
        store.links.save(link, "invited", Conflict("answered meanwhile"))
        # the lead withdrew the invitation meanwhile: 404
        store.rosters.join(lead, consortium_id, me, cmd.hospital_name, NotFound("consortium"))
        store.audit(
            "consortium.accept", "consortium", consortium_id, after={"hospital_name": cmd.hospital_name}
        )
        _event(store, CONSORTIUM_JOINED, me, consortium_id, lead, me)
        store.commit()
    return _view(link)


def decline(
    principal: Principal, consortium_id: str, request_id: str, store: ConsortiumStore | None = None
) -> None:
    store = store or wiring.open_consortia(principal, request_id)
    link = _link(principal, consortium_id, store, status="invited")
    _drop(principal, store, link, "invited", CONSORTIUM_DECLINED, "consortium.decline")


def leave(
    principal: Principal, consortium_id: str, request_id: str, store: ConsortiumStore | None = None
) -> None:
    """A member leaves; the lead leaves (dissolving the consortium) once it is alone in it."""
    me = principal.tenant
    store = store or wiring.open_consortia(principal, request_id)
    link = _link(principal, consortium_id, store)
    if link.role == "lead":
        others = [hospital for hospital in store.rosters.first(me, consortium_id, limit=2) if hospital != me]
        rules.check_can_leave_consortium(link.role, len(others))
    _drop(principal, store, link, "active", CONSORTIUM_LEFT, "consortium.leave")


def remove(
    principal: Principal,
    consortium_id: str,
    hospital_id: str,
    request_id: str,
    store: ConsortiumStore | None = None,
) -> None:
    """The lead ends a hospital's membership (or withdraws its invitation)."""
    lead = principal.tenant
    store = store or wiring.open_consortia(principal, request_id)
    link = _link(principal, consortium_id, store)
    if link.role != "lead":
        raise NotFound("consortium")
    rules.check_removal(lead, hospital_id)
    theirs = store.links.get(hospital_id, consortium_id)
    if theirs is None or theirs.lead_hospital_id != lead:
        raise NotFound("hospital in this consortium")
    _drop(principal, store, theirs, theirs.status, CONSORTIUM_LEFT, "consortium.remove")


def _drop(
    principal: Principal,
    store: ConsortiumStore,
    link: ConsortiumLink,
    status: str,
    event: EventType[ConsortiumChanged],
    action: str,
) -> None:
    """Delete a hospital's link and its roster entry together (both only if still in ``status``)."""
    lead, consortium_id, hospital_id = link.lead_hospital_id, link.consortium_id, link.hospital_id
    gone = NotFound("consortium")
    with store:
        # Both only if still as read: answered or removed meanwhile, it is no longer there (404).
        store.links.delete(link, status, gone)
        store.rosters.delete(lead, consortium_id, hospital_id, status, gone)
        before = {"hospital_id": hospital_id, "status": status}
        store.audit(action, "consortium", consortium_id, before=before)
        _event(store, event, principal.tenant, consortium_id, lead, hospital_id)
        store.commit()
