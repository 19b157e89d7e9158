"""Domain errors. Services raise these; one handler per interface maps them to HTTP.

validation → 400, permission → 403, not found → 404, illegal transition / conflict → 409.
"""

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra = extra or {}


class DomainValidationError(ApplicationError):
    status_code = 400


class PermissionDeniedError(ApplicationError):
    status_code = 403


class NotFoundError(ApplicationError):
    status_code = 404


class ConflictError(ApplicationError):
    """An illegal transition, or someone else acted first."""

    status_code = 409


class RateLimitedError(ApplicationError):
    status_code = 429
