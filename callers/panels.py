"""The operator console's caller panel (place "console"): filled by static/callers/panel.js
from the history JSON as the operator types the caller's number."""

from __future__ import annotations

from civic import roles

from . import selectors


def console_panel(request, form=None, **kwargs) -> dict | None:
    if not (request.user.is_authenticated and roles.is_centre_staff(request.user)):
        return None
    return {
        "min_digits": selectors.MIN_DIGITS,
        "frequent_threshold": selectors.FREQUENT_THRESHOLD,
        "frequent_window_days": selectors.FREQUENT_WINDOW_DAYS,
    }
