"""Reads of the dashboard: who sees which regions, and every figure, from the roll-ups only."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import AssessmentPolicy
from assessment.services import month_bounds, policy_for, score_of
from cases.models import Channel
from civic import clock, roles
from civic.errors import DomainValidationError, PermissionDeniedError
from civic.models import Category, Membership, Region, Unit

from .models import (
    MEASURES,
    DailyTally,
    MonthlyCategory,
    MonthlyChannel,
    MonthlyTally,
    OpenSnapshot,
)

Role = Membership.Role
# Leaders and street officials see their units' jurisdictions.
SCOPED_ROLES = (Role.VIEWER, Role.STREET_OFFICIAL)
HOT_TOPICS_KEY = "dashboard:hot:{month}:{region}"
HOT_TOPICS_SECONDS = 3 * 3600
TOP_N = 10
HEAT_W, HEAT_H, HEAT_PAD = 600, 400, 30


@dataclass
class Scope:
    """What a user may see: the whole city (regions None) or region subtrees."""

    regions: list[Region] | None

    @property
    def city(self) -> bool:
        return self.regions is None

    def covers(self, region: Region) -> bool:
        return self.regions is None or any(region.path.startswith(r.path) for r in self.regions)

    def region_q(self, field: str = "region") -> Q:
        if self.regions is None:
            return Q()
        q = Q(pk__in=[])
        for r in self.regions:
            q |= Q(**{f"{field}__path__startswith": r.path})
        return q

    def area_ids(self) -> list[int] | None:
        if self.regions is None:
            return None
        return list(Region.objects.filter(_path_q(self.regions)).values_list("pk", flat=True))

    def label(self) -> str:
        if self.regions is None:
            return _("Whole city")
        return "、".join(r.name for r in self.regions)


def _path_q(regions: list[Region]) -> Q:
    q = Q(pk__in=[])
    for r in regions:
        q |= Q(path__startswith=r.path)
    return q


def may_see_dashboard(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            user.is_superuser or roles.is_centre_staff(user) or roles.has_role(user, *SCOPED_ROLES)
        )
    )


def dashboard_scope(user) -> Scope:
    """The centre and administrators see the city; leaders and street officials the subtrees
    of their units' jurisdictions (the widest role wins). Anyone else is refused."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDeniedError(_("Sign in to see the dashboard."))
    if user.is_superuser or roles.is_centre_staff(user):
        return Scope(None)
    units = roles.units_of(user, SCOPED_ROLES)
    if not units:
        raise PermissionDeniedError(
            _("The dashboard is for leaders, the centre and street officials.")
        )
    ids = {u.jurisdiction_id for u in units if u.jurisdiction_id}
    regions = list(Region.objects.filter(pk__in=ids).order_by("path"))
    # A subtree inside another is the same ground: keep the outer one.
    outer = [
        r for r in regions if not any(o is not r and r.path.startswith(o.path) for o in regions)
    ]
    if not outer:
        raise PermissionDeniedError(_("None of your units has a jurisdiction to show."))
    return Scope(outer)


def narrow_scope(scope: Scope, region_param: str | None) -> Scope:
    """`?region=<id>`: a region inside what the user may see (400 when malformed or unknown,
    403 when outside)."""
    if region_param in (None, ""):
        return scope
    try:
        region_id = int(region_param)
    except (TypeError, ValueError):
        raise DomainValidationError(
            _("Give the region as a number."),
            extra={"fields": {"region": [_("Give the region as a number.")]}},
        ) from None
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise DomainValidationError(
            _("No such region."), extra={"fields": {"region": [_("No such region.")]}}
        )
    if not scope.covers(region):
        raise PermissionDeniedError(_("This region is outside what you may see."))
    return Scope([region])


def region_choices(scope: Scope):
    """Regions a user may narrow to: their subtrees down to streets."""
    qs = Region.objects.filter(
        level__in=[
            Region.Level.CITY,
            Region.Level.DISTRICT,
            Region.Level.STREET,
            Region.Level.TOWNSHIP,
        ]
    )
    if scope.regions is not None:
        qs = qs.filter(_path_q(scope.regions))
    return qs.order_by("path")


# --- figures ---------------------------------------------------------------------------------


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.month - 1 + n, 12)
    return dt.date(month.year + y, m + 1, 1)


def _scoped(qs, area_ids):
    return qs if area_ids is None else qs.filter(area_id__in=area_ids)


def _pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _policies_for(months: list[dt.date]) -> dict:
    """assessment.services.policy_for of each month, from one query (the trend asked it twelve
    times per page): the newest policy in effect on each month."""
    policies = list(
        AssessmentPolicy.objects.filter(effective_from__lte=max(months)).order_by("-effective_from")
    )
    out = {}
    for m in months:
        found = next((p for p in policies if p.effective_from <= m), None)
        out[m] = found if found is not None else policy_for(m)  # policy_for makes the default
    return out


def _rates(counts: dict, month: dt.date, policy=None) -> dict:
    """The 三率 of assessment.services.score_of over region-level counts."""
    c = {
        "cases": counts.get("dispatched") or 0,
        "responded": counts.get("responded") or 0,
        "revisited": counts.get("revisited") or 0,
        "resolved": counts.get("resolved") or 0,
        "satisfied": counts.get("satisfied") or 0,
        "basically": counts.get("basically") or 0,
    }
    scored = score_of(c, policy if policy is not None else policy_for(month))
    return {
        "response": _pct(scored["response_rate"]),
        "resolution": _pct(scored["resolution_rate"]),
        "satisfaction": _pct(scored["satisfaction_rate"]),
        "dispatched": c["cases"],
        "revisited": c["revisited"],
    }


def _growth(now_n: int, before: int) -> float | None:
    return None if not before else round((now_n - before) * 100 / before, 1)


def dashboard_figures(scope: Scope, *, at: dt.datetime | None = None) -> dict:
    at = at or clock.now()
    today = timezone.localtime(at).date()
    month = _month_start(today)
    last_month = _add_months(month, -1)
    areas = scope.area_ids()
    daily = _scoped(DailyTally.objects.all(), areas)

    # Intake by channel: today from the day's rows, the month from the monthly roll-up.
    labels = dict(Channel.choices)
    today_n = dict(
        daily.filter(day=today)
        .values("channel")
        .annotate(n=Sum("received"))
        .values_list("channel", "n")
        .order_by()
    )
    month_n = dict(
        _scoped(MonthlyChannel.objects.filter(month=month), areas)
        .values("channel")
        .annotate(n=Sum("received"))
        .values_list("channel", "n")
        .order_by()
    )
    intake = [
        {
            "channel": key,
            "label": str(labels[key]),
            "today": today_n.get(key) or 0,
            "month": month_n.get(key) or 0,
        }
        for key in labels
    ]

    # Open now, from the latest snapshot.
    latest = OpenSnapshot.objects.order_by("-hour").values("hour", "taken_at").first()
    open_now = {"open": 0, "due_soon": 0, "overdue": 0, "taken_at": None}
    if latest:
        agg = _scoped(OpenSnapshot.objects.filter(hour=latest["hour"]), areas).aggregate(
            open=Sum("open"), due_soon=Sum("due_soon"), overdue=Sum("overdue")
        )
        open_now = {k: agg[k] or 0 for k in ("open", "due_soon", "overdue")}
        open_now["taken_at"] = latest["taken_at"].isoformat()

    # Rates: twelve months from the monthly roll-up (this month and last among them).
    first = _add_months(month, -11)
    sums = {name: Sum(name) for name in MEASURES}
    monthly = {
        r["month"]: r
        for r in _scoped(MonthlyTally.objects.filter(month__gte=first, month__lte=month), areas)
        .values("month")
        .annotate(**sums)
        .order_by()
    }
    trend = []
    policies = _policies_for([_add_months(first, i) for i in range(12)])
    for i in range(12):
        m = _add_months(first, i)
        counts = monthly.get(m, {})
        trend.append(
            {
                "month": f"{m:%Y-%m}",
                "received": counts.get("received") or 0,
                "closed": counts.get("closed") or 0,
                **_rates(counts, m, policies[m]),
            }
        )
    rates = {"this_month": trend[-1], "last_month": trend[-2]}

    # Top categories this month against last month prorated to the days elapsed (a month's
    # roll-up each: the same days of last month would read a month of day rows).
    elapsed = (today - month).days + 1
    last_len = (month - last_month).days
    current = _by_category(_scoped(MonthlyCategory.objects.filter(month=month), areas))
    full_before = _by_category(_scoped(MonthlyCategory.objects.filter(month=last_month), areas))
    before = {
        level: {pk: round(n * min(elapsed, last_len) / last_len) for pk, n in rows.items()}
        for level, rows in full_before.items()
    }
    ids = {pk for level in current.values() for pk in list(level)[:TOP_N]}
    names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    categories = {
        level: [
            {
                "id": pk,
                "name": names.get(pk, ""),
                "count": n,
                "previous": before[level].get(pk, 0),
                "growth": _growth(n, before[level].get(pk, 0)),
            }
            for pk, n in list(current[level].items())[:TOP_N]
        ]
        for level in ("first", "second")
    }

    return {
        "as_of": timezone.localtime(at).isoformat(),
        "scope": scope.label(),
        "intake": intake,
        "intake_today": sum(r["today"] for r in intake),
        "intake_month": sum(r["month"] for r in intake),
        "open": open_now,
        "rates": rates,
        "trend": trend,
        "top_categories": categories,
        "heat": heat_points(_scoped(MonthlyTally.objects.filter(month=month), areas)),
        "hot_topics": hot_topics_cached(scope, month),
        "whistles": whistle_timeliness(scope, month),
        "themes": themes_progress(scope),
        "suggestions": suggestion_counts(scope, month),
    }


def _by_category(rows) -> dict[str, dict[int, int]]:
    """Received per first- and per second-level category, largest first (ties by id)."""
    first: dict[int, int] = {}
    second: dict[int, int] = {}
    for top, cat, n in (
        rows.values("category_top_id", "category_id")
        .annotate(n=Sum("received"))
        .values_list("category_top_id", "category_id", "n")
        .order_by()
    ):
        if n:
            first[top] = first.get(top, 0) + n
            second[cat] = second.get(cat, 0) + n

    def ranked(d: dict[int, int]) -> dict[int, int]:
        return dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))

    return {"first": ranked(first), "second": ranked(second)}


def heat_points(month_rows) -> list[dict]:
    """This month's cases per community placed on a plain SVG plane (equirectangular, no
    tiles): x/y in a HEAT_W × HEAT_H box, radius and colour step by count."""
    counts = dict(
        month_rows.values("area_id")
        .annotate(n=Sum("received"))
        .values_list("area_id", "n")
        .order_by()
    )
    counts = {k: v for k, v in counts.items() if v}
    regions = list(
        Region.objects.filter(
            pk__in=counts, center_lat__isnull=False, center_lng__isnull=False
        ).values("pk", "name", "center_lat", "center_lng")
    )
    if not regions:
        return []
    lats = [float(r["center_lat"]) for r in regions]
    lngs = [float(r["center_lng"]) for r in regions]
    # One scale for both axes (a degree of longitude shrinks by cos(latitude)), centred in
    # the box, so the city keeps its shape; a single community sits in the middle.
    shrink = math.cos(math.radians((max(lats) + min(lats)) / 2))
    span_x = (max(lngs) - min(lngs)) * shrink
    span_y = max(lats) - min(lats)
    inner_w, inner_h = HEAT_W - 2 * HEAT_PAD, HEAT_H - 2 * HEAT_PAD
    scale = min(inner_w / span_x if span_x else math.inf, inner_h / span_y if span_y else math.inf)
    scale = 0 if scale == math.inf else scale
    off_x = HEAT_PAD + (inner_w - span_x * scale) / 2
    off_y = HEAT_PAD + (inner_h - span_y * scale) / 2
    top = max(counts[r["pk"]] for r in regions)
    points = []
    for r in sorted(regions, key=lambda r: -counts[r["pk"]]):
        n = counts[r["pk"]]
        share = n / top
        points.append(
            {
                "area_id": r["pk"],
                "name": r["name"],
                "count": n,
                "x": round(off_x + (float(r["center_lng"]) - min(lngs)) * shrink * scale, 1),
                "y": round(off_y + (max(lats) - float(r["center_lat"])) * scale, 1),
                "r": round(4 + 18 * share**0.5, 1),
                "level": min(4, int(share * 5)),
            }
        )
    return points


def hot_topics_cached(scope: Scope, month: dt.date) -> list[dict]:
    """Hot topics from the cache filled by dashboard.tasks.refresh_hot_topics: the city's for
    the centre, else those of the user's first region (the analysis is too heavy per request)."""
    region = None if scope.regions is None else scope.regions[0]
    return (
        cache.get(
            HOT_TOPICS_KEY.format(month=f"{month:%Y-%m}", region=region.pk if region else "-")
        )
        or []
    )


def hot_topics_refresh(*, at: dt.datetime | None = None) -> int:
    from themes.hot_topics import analyse

    at = at or clock.now()
    month = _month_start(timezone.localtime(at).date())
    ids = set(
        Unit.objects.filter(
            memberships__role__in=SCOPED_ROLES, memberships__active=True, jurisdiction__isnull=False
        ).values_list("jurisdiction_id", flat=True)
    )
    targets = [None, *Region.objects.filter(pk__in=ids)]
    for region in targets:
        analysis = analyse(month, region, top=TOP_N)
        topics = [
            {
                "title": t.suggested_title,
                "category": t.category_name,
                "count": t.count,
                "growth": t.growth_percent,
            }
            for t in analysis.topics[:TOP_N]
        ]
        key = HOT_TOPICS_KEY.format(month=f"{month:%Y-%m}", region=region.pk if region else "-")
        cache.set(key, topics, HOT_TOPICS_SECONDS)
    return len(targets)


def whistle_timeliness(scope: Scope, month: dt.date) -> dict:
    """Summonses of this month from whistles blown in scope, and the share reported on time
    among those decided (on time + late + missed), as assessment reads
    whistles.selectors.unit_report_timeliness."""
    from whistles.models import WhistleSummons

    start, end = month_bounds(month)
    qs = WhistleSummons.objects.filter(summoned_at__gte=start, summoned_at__lt=end)
    if scope.regions is not None:
        # A street's whistles are those it blew, whoever it summoned (often city departments).
        qs = qs.filter(scope.region_q("whistle__street__jurisdiction"))
    S = WhistleSummons.State
    agg = qs.aggregate(
        summoned=Count("pk"),
        on_time=Count("pk", filter=Q(state=S.ON_TIME)),
        late=Count("pk", filter=Q(state=S.LATE)),
        missed=Count("pk", filter=Q(state=S.MISSED)),
    )
    decided = agg["on_time"] + agg["late"] + agg["missed"]
    agg["rate"] = round(agg["on_time"] * 100 / decided, 1) if decided else None
    return agg


def themes_progress(scope: Scope, limit: int = 8) -> list[dict]:
    from themes.models import Theme
    from themes.selectors import progress_of, themes_with_progress

    qs = Theme.objects.filter(status=Theme.Status.ACTIVE)
    if scope.regions is not None:
        qs = qs.filter(scope.region_q("region"))
    out = []
    for theme in themes_with_progress(qs)[:limit]:
        p = progress_of(theme)
        out.append(
            {
                "id": theme.pk,
                "title": theme.title,
                "percent": p.percent,
                "milestones_done": p.milestones_done,
                "milestones_total": p.milestones_total,
                "cases_closed": p.cases_closed,
                "cases_total": p.cases_total,
            }
        )
    return out


def suggestion_counts(scope: Scope, month: dt.date) -> dict:
    """This month's proactive suggestions: made, accepted, and accepted ones whose case is closed."""
    from themes.models import ProactiveSuggestion

    qs = ProactiveSuggestion.objects.filter(month=month)
    if scope.regions is not None:
        qs = qs.filter(scope.region_q("region"))
    S = ProactiveSuggestion.Status
    return qs.aggregate(
        suggested=Count("pk"),
        accepted=Count("pk", filter=Q(status=S.ACCEPTED)),
        done=Count("pk", filter=Q(status=S.ACCEPTED, case__status="closed")),
    )
