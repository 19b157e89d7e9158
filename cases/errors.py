from civic.errors import (
    ApplicationError,
    ConflictError,
    DomainValidationError,
    PermissionDeniedError,
)


class IllegalTransition(ConflictError):
    """The case is not in a state that allows this action (or someone acted first)."""


class ReturnWindowClosed(DomainValidationError):
    pass


class NotAllowed(PermissionDeniedError):
    pass


class IdempotencyKeyReused(ApplicationError):
    """A client sent an Idempotency-Key it had already used for a different request: neither
    a retry (same case) nor a new case is the right answer, so it is refused."""

    status_code = 422
