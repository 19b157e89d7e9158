"""The public side of cases: anonymised reads, following, "me too", moderation, reply templates.

Nothing here ever returns a reporter's name, phone, email or exact address: public views are
built field by field from `public_view`, never from the model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal

import jieba
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import DomainValidationError, NotFoundError
from civic.models import Category, Region, User
from civic.notify.services import notify_users

from . import rules
from .masking import scrub_text
from .models import (
    Case,
    CaseEvent,
    Follow,
    MeToo,
    Outcome,
    PublicText,
    ReplyTemplate,
    Status,
)
from .services import _lock, _record, _save
from .signals import case_event_recorded

GRID = Decimal("0.001")  # about 100 m
# Outcomes whose cases stay off the public list (privacy, petitions, unlawful requests).
PRIVATE_OUTCOMES = (Outcome.SECRET_OR_PRIVACY, Outcome.OTHER_CHANNEL, Outcome.UNLAWFUL)
PUBLIC_STATUS_LABELS = dict(Status.choices)


# --- reads ---------------------------------------------------------------------------------


def public_cases() -> QuerySet[Case]:
    hidden = PublicText.objects.filter(case=OuterRef("pk"), hidden=True)
    return (
        Case.objects.exclude(outcome__in=PRIVATE_OUTCOMES)
        .exclude(Exists(hidden))
        .select_related("category__parent__parent", "region__parent", "lead_unit", "public_text")
        .annotate(me_too_total=Count("me_toos", distinct=True))
        .order_by("-received_at")
    )


def public_case_filter(qs: QuerySet[Case], *, params) -> QuerySet[Case]:
    status = params.get("status") or ""
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status in PUBLIC_STATUS_LABELS:
        qs = qs.filter(status=status)
    category = params.get("category") or ""
    if category.isdigit():
        node = Category.objects.filter(pk=int(category)).first()
        if node is not None:
            qs = qs.filter(category__path__startswith=node.path)
    region = params.get("region") or ""
    if region.isdigit():
        node = Region.objects.filter(pk=int(region)).first()
        if node is not None:
            qs = qs.filter(region__path__startswith=node.path)
    query = (params.get("q") or "").strip()[:50]
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(number=query))
    return qs


def _snap(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value) / GRID).quantize(Decimal(1), rounding=ROUND_HALF_UP) * GRID


def coarse_point(case: Case) -> tuple[Decimal | None, Decimal | None]:
    """The community's centre, or the point snapped to a ~100 m grid — never the exact spot."""
    if case.region.center_lat is not None:
        return _snap(case.region.center_lat), _snap(case.region.center_lng)
    return _snap(case.lat), _snap(case.lng)


def public_title(case: Case) -> str:
    text = getattr(case, "public_text", None) if hasattr(case, "public_text") else None
    if text is not None and text.title:
        return text.title
    return scrub_text(case.title)


def public_reply(case: Case) -> str:
    text = getattr(case, "public_text", None) if hasattr(case, "public_text") else None
    if text is not None and text.reply:
        return text.reply
    reply = case.replies.order_by("-created_at").first()
    return scrub_text(reply.text) if reply else ""


def public_view(case: Case) -> dict:
    lat, lng = coarse_point(case)
    end = case.closed_at or timezone.now()
    return {
        "number": case.number,
        "title": public_title(case),
        "category": case.category.full_name(" / "),
        "category_id": case.category_id,
        "area": case.region.name,
        "area_parent": case.region.parent.name if case.region.parent_id else "",
        "lat": float(lat) if lat is not None else None,
        "lng": float(lng) if lng is not None else None,
        "status": case.status,
        "status_label": str(PUBLIC_STATUS_LABELS.get(case.status, case.status)),
        "unit": case.lead_unit.name if case.lead_unit_id else "",
        "received": timezone.localtime(case.received_at).date().isoformat(),
        "days_open": max(0, (end - case.received_at).days),
        "me_too": getattr(case, "me_too_total", None)
        if hasattr(case, "me_too_total")
        else case.me_toos.count(),
    }


def _tokens(text: str) -> set[str]:
    return {t for t in jieba.cut_for_search(text or "") if len(t.strip()) > 1}


def nearby_open_cases(
    *, category: Category | None, region: Region | None, text: str = "", limit: int = 5
) -> list[dict]:
    """Duplicate hint at intake: open cases of the same category in the same community (or
    street), then textually similar open cases nearby, so a resident can follow one instead."""
    since = timezone.now() - dt.timedelta(days=90)
    base = public_cases().exclude(status=Status.CLOSED).filter(received_at__gte=since)
    if region is not None:
        street = region.street or region
        base = base.filter(region__path__startswith=street.path)
    found: dict[int, tuple[float, Case]] = {}
    if category is not None:
        for case in base.filter(category=category)[:50]:
            same_place = region is not None and case.region_id == region.id
            found[case.pk] = (2.0 if same_place else 1.0, case)
    words = _tokens(text)
    if words:
        for case in base[:300]:
            other = _tokens(case.title)
            if not other:
                continue
            overlap = len(words & other) / len(words | other)
            if overlap >= 0.2:
                score = overlap + (found[case.pk][0] if case.pk in found else 0)
                found[case.pk] = (score, case)
    ranked = sorted(found.values(), key=lambda pair: -pair[0])[:limit]
    return [public_view(case) for _score, case in ranked]


def public_case_get(number: str) -> Case:
    case = public_cases().filter(number=number).first()
    if case is None:
        raise NotFoundError(_("No such public case."))
    return case


def reply_templates_for(case: Case, unit_ids) -> QuerySet[ReplyTemplate]:
    ancestry = []
    node = case.category
    while node is not None:
        ancestry.append(node.id)
        node = node.parent
    return (
        ReplyTemplate.objects.filter(active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=ancestry))
        .filter(Q(unit__isnull=True) | Q(unit_id__in=list(unit_ids)))
    )


# --- writes --------------------------------------------------------------------------------


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


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{session_key}".encode()).hexdigest()


def me_too_add(*, case: Case, user: User | None, session_key: str = "") -> bool:
    """Count a "me too" once per user (or browser session). Returns False when already counted."""
    if case.status == Status.CLOSED:
        raise DomainValidationError(
            _("This case is closed; file a new complaint if the problem is back.")
        )
    if user is None and not session_key:
        raise DomainValidationError(_("Enable cookies to add your voice."))
    try:
        with transaction.atomic():
            MeToo.objects.create(
                case=case,
                user=user if user is not None else None,
                session_hash="" if user is not None else _session_hash(session_key),
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


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def reply_template_render(*, template: ReplyTemplate, case: Case) -> str:
    values = _SafeDict(
        number=case.number,
        title=case.title,
        category=case.category.name,
        unit=case.lead_unit.name if case.lead_unit_id else "",
        date=timezone.localdate().isoformat(),
        resident=case.reporter_name[:1] + "先生/女士" if case.reporter_name else "市民",
    )
    return template.body.format_map(values)


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
    if (
        PublicText.objects.filter(case=case, hidden=True).exists()
        or case.outcome in PRIVATE_OUTCOMES
    ):
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


case_event_recorded.connect(_on_case_event, dispatch_uid="cases.public.followers")
