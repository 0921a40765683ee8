"""Inbox routes: my pending tasks, and the approvals I submitted, was CC'd on or handled."""

from __future__ import annotations

from chalicelib.approvals.contracts.inbox import InboxItem, InboxQuery
from chalicelib.approvals.service import inbox as service

from shared.http import RequestContext, ServiceAPI
from shared.pages import Page

api = ServiceAPI("approvals", __name__)
LIST = {"Query": 1}


def _inbox(box: str, summary: str) -> None:
    def listing(ctx: RequestContext, query: InboxQuery) -> Page[InboxItem]:
        return service.inbox(ctx.principal, box, query)

    listing.__name__ = f"inbox_{box}"  # the OpenAPI operation id
    api.route(f"/inbox/{box}", summary=summary, query=InboxQuery, response=Page[InboxItem], budget=LIST)(
        listing
    )


_inbox("pending", "My pending tasks")
_inbox("submitted", "Approvals I submitted")
_inbox("cc", "Approvals CC'd to me")
_inbox("handled", "Approvals I handled")
