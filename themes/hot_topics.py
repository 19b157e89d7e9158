"""Hot topics of a month (每月一题 candidates): group similar complaints, rank the groups.

Method (docs/themes.md):
1. Read the cases received in the month (optionally inside a region subtree via Region.path);
   beyond `MAX_CASES`, an evenly spaced sample over the month (every k-th case by received
   time), so a run is bounded and deterministic and a city month is not its first hours.
2. One document per case: jieba words of title (twice) and description (civic.text),
   plus a category token so that cases filed under the same category lean together.
3. TF-IDF (scikit-learn) over the month's documents, cosine similarity computed in row chunks
   of a sparse matrix (never an n×n dense matrix).
4. Butina-style clustering: every case's neighbours are the cases at least `THRESHOLD` similar;
   the case with most neighbours becomes a group centre and takes its unassigned neighbours;
   repeat. Every member is similar to its centre (no chaining), ties broken by case id.
5. For each group: count, me-too total, spread (distinct regions), keywords (highest summed
   TF-IDF weights), 3 representatives (the centre and its closest members), and growth against
   the previous month (previous month's cases within `THRESHOLD` of the group's centroid).
6. Rank by weight = count + me-toos, then growth, then spread, then the centre's number.
Only case numbers and public (scrubbed) titles leave this module: never reporter data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.services import month_bounds, parse_month
from cases.models import Case, Channel
from cases.selectors import PRIVATE_OUTCOMES, public_title_of
from civic import text as civic_text
from civic.calendar import previous_month
from civic.errors import DomainValidationError
from civic.models import Category, Region

logger = logging.getLogger(__name__)

MAX_CASES = 5000
THRESHOLD = 0.3
MIN_GROUP = 2
MAX_GROUPS = 30
CHUNK = 500
CACHE_SECONDS = 600
_PLACEHOLDERS = {"0", "地名"}
_CATEGORY_PREFIX = "类目"

# Words that never name a topic, however often they occur (issue 30: a theme was titled "教授",
# from callers who addressed the operator as 教授): person titles and honorifics, greetings and
# courtesy of a call transcript, and generic words every complaint has. They still count for
# similarity (they stay in the TF-IDF vectors); they are only skipped when an automatic theme
# title and a theme's matching keywords are chosen (HotTopic.title_words).
TITLE_NOISE_WORDS = frozenset(
    {
        # person titles and honorifics
        "教授", "先生", "女士", "老师", "领导", "同志", "师傅", "小姐", "大爷", "大妈",
        "阿姨", "老人家", "主任", "经理", "书记", "工作人员", "市民", "群众", "本人",
        # greetings and courtesy
        "您好", "你好", "请问", "谢谢", "感谢", "麻烦", "辛苦", "不好意思",
        # generic words of any complaint
        "问题", "情况", "反映", "投诉", "来电", "诉求", "希望", "要求", "尽快", "解决",
        "处理", "相关", "部门", "有关", "现在", "目前", "一直", "已经", "多次", "非常",
    }
)  # fmt: skip
TITLE_WORDS = 2  # representative words after the category name in an automatic title


@dataclass
class Representative:
    number: str
    title: str


@dataclass
class HotTopic:
    key: str  # the centre case's number: stable for the same month, region and data
    rank: int
    count: int
    me_too: int
    weight: int
    previous: int
    growth: float | None  # None: nothing similar last month (a new topic)
    spread: int
    keywords: list[str]
    category_id: int | None
    category_name: str
    representatives: list[Representative]
    case_ids: list[int] = field(repr=False, default_factory=list)
    centroid: object = field(repr=False, default=None)
    # The most representative words that may name the topic (is_title_word), best first.
    title_words: list[str] = field(default_factory=list)

    @property
    def growth_percent(self) -> int | None:
        return None if self.growth is None else round(self.growth * 100)

    def _title_words(self) -> list[str]:
        # An analysis cached before title_words existed has no such attribute.
        words = getattr(self, "title_words", None) or [w for w in self.keywords if is_title_word(w)]
        return words or list(self.keywords)

    @property
    def suggested_keywords(self) -> list[str]:
        """A theme's matching keywords: the three most representative title words."""
        return self._title_words()[:3]

    @property
    def suggested_title(self) -> str:
        """The automatic theme title: the category's name and the most representative words
        (never a person title or a generic word: TITLE_NOISE_WORDS), e.g. "道路破损：塌陷、路面";
        without a category, three words."""
        name = self.category_name
        words = [w for w in self._title_words() if not name or w not in name]
        if not name:
            return "、".join(words[:3])
        return f"{name}：{'、'.join(words[:TITLE_WORDS])}" if words else name


@dataclass
class Analysis:
    month: dt.date
    region: Region | None
    analysed: int
    capped: bool
    topics: list[HotTopic]
    total: int = 0  # cases of the month (and region) before sampling

    def topic(self, key: str) -> HotTopic | None:
        return next((t for t in self.topics if t.key == key), None)


def is_title_word(word: str) -> bool:
    """May `word` name a topic? Not a noise word, a placeholder, a category token or a number."""
    return (
        len(word) >= 2
        and word not in TITLE_NOISE_WORDS
        and word not in _PLACEHOLDERS
        and not word.startswith(_CATEGORY_PREFIX)
        and not any(ch.isdigit() for ch in word)
    )


def parse_month_bounded(value) -> dt.date:
    """parse_month, limited to years the data can hold (no date overflow at the edges)."""
    month = parse_month(value)
    if not 1990 <= month.year <= 2100:
        msg = _("Give a month between 1990 and 2100.")
        raise DomainValidationError(msg, extra={"fields": {"month": [msg]}})
    return month


def _cases(month: dt.date, region: Region | None, limit: int):
    start, end = month_bounds(month)
    # Proactive tasks are the centre's own work orders, not complaints: they never make a topic.
    qs = (
        Case.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(outcome__in=PRIVATE_OUTCOMES)
        .exclude(channel=Channel.PROACTIVE)
    )
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    columns = ("pk", "number", "title", "description", "category_id", "region_id")
    total = qs.count()
    if total <= limit:
        return list(qs.order_by("received_at", "pk").values(*columns)), total
    # Over the cap: every k-th case by received time, so the sample spans the whole month
    # (ids only — a million ints is well under a second — then the texts of the sample).
    ids = list(qs.order_by("received_at", "pk").values_list("pk", flat=True))
    step = len(ids) / limit
    sample = [ids[int(i * step)] for i in range(limit)]
    rows = list(Case.objects.filter(pk__in=sample).order_by("received_at", "pk").values(*columns))
    return rows, total


def tokens(title: str, description: str, category_id: int | None) -> list[str]:
    words = civic_text.segment(civic_text.normalise(f"{title} {title} {description[:1000]}"))
    words = [w for w in words if w not in _PLACEHOLDERS]
    if category_id:
        words.append(f"{_CATEGORY_PREFIX}{category_id}")
    return words


TOKEN_CACHE_SECONDS = 45 * 24 * 3600  # a case is analysed in its month and as "previous month"


def documents(rows: list[dict], month: dt.date) -> list[list[str]]:
    """Token lists of the rows, from the month's token cache where a case was segmented before.

    jieba is nine tenths of a cold analysis (≈ 2 ms a case); a case's text does not change after
    intake, so tokens are kept (one cache entry per month: {case id: tokens}, one round trip,
    and no flood of small entries for a bounded cache to evict) and only new cases are
    segmented."""
    key = f"themes:tokens:{month:%Y-%m}"
    cached: dict[int, list[str]] = cache.get(key) or {}
    missing = [r for r in rows if r["pk"] not in cached]
    for r in missing:
        cached[r["pk"]] = tokens(r["title"], r["description"], r["category_id"])
    if missing:
        cache.set(key, cached, TOKEN_CACHE_SECONDS)
    return [cached[r["pk"]] for r in rows]


def _cluster(matrix) -> list[list[int]]:
    """Butina clustering over row indices; groups are lists of indices, centre first."""
    neighbours = civic_text.cosine_neighbours(matrix, THRESHOLD, CHUNK)
    order = sorted(range(len(neighbours)), key=lambda i: (-len(neighbours[i]), i))
    taken = np.zeros(len(neighbours), dtype=bool)
    groups = []
    for i in order:
        if taken[i]:
            continue
        members = [j for j in neighbours[i] if not taken[j]]
        if len(members) + 1 < MIN_GROUP:
            taken[i] = True
            continue
        taken[i] = True
        taken[members] = True
        groups.append([i, *members])
    return groups


def _fingerprint(month: dt.date, region: Region | None) -> str:
    """What the analysis depends on, read cheaply (received_at index): the number and last id of
    the cases of the month and the month before, and the month's me-too count."""
    parts = []
    for m in (month, previous_month(month)):
        start, end = month_bounds(m)
        qs = Case.objects.filter(received_at__gte=start, received_at__lt=end)
        if region is not None:
            qs = qs.filter(region__path__startswith=region.path)
        agg = qs.aggregate(n=Count("pk", distinct=True), last=Max("pk"), me_too=Count("me_toos"))
        parts.append(f"{agg['n']}.{agg['last']}.{agg['me_too']}")
    return "-".join(parts)


def analyse(
    month, region: Region | None = None, *, limit: int = MAX_CASES, top: int = MAX_GROUPS
) -> Analysis:
    """The hot topics of `month` (a date or "YYYY-MM"), optionally within a region subtree.

    Cached for CACHE_SECONDS under a fingerprint of the data it reads, so the page and the
    promotion that follows it do not tokenise thousands of cases twice."""
    month = parse_month_bounded(month)
    key = "themes:hot:{}:{}:{}:{}:{}".format(
        f"{month:%Y-%m}", region.pk if region else "-", limit, top, _fingerprint(month, region)
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = _analyse(month, region, limit=limit, top=top)
    cache.set(key, result, CACHE_SECONDS)
    return result


def _analyse(month: dt.date, region: Region | None, *, limit: int, top: int) -> Analysis:
    rows, total = _cases(month, region, limit)
    capped = total > limit
    if len(rows) < MIN_GROUP:
        return Analysis(month, region, len(rows), capped, [], total)
    docs = documents(rows, month)
    vectorizer = civic_text.tfidf_vectorizer()
    try:
        matrix = vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # empty vocabulary: nothing to group
        return Analysis(month, region, len(rows), capped, [], total)
    terms = vectorizer.get_feature_names_out()
    groups = _cluster(matrix)
    me_toos = dict(
        Case.objects.filter(pk__in=[rows[i]["pk"] for g in groups for i in g])
        .annotate(n=Count("me_toos"))
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    topics = []
    for members in groups:
        sub = matrix[members]
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        norm = np.linalg.norm(centroid)
        centroid = centroid / norm if norm else centroid
        weights = np.asarray(sub.sum(axis=0)).ravel()
        ranked = [
            terms[j]
            for j in np.argsort(-weights, kind="stable")
            if weights[j] > 0 and not terms[j].startswith(_CATEGORY_PREFIX)
        ]
        keywords = ranked[:5]
        title_words = [w for w in ranked if is_title_word(w)][:5]
        centre = members[0]
        categories = Counter(rows[i]["category_id"] for i in members if rows[i]["category_id"])
        category_id = None
        if categories:
            cat, n = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            category_id = cat if n * 2 >= len(members) else None
        me_too = sum(me_toos.get(rows[i]["pk"], 0) for i in members)
        topics.append(
            HotTopic(
                key=rows[centre]["number"],
                rank=0,
                count=len(members),
                me_too=me_too,
                weight=len(members) + me_too,
                previous=0,
                growth=None,
                spread=len({rows[i]["region_id"] for i in members}),
                keywords=keywords,
                category_id=category_id,
                category_name="",
                representatives=[],
                case_ids=[rows[i]["pk"] for i in members],
                centroid=centroid,
                title_words=title_words,
            )
        )
    topics.sort(key=lambda t: (-t.weight, -t.spread, t.key))
    topics = topics[:top]
    _growth(topics, vectorizer, previous_month(month), region, limit, scale=total / len(rows))
    topics.sort(
        key=lambda t: (-t.weight, -(t.growth if t.growth is not None else 99), -t.spread, t.key)
    )
    _decorate(topics, rows, members_index={r["pk"]: i for i, r in enumerate(rows)}, matrix=matrix)
    for rank, topic in enumerate(topics, start=1):
        topic.rank = rank
    return Analysis(month, region, len(rows), capped, topics, total)


def _growth(
    topics: list[HotTopic], vectorizer, month: dt.date, region, limit: int, *, scale: float
) -> None:
    """Previous month's cases per group, in the current analysis' units: when either month was
    sampled, counts are rescaled by cases-per-sampled-case so the growth compares volumes."""
    if not topics:
        return
    rows, total = _cases(month, region, limit)
    factor = (total / len(rows)) / scale if rows else 1.0
    if rows:
        previous = vectorizer.transform(documents(rows, month))
        centroids = np.vstack([t.centroid for t in topics])
        sims = np.asarray(previous @ centroids.T)
        best = sims.argmax(axis=1)
        counts = Counter(
            int(b) for b, s in zip(best, sims.max(axis=1), strict=True) if s >= THRESHOLD
        )
    else:
        counts = Counter()
    for k, topic in enumerate(topics):
        topic.previous = round(counts.get(k, 0) * factor)
        topic.growth = (topic.count - topic.previous) / topic.previous if topic.previous else None


def _decorate(topics: list[HotTopic], rows, *, members_index, matrix) -> None:
    wanted = []
    for topic in topics:
        ids = topic.case_ids
        centre = members_index[ids[0]]
        others = [members_index[i] for i in ids[1:]]
        closeness = (matrix[others] @ matrix[centre].T).toarray().ravel() if others else []
        picked = [ids[0]] + [
            ids[1:][k] for k in np.argsort(-np.asarray(closeness), kind="stable")[:2]
        ]
        topic.representatives = picked  # replaced below by Representative rows
        wanted.extend(picked)
    cases = {c.pk: c for c in Case.objects.filter(pk__in=wanted).select_related("public_text")}
    names = dict(
        Category.objects.filter(
            pk__in=[t.category_id for t in topics if t.category_id]
        ).values_list("pk", "name")
    )
    for topic in topics:
        topic.representatives = [
            Representative(cases[pk].number, public_title_of(cases[pk]))
            for pk in topic.representatives
        ]
        topic.category_name = names.get(topic.category_id, "")


# --- the warm analysis the centre's page reads (issue 27) ---------------------------------------
#
# An analysis takes seconds (cold: 17–22 s for a busy month at 1M cases; even its cache lookup
# counted the month's cases and me-toos for the fingerprint, 0.4 s). The page never runs one:
# it reads the last analysis stored here by a task, with the time it was made. The hourly task
# (tasks.warm_hot_topics) refreshes this month city-wide and every region of this month a page
# asked for in the last WANTED_DAYS; a month or region nobody analysed yet is queued from the
# page (tasks.analyse_hot_topics) and shown once done.

WARM_KEY = "themes:hot:warm:{month}:{region}"
WARM_SECONDS = 40 * 24 * 3600  # a past month stays readable; this month is refreshed hourly
QUEUED_KEY = "themes:hot:queued:{month}:{region}"
QUEUED_SECONDS = 15 * 60  # one queued run per month and region; retried after a lost worker
WANTED_KEY = "themes:hot:wanted"
WANTED_DAYS = 7


@dataclass
class WarmAnalysis:
    analysis: Analysis
    computed_at: dt.datetime


def _warm_key(template: str, month: dt.date, region: Region | None) -> str:
    return template.format(month=f"{month:%Y-%m}", region=region.pk if region else "-")


def stored(month, region: Region | None = None) -> WarmAnalysis | None:
    """The last analysis a task stored for `month` and `region` (one cache read), or None."""
    month = parse_month_bounded(month)
    return cache.get(_warm_key(WARM_KEY, month, region))


def warm(month, region: Region | None = None, *, now: dt.datetime | None = None) -> WarmAnalysis:
    """Analyse `month` (and `region`) now and store the result for the page. Idempotent: a
    second run stores the same analysis of the same data."""
    month = parse_month_bounded(month)
    analysis = analyse(month, region)
    # Only what the page and the promotion form read: the centroids (one float per word of the
    # month's vocabulary, per topic) and member ids would make every page view unpickle
    # megabytes.
    slim = Analysis(
        analysis.month,
        analysis.region,
        analysis.analysed,
        analysis.capped,
        [_slim(t) for t in analysis.topics],
        analysis.total,
    )
    result = WarmAnalysis(slim, now or timezone.now())
    cache.set(_warm_key(WARM_KEY, month, region), result, WARM_SECONDS)
    cache.delete(_warm_key(QUEUED_KEY, month, region))
    return result


def _slim(topic: HotTopic) -> HotTopic:
    return replace(topic, case_ids=[], centroid=None)


def request_warm(month, region: Region | None = None) -> bool:
    """Queue an analysis of `month` and `region` unless one is queued already; remember that
    the page wants it (the hourly task keeps this month's wanted regions fresh). True when
    this call queued it."""
    from .tasks import analyse_hot_topics  # the tasks module imports this one

    month = parse_month_bounded(month)
    note_wanted(month, region)
    if not cache.add(_warm_key(QUEUED_KEY, month, region), True, QUEUED_SECONDS):
        return False
    try:
        analyse_hot_topics.delay(f"{month:%Y-%m}", region.pk if region else None)
    except Exception:  # a broker away: the page says it is not ready, the next view retries
        cache.delete(_warm_key(QUEUED_KEY, month, region))
        logger.exception("could not queue the hot topics of %s", month)
        return False
    return True


def note_wanted(month, region: Region | None) -> None:
    """Remember that a page showed `region`'s analysis of `month`: the hourly task keeps the
    regions of this month asked for in the last WANTED_DAYS fresh. Written at most daily per
    region (one cache read per page view otherwise)."""
    if region is None:  # the city is always analysed
        return
    month = parse_month_bounded(month)
    now = timezone.now()
    wanted = cache.get(WANTED_KEY) or {}
    key = (f"{month:%Y-%m}", region.pk)
    if key in wanted and now - wanted[key] < dt.timedelta(days=1):
        return
    since = now - dt.timedelta(days=WANTED_DAYS)
    wanted = {k: asked for k, asked in wanted.items() if asked >= since}
    wanted[key] = now
    cache.set(WANTED_KEY, wanted, WANTED_DAYS * 24 * 3600)


def wanted_regions(month: dt.date, *, now: dt.datetime) -> list[int]:
    """Regions whose analysis of `month` a page asked for in the last WANTED_DAYS."""
    since = now - dt.timedelta(days=WANTED_DAYS)
    key = f"{month:%Y-%m}"
    return sorted(
        region_id
        for (m, region_id), asked in (cache.get(WANTED_KEY) or {}).items()
        if m == key and region_id is not None and asked >= since
    )
