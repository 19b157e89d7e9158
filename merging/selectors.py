"""Reads for 并案: the duplicate finder for one case, the dispatchers' queue of likely duplicate
groups, and a merged group's cases.

Similarity is explainable on purpose: a dispatcher sees why a case is proposed (same category,
same community or a few hundred metres away, shared words, received close together), and the
score only orders what those reasons already admitted.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import OPEN_STATUSES, Case, Status
from civic import text as civic_text
from civic.errors import DomainValidationError
from civic.models import Category, Region

# A case about the same problem is reported within weeks, not months.
WINDOW_DAYS = 30
# "Near": two points this close describe the same spot (a streetlight, a pothole).
NEAR_METRES = 300
# A bounding box a little larger than NEAR_METRES (Beijing's latitude): the database narrows
# rows by it, Python measures the distance.
NEAR_LAT_DEGREES = 0.003
NEAR_LNG_DEGREES = 0.004
# Rows read and scored per case: the newest this many that pass the filters.
MAX_SCORED = 200
MIN_SCORE = 0.4
# Text compared: the title and the opening of the description (the problem is said first).
DESCRIPTION_CHARS = 400
# The queue groups cases of one bucket (community × category) whose texts share this much.
GROUP_TEXT_SIMILARITY = 0.2
QUEUE_BUCKETS = 60
QUEUE_BUCKET_SIZE = 40
QUEUE_MAX_GROUPS = 100
# The queue page reads the groups found last (merging.tasks.find_duplicate_groups, every few
# minutes), kept as case ids: finding them reads and compares thousands of cases (seconds at a
# million cases), far too slow for each view. Kept longer than the task's interval, so a late
# run still leaves something to show.
QUEUE_CACHE_KEY = "merging:duplicate-groups:v1"
QUEUE_CACHE_SECONDS = 3600

WEIGHTS = {"text": 0.45, "category": 0.2, "place": 0.25, "time": 0.1}
STATUS_PROGRESS = {
    Status.RECEIVED: 0,
    Status.DISPATCHED: 1,
    Status.SIGNED: 2,
    Status.IN_PROGRESS: 3,
}


@dataclass(frozen=True)
class Candidate:
    case: Case
    score: float
    reasons: tuple[str, ...]
    text_similarity: float
    distance_m: int | None


@dataclass
class DuplicateGroup:
    main: Case
    cases: list[Case] = field(default_factory=list)
    already_merged: int = 0

    @property
    def size(self) -> int:
        return 1 + len(self.cases)


def mergeable_cases() -> QuerySet[Case]:
    """Open cases that may still take part in a merge: not closed or replied, not merged into
    another case."""
    return Case.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)


def merged_cases_of(main: Case) -> QuerySet[Case]:
    return (
        Case.objects.filter(merged_into=main)
        .select_related("category", "region", "lead_unit")
        .order_by("received_at", "id")
    )


def case_words(case: Case) -> set[str]:
    return civic_text.token_set(f"{case.title} {(case.description or '')[:DESCRIPTION_CHARS]}")


def distance_metres(a: Case, b: Case) -> float | None:
    """Great-circle distance between two cases' points, or None when either has no point."""
    if None in (a.lat, a.lng, b.lat, b.lng):
        return None
    lat1, lng1, lat2, lng2 = (math.radians(float(v)) for v in (a.lat, a.lng, b.lat, b.lng))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 6_371_000 * 2 * math.asin(math.sqrt(min(1.0, h)))


def _same_problem_filter(case: Case) -> Q:
    """Same leaf category or the same second level; same community, same street, or within a
    box around the case's point.

    The categories and the street's regions are listed by id first (two small reads): as ids
    the case table's (category, received_at) index serves the query; as joins on the parent
    and the region path PostgreSQL read every case of the two months (50 ms at 10M cases)."""
    categories = [case.category_id]
    if case.category.parent_id:
        categories = (
            list(
                Category.objects.filter(parent_id=case.category.parent_id).values_list(
                    "id", flat=True
                )
            )
            or categories
        )
    place = Q(region_id=case.region_id)
    street = case.region.street
    if street is not None:
        place = (
            Q(
                region_id__in=list(
                    Region.objects.filter(path__startswith=street.path).values_list("id", flat=True)
                )
            )
            | place
        )
    if case.lat is not None and case.lng is not None:
        place |= Q(
            lat__range=(case.lat - _dec(NEAR_LAT_DEGREES), case.lat + _dec(NEAR_LAT_DEGREES)),
            lng__range=(case.lng - _dec(NEAR_LNG_DEGREES), case.lng + _dec(NEAR_LNG_DEGREES)),
        )
    return Q(category_id__in=categories) & place


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def merge_candidates(case: Case, *, limit: int = 10) -> list[Candidate]:
    """Open cases likely about the same problem as `case`, best first, each with its score
    (0–1) and the reasons it was proposed. Leaves out closed and replied cases, cases already
    merged into another, `case` itself and its own merged cases."""
    window = dt.timedelta(days=WINDOW_DAYS)
    rows = list(
        mergeable_cases()
        .filter(_same_problem_filter(case))
        .filter(received_at__range=(case.received_at - window, case.received_at + window))
        .exclude(pk=case.pk)
        .select_related("category", "region", "lead_unit")
        .order_by("-received_at")[:MAX_SCORED]
    )
    if not rows:
        return []
    words = case_words(case)
    street = case.region.street
    found = []
    for other in rows:
        reasons = []
        if other.category_id == case.category_id:
            category_score = 1.0
            reasons.append(_("Same category"))
        else:
            category_score = 0.5
            reasons.append(_("Same category group"))
        distance = distance_metres(case, other)
        if other.region_id == case.region_id:
            place_score = 1.0
            reasons.append(_("Same community"))
        elif distance is not None and distance <= NEAR_METRES:
            place_score = 1.0
        elif street is not None and other.region.path.startswith(street.path):
            place_score = 0.4
            reasons.append(_("Same street"))
        else:
            place_score = 0.0
        if distance is not None and distance <= NEAR_METRES:
            reasons.append(_("%(metres)d m apart") % {"metres": round(distance)})
        similarity = civic_text.jaccard(words, case_words(other))
        if similarity >= 0.1:
            reasons.append(_("Similar text (%(percent)d%%)") % {"percent": round(similarity * 100)})
        days = abs((other.received_at - case.received_at).total_seconds()) / 86400
        time_score = max(0.0, 1 - days / WINDOW_DAYS)
        if days < 1:
            reasons.append(_("Received the same day"))
        else:
            reasons.append(_("Received %(days)d days apart") % {"days": round(days)})
        score = (
            WEIGHTS["text"] * similarity
            + WEIGHTS["category"] * category_score
            + WEIGHTS["place"] * place_score
            + WEIGHTS["time"] * time_score
        )
        if score < MIN_SCORE:
            continue
        found.append(
            Candidate(
                case=other,
                score=round(score, 3),
                reasons=tuple(reasons),
                text_similarity=round(similarity, 3),
                distance_m=round(distance) if distance is not None else None,
            )
        )
    found.sort(key=lambda c: (-c.score, c.case.received_at))
    return found[:limit]


def _main_first(case: Case) -> tuple:
    """The case a group is merged into: one that already leads a group, else the furthest along
    (a case dispatched cannot follow one that is not), else the oldest."""
    return (-int(case.leads_group), -STATUS_PROGRESS.get(case.status, 0), case.received_at)


def duplicate_groups(*, now: dt.datetime | None = None) -> list[DuplicateGroup]:
    """Groups of likely duplicates among the open cases of the last WINDOW_DAYS days, largest
    first. Bounded work: the QUEUE_BUCKETS community × category buckets holding most cases are
    read (one grouped query), at most QUEUE_BUCKET_SIZE newest cases each (one more query), and
    compared by text inside their bucket only. Cases near each other in different communities
    are found on the case page (`merge_candidates`), not here."""
    now = now or timezone.now()
    base = mergeable_cases().filter(received_at__gte=now - dt.timedelta(days=WINDOW_DAYS))
    buckets = list(
        base.values("region_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "region_id", "category_id")[:QUEUE_BUCKETS]
    )
    if not buckets:
        return []
    wanted = reduce(
        or_, (Q(region_id=b["region_id"], category_id=b["category_id"]) for b in buckets)
    )
    rows = list(
        base.filter(wanted)
        .annotate(leads_group=Exists(Case.objects.filter(merged_into=OuterRef("pk"))))
        .select_related("category", "region", "lead_unit")
        .order_by("-received_at")
    )
    by_bucket: dict[tuple[int, int], list[Case]] = {}
    for case in rows:
        cases = by_bucket.setdefault((case.region_id, case.category_id), [])
        if len(cases) < QUEUE_BUCKET_SIZE:
            cases.append(case)
    groups = []
    for cases in by_bucket.values():
        words = {case.pk: case_words(case) for case in cases}
        left = sorted(cases, key=_main_first)
        while len(left) > 1:
            main, rest = left[0], left[1:]
            members = [
                c
                for c in rest
                if civic_text.jaccard(words[main.pk], words[c.pk]) >= GROUP_TEXT_SIMILARITY
            ]
            if members:
                groups.append(DuplicateGroup(main=main, cases=members))
            left = [c for c in rest if c not in members]
    _count_already_merged(groups)
    groups.sort(key=lambda g: (-g.size, g.main.received_at))
    return groups[:QUEUE_MAX_GROUPS]


def _count_already_merged(groups: list[DuplicateGroup]) -> None:
    if not groups:
        return
    counts = dict(
        Case.objects.filter(merged_into__in=[g.main.pk for g in groups])
        .values_list("merged_into")
        .annotate(n=Count("id"))
        .values_list("merged_into", "n")
    )
    for group in groups:
        group.already_merged = counts.get(group.main.pk, 0)


def duplicate_groups_warm(*, now: dt.datetime | None = None) -> dict:
    """Find the duplicate groups now and keep their case ids for the queue page (the cache:
    derived data, rebuilt by the next run if lost). Idempotent. Returns what it stored:
    {"found_at": datetime, "groups": [(main id, [member ids])]}."""
    now = now or timezone.now()
    stored = {
        "found_at": now,
        "groups": [(g.main.pk, [c.pk for c in g.cases]) for g in duplicate_groups(now=now)],
    }
    cache.set(QUEUE_CACHE_KEY, stored, QUEUE_CACHE_SECONDS)
    return stored


def queue_groups() -> tuple[list[DuplicateGroup], dt.datetime]:
    """The queue page's groups and when they were found: the ids the task stored (found here
    when there are none yet), re-read in one query of at most a few hundred cases by id, so a
    case merged, replied or closed since leaves its group at once, and a group left without
    duplicates leaves the queue. Cases filed since the last run join at the next one."""
    stored = cache.get(QUEUE_CACHE_KEY) or duplicate_groups_warm()
    ids = {pk for main, members in stored["groups"] for pk in (main, *members)}
    cases = (
        mergeable_cases()
        .filter(pk__in=ids)
        .annotate(leads_group=Exists(Case.objects.filter(merged_into=OuterRef("pk"))))
        .select_related("category", "region", "lead_unit")
        .in_bulk()
        if ids
        else {}
    )
    groups = []
    for main_id, member_ids in stored["groups"]:
        members = [cases[pk] for pk in member_ids if pk in cases]
        if main_id in cases and members:
            groups.append(DuplicateGroup(main=cases[main_id], cases=members))
    _count_already_merged(groups)
    groups.sort(key=lambda g: (-g.size, g.main.received_at))
    return groups, stored["found_at"]


def cases_by_numbers(numbers, *, field: str = "cases") -> list[Case]:
    """The cases these numbers name, in the order given (repeats dropped). Raises
    DomainValidationError on `field` for a number that names no case."""
    wanted = []
    for number in numbers or []:
        number = str(number).strip()
        if number and number not in wanted:
            wanted.append(number)
    found = {c.number: c for c in Case.objects.filter(number__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        msg = _("No case has the number %(numbers)s.") % {"numbers": "、".join(missing)}
        raise DomainValidationError(msg, extra={"fields": {field: [msg]}})
    return [found[n] for n in wanted]
