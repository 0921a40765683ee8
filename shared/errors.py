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


class TransientStoreError(Exception):
    """The store throttled or was unavailable after bounded retries: the client should retry later."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after
