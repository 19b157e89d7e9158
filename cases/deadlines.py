"""Deadlines from the time-limit policy in force, counted on the working calendar."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from civic import calendar

from .models import Case, Kind, TimeLimitPolicy, TimeUnit

# Defaults from common hotline practice (DESIGN §3.2a); seeded as policies effective 2020-01-01.
DEFAULT_POLICIES = {
    # applies_to: (sign, contact, handle, return window) as (amount, unit)
    "emergency": ((30, "minutes"), (2, "hours"), (2, "hours"), (30, "minutes")),
    "utility": ((2, "hours"), (24, "hours"), (24, "hours"), (2, "hours")),
    "general": ((1, "working_days"), (24, "hours"), (7, "working_days"), (24, "hours")),
    "complex": ((1, "working_days"), (24, "hours"), (15, "working_days"), (24, "hours")),
    "consultation": ((1, "working_days"), (24, "hours"), (24, "hours"), (24, "hours")),
}
DEFAULT_EFFECTIVE_FROM = dt.date(2020, 1, 1)


def add_limit(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == TimeUnit.MINUTES:
        return start + dt.timedelta(minutes=amount)
    if unit == TimeUnit.HOURS:
        # Clock hours ignore working days (utilities serve round the clock, Art. 19).
        return calendar.add_hours(start, amount)
    return calendar.add_working_days(start, amount)


def policy_key(case: Case) -> str:
    if case.kind == Kind.CONSULTATION:
        return TimeLimitPolicy.AppliesTo.CONSULTATION
    return case.urgency


def policy_for(case: Case, at: dt.datetime) -> TimeLimitPolicy:
    """The policy in force at `at`: a category-specific one (leaf or ancestor) beats the general."""
    day = calendar.local_date(at)
    category_ids = [c for c in _category_ancestry(case) if c]
    candidates = (
        TimeLimitPolicy.objects.filter(applies_to=policy_key(case), effective_from__lte=day)
        .filter(Q(category__isnull=True) | Q(category_id__in=category_ids))
        .order_by("-effective_from")
    )
    best = None
    for policy in candidates:
        if policy.category_id is not None:
            if best is None or best.category_id is None:
                best = policy
        elif best is None:
            best = policy
    if best is None:
        best = ensure_default_policy(policy_key(case))
    return best


def _category_ancestry(case: Case) -> list[int]:
    ids = []
    node = case.category
    while node is not None:
        ids.append(node.id)
        node = node.parent
    return ids


def ensure_default_policy(applies_to: str) -> TimeLimitPolicy:
    """Create the default policy for `applies_to` if none exists (idempotent)."""
    sign, contact, handle, ret = DEFAULT_POLICIES[applies_to]
    policy, _created = TimeLimitPolicy.objects.get_or_create(
        applies_to=applies_to,
        category=None,
        effective_from=DEFAULT_EFFECTIVE_FROM,
        defaults={
            "sign_limit": sign[0],
            "sign_unit": sign[1],
            "contact_limit": contact[0],
            "contact_unit": contact[1],
            "handle_limit": handle[0],
            "handle_unit": handle[1],
            "return_window": ret[0],
            "return_unit": ret[1],
        },
    )
    return policy


@dataclass(frozen=True)
class Deadlines:
    sign_due_at: dt.datetime
    contact_due_at: dt.datetime
    handle_due_at: dt.datetime
    return_window_ends_at: dt.datetime


def compute(policy: TimeLimitPolicy, dispatched_at: dt.datetime) -> Deadlines:
    return Deadlines(
        sign_due_at=add_limit(dispatched_at, policy.sign_limit, policy.sign_unit),
        contact_due_at=add_limit(dispatched_at, policy.contact_limit, policy.contact_unit),
        handle_due_at=add_limit(dispatched_at, policy.handle_limit, policy.handle_unit),
        return_window_ends_at=add_limit(dispatched_at, policy.return_window, policy.return_unit),
    )


def revisit_due(policy: TimeLimitPolicy, replied_at: dt.datetime) -> dt.datetime:
    return calendar.add_working_days(replied_at, policy.revisit_window_days)
