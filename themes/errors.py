"""Theme errors are the generic domain errors of civic.errors (400/403/404/409)."""

from civic.errors import ConflictError, DomainValidationError, NotFoundError, PermissionDeniedError

__all__ = ["ConflictError", "DomainValidationError", "NotFoundError", "PermissionDeniedError"]
