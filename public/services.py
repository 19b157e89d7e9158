"""Writes of the public side: following a case or an area, "me too", moderation; and the
receiver that tells followers when a case they follow moves.

Nothing here ever returns a reporter's name, phone, email or exact address: public views are
built field by field from `public_view`, never from the model.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cases import rules
from cases.masking import scrub_text
from cases.models import Case, CaseEvent, Status
from cases.selectors import case_is_public, cases_public
from cases.services import _lock, _record, _save
from cases.signals import case_event_recorded
from civic.errors import DomainValidationError, RateLimitedError
from civic.models import Region, User
from civic.notify.services import notify_users
from civic.throttling import count_in_window

from .models import AreaCount, Follow, MeToo, PublicText
from .selectors import public_title


def follow_case(*, user: User, case: Case) -> Follow:
    follow, _created = Follow.objects.get_or_create(user=user, case=case)
    return follow


def follow_area(*, user: User, region: Region) -> Follow:
    follow, _created = Follow.objects.get_or_create(user=user, region=region)
    return follow


def unfollow(*, token: str) -> bool:
    """One-click unsubscribe from a mail link; idempotent."""
    deleted, _detail = Follow.objects.filter(unsubscribe_token=token).delete()
    return deleted > 0


ME_TOO_ANONYMOUS_PER_MINUTE = 10  # per client address, over all cases


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{session_key}".encode()).hexdigest()


def _address_hash(address: str) -> str:
    # Keyed with SECRET_KEY like the session hash: one address always gives the same hash, and
    # neither the table nor the cache holds an IP (nor one found by hashing all 2^32 without
    # the key).
    return salted_hmac("public.me_too.address", address, algorithm="sha256").hexdigest()


def me_too_add(
    *, case: Case, user: User | None, session_key: str = "", client_address: str = ""
) -> bool:
    """Count a "me too": once per signed-in user; an anonymous one once per client address and
    case (and per browser session), since new sessions cost nothing. One address may add at most
    ME_TOO_ANONYMOUS_PER_MINUTE anonymous voices a minute over all cases.

    `client_address` is `civic.client.client_address(request)`. Returns False when already
    counted. Raises DomainValidationError (closed case, no session), RateLimitedError.
    """
    if case.status == Status.CLOSED:
        raise DomainValidationError(
            _("This case is closed; file a new complaint if the problem is back.")
        )
    if user is None and not session_key:
        raise DomainValidationError(_("Enable cookies to add your voice."))
    address_hash = ""
    if user is None:
        address_hash = _address_hash(client_address)
        count, wait = count_in_window(f"metoo:{address_hash}", 60)
        if count > ME_TOO_ANONYMOUS_PER_MINUTE:
            raise RateLimitedError(
                _("Too many voices from your network. Please wait a minute and try again."),
                extra={"retry_after": math.ceil(wait)},
            )
    try:
        with transaction.atomic():
            MeToo.objects.create(
                case=case,
                user=user if user is not None else None,
                session_hash="" if user is not None else _session_hash(session_key),
                address_hash=address_hash,
            )
    except IntegrityError:
        return False
    return True


def public_text_moderate(
    *, actor: User, case: Case, title: str, reply: str, hidden: bool
) -> PublicText:
    """A dispatcher hides or edits the public text of a case; the change is audited."""
    title = (title or "").strip()[:200]
    reply = (reply or "").strip()[:5000]
    with transaction.atomic():
        case = _lock(case)
        if not rules.can_arbitrate.test(actor, case):
            from .errors import NotAllowed

            raise NotAllowed(_("Only a dispatcher moderates public text."))
        text, _created = PublicText.objects.get_or_create(case=case)
        before = {"title": text.title, "reply": text.reply, "hidden": text.hidden}
        text.title, text.reply, text.hidden = scrub_text(title), scrub_text(reply), hidden
        text.edited_by, text.edited_at = actor, timezone.now()
        text.save()
        _save(case, [])
        if before["hidden"] != hidden:  # the map's area counts follow at once
            transaction.on_commit(_queue_area_counts_refresh)
        _record(
            case,
            "moderate",
            actor,
            from_status=case.status,
            to_status=case.status,
            data={
                "before": before,
                "after": {"title": text.title, "reply": text.reply, "hidden": hidden},
            },
        )
    return text


# --- the map's area counts --------------------------------------------------------------------


def area_counts_refresh() -> int:
    """Rebuild `AreaCount` from `cases_public()` (the public rule, nothing else): public cases
    per area, first-level category and open/closed. Replaced whole in one transaction, so a map
    request reads either the old counts or the new ones. Returns the rows written."""
    from civic.models import Category

    parent_of = dict(Category.objects.values_list("id", "parent_id"))

    def top(category_id: int) -> int:
        while parent_of.get(category_id):
            category_id = parent_of[category_id]
        return category_id

    grouped = (
        cases_public()
        .order_by()
        .annotate(is_open=ExpressionWrapper(~Q(status=Status.CLOSED), output_field=BooleanField()))
        .values_list("region_id", "category_id", "is_open")
        .annotate(n=Count("id"))
    )
    totals: dict[tuple[int, int, bool], int] = defaultdict(int)
    for region_id, category_id, is_open, n in grouped:
        totals[(region_id, top(category_id), is_open)] += n
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One rebuild at a time; readers go on reading the old rows meanwhile.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {AreaCount._meta.db_table} IN EXCLUSIVE MODE")
        AreaCount.objects.all().delete()
        AreaCount.objects.bulk_create(
            AreaCount(region_id=region_id, top_category_id=top_id, is_open=is_open, cases=n)
            for (region_id, top_id, is_open), n in totals.items()
        )
    return len(totals)


def seed_area_counts(*, stdout=None) -> None:
    rows = area_counts_refresh()
    if stdout is not None:
        stdout.write(f"  public map: {rows} area counts")


def _queue_area_counts_refresh() -> None:
    from .tasks import refresh_area_counts

    refresh_area_counts.delay()


# --- followers hear about changes ------------------------------------------------------------

FOLLOWED_ACTIONS = {
    "dispatch": _("dispatched to the responsible unit"),
    "sign": _("signed for by the unit"),
    "contact": _("the unit is handling it"),
    "reply": _("the unit replied"),
    "close": _("closed"),
    "reopen": _("reopened"),
    "return_accepted": _("moved to another unit"),
    "redispatch": _("moved to another unit"),
}


def _notify_followers(event: CaseEvent) -> None:
    if event.action not in FOLLOWED_ACTIONS:
        return
    case = event.case
    if not case_is_public(case):
        return
    region_paths = []
    node = case.region
    while node is not None:
        region_paths.append(node.id)
        node = node.parent
    follows = Follow.objects.filter(Q(case=case) | Q(region_id__in=region_paths)).select_related(
        "user"
    )
    url = reverse("cases_public:detail", kwargs={"number": case.number})
    for follow in follows:
        if follow.user_id == case.reporter_id:
            continue  # the reporter hears about their own case through its own notices
        unsubscribe = f"{settings.SITE_URL}{reverse('cases_public:unsubscribe', kwargs={'token': follow.unsubscribe_token})}"
        notify_users(
            users=[follow.user],
            kind="follow",
            title=_("Case %(number)s: %(what)s")
            % {"number": case.number, "what": FOLLOWED_ACTIONS[event.action]},
            body=_("%(title)s\n\nStop these messages: %(link)s")
            % {"title": public_title(case), "link": unsubscribe},
            url=url,
            dedupe_key=f"follow:{event.pk}",
        )


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    _notify_followers(event)


case_event_recorded.connect(_on_case_event, dispatch_uid="public.followers")
