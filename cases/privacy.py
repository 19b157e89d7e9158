"""Who sees a reporter's personal data in full, and the audit of every such view.

Full values go only to those who must reach the resident: the reporter, the hotline centre and
handlers of the units working on the case (lead and co-units; not the district's copy, not
read-only viewers). Everyone else, and every list, gets masked values (`cases.masking`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.http import HttpRequest

from civic.client import client_address

from . import masking
from .models import Case, PersonalDataAccess
from .rules import can_see_personal_data

_NOT_DIGIT = re.compile(r"\D")


def normalise_phone(phone: str | None) -> str:
    """The digits that identify a line: separators and the country code (+86, 0086) dropped,
    full-width digits folded. "+86 138-0013-8000" and "13800138000" are the same caller."""
    digits = _NOT_DIGIT.sub("", (phone or "").translate(_FULL_WIDTH_DIGITS))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def phone_key(phone: str | None) -> str:
    """Keyed hash (HMAC-SHA256, settings.PHONE_KEY_SECRET) of the normalised number, or "" for
    no number. Stored on each case and indexed: caller history looks a number up by its key,
    and the key reveals nothing without the secret."""
    digits = normalise_phone(phone)
    if len(digits) < 5:
        return ""
    secret = settings.PHONE_KEY_SECRET.encode()
    return hmac.new(secret, digits.encode(), hashlib.sha256).hexdigest()


def may_see_personal_data(user, case: Case) -> bool:
    return bool(user.is_authenticated and can_see_personal_data.test(user, case))


def reveal_personal_data(request: HttpRequest, case: Case, *, surface: str) -> bool:
    """True if `request.user` may see `case`'s contact data in full; records the view.

    The reporter's view of their own data and anonymous cases (nothing to show) are not
    recorded. Called once per rendered case, so a page or response writes one row.
    """
    user = request.user
    if case.anonymous or not may_see_personal_data(user, case):
        return False
    if case.reporter_id != user.id:
        PersonalDataAccess.objects.create(
            case=case,
            user=user,
            surface=surface,
            path=request.path[:300],
            ip=client_address(request) or None,
        )
    return True


def contact(case: Case, *, full: bool) -> dict:
    """Reporter contact data, full or masked."""
    if case.anonymous:
        return {"anonymous": True}
    if full:
        return {
            "name": case.reporter_name,
            "phone": case.reporter_phone,
            "email": case.reporter_email,
            "address": case.address,
            "full": True,
        }
    return {
        "name": masking.mask_name(case.reporter_name),
        "phone": masking.mask_phone(case.reporter_phone),
        "email": masking.mask_email(case.reporter_email),
        "address": masking.mask_address(case.address),
        "full": False,
    }
