"""Someone's lists (pending, submitted, cc, handled): one page is one Query of their box."""

from __future__ import annotations

from chalicelib.approvals.contracts.inbox import InboxItem, InboxQuery
from chalicelib.approvals.domain.ports import Store
from chalicelib.approvals.service import wiring

from shared.auth import Principal
from shared.pages import Page


def inbox(principal: Principal, box: str, query: InboxQuery, store: Store | None = None) -> Page[InboxItem]:
    return Page[InboxItem].of(
        (store or wiring.store(principal)).inbox.page(
            box, principal.staff, query.limit, query.cursor, query.template_id, query.status
        ),
        lambda i: InboxItem(
            instance_id=i.instance_id,
            template_id=i.template_id,
            template_code=i.template_code,
            title=i.title,
            submitter=i.submitter,
            submitter_name=i.submitter_name or None,
            status=i.status,
            at=i.at,
        ),
    )
