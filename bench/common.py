"""Shared benchmark plumbing: a separate PostgreSQL database, timers, the results file.

Benchmarks never touch the development or test databases: they run on BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/civic_bench), which `bench/run.sh` recreates.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/civic_bench"


def setup_django() -> None:
    """Point Django at the bench database and initialise it (call before importing models)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.base")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def settle(max_seconds: float = 300.0) -> float:
    """Wait (bounded) until no autovacuum worker runs anywhere on this PostgreSQL: clean-up left
    by an earlier step (the import's million rows, say) must not land on one side of a
    comparison. Measured phases call this first. Returns the seconds waited."""
    from django.db import connection

    start = time.monotonic()
    while time.monotonic() - start < max_seconds:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(1)
    return time.monotonic() - start


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3) if ms else None,
        "p95_ms": round(percentile(ms, 95), 3) if ms else None,
        "p99_ms": round(percentile(ms, 99), 3) if ms else None,
    }


def machine() -> dict:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def record(name: str, data: dict) -> None:
    """Merge one workload's figures into bench/results.json."""
    results = {}
    if RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            results = {}
    results.setdefault("machine", machine())
    results.setdefault("workloads", {})[name] = {
        **data,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))


def print_row(
    name: str, figure: str, reference: str = "", ratio: str = "", target: str = ""
) -> None:
    print(
        f"| {name:<34} | {figure:<34} | {reference:<30} | {ratio:<12} | {target:<18} |", flush=True
    )
