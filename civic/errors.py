"""Domain errors. Services raise these; one handler per interface maps them to HTTP.

validation → 400, permission → 403, not found → 404, illegal transition / conflict → 409,
a request past the size limits → 413 (or 400: too many fields).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _


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


class RequestTooLargeError(ApplicationError):
    status_code = 413


# What Django raises while reading a request past its limits (settings
# DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES). Left
# alone, Django answers them with its HTML 400 page, even on the API and Open311.
REQUEST_REFUSALS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def request_refusal(exc: Exception) -> ApplicationError | None:
    """The error to answer for a request Django refused to read (see REQUEST_REFUSALS), for
    each interface to render in its own format; None for any other exception."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return RequestTooLargeError(
            _("The request is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            extra={"max_bytes": limit},
        )
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return DomainValidationError(_("The request has too many fields or files."))
    return None
