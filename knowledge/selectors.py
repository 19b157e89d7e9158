"""Reads of the knowledge base: search (Chinese, jieba tokens), lists, history, statistics.

Search: on PostgreSQL a GIN index over a stored tsvector of the jieba tokens (config 'simple',
migration 0002) picks and orders candidates; on SQLite every searchable row is a candidate.
Either way the candidates are scored here in Python by the same weighted token coverage, so both
databases rank alike.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from cases.models import Case, Channel, Outcome
from civic import calendar, clock, roles
from civic import text as T
from civic.models import Category, Region

from . import rules
from .models import Article, ArticleStatus, ArticleUse, ArticleVersion, OnSpotMonth

Status = ArticleStatus

# Query tokens kept (a typed description can run long; the title's come first).
MAX_QUERY_TOKENS = 40
# Candidates the database hands over for scoring, per wanted hit.
CANDIDATES_PER_HIT = 4
# Words that say how a caller asks, not what about; and civic.text's placeholders for
# anonymised places and numbers (every text has them).
QUERY_STOP = frozenset(["地名", "关于", "建议", "咨询", "询问", "要求", "请求"])
# Weight of a token found only in the answer, relative to one in the title/keywords.
BODY_WEIGHT = 0.5
# Freshness halves the age penalty every year; its share of the score is small (a tie-break).
FRESHNESS_SHARE = 0.1


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    score: float
    overdue_review: bool


def today() -> dt.date:
    return calendar.local_date(clock.now())


def needs_review(article: Article, on: dt.date | None = None) -> bool:
    return article.review_by is not None and article.review_by < (on or today())


def searchable(on: dt.date | None = None) -> QuerySet[Article]:
    """Published and in effect on `on` (expired = past effective_to)."""
    on = on or today()
    return Article.objects.filter(status=Status.PUBLISHED).filter(
        Q(effective_from__isnull=True) | Q(effective_from__lte=on),
        Q(effective_to__isnull=True) | Q(effective_to__gte=on),
    )


def article_is_searchable(article: Article) -> bool:
    return searchable().filter(pk=article.pk).exists()


def _region_scope(region: Region) -> Q:
    """Articles for the whole city, or for `region` or any region above it."""
    codes = [c for c in region.path.strip("/").split("/") if c]
    return Q(region__isnull=True) | Q(region__code__in=codes)


def filter_scope(qs: QuerySet[Article], *, category=None, region=None) -> QuerySet[Article]:
    if category is not None:
        qs = qs.filter(category__path__startswith=category.path)
    if region is not None:
        qs = qs.filter(_region_scope(region))
    return qs


def query_tokens(query: str) -> list[str]:
    """The query's distinct jieba search-mode tokens in reading order, at most MAX_QUERY_TOKENS."""
    text = T.normalise((query or "").replace("\x00", "")[:1000])
    seen: dict[str, None] = {}
    for token in T._jieba().cut_for_search(text):
        token = token.strip()
        if (
            len(token) > 1
            and token not in T._STOP
            and token not in QUERY_STOP
            and not all(not c.isalnum() for c in token)
        ):
            seen.setdefault(token, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def _token_weight(token: str) -> float:
    # Longer words are rarer and say more (a cheap stand-in for IDF that needs no statistics).
    return float(min(len(token), 4) - 1)


def _coverage(tokens: list[str], title: set[str], body: set[str]) -> float:
    total = sum(_token_weight(t) for t in tokens)
    if not total:
        return 0.0
    got = 0.0
    for t in tokens:
        if t in title:
            got += _token_weight(t)
        elif t in body:
            got += BODY_WEIGHT * _token_weight(t)
    return got / total


def _freshness(at: dt.datetime | None, now: dt.datetime) -> float:
    age_days = max((now - at).total_seconds() / 86400, 0) if at else 3650
    return math.pow(0.5, age_days / 365)


def _pg_query(tokens: list[str], *, any_token: bool):
    from django.contrib.postgres.search import SearchQuery

    if not any_token:
        return SearchQuery(" ".join(tokens), config="simple", search_type="plain")  # all words
    query = None
    for token in tokens:
        part = SearchQuery(token, config="simple", search_type="plain")
        query = part if query is None else query | part
    return query


CANDIDATE_FIELDS = ("pk", "search_title", "search_body", "reviewed_at", "updated_at")


def _candidates(qs: QuerySet[Article], tokens: list[str], limit: int) -> list[tuple]:
    """Rows (CANDIDATE_FIELDS) to score. On SQLite every searchable row. On PostgreSQL the
    articles whose question/keywords hold any query token, best ranked first (the short title
    vectors keep ranking cheap); when those are too few, also articles whose text holds the
    three most specific tokens together (answers that say it without the question's words)."""
    if connection.vendor != "postgresql":
        return list(qs.values_list(*CANDIDATE_FIELDS))
    from django.contrib.postgres.search import SearchRank, SearchVectorField
    from django.db.models.expressions import RawSQL

    wanted = limit * CANDIDATES_PER_HIT
    # Stored, GIN-indexed columns of migration 0002 (not mapped: SQLite has no tsvector).
    title_vector = RawSQL(
        '"knowledge_article"."title_vector"', [], output_field=SearchVectorField()
    )
    full_vector = RawSQL(
        '"knowledge_article"."search_vector"', [], output_field=SearchVectorField()
    )
    any_query = _pg_query(tokens, any_token=True)
    found = list(
        qs.annotate(tv=title_vector)
        .filter(tv=any_query)
        .annotate(rank=SearchRank(title_vector, any_query))
        .order_by("-rank", "-reviewed_at")
        .values_list(*CANDIDATE_FIELDS)[:wanted]
    )
    if len(found) < wanted:
        specific = sorted(tokens, key=len, reverse=True)[:3]
        all_query = _pg_query(specific, any_token=False)
        found += list(
            qs.annotate(fv=full_vector)
            .filter(fv=all_query)
            .exclude(pk__in=[row[0] for row in found])
            .order_by("-reviewed_at")
            .values_list(*CANDIDATE_FIELDS)[: wanted - len(found)]
        )
    return found


def article_search(
    query: str,
    *,
    category: Category | None = None,
    region: Region | None = None,
    public_only: bool = False,
    limit: int = 10,
) -> list[ArticleHit]:
    """Published, effective articles best matching `query` (relevance, then freshness).

    `category` keeps the category and those under it; `region` keeps articles for the whole
    city or for the region or a region above it; `public_only` keeps public articles. An
    article past its review date is still found, flagged `overdue_review`."""
    tokens = query_tokens(query)
    if not tokens or limit <= 0:
        return []
    qs = filter_scope(searchable(), category=category, region=region)
    if public_only:
        qs = qs.filter(public=True)
    now = clock.now()
    scored = []
    for pk, title, body, reviewed_at, updated_at in _candidates(qs, tokens, limit):
        relevance = _coverage(tokens, set(title.split()), set(body.split()))
        if relevance <= 0:
            continue
        fresh_at = reviewed_at or updated_at
        score = relevance * (1 - FRESHNESS_SHARE + FRESHNESS_SHARE * _freshness(fresh_at, now))
        scored.append((round(score, 4), fresh_at.timestamp() if fresh_at else 0, pk))
    scored.sort(reverse=True)
    scored = scored[:limit]
    articles = Article.objects.select_related("category", "unit", "region").in_bulk(
        [pk for _s, _f, pk in scored]
    )
    on = calendar.local_date(now)
    return [
        ArticleHit(articles[pk], score, needs_review(articles[pk], on))
        for score, _f, pk in scored
        if pk in articles
    ]


# --- lists and pages ---------------------------------------------------------------------


def articles_visible_to(user) -> QuerySet[Article]:
    """Staff: the centre and leaders see all; units' editors all published plus their own."""
    qs = Article.objects.select_related("category", "unit", "region")
    if roles.is_centre_staff(user) or roles.is_viewer(user):
        return qs
    if rules.is_editor(user):
        mine = roles.unit_ids_of(user, roles.HANDLING_ROLES)
        return qs.filter(Q(status=Status.PUBLISHED) | Q(unit_id__in=mine))
    return public_articles()


def public_articles() -> QuerySet[Article]:
    return searchable().filter(public=True).select_related("category", "region")


def article_list(
    user, *, q: str = "", category=None, region=None, status: str = "", overdue: bool = False
) -> QuerySet[Article]:
    qs = filter_scope(articles_visible_to(user), category=category, region=region)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(review_by__lt=today(), status=Status.PUBLISHED)
    if q:
        words = [w for w in q.split() if w][:5]
        for w in words:
            qs = qs.filter(
                Q(title__icontains=w) | Q(answer__icontains=w) | Q(keywords__icontains=w)
            )
    return qs


def review_queue() -> QuerySet[Article]:
    return Article.objects.filter(status=Status.IN_REVIEW).select_related("unit", "category")


def article_history(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("actor", "category", "region", "unit").order_by(
        "-number"
    )


def use_counts() -> QuerySet:
    return (
        Article.objects.annotate(use_count=Count("uses"))
        .filter(use_count__gt=0)
        .order_by("-use_count", "title")
    )


def stats_window_start(months: int = 12, on: dt.date | None = None) -> dt.date:
    """The first day of the oldest month the statistics page shows."""
    on = on or today()
    return (on.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first`'s to `last`'s, oldest first."""
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def on_spot_counts(since: dt.date) -> dict[dt.date, tuple[int, int]]:
    """Hotline cases received per month since `since` (a first day, local time), and those
    answered on the spot: {first day: (hotline, on_spot)}, months without hotline cases left
    out. One grouped query over those months' cases: for a task, or a few missing months."""
    rows = (
        Case.objects.filter(channel=Channel.HOTLINE, received_at__date__gte=since)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(
            total=Count("id"),
            on_spot=Count("id", filter=Q(outcome=Outcome.ANSWERED_ON_SPOT)),
        )
    )
    return {r["month"].date(): (r["total"], r["on_spot"]) for r in rows}


def on_spot_rates(months: int = 12) -> list[dict]:
    """Per month, newest first: hotline cases received, those answered on the spot, and the
    share (直接答复率); `counted_at` says when a month was counted (None: just now).

    Months come from OnSpotMonth (kept by knowledge.tasks.count_on_spot, one small read); a
    month it holds no row for yet (a new install, a new month before the task ran) is counted
    here, from that month on only."""
    first = stats_window_start(months)
    stored = {row.month: row for row in OnSpotMonth.objects.filter(month__gte=first)}
    missing = [m for m in month_starts(first, today()) if m not in stored]
    live = on_spot_counts(missing[0]) if missing else {}
    out = []
    for month in sorted({*stored, *missing}, reverse=True):
        if month in stored:
            row = stored[month]
            total, on_spot, counted_at = row.hotline, row.on_spot, row.counted_at
        else:
            (total, on_spot), counted_at = live.get(month, (0, 0)), None
        if not total:
            continue
        out.append(
            {
                "month": month.strftime("%Y-%m"),
                "total": total,
                "on_spot": on_spot,
                "rate": on_spot / total,
                "counted_at": counted_at,
            }
        )
    return out


def top_used(limit: int = 20) -> list[Article]:
    return list(use_counts().select_related("unit")[:limit])


def uses_of(article: Article) -> int:
    return ArticleUse.objects.filter(article=article).count()
