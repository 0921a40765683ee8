"""Token verification: what gets a Principal and what is refused (no AWS involved)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from fh.dev_issuer import DevIssuer
from shared.auth import Principal, TokenVerifier, require
from shared.errors import Forbidden, Unauthenticated


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer(tmp_path)


@pytest.fixture
def verifier(issuer: DevIssuer) -> TokenVerifier:
    issuer.ensure_key()
    return TokenVerifier(issuer.issuer, issuer.audience, issuer.jwks_url, "tenant", 60)


def test_valid_token_gives_principal(issuer: DevIssuer, verifier: TokenVerifier) -> None:
    token = issuer.token("h1", "u1", ["doctor", "nurse"], scopes=["roster:read"])
    principal = verifier.verify_header(f"Bearer {token}")
    assert principal == Principal(
        tenant="h1",
        user="u1",
        kind="staff",
        roles=frozenset({"doctor", "nurse"}),
        scopes=frozenset({"roster:read"}),
    )


def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(token)
    return str(err.value)


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_refused(issuer: DevIssuer, verifier: TokenVerifier, alg: str) -> None:
    good = issuer.token("h1", "u1")
    payload = good.split(".")[1]
    assert "algorithm" in _refused(verifier, f"{_segment({'alg': alg, 'kid': 'x'})}.{payload}.")


def test_hs256_signed_with_the_public_key_refused(issuer: DevIssuer, verifier: TokenVerifier) -> None:
    key = issuer.ensure_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = issuer.token("h1", "u1")
    signing_input = (
        _segment({"alg": "HS256", "kid": issuer.kid(key), "typ": "JWT"}) + "." + good.split(".")[1]
    )
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert "algorithm" in _refused(verifier, forged)


def test_tampered_payload_refused(issuer: DevIssuer, verifier: TokenVerifier) -> None:
    header, _, signature = issuer.token("h1", "u1", ["nurse"]).split(".")
    claims = jwt.decode(issuer.token("h1", "u1", ["nurse"]), options={"verify_signature": False})
    claims["roles"] = ["hospital_admin"]
    _refused(verifier, f"{header}.{_segment(claims)}.{signature}")


@pytest.mark.parametrize(
    ("claims", "expect"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"nbf": int(time.time()) + 3600}, "not yet valid"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "someone-else"}, "audience"),
        ({"tenant": None}, "tenant"),
        ({"tenant": "A#B"}, "tenant"),
        ({"kind": "robot"}, "kind"),
    ],
)
def test_bad_claims_refused(
    issuer: DevIssuer, verifier: TokenVerifier, claims: dict[str, object], expect: str
) -> None:
    key = issuer.ensure_key()
    payload = jwt.decode(issuer.token("h1", "u1"), options={"verify_signature": False})
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    token = jwt.encode(payload, key, algorithm="ES256", headers={"kid": issuer.kid(key)})
    assert expect in _refused(verifier, token).lower()


def test_embedded_jwk_header_refused(issuer: DevIssuer, verifier: TokenVerifier) -> None:
    key = issuer.ensure_key()
    claims = jwt.decode(issuer.token("h1", "u1"), options={"verify_signature": False})
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": issuer.kid(key), "jwk": {"kty": "EC"}})
    assert "own key" in _refused(verifier, token)


def test_unknown_kid_refused(issuer: DevIssuer, verifier: TokenVerifier) -> None:
    key = issuer.ensure_key()
    claims = jwt.decode(issuer.token("h1", "u1"), options={"verify_signature": False})
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "not-ours"})
    assert "unknown signing key" in _refused(verifier, token)


def test_garbage_and_oversize_refused(verifier: TokenVerifier) -> None:
    _refused(verifier, "garbage")
    _refused(verifier, "a" * 100_000)
    with pytest.raises(Unauthenticated):
        verifier.verify_header(None)
    with pytest.raises(Unauthenticated):
        verifier.verify_header("Basic dXNlcjpwYXNz")


def test_require_roles_scopes_kinds() -> None:
    nurse = Principal("h1", "u1", "staff", frozenset({"nurse"}), frozenset({"a"}))
    require(nurse, roles=("nurse", "doctor"), scopes=("a",), kinds=("staff",))
    with pytest.raises(Forbidden):
        require(nurse, roles=("hospital_admin",))
    require(nurse, scopes=("a", "b"))  # staff are authorised by roles and the directory, not scopes
    with pytest.raises(Forbidden):
        require(nurse, kinds=("partner",))


def test_a_partner_app_reaches_only_routes_declaring_scopes_it_holds() -> None:
    app = Principal("h1", "app:x", "partner", frozenset(), frozenset({"a"}), installation="in1", app="x")
    require(app, scopes=("a",), kinds=("staff", "partner"))
    with pytest.raises(Forbidden):
        require(app, scopes=("a", "b"), kinds=("staff", "partner"))
    with pytest.raises(Forbidden):  # a partner route that declares no scope is not for an app's token
        require(app, kinds=("partner",))
    with pytest.raises(Forbidden):  # a staff-only route
        require(app, scopes=("a",), kinds=("staff",))
    developer = Principal("acme", "dev-1", "partner")  # a partner organisation, no installation
    require(developer, kinds=("partner",))
    with pytest.raises(Forbidden):
        require(developer, scopes=("a",), kinds=("partner",))


def test_an_identity_provider_partner_token_carries_no_scopes(
    issuer: DevIssuer, verifier: TokenVerifier
) -> None:
    """Only the marketplace's tokens carry a hospital's consent: a partner token from the identity
    provider naming scopes (and a hospital) gets none of them."""
    principal = verifier.verify(issuer.token("t-1", "dev-1", [], kind="partner", scopes=["directory:read"]))
    assert (principal.kind, principal.scopes, principal.installation) == ("partner", frozenset(), None)


def test_a_staff_id_claim_binds_the_account_to_a_staff_record(
    issuer: DevIssuer, verifier: TokenVerifier
) -> None:
    bound = verifier.verify(issuer.token("t-1", "idp-zhou", ["nurse"], staff_id="01abc"))
    assert (bound.user, bound.staff_id, bound.staff) == ("idp-zhou", "01abc", "01abc")
    unbound = verifier.verify(issuer.token("t-1", "01abc", ["nurse"]))
    assert (unbound.staff_id, unbound.staff) == (None, "01abc")  # the subject is the staff id


@pytest.mark.parametrize("value", ["", "a#b", 42, ["01abc"], "x" * 65])
def test_a_malformed_staff_id_claim_is_refused(
    issuer: DevIssuer, verifier: TokenVerifier, value: object
) -> None:
    assert "staff_id" in _refused(verifier, issuer.token("t-1", "u1", ["nurse"], staff_id=value))
