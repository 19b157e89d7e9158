"""Latency of one router suggestion over the real texts in data/ (docs/router.md).

    .venv/bin/python -m bench.router_bench [--suggestions 10000]

Loads (or trains on first use) the model at ROUTER_MODEL_PATH, then times `suggest()` —
normalisation, jieba, the three feature blocks, the calibrated classifier and the deeper-level
lookup — `--suggestions` times, cycling through every text of complaints_train.csv,
hot_issues_sample.csv and replies_sample.csv (545 real texts; nothing is cached per text).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.base")

import django

django.setup()

from bench.common import print_row, record  # noqa: E402
from civic import text as T  # noqa: E402
from routing import services as S  # noqa: E402

BUDGET_MS = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suggestions", type=int, default=10_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    router = S.get_router()
    load_s = time.perf_counter() - t0
    texts = []
    for name in ("complaints_train.csv", "hot_issues_sample.csv", "replies_sample.csv"):
        for row in T.read_table(T.DATA_DIR / name):
            texts.append((row.get("留言主题", ""), row.get("留言详情", "")))
    S.suggest(*texts[0])  # warm-up: jieba's lazy structures
    times, cpu = [], []
    for i in range(args.suggestions):
        title, body = texts[i % len(texts)]
        t, c = time.perf_counter(), time.thread_time()
        S.suggest(title, body)
        cpu.append((time.thread_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    cpu.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    chars = sorted(len(b) for _, b in texts)
    print(f"model {router.version}: loaded/trained in {load_s:.2f} s")
    print(
        f"texts: {len(texts)}, body length median {chars[len(chars) // 2]} chars, max {chars[-1]}"
    )
    print(f"suggest latency: median {p50:.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms")
    c50, c95 = statistics.median(cpu), cpu[int(0.95 * (len(cpu) - 1))]
    print(f"suggest CPU time: median {c50:.2f} ms, p95 {c95:.2f} ms (excludes waiting for a core)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"ratio to the {BUDGET_MS:.0f} ms budget: wall median {p50 / BUDGET_MS:.2f}, "
        f"p95 {p95 / BUDGET_MS:.2f}; CPU median {c50 / BUDGET_MS:.2f}, p95 {c95 / BUDGET_MS:.2f}"
    )
    print(f"throughput: {1000 / statistics.mean(times):.0f} suggestions/s on one core")
    record(
        "router",
        {
            "suggestions": len(times),
            "texts": len(texts),
            "median_ms": round(p50, 3),
            "p95_ms": round(p95, 3),
            "max_ms": round(times[-1], 3),
            "cpu_median_ms": round(c50, 3),
        },
    )
    print_row(
        f"router suggestion ({len(times):,})",
        f"median {p50:.2f} ms, p95 {p95:.2f} ms",
        f"{len(texts)} real texts, cycled",
        "",
        "median < 5 ms",
    )


if __name__ == "__main__":
    main()
