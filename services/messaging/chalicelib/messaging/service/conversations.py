"""Conversations (1:1 and groups), messages with recall and read receipts, and the mobile sync feed.

Every message is copied into each member's feed (one item per member, BatchWrites of 25) under the
same index as notification deliveries, so ``GET /sync`` is one Query per page for everything new.

A cross-hospital group (转诊群) inside a consortium lives under the hospital that started it (its home);
members from other hospitals are named ``hospital:staff`` in it, and every participant gets a pointer
under their own hospital's tenant (their list of such groups is one Query) and feed entries under their
own tenant too. A pointer only says where to look: each read checks the conversation's members and the
caller's hospital's consortium link, so a hospital that leaves the consortium loses access.

Each use case takes the store it works on (``store=``; ``push=`` where it pushes, ``files=`` where it
presigns); left out, ``service/wiring.py`` gives the DynamoDB, device-push and S3 ones.
"""

from __future__ import annotations

import time
from datetime import timedelta

from chalicelib.messaging.contracts.conversations import (
    RECALL_SECONDS,
    AttachmentLink,
    AttachmentRequest,
    AttachmentTicket,
    Conversation,
    ConversationLine,
    Member,
    Message,
    MessagePreview,
    PostMessage,
    Receipt,
    StartConversation,
    SyncItem,
    SyncPage,
)
from chalicelib.messaging.contracts.events import CONSORTIUM_LEFT
from chalicelib.messaging.domain import attachments, consortia
from chalicelib.messaging.domain.ports import ConversationStore, Files, Push
from chalicelib.messaging.domain.records import (
    AttachmentRecord,
    ConversationRecord,
    FeedRecord,
    ListingRecord,
    MessageRecord,
    PointerRecord,
)
from chalicelib.messaging.service import caller, wiring

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.envelope import EventEnvelope
from shared.ids import id_floor, new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import MAX_TRANSACTION_ITEMS, UnitOfWork

SETTLE_MS = 2000  # sync never reads the newest 2 s: a slower concurrent writer cannot land behind a cursor
# The conversation list. Each member has a line per conversation, ordered by when it last moved up,
# and the conversation holds its newest message (one UpdateItem per post). A post moves every member's
# line up in a conversation of up to RELIST_MEMBERS members (a batch write beside the feed entries it
# writes anyway); a larger group moves them at most once per RELIST_WINDOW_SECONDS, so a 500-member
# department group costs 500 line writes per five minutes of talk, not per message. Its place may then
# lag by up to that window across pages; within a page, lines are ordered by the newest message itself.
RELIST_MEMBERS = 50
RELIST_WINDOW_SECONDS = 300


def _lines(record: ConversationRecord, people: list[tuple[str, str]]) -> list[ListingRecord]:
    return [ListingRecord(h, s, record.id, record.hospital_id) for h, s in people]


def _list_members(store: ConversationStore, lines: list[ListingRecord], staged: int) -> None:
    """The members' lines land with the conversation when the transaction has room for them; a larger
    group's are written first (a line whose conversation never lands shows nothing)."""
    if staged + len(lines) <= MAX_TRANSACTION_ITEMS:
        store.conversations.list_in(lines)
    else:
        store.conversations.list_now(lines)


def _member(record: ConversationRecord, key: str) -> Member:
    hospital_id, staff_id = consortia.split_member_key(record.hospital_id, key)
    return Member(
        id=key,
        staff_id=staff_id,
        name=record.member_names.get(key) or None,
        hospital_id=hospital_id,
        hospital_name=record.hospital_names.get(hospital_id) or None,
    )


def _conversation(record: ConversationRecord) -> Conversation:
    return Conversation(
        id=record.id,
        kind=record.kind,
        name=record.name,
        member_ids=sorted(record.member_ids),
        members=[_member(record, key) for key in sorted(record.member_ids)],
        consortium_id=record.consortium_id,
        home_hospital_id=record.hospital_id if record.consortium_id else None,
        created_at=record.created_at,
        closed=record.closed,
    )


def _caller(principal: Principal, store: ConversationStore) -> str:
    """The caller's staff id, as the directory binds their sign-in (``shared.standing``)."""
    return caller.staff_id(principal)


def _active_staff(store: ConversationStore, hospital_id: str, staff_id: str, field: str) -> str:
    """The display name of an active member of the hospital's staff (a 422 on ``field`` otherwise)."""
    name = store.people.active_name(hospital_id, staff_id)
    if name is None:
        raise RuleViolation(f"not active staff: {staff_id}", field=field)
    return name


def _start_cross_hospital(
    principal: Principal, cmd: StartConversation, store: ConversationStore
) -> Conversation:
    """A group inside a consortium: only its active member hospitals' staff, added by one of its members."""
    tenant = principal.tenant
    if cmd.kind != "group" or not cmd.name or cmd.consortium_id is None:
        raise RuleViolation(
            "a cross-hospital group is a named group with a consortium_id", field="consortium_id"
        )
    lead = store.access.active_lead(tenant, cmd.consortium_id)
    if lead is None:
        raise RuleViolation("your hospital has not joined this consortium", field="consortium_id")
    me = _caller(principal, store)
    members = {me, *cmd.member_ids}
    hospitals = store.access.active_members(lead, cmd.consortium_id)
    consortia.check_consortium_group(
        tenant,
        [g.hospital_id for g in cmd.guests],
        hospitals,
        len(members) + len({(g.hospital_id, g.staff_id) for g in cmd.guests}),
    )
    # Names are kept on the group now: later, this hospital cannot read another's directory.
    names = {(tenant, me): principal.staff_name or ""}
    for staff_id in cmd.member_ids:
        names[(tenant, staff_id)] = _active_staff(store, tenant, staff_id, "member_ids")
    for guest in cmd.guests:
        # Another hospital's directory: read only because both hospitals are active members (above).
        names[(guest.hospital_id, guest.staff_id)] = _active_staff(
            store, guest.hospital_id, guest.staff_id, "guests"
        )
    people = sorted(names)
    record = ConversationRecord(
        id=new_id(),
        hospital_id=tenant,
        kind="group",
        name=cmd.name,
        member_ids=frozenset(consortia.member_key(tenant, h, s) for h, s in people),
        created_at=now_utc(),
        consortium_id=cmd.consortium_id,
        member_names={consortia.member_key(tenant, h, s): n for (h, s), n in names.items() if n},
        hospital_names={h: hospitals[h] for h, _ in people if hospitals.get(h)},
    )
    with store:
        # the conversation, its registration, a pointer per person and the audit record
        _list_members(store, _lines(record, people), 3 + len(people))
        store.conversations.create(record)
        store.conversations.register(lead, cmd.consortium_id, tenant, record.id)
        for hospital_id, staff_id in people:
            store.conversations.add_pointer(
                PointerRecord(
                    hospital_id=hospital_id,
                    staff_id=staff_id,
                    conversation_id=record.id,
                    home_hospital_id=tenant,
                    consortium_id=cmd.consortium_id,
                    name=cmd.name,
                    joined_at=now_utc(),
                )
            )
        store.audit(
            "conversation.start",
            "conversation",
            record.id,
            after={"members": sorted(record.member_ids), "consortium_id": cmd.consortium_id},
        )
        store.commit()
    return _conversation(record)


def start(
    principal: Principal, cmd: StartConversation, request_id: str, store: ConversationStore | None = None
) -> Conversation:
    tenant = principal.tenant
    store = store or wiring.open_conversations(principal, request_id)
    if cmd.consortium_id is not None or cmd.guests:
        return _start_cross_hospital(principal, cmd, store)
    if cmd.kind == "direct" and len(cmd.member_ids) != 1:
        raise RuleViolation("a direct conversation has exactly one other member", field="member_ids")
    if cmd.kind == "group" and not cmd.name:
        raise RuleViolation("a group needs a name", field="name")
    me = _caller(principal, store)
    members = sorted({me, *cmd.member_ids})
    names = {me: principal.staff_name or ""}
    for staff_id in cmd.member_ids:
        names[staff_id] = _active_staff(store, tenant, staff_id, "member_ids")
    # A direct conversation between two people is one conversation, however often it is "started".
    conversation_id = f"d-{'-'.join(members)}"[:64] if cmd.kind == "direct" else new_id()
    if cmd.kind == "direct":
        found = store.conversations.get(tenant, conversation_id)
        if found is not None:
            return _conversation(found)
    record = ConversationRecord(
        id=conversation_id,
        hospital_id=tenant,
        kind=cmd.kind,
        name=cmd.name,
        member_ids=frozenset(members),
        created_at=now_utc(),
        member_names={staff_id: name for staff_id, name in names.items() if name},
    )
    with store:
        _list_members(store, _lines(record, [(tenant, m) for m in members]), 2)  # + the conversation, audit
        store.conversations.create(record, on_conflict=Conflict("this conversation already exists"))
        store.audit("conversation.start", "conversation", conversation_id, after={"members": members})
        store.commit()
    return _conversation(record)


def get(principal: Principal, conversation_id: str, store: ConversationStore | None = None) -> Conversation:
    """A conversation its members see: who is in it, by name (another hospital's staff too)."""
    conversation, _ = _member_of(principal, conversation_id, store or wiring.open_conversations(principal))
    return _conversation(conversation)


def _member_of(
    principal: Principal, conversation_id: str, store: ConversationStore
) -> tuple[ConversationRecord, str]:
    """The conversation (at home, or in another hospital through my pointer) and my name among its members.

    The conversation's own hospital is ``conversation.hospital_id``; every key of its messages starts
    with it.
    """
    me = _caller(principal, store)
    conversation = store.conversations.get(principal.tenant, conversation_id)
    if conversation is not None and me in conversation.member_ids:
        return conversation, me
    if conversation is None:
        pointer = store.conversations.pointer(principal.tenant, me, conversation_id)
        home = pointer.home_hospital_id if pointer is not None else principal.tenant
        if pointer is not None and home != principal.tenant:
            # Both my hospital and the group's home must still be in the consortium: a group whose home
            # hospital left is closed to the other hospitals.
            mine = store.access.active_lead(principal.tenant, pointer.consortium_id)
            theirs = store.access.active_lead(home, pointer.consortium_id) if mine is not None else None
            conversation = store.conversations.get(home, conversation_id) if theirs is not None else None
            key = consortia.member_key(home, principal.tenant, me)
            if conversation is not None and key in conversation.member_ids:
                return conversation, key
    raise NotFound("conversation")  # not a member: indistinguishable from absent


def _people(conversation: ConversationRecord) -> list[tuple[str, str]]:
    """(hospital, staff id) of every member."""
    home = conversation.hospital_id
    return [consortia.split_member_key(home, key) for key in sorted(conversation.member_ids)]


def _reachable(store: ConversationStore, conversation: ConversationRecord) -> list[tuple[str, str]]:
    """Whom a new message (or a recall) of this conversation reaches: every member, except that in a
    cross-hospital group only members of hospitals still in the consortium. A group whose own hospital
    is no longer in it is closed (409): nothing more crosses, in either direction."""
    people = _people(conversation)
    if conversation.consortium_id is None:
        return people
    home = conversation.hospital_id
    lead = store.access.active_lead(home, conversation.consortium_id)
    if lead is None:
        raise Conflict("this group is closed: its hospital is no longer in the consortium")
    active = set(store.access.active_hospitals(lead, conversation.consortium_id)) | {home}
    return [(hospital_id, staff_id) for hospital_id, staff_id in people if hospital_id in active]


def _push(people: list[tuple[str, str]], sender: tuple[str, str], title: str, push: Push) -> None:
    by_hospital: dict[str, list[str]] = {}
    for hospital_id, staff_id in people:
        if (hospital_id, staff_id) != sender:
            by_hospital.setdefault(hospital_id, []).append(staff_id)
    for hospital_id, staff_ids in by_hospital.items():
        push.notify(hospital_id, staff_ids, title, "message")


def _message(record: MessageRecord) -> Message:
    return Message(
        attachments=list(record.attachments),
        id=record.id,
        conversation_id=record.conversation_id,
        sender_id=record.sender_id,
        sender_name=record.sender_name or None,
        text=record.text,
        recalled=record.recalled,
        sent_at=record.sent_at,
    )


def post(
    principal: Principal,
    conversation_id: str,
    cmd: PostMessage,
    request_id: str,
    store: ConversationStore | None = None,
    push: Push | None = None,
) -> Message:
    store = store or wiring.open_conversations(principal, request_id)
    conversation, me = _member_of(principal, conversation_id, store)
    if conversation.closed:
        raise Conflict("this referral group is closed")
    home = conversation.hospital_id
    people = _reachable(store, conversation)
    for attachment_id in cmd.attachments:
        _attachment(store, home, conversation_id, attachment_id, field="attachments")
    record = MessageRecord(
        id=new_id(),
        conversation_id=conversation_id,
        sender_id=me,
        text=cmd.text,
        sent_at=now_utc(),
        attachments=list(cmd.attachments),
        sender_name=principal.staff_name or conversation.member_names.get(me, ""),
    )
    store.messages.add(home, record)
    store.feeds.add(people, "message", conversation_id, record, now_utc())
    small = len(conversation.member_ids) <= RELIST_MEMBERS
    window = record.id if small else f"w{int(time.time()) // RELIST_WINDOW_SECONDS}"
    if store.conversations.touch(conversation, record, window):
        store.conversations.list_now(_lines(conversation, people))
    _push(people, consortia.split_member_key(home, me), conversation.name or "新消息", push or wiring.push())
    return _message(record)


def history(
    principal: Principal,
    conversation_id: str,
    limit: int,
    cursor: str | None,
    store: ConversationStore | None = None,
) -> Page[Message]:
    store = store or wiring.open_conversations(principal)
    conversation, _ = _member_of(principal, conversation_id, store)
    return Page[Message].of(
        store.messages.page(conversation.hospital_id, conversation_id, limit, cursor), _message
    )


def recall(
    principal: Principal, conversation_id: str, message_id: str, store: ConversationStore | None = None
) -> Message:
    """The sender takes a message back within two minutes; members' feeds get a recall entry."""
    store = store or wiring.open_conversations(principal)
    conversation, me = _member_of(principal, conversation_id, store)
    home = conversation.hospital_id
    record = store.messages.get(home, conversation_id, message_id)
    if record is None:
        raise NotFound("message")
    if record.sender_id != me:
        raise Forbidden("only the sender may recall a message")
    if record.recalled:
        return _message(record)
    if now_utc() - record.sent_at > timedelta(seconds=RECALL_SECONDS):
        raise Conflict(f"a message can be recalled only within {RECALL_SECONDS // 60} minutes")
    if not store.messages.recall(home, record):
        # recalled meanwhile (the sender's other phone, a retry): that recall told the feeds already
        return _message(store.messages.get(home, conversation_id, message_id) or record)
    record.recalled, record.text = True, None
    store.conversations.recalled(home, conversation_id, message_id)  # the lists' preview too
    # A recall carries no text: it goes wherever the message went, and takes the text out of every
    # feed entry that delivered it (a phone syncing from the start must not get it back).
    people = _people(conversation)
    store.feeds.strip({hospital_id for hospital_id, _ in people}, message_id)
    store.feeds.add(people, "recall", conversation_id, record, now_utc())
    return _message(record)


def mark_read(
    principal: Principal, conversation_id: str, message_id: str, store: ConversationStore | None = None
) -> None:
    store = store or wiring.open_conversations(principal)
    conversation, me = _member_of(principal, conversation_id, store)
    if store.messages.get(conversation.hospital_id, conversation_id, message_id) is None:
        # A made-up id sorting after every message would mark everything, even what comes later, read.
        raise RuleViolation("no such message in this conversation", field="message_id")
    store.read_marks.advance(conversation.hospital_id, conversation_id, me, message_id)  # only ever forward


def receipts(
    principal: Principal, conversation_id: str, message_id: str, store: ConversationStore | None = None
) -> list[Receipt]:
    store = store or wiring.open_conversations(principal)
    conversation, _ = _member_of(principal, conversation_id, store)
    marks = store.read_marks.of(conversation.hospital_id, conversation_id)
    return [
        Receipt(
            staff_id=member.id,
            name=member.name,
            hospital_name=member.hospital_name,
            read=marks.get(member.id, "") >= message_id,
        )
        for member in (_member(conversation, key) for key in sorted(conversation.member_ids))
    ]


def my_conversations(
    principal: Principal, limit: int, cursor: str | None, store: ConversationStore | None = None
) -> Page[ConversationLine]:
    """The caller's conversations, newest activity first: one Query of their lines, one BatchGetItem of
    those conversations (with the caller's read marks) and one of the names shown. A line shows only
    while the conversation has the caller as a member."""
    store = store or wiring.open_conversations(principal)
    me, tenant = _caller(principal, store), principal.tenant
    lines, next_cursor = store.conversations.listed(tenant, me, limit, cursor)
    keys = {
        (line.home_hospital_id, line.conversation_id): consortia.member_key(line.home_hospital_id, tenant, me)
        for line in lines
    }
    found = store.conversations.overview([(h, c, member) for (h, c), member in keys.items()])
    mine = [(conv, mark, keys[key]) for key, (conv, mark) in found.items() if keys[key] in conv.member_ids]
    wanted: set[tuple[str, str]] = set()
    for conv, _, member in mine:
        if conv.kind == "direct":
            wanted |= {(conv.hospital_id, m) for m in conv.member_ids if m != member}
        if conv.last is not None:
            wanted.add(consortia.split_member_key(conv.hospital_id, conv.last.sender_id))
    names = store.people.names(sorted(wanted)) if wanted else {}
    items = [_line(conv, mark, member, names) for conv, mark, member in mine]
    items.sort(key=lambda item: (item.active_at, item.id), reverse=True)
    return Page[ConversationLine](items=items, next_cursor=next_cursor)


def _line(
    conv: ConversationRecord, mark: str | None, member: str, names: dict[tuple[str, str], str]
) -> ConversationLine:
    name = conv.name
    if conv.kind == "direct":
        other = next((m for m in sorted(conv.member_ids) if m != member), None)
        name = names.get((conv.hospital_id, other)) if other else None
    last = conv.last
    preview = None
    if last is not None:
        preview = MessagePreview(
            id=last.id,
            sender_id=last.sender_id,
            sender_name=names.get(consortia.split_member_key(conv.hospital_id, last.sender_id)),
            text=None if last.recalled else last.text,
            recalled=last.recalled,
            sent_at=last.sent_at,
        )
    return ConversationLine(
        id=conv.id,
        kind=conv.kind,
        name=name,
        last_message=preview,
        unread=last is not None and last.sender_id != member and (mark or "") < last.id,
        active_at=last.sent_at if last is not None else conv.created_at,
        consortium_id=conv.consortium_id,
        home_hospital_id=conv.hospital_id if conv.consortium_id else None,
        closed=conv.closed,
    )


def _sync_item(entry: FeedRecord) -> SyncItem:
    if entry.kind == "notification":
        return SyncItem(
            kind="notification",
            id=entry.id,
            title=entry.title,
            sender=entry.sender,
            sender_name=entry.sender_name or None,
            at=entry.at,
        )
    return SyncItem(
        kind=entry.kind,
        id=entry.id,
        conversation_id=entry.conversation_id,
        text=entry.text,
        sender=entry.sender,
        sender_name=entry.sender_name or None,
        at=entry.at,
    )


def sync(
    principal: Principal, cursor: str | None, limit: int, store: ConversationStore | None = None
) -> SyncPage:
    """Everything new for the caller since ``cursor``, oldest first: one Query on their feed."""
    store = store or wiring.open_conversations(principal)
    me = _caller(principal, store)
    settled = id_floor(int(time.time() * 1000) - SETTLE_MS)
    start = cursor or ""
    if start >= settled:
        return SyncPage(items=[], next_cursor=start)
    entries = store.feeds.read(principal.tenant, me, start, settled, limit)
    return SyncPage(
        items=[_sync_item(e) for e in entries], next_cursor=entries[-1].position if entries else start
    )


UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300


def _attachment(
    store: ConversationStore, hospital_id: str, conversation_id: str, attachment_id: str, field: str = ""
) -> AttachmentRecord:
    record = store.attachments.get(hospital_id, conversation_id, attachment_id)
    if record is None:
        if field:
            raise RuleViolation(f"no attachment {attachment_id} in this conversation", field=field)
        raise NotFound("attachment")
    return record


def request_upload(
    principal: Principal,
    conversation_id: str,
    cmd: AttachmentRequest,
    store: ConversationStore | None = None,
    files: Files | None = None,
) -> AttachmentTicket:
    """A presigned PUT for one file into this conversation (members only; size and type fixed now)."""
    store = store or wiring.open_conversations(principal)
    conversation, me = _member_of(principal, conversation_id, store)
    home = conversation.hospital_id
    record = AttachmentRecord(
        id=new_id(),
        conversation_id=conversation_id,
        filename=attachments.safe_filename(cmd.filename),
        content_type=cmd.content_type,
        size=cmd.size,
        uploader=me,
    )
    store.attachments.add(home, record)
    key = attachments.object_key(home, conversation_id, record.id)
    url = (files or wiring.files()).upload_url(key, cmd.content_type, cmd.size, UPLOAD_SECONDS)
    return AttachmentTicket(attachment_id=record.id, upload_url=url, expires_in=UPLOAD_SECONDS)


def download(
    principal: Principal,
    conversation_id: str,
    attachment_id: str,
    store: ConversationStore | None = None,
    files: Files | None = None,
) -> AttachmentLink:
    store = store or wiring.open_conversations(principal)
    conversation, _ = _member_of(principal, conversation_id, store)
    record = _attachment(store, conversation.hospital_id, conversation_id, attachment_id)
    key = attachments.object_key(conversation.hospital_id, conversation_id, record.id)
    url = (files or wiring.files()).download_url(key, record.filename, DOWNLOAD_SECONDS)
    return AttachmentLink(
        attachment_id=record.id, filename=record.filename, download_url=url, expires_in=DOWNLOAD_SECONDS
    )


def leave_consortium(
    envelope: EventEnvelope, uow: UnitOfWork, store: ConversationStore | None = None
) -> None:
    """consortium.left → end the departed hospital's part in the consortium's cross-hospital groups, on
    both sides: its staff leave the groups of other hospitals (and their pointers go), and the other
    hospitals' staff leave its groups (theirs go too). Each step is idempotent, so a redelivery repeats
    nothing that matters. Reads and posts check the links anyway; this clears lists and memberships."""
    left = CONSORTIUM_LEFT.parse(envelope)
    store = store or wiring.consumer_conversations(envelope.tenant, uow)
    gone_hospital = left.hospital_id
    for home, conversation_id in store.conversations.registered(left.lead_hospital_id, left.consortium_id):
        conversation = store.conversations.get(home, conversation_id)
        if conversation is None:
            continue
        members = zip(sorted(conversation.member_ids), _people(conversation), strict=True)
        if home == gone_hospital:  # its own group: everyone of the other hospitals leaves it
            leaving = {key for key, (hospital_id, _) in members if hospital_id != home}
        else:  # another hospital's group: the departed hospital's staff leave it
            leaving = {key for key, (hospital_id, _) in members if hospital_id == gone_hospital}
        for key in sorted(leaving):
            hospital_id, staff_id = consortia.split_member_key(home, key)
            store.conversations.drop_pointer(hospital_id, staff_id, conversation_id)
            store.conversations.unlist(ListingRecord(hospital_id, staff_id, conversation_id, home))
        store.conversations.remove_members(conversation, leaving)
