"""Conversations (1:1 and groups), messages with recall and read receipts, and the mobile sync feed.

Every message is copied into each member's feed (one item per member, BatchWrites of 25) under the
same index as notification deliveries, so ``GET /sync`` is one Query per page for everything new.

A cross-hospital group (转诊群) inside a consortium lives under the hospital that started it (its home);
members from other hospitals are named ``hospital:staff`` in it, and every participant gets a pointer
under their own hospital's tenant (their list of such groups is one Query) and feed entries under their
own tenant too. A pointer only says where to look: each read checks the conversation's members and the
caller's hospital's consortium link, so a hospital that leaves the consortium loses access.
"""

from __future__ import annotations

import time
from datetime import timedelta

from chalicelib.messaging.adapters import dynamodb, s3
from chalicelib.messaging.adapters.dynamodb import (
    AttachmentItem,
    ConversationItem,
    ConversationPointer,
    FeedEntry,
    MessageItem,
    ReadMark,
    RecipientItem,
)
from chalicelib.messaging.contracts.conversations import (
    RECALL_SECONDS,
    AttachmentLink,
    AttachmentRequest,
    AttachmentTicket,
    Conversation,
    Message,
    PostMessage,
    Receipt,
    StartConversation,
    SyncItem,
    SyncPage,
)
from chalicelib.messaging.domain import attachments, consortia
from chalicelib.messaging.service import caller, devices

from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.ids import id_floor, new_id
from shared.pages import Page
from shared.persistence.models import now_utc
from shared.persistence.uow import UnitOfWork

SERVICE = "messaging"
SETTLE_MS = 2000  # sync never reads the newest 2 s: a slower concurrent writer cannot land behind a cursor


def _conversation(item: ConversationItem) -> Conversation:
    return Conversation(
        id=item.sk,
        kind=item.kind,
        name=item.name,
        member_ids=sorted(item.member_ids or ()),
        consortium_id=item.consortium_id,
        home_hospital_id=item.tenant if item.consortium_id else None,
        created_at=item.created_at,
    )


def _active_staff(tenant: str, staff_id: str, field: str) -> None:
    staff = dynamodb.get_staff(tenant, staff_id)
    if staff is None or staff.status == "left":
        raise RuleViolation(f"not active staff: {staff_id}", field=field)


def _start_cross_hospital(principal: Principal, cmd: StartConversation, request_id: str) -> Conversation:
    """A group inside a consortium: only its active member hospitals' staff, added by one of its members."""
    tenant = principal.tenant
    if cmd.kind != "group" or not cmd.name or cmd.consortium_id is None:
        raise RuleViolation(
            "a cross-hospital group is a named group with a consortium_id", field="consortium_id"
        )
    link = dynamodb.hospital_link(tenant, cmd.consortium_id)
    if link is None or link.status != "active":
        raise RuleViolation("your hospital has not joined this consortium", field="consortium_id")
    me = caller.staff_id(principal)
    members = {me, *cmd.member_ids}
    consortia.check_consortium_group(
        tenant,
        [g.hospital_id for g in cmd.guests],
        dynamodb.active_hospitals(link.lead_hospital_id, cmd.consortium_id),
        len(members) + len({(g.hospital_id, g.staff_id) for g in cmd.guests}),
    )
    for staff_id in cmd.member_ids:
        _active_staff(tenant, staff_id, "member_ids")
    people = [(tenant, staff_id) for staff_id in sorted(members)]
    for guest in cmd.guests:
        # Another hospital's directory: read only because both hospitals are active members (above).
        _active_staff(guest.hospital_id, guest.staff_id, "guests")
        people.append((guest.hospital_id, guest.staff_id))
    people = sorted(set(people))
    item = ConversationItem.new(
        tenant,
        new_id(),
        kind="group",
        name=cmd.name,
        member_ids={consortia.member_key(tenant, h, s) for h, s in people},
        consortium_id=cmd.consortium_id,
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item)
        for hospital_id, staff_id in people:
            uow.create(
                ConversationPointer.new(
                    hospital_id,
                    item.sk,
                    pk=ConversationPointer.partition(hospital_id, staff_id),
                    home_hospital_id=tenant,
                    consortium_id=cmd.consortium_id,
                    name=cmd.name,
                )
            )
        uow.audit(
            "conversation.start",
            "conversation",
            item.sk,
            after={"members": sorted(item.member_ids), "consortium_id": cmd.consortium_id},
        )
        uow.commit()
    return _conversation(item)


def start(principal: Principal, cmd: StartConversation, request_id: str) -> Conversation:
    tenant = principal.tenant
    if cmd.consortium_id is not None or cmd.guests:
        return _start_cross_hospital(principal, cmd, request_id)
    if cmd.kind == "direct" and len(cmd.member_ids) != 1:
        raise RuleViolation("a direct conversation has exactly one other member", field="member_ids")
    if cmd.kind == "group" and not cmd.name:
        raise RuleViolation("a group needs a name", field="name")
    me = caller.staff_id(principal)
    members = sorted({me, *cmd.member_ids})
    for staff_id in cmd.member_ids:
        staff = dynamodb.get_staff(tenant, staff_id)
        if staff is None or staff.status == "left":
            raise RuleViolation(f"not active staff: {staff_id}", field="member_ids")
    # A direct conversation between two people is one conversation, however often it is "started".
    conversation_id = f"d-{'-'.join(members)}"[:64] if cmd.kind == "direct" else new_id()
    if cmd.kind == "direct":
        found = _get(tenant, conversation_id)
        if found is not None:
            return _conversation(found)
    item = ConversationItem.new(
        tenant,
        conversation_id,
        kind=cmd.kind,
        name=cmd.name,
        member_ids=set(members),
    )
    with UnitOfWork(SERVICE, principal, request_id) as uow:
        uow.create(item, on_conflict=Conflict("this conversation already exists"))
        uow.audit("conversation.start", "conversation", conversation_id, after={"members": members})
        uow.commit()
    return _conversation(item)


def _get(tenant: str, conversation_id: str) -> ConversationItem | None:
    return dynamodb.find_conversation(tenant, conversation_id)


def _member_of(principal: Principal, conversation_id: str) -> tuple[ConversationItem, str]:
    """The conversation (at home, or in another hospital through my pointer) and my name among its members.

    The conversation's own tenant is ``conversation.tenant``; every key of its messages starts with it.
    """
    me = caller.staff_id(principal)
    conversation = _get(principal.tenant, conversation_id)
    if conversation is not None and me in (conversation.member_ids or ()):
        return conversation, me
    if conversation is None:
        pointer = dynamodb.find_pointer(principal.tenant, me, conversation_id)
        home = pointer.home_hospital_id if pointer is not None else principal.tenant
        if pointer is not None and home != principal.tenant:
            # Both my hospital and the group's home must still be in the consortium: a group whose home
            # hospital left is closed to the other hospitals.
            mine = dynamodb.hospital_link(principal.tenant, pointer.consortium_id)
            theirs = (
                dynamodb.hospital_link(home, pointer.consortium_id)
                if mine and mine.status == "active"
                else None
            )
            conversation = _get(home, conversation_id) if theirs and theirs.status == "active" else None
            key = consortia.member_key(home, principal.tenant, me)
            if conversation is not None and key in (conversation.member_ids or ()):
                return conversation, key
    raise NotFound("conversation")  # not a member: indistinguishable from absent


def _people(conversation: ConversationItem) -> list[tuple[str, str]]:
    """(hospital, staff id) of every member."""
    home = conversation.tenant
    return [consortia.split_member_key(home, key) for key in sorted(conversation.member_ids or ())]


def _feed(conversation: ConversationItem, kind: str, message: MessageItem) -> None:
    """One feed entry per member, each under the member's own hospital's tenant."""
    dynamodb.put_all(
        [
            FeedEntry.new(
                hospital_id,
                f"{kind}#{staff_id}",
                pk=FeedEntry.partition(hospital_id, message.sk),
                kind=kind,
                ref_id=message.sk,
                conversation_id=conversation.sk,
                sender=message.sender_id,
                text=message.text,
                at=now_utc(),
                gsi1pk=RecipientItem.inbox_partition(hospital_id, staff_id),
                gsi1sk=new_id(),
            )
            for hospital_id, staff_id in _people(conversation)
        ]
    )


def _push(conversation: ConversationItem, sender: str, title: str) -> None:
    by_hospital: dict[str, list[str]] = {}
    for key, (hospital_id, staff_id) in zip(
        sorted(conversation.member_ids or ()), _people(conversation), strict=True
    ):
        if key != sender:
            by_hospital.setdefault(hospital_id, []).append(staff_id)
    for hospital_id, staff_ids in by_hospital.items():
        devices.notify(hospital_id, staff_ids, title, "message")


def _message(conversation_id: str, item: MessageItem) -> Message:
    return Message(
        attachments=list(item.attachments or []),
        id=item.sk,
        conversation_id=conversation_id,
        sender_id=item.sender_id,
        text=item.text,
        recalled=bool(item.recalled),
        sent_at=item.sent_at,
    )


def post(principal: Principal, conversation_id: str, cmd: PostMessage, request_id: str) -> Message:
    conversation, me = _member_of(principal, conversation_id)
    tenant = conversation.tenant
    for attachment_id in cmd.attachments:
        _attachment(tenant, conversation_id, attachment_id, field="attachments")
    item = MessageItem.new(
        tenant,
        new_id(),
        pk=MessageItem.partition(tenant, conversation_id),
        sender_id=me,
        text=cmd.text,
        attachments=cmd.attachments,
        sent_at=now_utc(),
    )
    dynamodb.save_new(item)
    _feed(conversation, "message", item)
    _push(conversation, me, conversation.name or "新消息")
    return _message(conversation_id, item)


def history(principal: Principal, conversation_id: str, limit: int, cursor: str | None) -> Page[Message]:
    conversation, _ = _member_of(principal, conversation_id)
    return Page[Message].of(
        dynamodb.message_page(conversation.tenant, conversation_id, limit, cursor),
        lambda m: _message(conversation_id, m),
    )


def recall(principal: Principal, conversation_id: str, message_id: str) -> Message:
    """The sender takes a message back within two minutes; members' feeds get a recall entry."""
    conversation, me = _member_of(principal, conversation_id)
    tenant = conversation.tenant
    item = dynamodb.find_message(tenant, conversation_id, message_id)
    if item is None:
        raise NotFound("message")
    if item.sender_id != me:
        raise Forbidden("only the sender may recall a message")
    if item.recalled:
        return _message(conversation_id, item)
    if now_utc() - item.sent_at > timedelta(seconds=RECALL_SECONDS):
        raise Conflict(f"a message can be recalled only within {RECALL_SECONDS // 60} minutes")
    dynamodb.recall_message(item)
    _feed(conversation, "recall", item)
    return _message(conversation_id, item)


def mark_read(principal: Principal, conversation_id: str, message_id: str) -> None:
    conversation, me = _member_of(principal, conversation_id)
    if dynamodb.find_message(conversation.tenant, conversation_id, message_id) is None:
        # A made-up id sorting after every message would mark everything, even what comes later, read.
        raise RuleViolation("no such message in this conversation", field="message_id")
    mark = ReadMark.new(
        conversation.tenant,
        me,
        pk=ReadMark.partition(conversation.tenant, conversation_id),
        up_to=message_id,
    )
    dynamodb.advance_read_mark(mark)  # only ever forward


def receipts(principal: Principal, conversation_id: str, message_id: str) -> list[Receipt]:
    conversation, _ = _member_of(principal, conversation_id)
    marks = dynamodb.read_marks(conversation.tenant, conversation_id)
    return [
        Receipt(staff_id=member, read=marks.get(member, "") >= message_id)
        for member in sorted(conversation.member_ids or ())
    ]


def sync(principal: Principal, cursor: str | None, limit: int) -> SyncPage:
    """Everything new for the caller since ``cursor``, oldest first: one Query on their feed."""
    tenant = principal.tenant
    me = caller.staff_id(principal)
    settled = id_floor(int(time.time() * 1000) - SETTLE_MS)
    start = cursor or ""
    if start >= settled:
        return SyncPage(items=[], next_cursor=start)
    entries = dynamodb.feed_entries(tenant, me, start, settled, limit)
    items: list[SyncItem] = []
    for entry in entries:
        if entry.entity == "recipient":
            notification_id = entry.pk.rsplit("#", 1)[1]
            items.append(
                SyncItem(
                    kind="notification",
                    id=notification_id,
                    title=entry.title,
                    sender=entry.sender or "",
                    at=entry.created_at,
                )
            )
        else:
            items.append(
                SyncItem(
                    kind=entry.kind,
                    id=entry.ref_id,
                    conversation_id=entry.conversation_id,
                    text=entry.text,
                    sender=entry.sender or "",
                    at=entry.at,
                )
            )
    return SyncPage(items=items, next_cursor=entries[-1].gsi1sk if entries else start)


UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 300


def _attachment(tenant: str, conversation_id: str, attachment_id: str, field: str = "") -> AttachmentItem:
    item = dynamodb.find_attachment(tenant, conversation_id, attachment_id)
    if item is None:
        if field:
            raise RuleViolation(f"no attachment {attachment_id} in this conversation", field=field)
        raise NotFound("attachment")
    return item


def request_upload(principal: Principal, conversation_id: str, cmd: AttachmentRequest) -> AttachmentTicket:
    """A presigned PUT for one file into this conversation (members only; size and type fixed now)."""
    conversation, me = _member_of(principal, conversation_id)
    item = AttachmentItem.new(
        conversation.tenant,
        new_id(),
        pk=AttachmentItem.partition(conversation.tenant, conversation_id),
        filename=attachments.safe_filename(cmd.filename),
        content_type=cmd.content_type,
        size=cmd.size,
        uploader=me,
    )
    dynamodb.save_new(item)
    url = s3.upload_url(item.object_key, cmd.content_type, cmd.size, UPLOAD_SECONDS)
    return AttachmentTicket(attachment_id=item.sk, upload_url=url, expires_in=UPLOAD_SECONDS)


def download(principal: Principal, conversation_id: str, attachment_id: str) -> AttachmentLink:
    conversation, _ = _member_of(principal, conversation_id)
    item = _attachment(conversation.tenant, conversation_id, attachment_id)
    url = s3.download_url(item.object_key, item.filename, DOWNLOAD_SECONDS)
    return AttachmentLink(
        attachment_id=item.sk, filename=item.filename, download_url=url, expires_in=DOWNLOAD_SECONDS
    )
