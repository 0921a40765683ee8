"""RFC 9457 problem details: the one error shape every route returns, with stable ``type`` URIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_BASE = "urn:fh:problem:"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass
class FieldError:
    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass
class Problem(Exception):
    """An error a client can act on. Raise it (or a subclass) anywhere; the HTTP layer renders it."""

    status: int
    slug: str
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # Extension members a protocol asks for beside the standard ones (RFC 9457 §3.2), e.g. OAuth's
    # ``error`` (RFC 6749 §5.2).
    members: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def body(self, instance: str = "", request_id: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {**self.members, "type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        if instance:
            out["instance"] = instance
        if request_id:
            out["request_id"] = request_id
        if self.errors:
            out["errors"] = [e.as_dict() for e in self.errors]
        return out


def bad_request(detail: str) -> Problem:
    return Problem(400, "malformed-request", "Malformed request", detail)


def validation_failed(errors: list[FieldError]) -> Problem:
    names = ", ".join(e.field for e in errors)
    return Problem(422, "validation-failed", "Validation failed", f"Invalid fields: {names}", errors)


def unauthorized(detail: str = "A valid bearer token is required") -> Problem:
    return Problem(401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Forbidden", detail)


def not_found(what: str = "resource") -> Problem:
    return Problem(404, "not-found", "Not found", f"No such {what}")


def conflict(detail: str, slug: str = "conflict") -> Problem:
    return Problem(409, slug, "Conflict", detail)


def payload_too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", "Payload too large", f"The body exceeds {limit} bytes")


def unsupported_media_type(media_type: str) -> Problem:
    return Problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        f"a body is sent as application/json, not {media_type}",
    )


def too_many_requests(detail: str, retry_after: int) -> Problem:
    return Problem(
        429, "rate-limited", "Too many requests", detail, headers={"Retry-After": str(retry_after)}
    )


def unavailable(detail: str, retry_after: int = 1) -> Problem:
    return Problem(
        503, "unavailable", "Service unavailable", detail, headers={"Retry-After": str(retry_after)}
    )


def internal_error() -> Problem:
    return Problem(500, "internal", "Internal error", "Something went wrong on our side")
