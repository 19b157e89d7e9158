"""Reads of the dashboard: who sees which regions, and every figure, from the roll-ups only."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
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
from patrol.selectors import RESIDENT_CHANNELS

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
logger = logging.getLogger(__name__)


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

    # Found on patrol (主动发现) against reported by residents, this month's cases by channel:
    # per grid, with merged cases counted once, on the patrol statistics page.
    patrol_n = month_n.get(Channel.PATROL) or 0
    residents_n = sum(month_n.get(channel) or 0 for channel in RESIDENT_CHANNELS)
    found_on_patrol = {
        "patrol": patrol_n,
        "residents": residents_n,
        "share": _pct(patrol_n / (patrol_n + residents_n)) if patrol_n + residents_n else None,
    }

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
        "found_on_patrol": found_on_patrol,
        "open": open_now,
        "rates": rates,
        "trend": trend,
        "top_categories": categories,
        **_heat_figures(_scoped(MonthlyTally.objects.filter(month=month), areas)),
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


def _heat_figures(month_rows) -> dict:
    heat = heat_map(month_rows)
    return {"heat": heat["points"], "heat_outlines": heat["outlines"]}


def heat_map(month_rows) -> dict:
    """This month's cases per community placed on a plain SVG plane (equirectangular, no
    tiles): x/y in a HEAT_W × HEAT_H box, radius and colour step by count; under them the
    outlines of the city's districts, projected on the same plane and clipped to the box.

    The plane frames the communities together with the districts they lie in, so a street's
    few communities still show which district they belong to; with no cases, the whole city."""
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
    districts = district_outlines()
    places = [(float(r["center_lng"]), float(r["center_lat"])) for r in regions]
    if places:
        framing = [d for d in districts if any(d.contains(lng, lat) for lng, lat in set(places))]
    else:
        framing = list(districts)
    boxes = [d.bbox for d in framing] + [(lng, lat, lng, lat) for lng, lat in places]
    if not boxes:
        return {"points": [], "outlines": []}
    plane = _Plane.framing(
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    points = []
    if regions:
        top = max(counts[r["pk"]] for r in regions)
        for r in sorted(regions, key=lambda r: -counts[r["pk"]]):
            n = counts[r["pk"]]
            share = n / top
            x, y = plane.xy(float(r["center_lng"]), float(r["center_lat"]))
            points.append(
                {
                    "area_id": r["pk"],
                    "name": r["name"],
                    "count": n,
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "r": round(4 + 18 * share**0.5, 1),
                    "level": min(4, int(share * 5)),
                }
            )
    return {"points": points, "outlines": _outlines_on(plane)}


# --- The heat map's base map: the districts' outlines, read once from the vendored static file
# (static/vendor/basemap/SOURCE.txt), drawn as SVG paths on the heat map's plane.
BASEMAP_STATIC = "vendor/basemap/beijing_districts.geojson"
# The outlines are simplified to within this many of the box's units (under a pixel on any
# screen the box is drawn on): with the whole city in view most of the source's points are
# closer together than that.
BASEMAP_TOLERANCE = 0.6
# A district is named on the map only when it is this wide in the box (the central ones are
# too small to carry a name with the whole city in view; their path keeps a <title>), and
# only where its name, BASEMAP_LABEL_EM units a character, overlaps no other name (the page's
# font is 13 units, 18 on a phone: dashboard.css).
BASEMAP_LABEL_MIN_W = 40
BASEMAP_LABEL_EM = 18

DISTRICT_BANDS = 64
Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class District:
    name: str
    rings: tuple[Ring, ...]  # outer rings and holes alike, drawn even-odd
    bbox: tuple[float, float, float, float]  # min lng, min lat, max lng, max lat
    label: tuple[float, float]
    # The rings' edges by band of latitude, so that placing thousands of communities tests a
    # few edges each rather than the whole outline.
    bands: tuple[tuple[tuple[float, float, float, float], ...], ...] = ()

    @classmethod
    def of(cls, name: str, rings: tuple[Ring, ...], label: tuple[float, float]) -> District:
        lngs = [p[0] for r in rings for p in r]
        lats = [p[1] for r in rings for p in r]
        bbox = (min(lngs), min(lats), max(lngs), max(lats))
        step = (bbox[3] - bbox[1]) / DISTRICT_BANDS or 1.0
        bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(DISTRICT_BANDS)]
        for ring in rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                low = int((min(y1, y2) - bbox[1]) / step)
                high = int((max(y1, y2) - bbox[1]) / step)
                for band in range(max(low, 0), min(high, DISTRICT_BANDS - 1) + 1):
                    bands[band].append((x1, y1, x2, y2))
        return cls(name, rings, bbox, label, tuple(tuple(b) for b in bands))

    def contains(self, lng: float, lat: float) -> bool:
        """Even-odd ray casting over every ring (holes included), on the point's band."""
        west, south, east, north = self.bbox
        if not (west <= lng <= east and south <= lat <= north):
            return False
        step = (north - south) / DISTRICT_BANDS or 1.0
        inside = False
        for x1, y1, x2, y2 in self.bands[min(int((lat - south) / step), DISTRICT_BANDS - 1)]:
            if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside


@functools.cache
def district_outlines() -> tuple[District, ...]:
    """The vendored district outlines, read from the static file once per process. A missing
    or broken file leaves the heat map without its base map (logged), never without its data."""
    path = finders.find(BASEMAP_STATIC) or os.path.join(settings.STATIC_ROOT, BASEMAP_STATIC)
    try:
        with open(path, encoding="utf-8") as fh:
            features = json.load(fh)["features"]
        districts = []
        for feature in features:
            geometry = feature["geometry"]
            polygons = (
                [geometry["coordinates"]]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"]
            )
            rings = tuple(
                tuple((float(lng), float(lat)) for lng, lat in ring)
                for polygon in polygons
                for ring in polygon
            )
            label = feature["properties"]["label"]
            districts.append(
                District.of(str(feature["properties"]["name"]), rings, (label[0], label[1]))
            )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        logger.exception("dashboard base map: cannot read %s", path)
        return ()
    return tuple(districts)


@dataclass(frozen=True)
class _Plane:
    """Equirectangular with one scale for both axes (a degree of longitude shrinks by
    cos(latitude)), the frame centred in the padded box so the city keeps its shape; a frame
    of one point sits in the middle."""

    min_lng: float
    max_lat: float
    shrink: float
    scale: float
    off_x: float
    off_y: float

    @classmethod
    def framing(cls, min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> _Plane:
        shrink = math.cos(math.radians((max_lat + min_lat) / 2))
        span_x = (max_lng - min_lng) * shrink
        span_y = max_lat - min_lat
        inner_w, inner_h = HEAT_W - 2 * HEAT_PAD, HEAT_H - 2 * HEAT_PAD
        scale = min(
            inner_w / span_x if span_x else math.inf, inner_h / span_y if span_y else math.inf
        )
        scale = 0 if scale == math.inf else scale
        return cls(
            min_lng=min_lng,
            max_lat=max_lat,
            shrink=shrink,
            scale=scale,
            off_x=HEAT_PAD + (inner_w - span_x * scale) / 2,
            off_y=HEAT_PAD + (inner_h - span_y * scale) / 2,
        )

    def xy(self, lng: float, lat: float) -> tuple[float, float]:
        return (
            self.off_x + (lng - self.min_lng) * self.shrink * self.scale,
            self.off_y + (self.max_lat - lat) * self.scale,
        )


def _clip(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against the box (0, 0)–(HEAT_W, HEAT_H). A ring cut by the box keeps
    edges along its border, where the box's own frame is drawn."""
    edges = (
        (lambda p: p[0] >= 0, lambda a, b: _cross_x(a, b, 0)),
        (lambda p: p[0] <= HEAT_W, lambda a, b: _cross_x(a, b, HEAT_W)),
        (lambda p: p[1] >= 0, lambda a, b: _cross_y(a, b, 0)),
        (lambda p: p[1] <= HEAT_H, lambda a, b: _cross_y(a, b, HEAT_H)),
    )
    for inside, cross in edges:
        if not ring:
            break
        out = []
        prev = ring[-1]
        for point in ring:
            if inside(point):
                if not inside(prev):
                    out.append(cross(prev, point))
                out.append(point)
            elif inside(prev):
                out.append(cross(prev, point))
            prev = point
        ring = out
    return ring


def _simplified(line: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Douglas–Peucker within BASEMAP_TOLERANCE (a closed ring: its first point is its last,
    and the point farthest from it is kept first)."""
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = line[first], line[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        far, far_d = 0, BASEMAP_TOLERANCE
        for i in range(first + 1, last):
            px, py = line[i]
            d = (
                abs(dx * (ay - py) - dy * (ax - px)) / length
                if length
                else math.hypot(px - ax, py - ay)
            )
            if d > far_d:
                far, far_d = i, d
        if far:
            keep[far] = True
            stack += [(first, far), (far, last)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def _n(v: float) -> str:
    """A path coordinate: one decimal, no trailing zero (the paths are most of the payload)."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _cross_x(a, b, x):
    return (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))


def _cross_y(a, b, y):
    return (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)


@functools.lru_cache(maxsize=64)
def _outlines_on(plane: _Plane) -> list[dict]:
    """Each district cut to the box as one SVG path ("d", even-odd), with where to write its
    name (lx, ly; None when the district is too small in the box to carry it). Cached per
    plane: a scope's plane changes only when a community gets its first case of the month."""
    outlines = []
    spots = []
    for district in district_outlines():
        x0, y1 = plane.xy(district.bbox[0], district.bbox[1])
        x1, y0 = plane.xy(district.bbox[2], district.bbox[3])
        if x1 < 0 or y1 < 0 or x0 > HEAT_W or y0 > HEAT_H:
            continue
        parts = []
        for ring in district.rings:
            kept = _clip(_simplified([plane.xy(lng, lat) for lng, lat in ring]))
            if len(kept) >= 3:
                parts.append("M" + "L".join(f"{_n(x)},{_n(y)}" for x, y in kept) + "Z")
        if not parts:
            continue
        outline = {"name": district.name, "d": "".join(parts), "lx": None, "ly": None}
        outlines.append(outline)
        lx, ly = plane.xy(*district.label)
        half_w, half_h = len(district.name) * BASEMAP_LABEL_EM / 2, BASEMAP_LABEL_EM * 0.6
        if (
            x1 - x0 >= BASEMAP_LABEL_MIN_W
            and half_w <= lx <= HEAT_W - half_w
            and half_h <= ly <= HEAT_H - half_h
        ):
            spots.append(
                (
                    (x1 - x0) * (y1 - y0),
                    outline,
                    (lx - half_w, ly - half_h, lx + half_w, ly + half_h),
                )
            )
    # Names go to the largest districts first; one that would overlap a name already placed
    # is left out (its path keeps its <title>).
    placed: list[tuple[float, float, float, float]] = []
    for _area, outline, box in sorted(spots, key=lambda s: -s[0]):
        if any(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in placed):
            continue
        placed.append(box)
        outline["lx"] = round((box[0] + box[2]) / 2, 1)
        outline["ly"] = round((box[1] + box[3]) / 2, 1)
    return outlines


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
