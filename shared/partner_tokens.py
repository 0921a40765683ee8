"""Partner app tokens: short-lived ES256 JWTs the marketplace signs with the province's KMS key.

The private key never leaves KMS (an asymmetric ``ECC_NIST_P256`` key, ``SIGN_VERIFY``; the local runtime
makes the same key in moto): ``sign`` asks KMS to sign the JWS input and turns its DER signature into
JWS's ``r || s``. Every service verifies these tokens with the key's public half (``GetPublicKey``,
cached), the same JWK the marketplace publishes at ``/marketplace/.well-known/jwks.json``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

from shared import aws
from shared.settings import get_settings

ALGORITHM = "ES256"
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()
CACHE_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_id() -> str:
    return get_settings().marketplace_signing_key


def public_jwk() -> dict[str, Any]:
    """The signing key's public half as a JWK (``kid`` derived from it), cached for five minutes."""
    ref = key_id()
    with _lock:
        cached = _cache.get(ref)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    der = aws.client("kms").get_public_key(KeyId=ref)["PublicKey"]
    public = load_der_public_key(der)
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise TypeError("the marketplace signing key is not an EC key")
    numbers = public.public_numbers()
    x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    kid = "fh-" + hashlib.sha256(x + y).hexdigest()[:16]
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(x),
        "y": _b64(y),
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }
    with _lock:
        _cache[ref] = (time.monotonic() + CACHE_SECONDS, jwk)
    return jwk


def sign(claims: dict[str, Any]) -> str:
    """A compact JWS of ``claims`` signed by the province's key in KMS."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    jwk = public_jwk()
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": jwk["kid"]}
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    )
    der = aws.client("kms").sign(
        KeyId=key_id(),
        Message=signing_input.encode("ascii"),
        MessageType="RAW",
        SigningAlgorithm="ECDSA_SHA_256",
    )["Signature"]
    r, s = decode_dss_signature(der)
    return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
