"""Conversation routes: 1:1 and groups (cross-hospital ones too), messages, receipts, attachments, sync."""

from __future__ import annotations

from chalicelib.messaging.contracts.conversations import (
    AttachmentLink,
    AttachmentRequest,
    AttachmentTicket,
    Conversation,
    ConversationLine,
    ConversationListQuery,
    Message,
    PostMessage,
    ReadUpTo,
    Receipt,
    StartConversation,
    SyncPage,
    SyncQuery,
)
from chalicelib.messaging.service import conversations

from shared.http import RequestContext, ServiceAPI
from shared.pages import ListQuery, Page

api = ServiceAPI("messaging", __name__)
# A member of a cross-hospital group reaches it through their pointer, their hospital's and the home
# hospital's consortium links and the conversation in its home hospital: up to four GetItems more.
REACH = 4


@api.route(
    "/conversations",
    "POST",
    summary="Start a 1:1 or group conversation",
    body=StartConversation,
    response=Conversation,
    status=201,
    idempotent=True,
    # cross-hospital: + the link, the member hospitals (Query) and each guest (GetItem); a group too
    # large for its members' list lines to share its transaction writes them first (a BatchWrite per 25)
    budget={"Query": 1, "GetItem": 4, "TransactWriteItems": 1, "BatchWriteItem": 1},
)
def start_conversation(ctx: RequestContext, body: StartConversation) -> Conversation:
    return conversations.start(ctx.principal, body, ctx.request_id)


@api.route(
    "/conversations",
    summary="My conversations, newest activity first: name, newest message, unread",
    query=ConversationListQuery,
    response=Page[ConversationLine],
    # my list lines; the conversations with my read marks; the names shown (1:1 partners, senders)
    budget={"Query": 1, "BatchGetItem": 2},
)
def my_conversations(ctx: RequestContext, query: ConversationListQuery) -> Page[ConversationLine]:
    return conversations.my_conversations(ctx.principal, query.limit, query.cursor)


@api.route(
    "/conversations/{conversation_id}",
    summary="A conversation: its members by name (another hospital's staff with their hospital's name)",
    response=Conversation,
    budget={"GetItem": 1 + REACH},
)
def get_conversation(ctx: RequestContext, conversation_id: str) -> Conversation:
    return conversations.get(ctx.principal, conversation_id)


@api.route(
    "/conversations/{conversation_id}/messages",
    "POST",
    summary="Send a message",
    body=PostMessage,
    response=Message,
    status=201,
    # + the members' feed entries and their list lines (a BatchWrite per 25 each; a group of more than
    # 50 moves its lines at most once per 5 minutes), the conversation's newest message (UpdateItem)
    # and their push devices (a BatchGet per 100); a cross-hospital group: + its hospital's link and
    # the consortium's roster (only members still in it)
    budget={
        "GetItem": 2 + REACH,
        "Query": 1,
        "PutItem": 1,
        "UpdateItem": 1,
        "BatchWriteItem": 2,
        "BatchGetItem": 1,
    },
)
def post_message(ctx: RequestContext, conversation_id: str, body: PostMessage) -> Message:
    return conversations.post(ctx.principal, conversation_id, body, ctx.request_id)


@api.route(
    "/conversations/{conversation_id}/messages",
    summary="Messages, newest first",
    query=ListQuery,
    response=Page[Message],
    budget={"Query": 1, "GetItem": 1 + REACH},
)
def conversation_history(ctx: RequestContext, conversation_id: str, query: ListQuery) -> Page[Message]:
    return conversations.history(ctx.principal, conversation_id, query.limit, query.cursor)


@api.route(
    "/conversations/{conversation_id}/messages/{message_id}/recall",
    "POST",
    summary="Recall your message (within 2 minutes): its text leaves every feed it reached",
    response=Message,
    # + per hospital of the members, a Query of the message's feed entries; their text-less copies and
    # the recall entries in batch writes; the lists' preview loses the text (UpdateItem)
    budget={"GetItem": 2 + REACH, "UpdateItem": 2, "Query": 1, "BatchWriteItem": 2},
)
def recall_message(ctx: RequestContext, conversation_id: str, message_id: str) -> Message:
    return conversations.recall(ctx.principal, conversation_id, message_id)


@api.route(
    "/conversations/{conversation_id}/read",
    "POST",
    summary="I have read up to this message",
    body=ReadUpTo,
    status=204,
    budget={"GetItem": 2 + REACH, "PutItem": 1},  # the message read marks must exist
)
def read_conversation(ctx: RequestContext, conversation_id: str, body: ReadUpTo) -> None:
    conversations.mark_read(ctx.principal, conversation_id, body.message_id)


@api.route(
    "/conversations/{conversation_id}/messages/{message_id}/receipts",
    summary="Who has read a message",
    response=list[Receipt],
    budget={"Query": 1, "GetItem": 1 + REACH},
)
def message_receipts(ctx: RequestContext, conversation_id: str, message_id: str) -> list[Receipt]:
    return conversations.receipts(ctx.principal, conversation_id, message_id)


@api.route(
    "/sync",
    summary="Everything new for me since my cursor (messages, notifications, recalls)",
    query=SyncQuery,
    response=SyncPage,
    budget={"Query": 1},
)
def sync(ctx: RequestContext, query: SyncQuery) -> SyncPage:
    return conversations.sync(ctx.principal, query.cursor, query.limit)


@api.route(
    "/conversations/{conversation_id}/attachments",
    "POST",
    summary="Get a presigned URL to upload a file",
    body=AttachmentRequest,
    response=AttachmentTicket,
    status=201,
    budget={"GetItem": 1 + REACH, "PutItem": 1},
)
def request_upload(ctx: RequestContext, conversation_id: str, body: AttachmentRequest) -> AttachmentTicket:
    return conversations.request_upload(ctx.principal, conversation_id, body)


@api.route(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    summary="A presigned download URL",
    response=AttachmentLink,
    budget={"GetItem": 2 + REACH},
)
def download_attachment(ctx: RequestContext, conversation_id: str, attachment_id: str) -> AttachmentLink:
    return conversations.download(ctx.principal, conversation_id, attachment_id)
