"""A referral's group chat (转诊群): the doctors of both hospitals of a referral, for its lifetime.

Driven by follow-up's referral events, the copy for the referring side only (``side == "from"``: it
carries ``group_members``, hospital id → staff ids; the receiving side's copy is ignored). On
``referral.requested`` a cross-hospital group is made under the referring hospital (its home), with the
receiving hospital's people as guests, named without the patient ("转诊 · 甲院 → 乙院 · 心内科"); its
id derives from the referral's, so a retry or a repeated event makes one group. On ``accepted`` the
people new to ``group_members`` (the receiving doctor) join. When the referral ends (rejected, no-show,
completed, cancelled) the group closes: its members still read it, nobody posts in it again; an end that
arrives before its start leaves a closed, empty marker, so the late start makes no group.

The group is registered in its consortium like any cross-hospital group, so a hospital leaving the
consortium leaves it too (the consortium-groups consumer). If the two hospitals no longer share the
consortium when the referral is made, no group is made (logged and counted).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.messaging.domain import consortia
from chalicelib.messaging.domain.ports import ConversationStore
from chalicelib.messaging.domain.records import ConversationRecord, ListingRecord, PointerRecord
from chalicelib.messaging.service import wiring

from shared import observability
from shared.events.envelope import EventEnvelope
from shared.events.published.followup import (
    REFERRAL_ACCEPTED,
    REFERRAL_CANCELLED,
    REFERRAL_COMPLETED,
    REFERRAL_NO_SHOW,
    REFERRAL_REJECTED,
    REFERRAL_REQUESTED,
    ReferralEvent,
)
from shared.persistence.models import now_utc
from shared.persistence.uow import MAX_TRANSACTION_ITEMS, UnitOfWork

SERVICE = "messaging"
logger = observability.logger(SERVICE)

_PARSERS = {
    t.name: t
    for t in (
        REFERRAL_REQUESTED,
        REFERRAL_ACCEPTED,
        REFERRAL_REJECTED,
        REFERRAL_NO_SHOW,
        REFERRAL_COMPLETED,
        REFERRAL_CANCELLED,
    )
}
GROUP_TYPES: tuple[str, ...] = tuple(_PARSERS)
CLOSING = frozenset({"referral.rejected", "referral.no_show", "referral.completed", "referral.cancelled"})


def group_id(referral_id: str) -> str:
    """The referral's group: one per referral, whatever is delivered twice."""
    return f"ref-{referral_id}"[:64]


def group_name(from_hospital: str, to_hospital: str, to_department: str) -> str:
    """What the group is called: the two hospitals and the department, never the patient."""
    name = f"转诊 · {from_hospital or '转出医院'} → {to_hospital or '接收医院'}"
    return f"{name} · {to_department}" if to_department else name


def sync(envelope: EventEnvelope, uow: UnitOfWork, store: ConversationStore | None = None) -> None:
    """referral.requested/accepted/rejected/no_show/completed/cancelled (the referring side's copy) →
    the referral's group made, joined or closed."""
    data = _PARSERS[envelope.type].parse(envelope)
    if data.side != "from" or envelope.tenant != data.from_hospital_id:
        return  # the receiving side's copy: the referring hospital's copy keeps the group
    store = store or wiring.consumer_conversations(envelope.tenant, uow)
    existing = store.conversations.get(envelope.tenant, group_id(data.referral_id))
    if envelope.type in CLOSING:
        if existing is None:
            # the end came before the start (events may arrive out of order): a closed, empty marker under
            # the group's id, so a late ``requested`` makes no group for a finished referral
            store.conversations.create(
                ConversationRecord(
                    id=group_id(data.referral_id),
                    hospital_id=envelope.tenant,
                    kind="group",
                    name="转诊（已结束）",
                    member_ids=frozenset(),
                    created_at=now_utc(),
                    consortium_id=data.consortium_id,
                    closed=True,
                )
            )
        elif not existing.closed:
            store.conversations.close(existing)
        return
    lead = store.access.shared_lead(data.from_hospital_id, data.to_hospital_id, data.consortium_id)
    if lead is None:
        logger.warning(
            "referral group not made: the hospitals no longer share the consortium",
            extra={"event_id": envelope.id, "referral_id": data.referral_id, "type": envelope.type},
        )
        observability.for_service(SERVICE).metrics.add_metric(
            name="ReferralGroupsSkipped", unit="Count", value=1
        )
        return
    if existing is None:
        _create(store, data, lead)
    elif not existing.closed:
        _join(store, data, existing)


def _wanted(data: ReferralEvent) -> list[tuple[str, str]]:
    """(hospital, staff id) of the people ``group_members`` names, from the referral's two hospitals."""
    ends = {data.from_hospital_id, data.to_hospital_id}
    return sorted({(h, s) for h, staff in data.group_members.items() if h in ends for s in staff if s})[
        : consortia.CONSORTIUM_GROUP_MAX_MEMBERS
    ]


def _named(store: ConversationStore, people: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The people the directories know (one BatchGetItem), with their names kept on the group."""
    return store.people.names(people) if people else {}


def _create(store: ConversationStore, data: ReferralEvent, lead: str) -> None:
    home = data.from_hospital_id
    names = _named(store, _wanted(data))
    if not names:
        logger.warning(
            "referral group not made: nobody to put in it",
            extra={"referral_id": data.referral_id, "group_members": list(data.group_members)[:5]},
        )
        observability.for_service(SERVICE).metrics.add_metric(
            name="ReferralGroupsSkipped", unit="Count", value=1
        )
        return
    hospitals = {h: store.access.hospital_name(h) for h in (home, data.to_hospital_id)}
    name = group_name(
        hospitals[home],
        hospitals[data.to_hospital_id],
        store.access.department_name(data.to_hospital_id, data.to_department_id),
    )
    people = sorted(names)
    now = now_utc()
    record = ConversationRecord(
        id=group_id(data.referral_id),
        hospital_id=home,
        kind="group",
        name=name,
        member_ids=frozenset(consortia.member_key(home, h, s) for h, s in people),
        created_at=now,
        consortium_id=data.consortium_id,
        member_names={consortia.member_key(home, h, s): n for (h, s), n in names.items() if n},
        hospital_names={h: n for h, n in hospitals.items() if n},
    )
    lines = [ListingRecord(h, s, record.id, home) for h, s in people]
    if 2 + 2 * len(people) + len(lines) <= MAX_TRANSACTION_ITEMS:  # + the marker and the registration
        store.conversations.list_in(lines)
    else:
        store.conversations.list_now(lines)
    store.conversations.create(record)
    store.conversations.register(lead, data.consortium_id, home, record.id)
    for hospital_id, staff_id in people:
        store.conversations.add_pointer(_pointer(record, hospital_id, staff_id, now))


def _join(store: ConversationStore, data: ReferralEvent, group: ConversationRecord) -> None:
    home = group.hospital_id
    new = [(h, s) for h, s in _wanted(data) if consortia.member_key(home, h, s) not in group.member_ids]
    names = _named(store, new)
    if not names:
        return
    now = now_utc()
    people = sorted(names)
    store.conversations.add_members(
        group, {consortia.member_key(home, h, s): names[(h, s)] for h, s in people}
    )
    store.conversations.list_in([ListingRecord(h, s, group.id, home) for h, s in people])
    for hospital_id, staff_id in people:  # joining lands with their pointers, or not at all
        store.conversations.add_pointer(_pointer(group, hospital_id, staff_id, now))


def _pointer(record: ConversationRecord, hospital_id: str, staff_id: str, at: datetime) -> PointerRecord:
    return PointerRecord(
        hospital_id=hospital_id,
        staff_id=staff_id,
        conversation_id=record.id,
        home_hospital_id=record.hospital_id,
        consortium_id=record.consortium_id or "",
        name=record.name,
        joined_at=at,
    )
