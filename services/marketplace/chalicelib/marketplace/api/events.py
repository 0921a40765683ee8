"""The polling feed: an app's installation's events in order, for partners behind firewalls."""

from __future__ import annotations

from chalicelib.marketplace.contracts import webhooks as models
from chalicelib.marketplace.service import webhooks

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route


@route(
    "/events",
    summary="The installation's events in order (the polling feed); resume with the cursor returned",
    query=models.FeedQuery,
    response=models.FeedPage,
    kinds=("partner",),
    scopes=("events:read",),
    budget={"Query": 1},
)
def feed(ctx: RequestContext, query: models.FeedQuery) -> models.FeedPage:
    return webhooks.feed(ctx.principal, query)
