"""Latency of one knowledge-base search (knowledge.selectors.article_search) on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_kbbench \
        .venv/bin/python -m bench.knowledge_bench [--articles 20000] [--queries 2000]

Fills the knowledge tables (once; kept between runs) with `--articles` published articles
made from the 300 real replies of data/knowledge_seed.csv: each copy mixes the question with a
place (a demo district), a second real question's words and a varied answer, so the index
holds 20,000 distinct texts with the real vocabulary. Then times `article_search` for real
message titles of messages_replies/complaints files in data/ (none of them the seed's own
questions), cycling; every call segments the query with jieba, asks the GIN index for
candidates and scores them.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_row, settle, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from civic import clock  # noqa: E402
from civic import text as T  # noqa: E402
from civic.demo import seed_structure  # noqa: E402
from civic.models import Category, Region, Unit  # noqa: E402
from knowledge import selectors  # noqa: E402
from knowledge.models import Article  # noqa: E402
from knowledge.services import search_tokens  # noqa: E402

BUDGET_MS = 50.0
QUALIFIERS = ["", "最新", "咨询", "如何办理", "标准", "政策", "流程", "问题", "规定", "条件"]


def fill(n: int) -> None:
    have = Article.objects.count()
    if have >= n:
        return
    if not Category.objects.exists():
        seed_structure()
    rows = T.read_table(T.DATA_DIR / "knowledge_seed.csv")
    tops = list(Category.objects.filter(level__lte=2))
    units = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT)) or list(Unit.objects.all())
    places = [None, *Region.objects.filter(level__in=["district", "street"])[:40]]
    rng = random.Random(7)
    now = clock.now()
    batch: list[Article] = []
    for i in range(have, n):
        row, other = rows[i % len(rows)], rows[rng.randrange(len(rows))]
        region = rng.choice(places)
        words = T.segment(T.normalise(other["留言主题"]))[:3]
        title = f"{row['留言主题']} {''.join(words)}{rng.choice(QUALIFIERS)}"[:300]
        sentences = row["答复意见"].split("。")
        rng.shuffle(sentences)
        article = Article(
            title=title,
            answer="。".join(sentences)[:10000],
            category=rng.choice(tops),
            unit=rng.choice(units),
            region=region,
            public=rng.random() < 0.7,
            status=Article.Status.PUBLISHED,
            keywords=" ".join(words),
            created_at=now,
            updated_at=now,
            reviewed_at=now,
        )
        article.search_title, article.search_body = search_tokens(article)
        batch.append(article)
        if len(batch) == 1000:
            with transaction.atomic():
                Article.objects.bulk_create(batch)
            batch = []
            print(f"  … {i + 1:,} articles", flush=True)
    if batch:
        Article.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_article")


def queries() -> list[str]:
    seeds = {r["留言主题"] for r in T.read_table(T.DATA_DIR / "knowledge_seed.csv")}
    out = []
    for name in ("complaints_train.csv", "replies_sample.csv", "hot_issues_sample.csv"):
        for row in T.read_table(T.DATA_DIR / name):
            title = (row.get("留言主题") or "").strip()
            if title and title not in seeds:
                out.append(title)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "needs PostgreSQL (BENCH_DATABASE_URL)"
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    fill(args.articles)
    print(f"articles: {Article.objects.count():,} (filled in {time.perf_counter() - t0:.1f} s)")
    texts = queries()
    regions = [None, *Region.objects.filter(level="community")[:20]]
    selectors.article_search(texts[0])  # warm-up: jieba's dictionary, the connection
    settle(60)
    times, found = [], 0
    for i in range(args.queries):
        text = texts[i % len(texts)]
        region = regions[i % len(regions)]
        t = time.perf_counter()
        hits = selectors.article_search(text, region=region, limit=10)
        times.append((time.perf_counter() - t) * 1000)
        found += bool(hits)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"queries: {len(times):,} over {len(texts)} real titles; {found / len(times):.0%} found")
    print(f"search latency: median {p50:.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print_row(
        f"knowledge search ({Article.objects.count():,} articles)",
        f"median {p50:.1f} ms, p95 {p95:.1f} ms",
        f"{len(texts)} real titles, cycled",
        f"{p95 / BUDGET_MS:.2f}",
        f"p95 < {BUDGET_MS:.0f} ms",
    )


if __name__ == "__main__":
    main()
