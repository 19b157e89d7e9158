"""Who sees a reporter's personal data in full, and the audit of every such view.

Full values go only to those who must reach the resident: the reporter, the hotline centre and
handlers of the units working on the case (lead and co-units; not the district's copy, not
read-only viewers). Everyone else, and every list, gets masked values (`cases.masking`).
"""

from __future__ import annotations

from django.http import HttpRequest

from civic.client import client_address

from . import masking
from .models import Case, PersonalDataAccess
from .rules import can_see_personal_data


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
