"""Reads of the public side: its pages, map data, nearby hints and feeds.

Every public surface (pages, map data, nearby, feeds) goes through `public_cases()` and shows
`public_view()` / `public_title()` / `public_reply()`, never a case's own fields. The rule and
the text themselves are `cases.selectors.cases_public` and `public_*_of`, so that surfaces of
apps that may not import this one (Open311, council, the boards) apply the very same ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Status
from cases.selectors import (
    case_search,
    cases_public,
    public_point_of,
    public_reply_of,
    public_title_of,
)
from civic import text as civic_text
from civic.errors import NotFoundError
from civic.forms import row_id
from civic.models import Category, Region

from .models import MeToo

PUBLIC_STATUS_LABELS = dict(Status.choices)


def public_cases() -> QuerySet[Case]:
    # No me-too totals here: counted over every public case before a page is cut, they cost
    # a list 10 s at 1M cases. `public_views` counts them for the rows shown, in one query.
    return (
        cases_public()
        .select_related("category__parent__parent", "region__parent", "lead_unit", "public_text")
        .order_by("-received_at")
    )


def me_too_totals(case_ids) -> dict[int, int]:
    """ "Me too" voices per case, for these cases only (one grouped query on the case index)."""
    return dict(
        MeToo.objects.filter(case_id__in=list(case_ids))
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )


def public_views(cases) -> list[dict]:
    """`public_view` of each case, with the me-too totals of all of them in one query."""
    cases = list(cases)
    totals = me_too_totals(c.pk for c in cases)
    return [public_view(case, me_too=totals.get(case.pk, 0)) for case in cases]


def public_case_filter(qs: QuerySet[Case], *, params) -> QuerySet[Case]:
    status = params.get("status") or ""
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status in PUBLIC_STATUS_LABELS:
        qs = qs.filter(status=status)
    category = row_id(params.get("category"))
    if category is not None:
        node = Category.objects.filter(pk=category).first()
        if node is not None:
            qs = qs.filter(category__path__startswith=node.path)
    region = row_id(params.get("region"))
    if region is not None:
        node = Region.objects.filter(pk=region).first()
        if node is not None:
            qs = qs.filter(region__path__startswith=node.path)
    # PostgreSQL text cannot hold NUL: a typed "\x00" is dropped, not a database error.
    query = (params.get("q") or "").replace("\x00", "").strip()[:50]
    if query:
        qs = qs.filter(case_search(query))
    return qs


def coarse_point(case: Case) -> tuple[Decimal | None, Decimal | None]:
    return public_point_of(case)


def public_title(case: Case) -> str:
    return public_title_of(case)


def public_reply(case: Case) -> str:
    return public_reply_of(case)


def public_view(case: Case, *, me_too: int | None = None) -> dict:
    """What the public reads of one case. `me_too`: its total when the caller counted it
    (`public_views`), else counted here."""
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
        "me_too": case.me_toos.count() if me_too is None else me_too,
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
    return public_views(case for _score, case in ranked)


def public_case_get(number: str) -> Case:
    case = public_cases().filter(number=number).first()
    if case is None:
        raise NotFoundError(_("No such public case."))
    return case
