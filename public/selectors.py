"""Reads of the public side, and the one rule for what the public may see (public_cases).

Every public surface (pages, map data, nearby, feeds) goes through `public_cases()` and shows
`public_view()` / `public_title()` / `public_reply()`, never a case's own fields."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.masking import scrub_text
from cases.models import Case, Outcome, Status
from civic import text as civic_text
from civic.errors import NotFoundError
from civic.models import Category, Region

from .models import PublicText

GRID = Decimal("0.001")  # about 100 m
# Outcomes whose cases stay off the public list (privacy, petitions, unlawful requests).
PRIVATE_OUTCOMES = (Outcome.SECRET_OR_PRIVACY, Outcome.OTHER_CHANNEL, Outcome.UNLAWFUL)
PUBLIC_STATUS_LABELS = dict(Status.choices)


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
    words = civic_text.token_set(text)
    if words:
        for case in base[:300]:
            overlap = civic_text.jaccard(words, civic_text.token_set(case.title))
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
