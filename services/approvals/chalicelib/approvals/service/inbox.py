"""Someone's lists (pending, submitted, cc, handled): one page is one Query of their box."""

from __future__ import annotations

from chalicelib.approvals.adapters import dynamodb
from chalicelib.approvals.contracts.inbox import InboxItem, InboxQuery

from shared.auth import Principal
from shared.pages import Page


def inbox(principal: Principal, box: str, query: InboxQuery) -> Page[InboxItem]:
    items, next_cursor = dynamodb.box_page(
        principal.tenant, box, principal.staff, query.limit, query.cursor, query.template_id, query.status
    )
    return Page[InboxItem](
        items=[
            InboxItem(
                instance_id=i.instance_id,
                template_id=i.template_id,
                template_code=i.template_code,
                title=i.title,
                submitter=i.submitter,
                status=i.status,
                at=i.at,
            )
            for i in items
        ],
        next_cursor=next_cursor,
    )
