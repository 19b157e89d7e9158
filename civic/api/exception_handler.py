"""One place that maps exceptions to HTTP for the API: body shape {"message": ..., "extra": {...}}."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from civic.errors import ApplicationError, request_refusal

logger = logging.getLogger(__name__)


def _django_validation_to_dict(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "message_dict"):
        return {"fields": exc.message_dict}
    return {"fields": {"non_field_errors": exc.messages}}


def api_exception_handler(exc, context):
    # A body past the size limits, raised when the view first reads request.data.
    exc = request_refusal(exc) or exc
    if isinstance(exc, ApplicationError):
        response = Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
        if isinstance(exc.extra.get("retry_after"), int):  # a RateLimitedError that knows
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_to_dict(exc)["fields"])
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # unknown: stays a 500 and is logged by Django

    if isinstance(exc, exceptions.ValidationError):
        detail = response.data
        if not isinstance(detail, dict):
            detail = {"non_field_errors": detail}
        response.data = {"message": _("Invalid input."), "extra": {"fields": detail}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"message": str(detail) or exc.__class__.__name__, "extra": {}}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["extra"]["retry_after"] = getattr(exc, "wait", None)
    return response
