"""The JWT battery: every forged, stale or malformed token is a 401 problem+json on every protected route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.quality.surface import all_roles, all_routes, all_scopes, protected, route_id

pytestmark = pytest.mark.e2e
TENANT = "t-jwt-battery"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: Any) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def _claims(issuer: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": "attacker",
        "tenant": TENANT,
        "kind": "staff",
        "roles": all_roles(all_routes()),
        "iat": now,
        "exp": now + 600,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _signed(issuer: Any, headers: dict[str, Any] | None = None, **changes: Any) -> str:
    key = issuer.ensure_key()
    all_headers = {"kid": issuer.kid(key), **(headers or {})}
    return jwt.encode(_claims(issuer, **changes), key, algorithm="ES256", headers=all_headers)


def _unsigned(alg: str, issuer: Any) -> str:
    key = issuer.ensure_key()
    return f"{_segment({'alg': alg, 'typ': 'JWT', 'kid': issuer.kid(key)})}.{_segment(_claims(issuer))}."


def _hs256_with_public_key(issuer: Any) -> str:
    """The classic confusion: HMAC 'signed' with the issuer's public key, as a verifier might load it."""
    key = issuer.ensure_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': issuer.kid(key)})}.{_segment(_claims(issuer))}"
    )
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(issuer: Any) -> str:
    """A genuine token for another tenant whose payload was edited to name ours; signature kept."""
    header, _, signature = _signed(issuer, tenant="t-someone-else", roles=[]).split(".")
    return f"{header}.{_segment(_claims(issuer))}.{signature}"


def _embedded_jwk(issuer: Any) -> str:
    """Signed by the attacker's key, which the header offers as its own ``jwk``."""
    mine = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(mine.public_key()))
    headers = {"kid": issuer.kid(issuer.ensure_key()), "jwk": public}
    return jwt.encode(_claims(issuer), mine, algorithm="ES256", headers=headers)


def _jku(issuer: Any) -> str:
    mine = ec.generate_private_key(ec.SECP256R1())
    headers = {"kid": issuer.kid(issuer.ensure_key()), "jku": "https://attacker.invalid/jwks.json"}
    return jwt.encode(_claims(issuer), mine, algorithm="ES256", headers=headers)


def _foreign_key(issuer: Any, algorithm: str) -> str:
    """Right kid, allowed algorithm, but signed by a key that is not the issuer's."""
    mine: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    return jwt.encode(
        _claims(issuer), mine, algorithm=algorithm, headers={"kid": issuer.kid(issuer.ensure_key())}
    )


def _huge(issuer: Any) -> str:
    return _signed(issuer, padding="x" * 100 * 1024)


def _app_claims(issuer: Any, **changes: Any) -> dict[str, Any]:
    """A partner app token's claims (the marketplace's issuer), every scope there is."""
    from shared.settings import get_settings

    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": get_settings().marketplace_issuer,
        "aud": issuer.audience,
        "sub": "app:attacker",
        "tenant": TENANT,
        "inst": "inattacker",
        "app": "attacker",
        "scope": " ".join(all_scopes(all_routes())),
        "iat": now,
        "exp": now + 600,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _app_genuine(issuer: Any, **changes: Any) -> str:
    """Signed by the province's key in KMS, as the marketplace signs: only ``changes`` make it invalid."""
    from shared import partner_tokens

    return partner_tokens.sign(_app_claims(issuer, **changes))


def _app_foreign_key(issuer: Any) -> str:
    """The marketplace's kid and issuer, signed by the attacker's key."""
    from shared import partner_tokens

    mine = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(
        _app_claims(issuer), mine, algorithm="ES256", headers={"kid": partner_tokens.public_jwk()["kid"]}
    )


def _app_by_identity_provider(issuer: Any) -> str:
    """Claims the marketplace's issuer but is signed by the identity provider's key (its kid)."""
    key = issuer.ensure_key()
    return jwt.encode(_app_claims(issuer), key, algorithm="ES256", headers={"kid": issuer.kid(key)})


NOW = int(time.time())
FORGERIES: dict[str, Callable[[Any], str]] = {
    "alg none": lambda i: _unsigned("none", i),
    "alg None": lambda i: _unsigned("None", i),
    "alg NONE": lambda i: _unsigned("NONE", i),
    "alg nOnE": lambda i: _unsigned("nOnE", i),
    "HS256 signed with the public key": _hs256_with_public_key,
    "tampered payload": _tampered,
    "expired": lambda i: _signed(i, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "nbf in the future": lambda i: _signed(i, nbf=int(time.time()) + 3600),
    "wrong iss": lambda i: _signed(i, iss="https://evil.example"),
    "wrong aud": lambda i: _signed(i, aud="someone-else"),
    "no exp": lambda i: _signed(i, exp=None),
    "missing tenant claim": lambda i: _signed(i, tenant=None),
    "malformed tenant claim": lambda i: _signed(i, tenant="../other#tenant"),
    "unknown kid": lambda i: _signed(i, headers={"kid": "no-such-key"}),
    "no kid": lambda i: jwt.encode(_claims(i), i.ensure_key(), algorithm="ES256"),
    "embedded jwk header": _embedded_jwk,
    "jku header": _jku,
    "ES256 by a foreign key": lambda i: _foreign_key(i, "ES256"),
    "RS256 by a foreign key": lambda i: _foreign_key(i, "RS256"),
    "100 KB token": _huge,
    "garbage": lambda i: "garbage",
    "three garbage segments": lambda i: "a.b.c",
    "binary junk": lambda i: _b64(bytes(range(256))) * 3,
    "header only": lambda i: _segment({"alg": "ES256"}),
    # partner app tokens: the marketplace's issuer is checked with the province's key and nothing else
    "app token by a foreign key": _app_foreign_key,
    "app token by the identity provider's key": _app_by_identity_provider,
    "app token alg none": lambda i: (
        f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': 'fh-x'})}.{_segment(_app_claims(i))}."
    ),
    "app token expired": lambda i: _app_genuine(i, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
    "app token naming no installation": lambda i: _app_genuine(i, inst=None),
    "app token without iat": lambda i: _app_genuine(i, iat=None),
    "app token for another audience": lambda i: _app_genuine(i, aud="someone-else"),
}
SCHEMES: dict[str, Callable[[str], str]] = {"Bearer": lambda t: f"Bearer {t}"}
# Authorization values that are not a bearer token at all.
RAW_HEADERS = {
    "Basic scheme": "Basic dXNlcjpwYXNz",
    "Bearer without token": "Bearer ",
    "token without scheme": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
}

ROUTES = protected(all_routes())


def _path(route: Any) -> str:
    return f"/{route.service}" + route.path.replace("{", "x").replace("}", "")


def _assert_401(status: int, body: Any, what: str) -> None:
    assert status == 401, (what, status, body)
    assert isinstance(body, dict) and body.get("type") == "urn:fh:problem:unauthorized", (what, body)
    assert body.get("status") == 401


@pytest.mark.parametrize("forgery", list(FORGERIES), ids=str)
def test_forged_token_is_401_on_every_route(stack: Any, inproc: Callable[..., Any], forgery: str) -> None:
    token = FORGERIES[forgery](stack.issuer)
    for route in ROUTES:
        # The app itself (as Lambda sees it behind API Gateway) ...
        status, _, body = inproc(route.method, _path(route), token, {} if route.body else None)
        _assert_401(status, body, f"{forgery} on {route_id(route)} (in-process)")
        if forgery == "100 KB token":
            continue  # ... over HTTP the front door refuses such headers first (see below)
        status, body = stack.request(route.method, _path(route), token, {} if route.body else None)
        _assert_401(status, body, f"{forgery} on {route_id(route)} (HTTP)")


def test_huge_token_over_http_is_refused_by_the_front_door(stack: Any) -> None:
    """API Gateway (like the local gateway) caps header size: a 100 KB token never reaches a function."""
    import urllib.error
    import urllib.request

    route = ROUTES[0]
    request = urllib.request.Request(stack.url + _path(route), method=route.method)
    request.add_header("Authorization", "Bearer " + _huge(stack.issuer))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    assert 400 <= status < 500, status


@pytest.mark.parametrize("header", list(RAW_HEADERS), ids=str)
def test_non_bearer_authorization_is_401(stack: Any, header: str) -> None:
    for route in ROUTES:
        status, body = stack.request(
            route.method,
            _path(route),
            None,
            {} if route.body else None,
            headers={"Authorization": RAW_HEADERS[header]},
        )
        _assert_401(status, body, f"{header} on {route_id(route)}")


def test_the_genuine_token_is_accepted(stack: Any) -> None:
    """The control: the same claims, properly signed, pass authentication (so the 401s mean something)."""
    from shared.settings import get_settings

    token = _signed(stack.issuer)
    reads = [r for r in ROUTES if r.method == "GET" and not r.path_params]
    assert reads
    for route in reads:
        # A partner organisation's route takes its kind; the province's platform admins sign in under
        # the platform tenant; an app's route (partner, with scopes) takes an installed app's token.
        claims: dict[str, Any] = {} if "staff" in route.kinds else {"kind": route.kinds[0]}
        if "platform_admin" in route.roles:
            claims["tenant"] = get_settings().platform_tenant
        caller = _signed(stack.issuer, **claims) if claims else token
        if "staff" not in route.kinds and "partner" in route.kinds and route.scopes:
            from tests.partner_apps import app_token

            caller = app_token(TENANT, route.scopes)
        status, body = stack.request("GET", _path(route), caller)
        assert status not in (401, 403) and status < 500, (route_id(route), status, body)


def test_the_genuine_app_token_is_accepted_where_apps_are(stack: Any) -> None:
    """The control for the app forgeries: the same claims signed by the province's key, for an installed
    app, pass authentication on the routes made for apps (so their 401s mean something)."""
    from tests import partner_apps

    scopes = all_scopes(all_routes())
    installation = partner_apps.install(TENANT, scopes, app="attacker")
    token = _app_genuine(stack.issuer, inst=installation)
    reads = [
        r for r in ROUTES if r.method == "GET" and not r.path_params and "partner" in r.kinds and r.scopes
    ]
    assert reads
    for route in reads:
        status, body = stack.request("GET", _path(route), token)
        assert status not in (401, 403) and status < 500, (route_id(route), status, body)
