"""The public side and title search with a large history present (in-process Django client).

    python -m bench.public_bench --requests 200

The public case list (no filter, and searching a common, a middling and a rare word and a word
that never occurs), the map's views (zoomed out, by street and community in view, the cases in
view zoomed in, searched), and the API case list searched by centre staff. p50/p95 in ms.
Target: p95 < 50 ms at 1M cases (issue 27). The words are taken from the titles present: the
most frequent character pair of a sample, one in 5–10 of 2,000 sampled titles, and one that
occurs in a single sampled title.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from bench.common import print_row, record, setup_django
from bench.latency import measure

ABSENT = "鲸鱼搁浅"  # a phrase no hotline title holds


def _chinese(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _words() -> dict[str, str]:
    from cases.models import Case

    ids = list(Case.objects.order_by("-id").values_list("id", flat=True)[:50_000])
    sample = random.Random(7).sample(ids, min(2_000, len(ids)))
    titles = list(Case.objects.filter(id__in=sample).values_list("title", flat=True))
    pairs = Counter()
    for title in titles:
        pairs.update(
            {title[i : i + 2] for i in range(len(title) - 1) if _chinese(title[i : i + 2])}
        )
    common = pairs.most_common(1)[0][0] if pairs else "路灯"
    # In 5–10 of 2,000 sampled titles (a quarter to half a percent): the band where neither
    # walking the newest cases nor the index is cheap.
    middle = next((p for p, n in sorted(pairs.items()) if 5 <= n <= 10), "噪音")
    rare = next((p for p, n in sorted(pairs.items()) if n == 1), "井盖")
    return {"common": common, "middle": middle, "rare": rare, "absent": ABSENT}


def _map_views() -> list[tuple[str, str]]:
    """(name, query) of the map's requests: the city zoomed out, a street and a community
    level view, and the busiest community's cases zoomed in (all with the view's box)."""
    from django.db.models import Count

    from cases.models import Case
    from civic.models import Region

    busiest = Case.objects.values("region_id").annotate(n=Count("id")).order_by("-n").first() or {}
    community = Region.objects.filter(pk=busiest.get("region_id")).first()
    lat, lng = (
        (float(community.center_lat), float(community.center_lng))
        if community is not None and community.center_lat is not None
        else (39.91, 116.40)
    )

    def box(half_lat: float, half_lng: float) -> str:
        return (
            f"{lng - half_lng:.5f},{lat - half_lat:.5f},{lng + half_lng:.5f},{lat + half_lat:.5f}"
        )

    return [
        ("map, whole city (districts)", "zoom=10"),
        ("map, streets in view", f"zoom=12&bbox={box(0.15, 0.2)}"),
        ("map, communities in view", f"zoom=14&bbox={box(0.04, 0.05)}"),
        ("map, cases in view", f"zoom=16&bbox={box(0.008, 0.01)}"),
        ("map, open cases by street", f"zoom=12&status=open&bbox={box(0.15, 0.2)}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client

    import civic.wsgi  # noqa: F401  start-up as in production
    from cases.models import Case
    from civic.models import Membership, Unit, User
    from public.services import area_counts_refresh

    settings.ALLOWED_HOSTS = ["*"]
    total = Case.objects.count()
    # What the beat task keeps (every 5 minutes): the map's counts per area.
    area_counts_refresh()
    words = _words()
    public = Client()
    staff = Client()
    centre = Unit.objects.filter(kind="centre").first()
    user, _ = User.objects.get_or_create(username="bench-dispatcher")
    if centre is not None:
        Membership.objects.get_or_create(user=user, unit=centre, role=Membership.Role.DISPATCHER)
    staff.force_login(user)
    surfaces = [
        ("public list", public, "/public/cases/", "text/html"),
        *(
            (f"public list, {kind} word", public, f"/public/cases/?q={word}", "text/html")
            for kind, word in words.items()
        ),
        *(
            (name, public, f"/public/cases.geojson?{query}", "application/json")
            for name, query in _map_views()
        ),
        *(
            (
                f"map, {kind} word",
                public,
                f"/public/cases.geojson?zoom=12&q={word}",
                "application/json",
            )
            for kind, word in words.items()
            if kind in ("common", "rare")
        ),
        *(
            (
                f"API search, {kind} word",
                staff,
                f"/api/v1/cases/?search={word}&page_size=50",
                "application/json",
            )
            for kind, word in words.items()
        ),
    ]
    results = {}
    for name, client, path, accept in surfaces:
        r = measure(path, client, args.requests, seconds=60, accept=accept)
        results[name] = r
        ok = r["status"] == 200
        print_row(
            f"{name} ({total:,})",
            f"p50 {r['median_ms']} ms, p95 {r['p95_ms']} ms" if ok else f"HTTP {r['status']}",
            path[:30],
            "",
            "p95 < 50 ms",
        )
    record("public", {"cases": total, "words": words, **results})


if __name__ == "__main__":
    main()
