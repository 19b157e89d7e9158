from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError


class IllegalTransition(ConflictError):
    """The case is not in a state that allows this action (or someone acted first)."""


class ReturnWindowClosed(DomainValidationError):
    pass


class NotAllowed(PermissionDeniedError):
    pass
