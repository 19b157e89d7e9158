"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE): the API's error shape
for API clients (POST /api/v1/auth/token/), the lockout page for people; both 429 with
Retry-After.

Axes restarts the cool-off at every failed attempt made while locked (its default,
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the whole cool-off is the wait from now.
"""

from __future__ import annotations

import json

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civic.unavailable import wants_json

LOCKOUT_STATUS = 429  # Too Many Requests, as axes answers by default


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    cool_off = get_cool_off(request)
    retry_after = int(cool_off.total_seconds()) if cool_off else None
    if wants_json(request):
        message = _("Too many failed logins: this account is locked for a while. Try again later.")
        body = json.dumps({"message": message, "extra": {"retry_after": retry_after}})
        response = HttpResponse(body, status=LOCKOUT_STATUS, content_type="application/json")
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=LOCKOUT_STATUS)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
