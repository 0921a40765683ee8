"""The patient's link (患者随访链接): one patient, one questionnaire (the version current when it was made),
answered once, without an account.

**The token** is the only credential: ``/followup/p/<token>``. It is 24 random bytes (URL-safe base64, 32
characters) followed by a **signature** of the link id and those bytes, made with the province's KMS
HMAC key bound to the hospital (``Vault.digest``, 22 characters): 54 characters, and nothing personal in
the URL — no patient id, no name, no hospital. Only the token's SHA-256 is stored (a 192-bit random secret
needs no salt), so a copy of the table opens no link, and a link written into the table by hand is refused
because its signature cannot be made outside KMS.

**Finding it** without a tenant in the request: the link item carries the digest as a system index key
(``followup-link#<sha256>``, as scheduling's calendar feed does): one Query finds it and names its
hospital. An unknown, mis-signed, revoked or expired token all get the same **401**: the answer does not
tell a guesser which tokens exist.

**Expiry** is 7 days unless the member of staff asks for up to 30. **Revoking** marks the link; it stops
working at once. **One response per link**: a second submission is a 409 (the first stands; staff send
a new link if the patient must answer again). **Rate**: 30 requests a minute per link (429 with
Retry-After), counted in a DynamoDB counter item per link and minute (an atomic ADD, expiring with TTL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SECRET_BYTES = 24  # 192 bits → 32 characters
SIGNATURE_CHARS = 22  # 132 bits of the HMAC
TOKEN_CHARS = 32 + SIGNATURE_CHARS
DEFAULT_DAYS = 7
MAX_DAYS = 30
RATE_PER_MINUTE = 30
SIGNING_KIND = "followup-link"
_TOKEN = re.compile(rf"^[A-Za-z0-9_-]{{{TOKEN_CHARS}}}$")
LinkState = Literal["active", "answered", "revoked", "expired"]
# What a link opens. Each patient-facing route accepts links of its own purpose only: a questionnaire
# link answers its questionnaire; a revisit link (慢病复诊) asks the department for a revisit, one open
# request at a time, for as long as it works.
LinkPurpose = Literal["questionnaire", "revisit"]


class Link(BaseModel):
    """A link as its item keeps it (never the token)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="<patient_id>-<id>: names the link to staff (revoking), never in its URL")
    patient_id: str
    patient_label: str = Field(description="the patient's masked name (张*)")
    purpose: LinkPurpose = "questionnaire"
    questionnaire_id: str = Field("", description="a questionnaire link's questionnaire")
    questionnaire_version: int = 0
    questionnaire_title: str = ""
    task_id: str = ""
    department_id: str
    department_name: str = ""
    doctor_id: str = ""
    doctor_name: str = ""
    team_id: str = ""
    team_name: str = ""
    token_hash: str
    created_by: str
    created_by_name: str = ""
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str = ""
    revoked_by_name: str = ""
    response_id: str = Field("", description="the response it took; a revisit link: its latest request")
    revision: int = 0

    def state(self, now: datetime) -> LinkState:
        if self.revoked_at is not None:
            return "revoked"
        if self.response_id:
            return "answered"
        if now >= self.expires_at:
            return "expired"
        return "active"

    def opens(self, now: datetime) -> bool:
        """Whether the patient may still read it: not revoked, not expired (an answered one still shows
        that it was answered)."""
        return self.revoked_at is None and now < self.expires_at


def new_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def signed_message(link_id: str, secret: str) -> str:
    return f"{link_id}.{secret}"


def token_of(secret: str, signature: str) -> str:
    return secret + signature[:SIGNATURE_CHARS]


def split(token: str) -> tuple[str, str]:
    return token[:-SIGNATURE_CHARS], token[-SIGNATURE_CHARS:]


def signature_ok(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected[:SIGNATURE_CHARS].encode(), given.encode())


def token_hash(token: str) -> str:
    """The digest stored for ``token`` (SHA-256, hex): the only form of it that is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap refusal before any read."""
    return bool(_TOKEN.match(token))


def expiry(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


def rate_window(now: datetime) -> tuple[str, int]:
    """The minute a request is counted in (``202612051430``), and the seconds until the next."""
    return now.strftime("%Y%m%d%H%M"), 60 - now.second
