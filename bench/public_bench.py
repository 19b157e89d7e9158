"""The public side and title search with a large history present (in-process Django client).

    python -m bench.public_bench --requests 200

The public case list (no filter, and searching a common word, a rare word and a word that never
occurs), the map's points, and the API case list searched by centre staff. p50/p95 in ms.
Target: p95 < 50 ms at 1M cases (issue 27). The words are taken from the titles present: the
most frequent character pair of a sample, and one that occurs in a single sampled title.
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
    rare = next((p for p, n in sorted(pairs.items()) if n == 1), "井盖")
    return {"common": common, "rare": rare, "absent": ABSENT}


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

    settings.ALLOWED_HOSTS = ["*"]
    total = Case.objects.count()
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
        ("public map points", public, "/public/cases.geojson", "application/json"),
        (
            "API search, common word",
            staff,
            f"/api/v1/cases/?search={words['common']}&page_size=50",
            "application/json",
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
