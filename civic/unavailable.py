"""Clean 503s while the database is unreachable (restart, failover, network), never a 500.

Every state change runs in one transaction, so a request cut off by a lost connection leaves
nothing half-written; the client is told to retry. Django opens a new connection on the next
request (CONN_MAX_AGE=0 by default, CONN_HEALTH_CHECKS otherwise), so service resumes by itself.
"""

import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


def wants_json(request) -> bool:
    """API and Open311 paths, and clients that ask for JSON, get JSON error bodies."""
    return request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get(
        "Accept", ""
    )


def unavailable_response(request) -> HttpResponse:
    """A 503 that needs no database: no template context processors, no session, no user."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if wants_json(request):
        body = json.dumps({"message": message, "extra": {"retry_after": RETRY_AFTER_SECONDS}})
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        title = _("Service unavailable")
        body = (
            f'<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>"
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database in a view into a 503 (errors raised in other middleware reach
    `server_error` below)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable on %s: %s", request.path, exception)
            return unavailable_response(request)
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: a database outage met outside a view (session, auth, axes) is a 503 too."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
