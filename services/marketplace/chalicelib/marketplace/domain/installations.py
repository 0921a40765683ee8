"""An app installed in a hospital: the consent it rests on, its client credentials, and its bundles.

**Install = consent**: the hospital admin sends back exactly the scopes and event types the listed
version asks (a difference is refused, naming it), and the installation records who consented and when.
An upgrade is the same consent for the newer version. An uninstall ends the installation for good
(a reinstall is a new installation, with a new id).

**Client credentials** are per installation and belong to the partner: the secret is shown once and
stored as a salted scrypt hash; a rotation keeps the previous secret valid for ``OVERLAP`` (24 h), and
older ones are dropped. The client id names the hospital and the installation
(``<hospital>.<installation id>``), so the token endpoint finds them with one read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import RuleViolation

InstallationStatus = Literal["active", "uninstalled"]
OVERLAP = timedelta(hours=24)
TOKEN_SECONDS = 600
# Token requests a client may make a minute (each answers a token good for ten minutes).
TOKEN_REQUESTS_PER_MINUTE = 30
# A bundle installs all its apps in one transaction: 7 items an app (installation, its claim, standing,
# the partner's list entry and pointer, the event, the audit) under DynamoDB's 100 items a transaction.
MAX_BUNDLE_APPS = 10


class Installation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str
    hospital_name: str = ""
    app_id: str
    app_name: str
    partner: str
    partner_name: str = ""
    version: int
    scopes: list[str]
    events: list[str]
    webhook_url: str | None = None
    status: InstallationStatus = "active"
    consented_by: str
    consented_by_name: str = ""
    consented_at: datetime
    installed_at: datetime
    uninstalled_at: datetime | None = None
    uninstalled_by: str = ""
    bundle_id: str | None = None
    # Tokens issued before this instant are refused (the hospital revoked the credentials).
    not_before: datetime | None = None
    revision: int = 0


class Secret(BaseModel):
    model_config = ConfigDict(frozen=True)

    salt: str
    digest: str
    created_at: datetime
    valid_until: datetime | None = None  # a rotated secret's end of overlap


class Credentials(BaseModel):
    """An installation's client credentials: the current secret first, then at most one in overlap."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    installation_id: str
    secrets: list[Secret] = Field(default_factory=list)
    revision: int = 0


def client_id(tenant: str, installation_id: str) -> str:
    return f"{tenant}.{installation_id}"


def parse_client_id(value: str) -> tuple[str, str] | None:
    tenant, dot, installation = value.rpartition(".")
    if not dot or not tenant or not installation:
        return None
    return tenant, installation


def _digest(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def new_secret(at: datetime) -> tuple[str, Secret]:
    """A fresh secret (shown once) and what is stored of it."""
    plain = "fhs_" + secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    return plain, Secret(salt=salt.hex(), digest=_digest(plain, salt), created_at=at)


def rotate(
    current: Credentials | None, cid: str, installation_id: str, at: datetime
) -> tuple[str, Credentials]:
    """A new secret first; the one it replaces stays valid for ``OVERLAP``; any older is dropped."""
    plain, secret = new_secret(at)
    kept: list[Secret] = []
    if current is not None and current.secrets:
        previous = current.secrets[0]
        kept = [previous.model_copy(update={"valid_until": at + OVERLAP})]
    revision = current.revision if current is not None else 0
    return plain, Credentials(
        client_id=cid, installation_id=installation_id, secrets=[secret, *kept], revision=revision
    )


def verify(credentials: Credentials, plain: str, at: datetime) -> bool:
    """Whether ``plain`` is a secret of these credentials still valid at ``at`` (every one compared)."""
    ok = False
    for secret in credentials.secrets:
        if secret.valid_until is not None and secret.valid_until <= at:
            continue
        candidate = _digest(plain, bytes.fromhex(secret.salt))
        ok = hmac.compare_digest(candidate, secret.digest) or ok
    return ok


def consent_differences(
    asked_scopes: list[str], asked_events: list[str], scopes: list[str], events: list[str]
) -> list[str]:
    """What the consent sent differs by from what the version asks (empty: it is exactly that)."""
    out = []
    for label, asked, given in (("scope", asked_scopes, scopes), ("event", asked_events, events)):
        missing = sorted(set(asked) - set(given))
        extra = sorted(set(given) - set(asked))
        if missing:
            out.append(f"{label}s asked but not consented: {', '.join(missing)}")
        if extra:
            out.append(f"{label}s consented but not asked: {', '.join(extra)}")
    return out


def check_consent(
    asked_scopes: list[str], asked_events: list[str], scopes: list[str], events: list[str]
) -> None:
    differences = consent_differences(asked_scopes, asked_events, scopes, events)
    if differences:
        raise RuleViolation(
            "the consent must be exactly what this version asks: " + "; ".join(differences), "scopes"
        )


class PartnerInstallation(BaseModel):
    """An installation as its partner sees it (the hospital by name)."""

    installation_id: str
    tenant: str
    hospital_name: str
    app_id: str
    version: int
    status: str
    installed_at: datetime


class Bundle(BaseModel):
    """A set of listed apps a hospital installs in one step (each still consented scope by scope)."""

    id: str
    name: str
    description: str = ""
    app_ids: list[str]
    created_by: str = ""
    created_at: datetime
