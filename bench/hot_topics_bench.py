"""Hot-topic analysis (每月一题) on the busiest month of the generated city history.

    python -m bench.hot_topics_bench [--limit 5000]

Run after `bench.generate`. Times `themes.hot_topics.analyse` cold (cache cleared): counting the
month, reading its ids, the evenly spaced sample's texts, jieba, TF-IDF, the clustering and the
previous month's projection; then a rerun with the cases' tokens cached (what a page view pays
after new cases arrived) and a cached read. Figures, not ratios: there is no one-statement
equivalent. Set CACHE_URL=redis://… to measure with the production cache.
"""

from __future__ import annotations

import argparse

from bench.common import print_row, record, setup_django, timer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=5000)
    args = parser.parse_args()
    setup_django()
    from django.core.cache import cache
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from cases.models import Case
    from themes import hot_topics

    busiest = (
        Case.objects.annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        print_row("hot topics", "no cases (run bench.generate first)", "—", "—", "—")
        return
    month = busiest["month"].date()
    cache.clear()
    with timer() as cold:
        analysis = hot_topics.analyse(month, limit=args.limit)
    # New cases change the data fingerprint: the analysis reruns, but segmented texts are reused.
    with timer() as rerun:
        hot_topics._analyse(month, None, limit=args.limit, top=hot_topics.MAX_GROUPS)
    with timer() as warm:
        hot_topics.analyse(month, limit=args.limit)
    top = analysis.topics[0] if analysis.topics else None
    data = {
        "month": f"{month:%Y-%m}",
        "month_cases": analysis.total,
        "analysed": analysis.analysed,
        "groups": len(analysis.topics),
        "largest_group": top.count if top else 0,
        "cold_s": round(cold["seconds"], 2),
        "rerun_tokens_cached_s": round(rerun["seconds"], 2),
        "cached_s": round(warm["seconds"], 4),
    }
    record("hot_topics", data)
    print_row(
        f"hot topics ({analysis.total:,} cases in {month:%Y-%m})",
        f"{cold['seconds']:.1f} s cold, {rerun['seconds']:.1f} s rerun, "
        f"{warm['seconds'] * 1000:.0f} ms cached",
        f"sample {analysis.analysed:,}, {len(analysis.topics)} groups",
        "—",
        "—",
    )


if __name__ == "__main__":
    main()
