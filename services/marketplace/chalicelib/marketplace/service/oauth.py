"""The token endpoint: an installation's client credentials for a ten-minute app token.

RFC 6749 §4.4 (client credentials): the client authenticates (HTTP Basic, else ``client_id`` and
``client_secret`` in the body), may narrow the scope, and gets a JWT signed by the province's key
(``shared.partner_tokens``) for that hospital and installation, holding the requested scopes that the
installation's consent still grants. Errors carry OAuth's ``error`` member (§5.2) beside the problem.
Token requests are counted per client a minute (a 429 with ``Retry-After`` past the allowance).
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from datetime import datetime
from urllib.parse import unquote

from chalicelib.marketplace.contracts import oauth as models
from chalicelib.marketplace.domain import installations as domain
from chalicelib.marketplace.domain.ports import AppsStore
from chalicelib.marketplace.service import wiring

from shared.auth import STAFF_ID_PATTERN, TENANT_PATTERN, Principal
from shared.persistence.models import now_utc
from shared.problems import Problem
from shared.settings import get_settings

PUBLIC = Principal(tenant="public", user="anonymous", kind="service")


def oauth_error(status: int, error: str, detail: str, basic: bool = False) -> Problem:
    headers = {"WWW-Authenticate": 'Basic realm="marketplace"'} if basic else {}
    headers["Cache-Control"] = "no-store"
    return Problem(
        status, f"oauth-{error.replace('_', '-')}", error, detail, headers=headers, members={"error": error}
    )


def _client(authorization: str | None, body: models.TokenRequest) -> tuple[str, str, bool]:
    """(client id, secret, whether HTTP Basic was used)."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise oauth_error(401, "invalid_client", "the client authentication is malformed", True) from exc
        cid, colon, secret = decoded.partition(":")
        if not colon:
            raise oauth_error(401, "invalid_client", "the client authentication is malformed", True)
        return unquote(cid), unquote(secret), True
    if body.client_id and body.client_secret:
        return body.client_id, body.client_secret, False
    raise oauth_error(401, "invalid_client", "the client is not authenticated", True)


def token(
    authorization: str | None,
    body: models.TokenRequest,
    *,
    store: AppsStore | None = None,
    now: datetime | None = None,
) -> models.TokenResponse:
    if body.grant_type is None:
        raise oauth_error(400, "invalid_request", "grant_type is required")
    if body.grant_type != "client_credentials":
        raise oauth_error(400, "unsupported_grant_type", "only the client_credentials grant is supported")
    cid, secret, basic = _client(authorization, body)
    refused = oauth_error(401, "invalid_client", "the client credentials are not valid", basic)
    parsed = domain.parse_client_id(cid)
    if parsed is None:
        raise refused
    tenant, installation_id = parsed
    if not TENANT_PATTERN.match(tenant) or not STAFF_ID_PATTERN.match(installation_id):
        raise refused
    store = store or wiring.apps_store(PUBLIC, tenant=tenant)
    at = now or now_utc()
    installation, credentials = store.installations.with_credentials(installation_id)
    if installation is None or credentials is None or credentials.client_id != cid:
        raise refused
    store.installations.count_token_request(installation_id, at, domain.TOKEN_REQUESTS_PER_MINUTE)
    if not domain.verify(credentials, secret, at):
        raise refused
    if installation.status != "active":
        raise oauth_error(400, "invalid_grant", "the app is no longer installed in this hospital")
    held = set(installation.scopes)
    wanted = set((body.scope or "").split()) or held
    if not wanted <= held:
        raise oauth_error(400, "invalid_scope", "the scope asked is more than the hospital consented to")
    scope = " ".join(sorted(wanted))
    settings = get_settings()
    issued = max(int(time.time()), int(at.timestamp()))
    from shared import partner_tokens

    signed = partner_tokens.sign(
        {
            "iss": settings.marketplace_issuer,
            "aud": settings.jwt_audience,
            "sub": f"app:{installation.app_id}",
            "tenant": installation.tenant,
            "inst": installation.id,
            "app": installation.app_id,
            "scope": scope,
            "iat": issued,
            "exp": issued + domain.TOKEN_SECONDS,
            "jti": uuid.uuid4().hex,
        }
    )
    return models.TokenResponse(access_token=signed, expires_in=domain.TOKEN_SECONDS, scope=scope)


def jwks() -> models.Jwks:
    from shared import partner_tokens

    return models.Jwks(keys=[partner_tokens.public_jwk()])
