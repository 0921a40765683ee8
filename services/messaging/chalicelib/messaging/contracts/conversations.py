"""Conversations' requests and responses: messages, attachments, read receipts, the sync feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.messaging.contracts.fields import HOSPITAL_ID, ID, Id
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_MEMBERS = 500

RECALL_SECONDS = 120


class Guest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: str = Field(pattern=HOSPITAL_ID, description="a member hospital of the consortium")
    staff_id: str = Field(pattern=ID, description="a member of that hospital's staff")


class StartConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["direct", "group"]
    member_ids: list[Id] = Field(min_length=1, max_length=MAX_MEMBERS, description="staff ids besides you")
    name: str | None = Field(None, max_length=100)
    consortium_id: str | None = Field(
        None, pattern=ID, description="a cross-hospital group (转诊群) inside this consortium"
    )
    guests: list[Guest] = Field(
        default_factory=list,
        max_length=50,
        description="staff of other member hospitals (with consortium_id)",
    )

    _ids = field_validator("member_ids")(lambda v: sorted(set(v)))


class Member(BaseModel):
    """A member of a conversation by name: another hospital's staff too, with their hospital's name."""

    id: str = Field(
        description="as in member_ids: the staff id, or hospital_id:staff_id from another hospital"
    )
    staff_id: str
    name: str | None = Field(None, description="their display name when they joined")
    hospital_id: str
    hospital_name: str | None = Field(
        None, description="in a cross-hospital group: as the hospital named itself"
    )


class Conversation(BaseModel):
    id: str
    kind: Literal["direct", "group", "department"]
    name: str | None
    member_ids: list[str] = Field(
        description="staff ids; members from other hospitals as hospital_id:staff_id"
    )
    members: list[Member] = Field(
        default_factory=list, description="member_ids with their names, in that order"
    )
    consortium_id: str | None = None
    home_hospital_id: str | None = Field(None, description="the hospital holding a cross-hospital group")
    created_at: datetime
    closed: bool = Field(False, description="closed (a finished referral's group): readable, no new message")


class ConversationListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=50)
    cursor: str | None = Field(None, max_length=2048)


class MessagePreview(BaseModel):
    id: str
    sender_id: str
    sender_name: str | None = Field(None, description="as the directory names the sender now")
    text: str | None = Field(description="its first 60 characters; null once recalled")
    recalled: bool
    sent_at: datetime


class ConversationLine(BaseModel):
    id: str
    kind: Literal["direct", "group", "department"]
    name: str | None = Field(description="a group's name; for a 1:1, the other person's name")
    last_message: MessagePreview | None = None
    unread: bool = Field(description="the newest message is someone else's and you have not read it")
    active_at: datetime = Field(description="when its newest message came (else when it started)")
    consortium_id: str | None = None
    home_hospital_id: str | None = Field(None, description="the hospital holding a cross-hospital group")
    closed: bool = Field(False, description="closed (a finished referral's group): readable, no new message")


class PostMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    attachments: list[Id] = Field(
        default_factory=list, max_length=9, description="ids from POST …/attachments"
    )


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class AttachmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=100)
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)


class AttachmentTicket(BaseModel):
    attachment_id: str
    upload_url: str = Field(
        description="PUT the file here with the same Content-Type, within expires_in seconds"
    )
    expires_in: int


class AttachmentLink(BaseModel):
    attachment_id: str
    filename: str
    download_url: str
    expires_in: int


class Message(BaseModel):
    id: str
    conversation_id: str
    sender_id: str
    sender_name: str | None = Field(None, description="the sender's display name when they sent it")
    text: str | None = Field(description="null once recalled")
    attachments: list[str] = Field(default_factory=list)
    recalled: bool
    sent_at: datetime


class ReadUpTo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(pattern=ID)


class Receipt(BaseModel):
    staff_id: str = Field(description="as in the conversation's member_ids")
    name: str | None = Field(None, description="their display name when they joined")
    hospital_name: str | None = Field(None, description="in a cross-hospital group: their hospital's name")
    read: bool


class SyncQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        None, pattern=r"^[0-9a-f]{1,64}$", description="next_cursor from your last sync"
    )
    limit: int = Field(100, ge=1, le=200)


class SyncItem(BaseModel):
    kind: Literal["notification", "message", "recall"]
    id: str = Field(description="the notification or message id")
    conversation_id: str | None = None
    title: str | None = None
    text: str | None = None
    sender: str
    sender_name: str | None = Field(None, description="the sender's display name when it was sent")
    at: datetime


class SyncPage(BaseModel):
    items: list[SyncItem]
    next_cursor: str = Field(description="pass it back next time; unchanged when nothing is new")
