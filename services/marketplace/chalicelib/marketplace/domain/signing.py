"""Standard Webhooks signing (https://www.standardwebhooks.com): secrets, signatures, verification.

Signed bytes: ``{webhook-id}.{webhook-timestamp}.{raw body}``; the key is the base64-decoded part of
the secret after ``whsec_``; a signature is ``v1,<base64 HMAC-SHA256>``, several space-separated while
a rotated secret still signs beside the new one. Pure: no clock but the one passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
TOLERANCE_S = 5 * 60


class InvalidSignature(Exception):
    """Why a delivery does not verify (the message says which check failed)."""


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 24 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    text = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    return base64.b64decode(text)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """One ``v1,<signature>`` entry."""
    raw = body.encode() if isinstance(body, str) else body
    signed = f"{msg_id}.{timestamp}.".encode() + raw
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` header: one entry per live secret, space-separated."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_)


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes | str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(secret: str, headers_: dict[str, str], body: bytes | str, now: float) -> None:
    """Raise ``InvalidSignature`` unless one ``v1`` entry matches and the timestamp is within 5 minutes."""
    lowered = {k.lower(): v for k, v in headers_.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    header = lowered.get("webhook-signature", "")
    if not msg_id or not stamp or not header:
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not a number") from None
    if timestamp < now - TOLERANCE_S:
        raise InvalidSignature("webhook-timestamp is too old (more than 5 minutes)")
    if timestamp > now + TOLERANCE_S:
        raise InvalidSignature("webhook-timestamp is in the future (more than 5 minutes)")
    try:
        expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    except (ValueError, base64.binascii.Error) as exc:  # type: ignore[attr-defined]
        raise InvalidSignature("the secret is not valid base64") from exc
    for entry in header.split(" "):
        version, _, signature = entry.partition(",")
        if version != "v1" or not signature:
            continue
        if hmac.compare_digest(signature.encode(), expected.encode()):
            return
    raise InvalidSignature("no v1 signature matches")
