"""Caller history (来电弹屏): a caller's earlier cases, found by the phone number's keyed hash.

Every lookup goes through `Case.reporter_phone_key` (HMAC of the normalised number) and its
partial index `case_phone_key_received_idx` (reporter_phone_key, received_at): never a scan over
phone numbers, and a number that is not stored in clear anywhere can still be looked up.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.masking import mask_phone
from cases.models import HANDLING_STATUSES, Case, CaseEvent, Status
from cases.privacy import normalise_phone, phone_key
from civic.errors import DomainValidationError

# A number is "complete enough" to look up from 7 digits (a local landline without area code);
# 15 is the longest number E.164 allows.
MIN_DIGITS = 7
MAX_DIGITS = 15
# 高频来电: three or more cases in thirty days. The centre's own rule of thumb for callers whose
# calls a team lead reviews (one case a week or more is no longer chance).
FREQUENT_WINDOW_DAYS = 30
FREQUENT_THRESHOLD = 3
LONG_WINDOW_DAYS = 90
DEFAULT_LIMIT = 10  # open cases shown at most (a caller rarely has more open at once)
CLOSED_LIMIT = 5  # the most recent closed cases shown after them

# What a person may type into a phone field: digits (also full-width), separators, a leading +.
_PHONE_CHARACTERS = re.compile(r"^[\d０-９\s\-+()（）.]*$")


def caller_phone_digits(phone: str | None, *, field_name: str = "phone") -> str:
    """The normalised digits of a number typed by an operator, or DomainValidationError with a
    field message: none given, letters in it, too short or too long."""
    phone = (phone or "").strip()
    if not phone:
        msg = _("Enter the caller's phone number.")
    elif not _PHONE_CHARACTERS.match(phone):
        msg = _("A phone number has digits only (spaces, dashes and a leading + are allowed).")
    else:
        digits = normalise_phone(phone)
        if MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            return digits
        msg = _("Enter a phone number of %(min)d to %(max)d digits.") % {
            "min": MIN_DIGITS,
            "max": MAX_DIGITS,
        }
    raise DomainValidationError(msg, extra={"fields": {field_name: [msg]}})


@dataclass(frozen=True)
class CallerHistory:
    """A caller's cases: the open ones (up to the limit, newest first), then the most recent
    closed ones; the counts of all their cases over the last 30 and 90 days."""

    phone_masked: str
    open_cases: list[Case]
    closed_cases: list[Case]
    count_30_days: int
    count_90_days: int
    at: dt.datetime = field(default_factory=timezone.now)

    @property
    def cases(self) -> list[Case]:
        return [*self.open_cases, *self.closed_cases]

    @property
    def is_empty(self) -> bool:
        return not (self.open_cases or self.closed_cases)

    @property
    def frequent(self) -> bool:
        return self.count_30_days >= FREQUENT_THRESHOLD


def is_overdue(case: Case, *, now: dt.datetime | None = None) -> bool:
    """Overdue by the sweep's flag, or past the handling deadline before the sweep ran."""
    if case.status not in HANDLING_STATUSES:
        return False
    now = now or timezone.now()
    return case.is_overdue or (case.handle_due_at is not None and case.handle_due_at < now)


def caller_history(
    phone: str,
    *,
    limit: int = DEFAULT_LIMIT,
    closed_limit: int = CLOSED_LIMIT,
    exclude_case_id: int | None = None,
) -> CallerHistory:
    """The history of the caller on `phone` (any spelling: +86, spaces, dashes, full-width).

    Three indexed queries on (reporter_phone_key, received_at): open cases, recent closed ones,
    and the two counts. Raises DomainValidationError (field "phone") for an unusable number.
    """
    digits = caller_phone_digits(phone)
    key = phone_key(digits)
    now = timezone.now()
    mine = Case.objects.filter(reporter_phone_key=key)
    if exclude_case_id is not None:
        mine = mine.exclude(pk=exclude_case_id)
    shown = mine.select_related("lead_unit", "category").order_by("-received_at", "-id")
    open_cases = list(shown.exclude(status=Status.CLOSED)[:limit])
    closed_cases = list(shown.filter(status=Status.CLOSED)[:closed_limit])
    counts = mine.filter(received_at__gte=now - dt.timedelta(days=LONG_WINDOW_DAYS)).aggregate(
        days_30=Count(
            "id", filter=Q(received_at__gte=now - dt.timedelta(days=FREQUENT_WINDOW_DAYS))
        ),
        days_90=Count("id"),
    )
    return CallerHistory(
        phone_masked=mask_phone(digits),
        open_cases=open_cases,
        closed_cases=closed_cases,
        count_30_days=counts["days_30"],
        count_90_days=counts["days_90"],
        at=now,
    )


@dataclass(frozen=True)
class CaseProgress:
    """What the operator reads to a caller who asks after their case."""

    number: str
    title: str
    status: str
    unit: str
    handle_due_at: dt.datetime | None
    overdue: bool
    latest_step: str
    latest_step_at: dt.datetime | None


def case_progress(case: Case) -> CaseProgress:
    """Status, lead unit, handling deadline and the latest step the reporter may read (the
    reporter's trail: internal notes are left out)."""
    latest: CaseEvent | None = (
        case_selectors.events_for_reporter(case).order_by("-at", "-id").first()
    )
    return CaseProgress(
        number=case.number,
        title=case.title,
        status=case.get_status_display(),
        unit=case.lead_unit.name if case.lead_unit_id else "",
        handle_due_at=case.handle_due_at,
        overdue=is_overdue(case),
        latest_step=latest.label if latest is not None else "",
        latest_step_at=latest.at if latest is not None else None,
    )
