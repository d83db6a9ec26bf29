"""Domain exceptions, mapped to HTTP in one place (``core.web`` for HTML, ``core.api`` for JSON)."""

from __future__ import annotations


class DomainError(Exception):
    """A broken rule. ``code`` is stable for API clients; ``message`` is for people."""

    status = 422

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status = 422


class RuleViolated(DomainError):
    status = 422


class Conflict(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "not found") -> None:
        super().__init__("not_found", message)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "forbidden") -> None:
        super().__init__("forbidden", message)


class Unauthorized(DomainError):
    status = 401
