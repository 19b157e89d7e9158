"""Reads: similar closed cases and knowledge articles for a reply, the unit's recent replies the
boilerplate check compares with, the review queue and the monthly figures per unit."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.masking import mask_name, scrub_text
from cases.models import Case, Reply, Status
from civic import text as civic_text
from civic.calendar import month_bounds
from civic.models import Unit

from . import scoring
from .models import QualityReview, ReplyCheck

logger = logging.getLogger(__name__)

# Bounded cost of a suggestion: at most this many recently closed cases of the same
# second-level category are compared (token sets are cached per case text).
SUGGESTION_CANDIDATES = 2000
SUGGESTION_LIMIT = 5
ARTICLE_LIMIT = 3
# Below this token Jaccard a closed case is not shown as similar.
SUGGESTION_MIN_SIMILARITY = 0.05
# The boilerplate check compares with the unit's replies of this many days, newest first.
BOILERPLATE_DAYS = 90
BOILERPLATE_CANDIDATES = 300


# --- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarCase:
    case_id: int
    number: str
    title: str  # personal data masked
    reply: str  # personal data masked
    result_label: str
    similarity: float
    same_category: bool

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


@dataclass(frozen=True)
class SuggestedArticle:
    pk: int
    title: str
    answer: str
    basis: str
    similarity: float
    overdue_review: bool

    @property
    def percent(self) -> int:
        return round(min(1.0, max(0.0, self.similarity)) * 100)


def _category_scope(case: Case) -> Q:
    """Closed cases under the same second-level category as `case` (all cases without one)."""
    category = case.category
    if category is None:
        return Q()
    if category.level >= 3 and category.parent_id:
        return Q(category__parent_id=category.parent_id)
    if category.level == 2:
        return Q(category_id=category.pk) | Q(category__parent_id=category.pk)
    return Q(category_id=category.pk) | Q(category__parent__parent_id=category.pk)


def similar_closed_cases(case: Case, *, limit: int = SUGGESTION_LIMIT) -> list[SimilarCase]:
    """The most similar closed cases with a reply (token Jaccard over title + description),
    those of the same category first, each with its last reply, personal data masked."""
    candidates = list(
        Case.objects.filter(
            _category_scope(case),
            Exists(Reply.objects.filter(case_id=OuterRef("pk"))),
            status=Status.CLOSED,
        )
        .exclude(pk=case.pk)
        .order_by("-closed_at", "-pk")
        .values("id", "title", "description", "category_id")[:SUGGESTION_CANDIDATES]
    )
    mine = scoring.complaint_tokens(case.title, case.description)
    ranked = []
    for c in candidates:
        similarity = civic_text.jaccard(
            mine, scoring.complaint_tokens(c["title"], c["description"])
        )
        if similarity >= SUGGESTION_MIN_SIMILARITY:
            same = case.category_id is not None and c["category_id"] == case.category_id
            ranked.append((same, similarity, c["id"]))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    chosen = ranked[:limit]
    if not chosen:
        return []
    ids = [cid for _same, _sim, cid in chosen]
    cases = Case.objects.in_bulk(ids)
    last_reply: dict[int, Reply] = {}
    for reply in Reply.objects.filter(case_id__in=ids).order_by("created_at", "pk"):
        last_reply[reply.case_id] = reply
    out = []
    for same, similarity, cid in chosen:
        other, reply = cases[cid], last_reply.get(cid)
        if reply is None:
            continue
        out.append(
            SimilarCase(
                case_id=cid,
                number=other.number,
                title=mask_personal_data(other.title, other),
                reply=mask_personal_data(reply.text, other),
                result_label=str(reply.get_result_display()),
                similarity=round(similarity, 4),
                same_category=same,
            )
        )
    return out


def mask_personal_data(text: str, case: Case) -> str:
    """Another case's text shown to a unit that has no need to know its resident: phones, ID
    numbers, plates and door addresses scrubbed, and the resident's name masked."""
    text = scrub_text(text or "")
    name = (case.reporter_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, mask_name(name))
    return text


def matching_articles(case: Case, *, limit: int = ARTICLE_LIMIT) -> list[SuggestedArticle]:
    """Knowledge articles matching the complaint, when the knowledge base offers a search.
    Imported lazily: the knowledge app is optional to this one, and a failing search must not
    hide the similar cases."""
    try:
        from knowledge.selectors import article_search
    except ImportError:
        return []
    query = f"{case.title} {case.description[:300]}"
    # Within the case's first-level branch: an article filed under 城乡建设 answers a 道路维修
    # complaint too (the seed's articles sit at the first level; units file at any level).
    branch = case.category
    while branch.parent_id is not None:
        branch = branch.parent
    try:
        hits = article_search(query, category=branch, region=case.region, limit=limit)
    except Exception:  # a side feature: log it and show the cases alone
        logger.exception("reply_quality: knowledge search failed for case %s", case.pk)
        return []
    out = []
    for hit in hits[:limit]:
        article = hit.article
        out.append(
            SuggestedArticle(
                pk=article.pk,
                title=str(getattr(article, "title", "")),
                answer=scrub_text(str(getattr(article, "answer", "") or "")),
                basis=str(_article_basis(article)),
                similarity=float(hit.score),
                overdue_review=bool(getattr(hit, "overdue_review", False)),
            )
        )
    return out


def _article_basis(article) -> str:
    """The article's policy document and article, e.g. "《…条例》 第十二条"."""
    parts = [
        str(getattr(article, "policy_document", "") or "").strip(),
        str(getattr(article, "policy_article", "") or "").strip(),
    ]
    return " ".join(p for p in parts if p)


# --- the boilerplate check's comparison set ------------------------------------------------------


def replies_to_other_complaints(
    *, case: Case, unit: Unit | None, exclude_reply_id: int | None = None
) -> list[str]:
    """Texts of the unit's recent replies to complaints other than `case`'s: not the case
    itself, not a case linked to it (repeat or merged), and not a complaint worded (nearly) the
    same. Sending the same answer to the same complaint is right; to different ones, boilerplate."""
    if unit is None:
        return []
    since = timezone.now() - dt.timedelta(days=BOILERPLATE_DAYS)
    linked = {pk for pk in (case.duplicate_of_id, case.merged_into_id) if pk}
    if case.pk:
        linked |= set(
            Case.objects.filter(Q(duplicate_of_id=case.pk) | Q(merged_into_id=case.pk)).values_list(
                "pk", flat=True
            )
        )
    rows = (
        Reply.objects.filter(unit=unit, created_at__gte=since)
        .exclude(case_id=case.pk)
        .exclude(case_id__in=linked)
        .exclude(pk=exclude_reply_id)
        .order_by("-created_at", "-pk")
        .values_list("text", "case__title", "case__description")[:BOILERPLATE_CANDIDATES]
    )
    mine = scoring.complaint_tokens(case.title, case.description)
    return [
        text
        for text, title, description in rows
        if not scoring.same_complaint(mine, scoring.complaint_tokens(title, description))
    ]


# --- the queue and the figures ----------------------------------------------------------------


def reviews(*, state: str = "pending") -> QuerySet[QualityReview]:
    """`state`: pending, reviewed or all."""
    qs = _reviews()
    if state == "pending":
        return qs.filter(verdict="")
    if state == "reviewed":
        return qs.exclude(verdict="").order_by("-reviewed_at", "-pk")
    return qs


def _reviews() -> QuerySet[QualityReview]:
    return QualityReview.objects.select_related(
        "reply_check__reply__case__category",
        "reply_check__unit",
        "reviewed_by",
    ).order_by("queued_at", "pk")


@dataclass(frozen=True)
class UnitMonth:
    unit_id: int
    unit_name: str
    replies: int
    flagged: int
    queued: int
    reviewed: int
    good: int
    acceptable: int
    poor: int

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.replies if self.replies else None

    @property
    def flagged_percent(self) -> int | None:
        share = self.flagged_share
        return None if share is None else round(share * 100)


def unit_month_figures(month: dt.date, *, unit: Unit | None = None) -> list[UnitMonth]:
    """Per unit, for replies sent in `month`: replies checked, flagged, queued, reviewed and the
    verdicts. Counted in the database."""
    start, end = month_bounds(month)
    qs = ReplyCheck.objects.filter(replied_at__gte=start, replied_at__lt=end)
    if unit is not None:
        qs = qs.filter(unit=unit)
    rows = (
        qs.values("unit_id", "unit__name")
        .annotate(
            replies=Count("id"),
            flagged_n=Count("id", filter=Q(flagged=True)),
            queued=Count("review"),
            reviewed=Count("review", filter=~Q(review__verdict="")),
            good=Count("review", filter=Q(review__verdict=QualityReview.Verdict.GOOD)),
            acceptable=Count("review", filter=Q(review__verdict=QualityReview.Verdict.ACCEPTABLE)),
            poor=Count("review", filter=Q(review__verdict=QualityReview.Verdict.POOR)),
        )
        .order_by("unit__name", "unit_id")
    )
    return [
        UnitMonth(
            unit_id=r["unit_id"],
            unit_name=r["unit__name"],
            replies=r["replies"],
            flagged=r["flagged_n"],
            queued=r["queued"],
            reviewed=r["reviewed"],
            good=r["good"],
            acceptable=r["acceptable"],
            poor=r["poor"],
        )
        for r in rows
    ]
