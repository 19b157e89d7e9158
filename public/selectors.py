"""Reads of the public side: its pages, map data, nearby hints and feeds.

Every public surface (pages, map data, nearby, feeds) goes through `public_cases()` and shows
`public_view()` / `public_title()` / `public_reply()`, never a case's own fields. The rule and
the text themselves are `cases.selectors.cases_public` and `public_*_of`, so that surfaces of
apps that may not import this one (Open311, council, the boards) apply the very same ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
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
from civic import catalogue
from civic import text as civic_text
from civic.errors import NotFoundError
from civic.forms import row_id
from civic.memo import Memo
from civic.models import Category, Region

from .models import AreaCount, MeToo

PUBLIC_STATUS_LABELS = dict(Status.choices)


def public_cases() -> QuerySet[Case]:
    # No me-too totals here: counted over every public case before a page is cut, they cost
    # a list 10 s at 1M cases. `public_views` counts them for the rows shown, in one query.
    # No joins to categories, regions and units either: a search's row estimate is rough, and
    # with five joins a wrong one chose nested loops over the reference tables for every match
    # (1.2 s for a word in 2,500 titles). `public_views` takes them from memory for the page.
    return cases_public().select_related("public_text").order_by("-received_at")


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
    cases = catalogue.attach(list(cases), "category", "region", "lead_unit")
    totals = me_too_totals(c.pk for c in cases)
    return [public_view(case, me_too=totals.get(case.pk, 0)) for case in cases]


def public_case_filter(qs: QuerySet[Case], *, params, counting: bool = False) -> QuerySet[Case]:
    """`qs` narrowed by the list's filters (`counting`: for the pager's capped count, whose best
    plan for a search differs from the page's: `cases.selectors.title_word`)."""
    status = params.get("status") or ""
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status in PUBLIC_STATUS_LABELS:
        qs = qs.filter(status=status)
    # A category or area stands for itself and everything below it: their ids are looked up
    # first (small tables), so the cases are filtered on their own indexed columns instead of
    # a join the planner must guess (an area's feed sorted all 58,000 of its cases: 0.4 s).
    category = _catalogued(catalogue.category, params.get("category"))
    if category is not None:
        qs = qs.filter(category_id__in=_ids_under(Category, category))
    region = _catalogued(catalogue.region, params.get("region"))
    if region is not None:
        qs = qs.filter(region_id__in=_ids_under(Region, region))
    # PostgreSQL text cannot hold NUL: a typed "\x00" is dropped, not a database error.
    query = (params.get("q") or "").replace("\x00", "").strip()[:50]
    if query:
        qs = qs.filter(case_search(query, counting=counting))
    return qs


def _catalogued(lookup, raw):
    """The category or region a parameter names, from memory (civic.catalogue), or None."""
    pk = row_id(raw)
    return lookup(pk) if pk is not None else None


def _ids_under(model, node) -> list[int]:
    """`node` and every row below it (by their materialised path)."""
    return list(model.objects.filter(path__startswith=node.path).values_list("id", flat=True))


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


# --- the map ------------------------------------------------------------------------------------
# Zoomed out the map shows counts per area, zoomed in the cases themselves; the area level
# follows the zoom. Areas are placed at their communities' centre (the mean of them for a street
# or district): the same coarse places the public points use.
MAP_AREA_LEVELS = (  # (below this zoom, this level)
    (11, Region.Level.DISTRICT),
    (13, Region.Level.STREET),
    (16, Region.Level.COMMUNITY),
)
MAP_POINTS_FROM_ZOOM = 16
MAP_POINTS_LIMIT = 100  # newest first; the list page has the rest
# Filters the area counts cannot answer (a status other than open/closed, a deeper category, a
# search) are counted over the newest this many matching cases, and the answer says so.
MAP_LIVE_LIMIT = 1_000
_LEVEL_DEPTH = {level: Region.DEPTH[level] for _z, level in MAP_AREA_LEVELS}

_centres = Memo(60)


@receiver(post_save, sender=Region)
@receiver(post_delete, sender=Region)
def _regions_changed(sender, **kwargs) -> None:
    _centres.clear()


def _area_centres() -> dict[int, tuple[float, float]]:
    """Every region's map position: a community's own centre, a larger area the mean of its
    communities' centres (kept a minute per process: regions change a few times a year)."""
    return _centres.get("all", _load_area_centres)[0]


def _uncentred_regions() -> list[int]:
    """Regions without a centre of their own: their cases sit at their own snapped point."""
    return _centres.get("all", _load_area_centres)[1]


def _load_area_centres() -> tuple[dict[int, tuple[float, float]], list[int]]:
    rows = list(Region.objects.values_list("id", "parent_id", "center_lat", "center_lng"))
    parent_of = {pk: parent for pk, parent, _lat, _lng in rows}
    sums: dict[int, list[float]] = {}
    for pk, _parent, lat, lng in rows:
        if lat is None or lng is None:
            continue
        node = pk
        while node is not None:
            acc = sums.setdefault(node, [0.0, 0.0, 0])
            acc[0] += float(lat)
            acc[1] += float(lng)
            acc[2] += 1
            node = parent_of.get(node)
    centres = {pk: (lat / n, lng / n) for pk, (lat, lng, n) in sums.items()}
    uncentred = [pk for pk, _parent, lat, _lng in rows if lat is None]
    return centres, uncentred


def _area_ids(depth: int) -> dict[int, int]:
    """Each region's ancestor (or itself) at `depth` (civic.Region.DEPTH), by id."""
    return _centres.get(("areas", depth), _load_area_ids, depth)


def _load_area_ids(depth: int) -> dict[int, int]:
    rows = {
        pk: (parent, level)
        for pk, parent, level in Region.objects.values_list("id", "parent_id", "level")
    }
    found = {}
    for pk in rows:
        node = pk
        while node is not None and Region.DEPTH.get(rows[node][1], 99) > depth:
            node = rows[node][0]
        if node is not None and Region.DEPTH.get(rows[node][1]) == depth:
            found[pk] = node
    return found


def _in_view(point, bbox) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    lat, lng = point
    return south <= lat <= north and west <= lng <= east


def map_view(params, *, bbox, zoom: int) -> dict:
    """GeoJSON for the map's view: counts per area when zoomed out, the newest cases in view
    when zoomed in. Every count and case comes from `cases_public()` (the area counts are its
    roll-up: `public.services.area_counts_refresh`)."""
    if zoom >= MAP_POINTS_FROM_ZOOM:
        return _map_points(params, bbox=bbox)
    level = next(level for below, level in MAP_AREA_LEVELS if zoom < below)
    counts, partial = _area_counts(params)
    area_of = _area_ids(_LEVEL_DEPTH[level])
    centres = _area_centres()
    areas: dict[int, list[int]] = {}
    for region_id, is_open, n in counts:
        area = area_of.get(region_id)
        if area is None:
            continue
        acc = areas.setdefault(area, [0, 0])
        acc[0] += n
        acc[1] += n if is_open else 0
    features = []
    for area_id, (total, still_open) in areas.items():
        centre = centres.get(area_id)
        if centre is None or not _in_view(centre, bbox):
            continue
        area = catalogue.region(area_id)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [centre[1], centre[0]]},
                "properties": {
                    "kind": "area",
                    "region": area_id,
                    "name": area.name,
                    "level": str(Region.Level(area.level).label),
                    "cases": total,
                    "open": still_open,
                },
            }
        )
    features.sort(key=lambda f: -f["properties"]["cases"])
    return _collection(features, mode="areas", partial=partial)


def _collection(features: list, *, mode: str, partial: bool) -> dict:
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"mode": mode, "partial": partial},
    }


def _area_counts(params) -> tuple[list[tuple[int, bool, int]], bool]:
    """(region id, open?, cases) for the filters, and whether they are a sample (the newest
    MAP_LIVE_LIMIT matching cases) rather than every match."""
    status = params.get("status") or ""
    category = _catalogued(catalogue.category, params.get("category"))
    search = (params.get("q") or "").strip()
    if (
        status in ("", "open", Status.CLOSED)
        and not search
        and (category is None or category.parent_id is None)
    ):
        rows = AreaCount.objects.all()
        if status:
            rows = rows.filter(is_open=status == "open")
        if category is not None:
            rows = rows.filter(top_category=category)
        region = _catalogued(catalogue.region, params.get("region"))
        if region is not None:
            rows = rows.filter(region__path__startswith=region.path)
        summed = rows.values_list("region_id", "is_open").annotate(n=Sum("cases")).order_by()
        return list(summed), False
    newest = public_case_filter(public_cases(), params=params).values_list("region_id", "status")
    rows = list(newest[:MAP_LIVE_LIMIT])
    counted: dict[tuple[int, bool], int] = {}
    for region_id, case_status in rows:
        key = (region_id, case_status != Status.CLOSED)
        counted[key] = counted.get(key, 0) + 1
    return [(r, o, n) for (r, o), n in counted.items()], len(rows) == MAP_LIVE_LIMIT


POINT_FIELDS = (
    "number",
    "title",
    "category",
    "area",
    "status",
    "status_label",
    "unit",
    "days_open",
    "me_too",
)


def _map_points(params, *, bbox) -> dict:
    """The newest public cases whose public point (their community's centre, or a ~100 m
    square) lies in view."""
    qs = public_case_filter(public_cases(), params=params)
    centres = _area_centres()
    uncentred = _uncentred_regions()
    skip = set(uncentred)
    in_view = [pk for pk, centre in centres.items() if pk not in skip and _in_view(centre, bbox)]
    found = list(qs.filter(region_id__in=in_view)[:MAP_POINTS_LIMIT])
    # Cases of an area without a centre are shown at their own point, snapped (the area
    # counts tell which such areas hold public cases at all: usually none).
    uncentred = list(
        AreaCount.objects.filter(region_id__in=uncentred).values_list("region_id", flat=True)
    )
    if bbox is not None and uncentred:
        west, south, east, north = bbox
        loose = qs.filter(
            region_id__in=uncentred,
            lat__gte=south,
            lat__lte=north,
            lng__gte=west,
            lng__lte=east,
        )
        found += list(loose[:MAP_POINTS_LIMIT])
    found.sort(key=lambda case: case.received_at, reverse=True)
    found = found[:MAP_POINTS_LIMIT]
    features = []
    for case, view in zip(found, public_views(found), strict=True):
        if view["lat"] is None:
            continue
        properties = {"kind": "case", "region": case.region_id}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [view["lng"], view["lat"]]},
                "properties": {**properties, **{k: view[k] for k in POINT_FIELDS}},
            }
        )
    return _collection(features, mode="points", partial=len(found) == MAP_POINTS_LIMIT)
