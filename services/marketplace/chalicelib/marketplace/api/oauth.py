"""The token endpoint and the key it signs with (public: the client authenticates with its credentials)."""

from __future__ import annotations

from chalicelib.marketplace.contracts import oauth as models
from chalicelib.marketplace.service import oauth

from shared.http import RequestContext, ServiceAPI

api = ServiceAPI("marketplace", __name__)
route = api.route


@route(
    "/oauth/token",
    "POST",
    summary="An app token for an installation's client credentials (RFC 6749 §4.4; form or JSON, Basic auth)",
    body=models.TokenRequest,
    response=models.TokenResponse,
    public=True,
    form=True,
    # the installation and its credentials (one Query of its partition), the minute's token requests counted
    budget={"Query": 1, "UpdateItem": 1},
)
def issue_token(ctx: RequestContext, body: models.TokenRequest) -> models.TokenResponse:
    return oauth.token(ctx.headers.get("authorization"), body)


@route(
    "/.well-known/jwks.json",
    summary="The public key app tokens are signed with (JWKS)",
    response=models.Jwks,
    public=True,
)
def jwks(ctx: RequestContext) -> models.Jwks:
    return oauth.jwks()
