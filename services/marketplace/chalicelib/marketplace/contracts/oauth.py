"""The token endpoint (RFC 6749 §4.4, client credentials) and the published signing key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    """A form (``application/x-www-form-urlencoded``) or JSON; the client authenticates with HTTP Basic
    or ``client_id``/``client_secret`` in the body. Unknown parameters are ignored (RFC 6749 §3.2)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"grant_type": "client_credentials", "scope": "roster:read"}]},
    )

    grant_type: str | None = Field(None, max_length=64)
    scope: str | None = Field(None, max_length=1000, description="space-separated; a subset of the consented")
    client_id: str | None = Field(None, max_length=200)
    client_secret: str | None = Field(None, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the token type, not a secret
    expires_in: int
    scope: str


class Jwks(BaseModel):
    keys: list[dict[str, Any]]
