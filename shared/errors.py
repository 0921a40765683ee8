"""Domain and infrastructure exceptions; the HTTP layer maps them to problem+json in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a caller can act on."""


class NotFound(DomainError):
    def __init__(self, what: str = "resource"):
        super().__init__(f"No such {what}")
        self.what = what


class Conflict(DomainError):
    """A create-only or version condition failed, or the state does not allow the action."""


class RuleViolation(DomainError):
    """The request is well-formed but breaks a business rule, optionally naming the field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class Unauthenticated(DomainError):
    pass


class Forbidden(DomainError):
    pass


class RateLimited(DomainError):
    """Too many requests of a kind in a window (429); ``retry_after`` seconds until the window turns."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class TransientStoreError(Exception):
    """The store throttled or was unavailable after bounded retries: the client should retry later."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


# DynamoDB's "busy, try again": error codes of a failed call and reasons in a cancelled transaction.
THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "TransactionConflict",
    }
)


def is_throttle(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is the store throttling: PynamoDB and botocore errors alike."""
    seen = 0
    while exc is not None and seen < 5:
        code = getattr(exc, "cause_response_code", None)
        response = getattr(exc, "response", None)
        if code is None and isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
        if code in THROTTLE_CODES:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
