"""Latency of caller history (来电弹屏) with a large history present (docs/callers.md).

    BENCH_DATABASE_URL=postgres://… .venv/bin/python -m bench.callers_bench [--lookups 2000]

On a database built by `bench.generate` (whose cases carry repeated phone numbers: most callers
once, a few hundred times a year), times `callers.selectors.caller_history` — its three
queries on the phone-key index — for callers drawn from the whole range: one-off callers, the
busiest callers and unknown numbers. Prints EXPLAIN of the open-cases query for the busiest
caller to show the index at work. Target: p95 < 20 ms at 1M cases.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from bench.common import print_row, record, settle, setup_django, summary_ms

BUDGET_P95_MS = 20.0


def _sample_phones(n: int, seed: int = 11) -> tuple[list[str], dict]:
    """A third one-off callers, a third of the busiest 1 % of callers, a third unknown numbers.
    Numbers are read from the cases (the bench's own data; the keys are all that is indexed)."""
    from django.db import connection

    rnd = random.Random(seed)
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT min(reporter_phone), count(*) AS n FROM cases_case
            WHERE reporter_phone_key <> '' GROUP BY reporter_phone_key
            ORDER BY n DESC
            """
        )
        callers = cur.fetchall()
    if not callers:
        raise SystemExit("no case has a phone key: run bench.generate first")
    busiest = callers[: max(1, len(callers) // 100)]
    once = [c for c in callers if c[1] == 1] or callers
    third = max(1, n // 3)
    phones = [rnd.choice(once)[0] for _ in range(third)]
    phones += [rnd.choice(busiest)[0] for _ in range(third)]
    phones += [f"1{rnd.randrange(10**9, 10**10):010d}"[:11] for _ in range(n - 2 * third)]
    shape = {
        "callers": len(callers),
        "callers_once": sum(1 for c in callers if c[1] == 1),
        "callers_5_or_more": sum(1 for c in callers if c[1] >= 5),
        "busiest_caller_cases": callers[0][1],
        "busiest_phone": callers[0][0],
    }
    return phones, shape


def _explain(phone: str) -> str:
    from cases.models import Case, Status
    from cases.privacy import phone_key

    return (
        Case.objects.filter(reporter_phone_key=phone_key(phone))
        .exclude(status=Status.CLOSED)
        .select_related("lead_unit", "category")
        .order_by("-received_at", "-id")[:10]
        .explain(analyze=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=3000)
    args = parser.parse_args()
    setup_django()
    from callers.selectors import caller_history
    from cases.models import Case

    size = Case.objects.count()
    phones, shape = _sample_phones(args.lookups)
    plan = _explain(shape["busiest_phone"])
    assert "case_phone_key_received_idx" in plan, plan
    print("EXPLAIN ANALYZE, open cases of the busiest caller:")
    print(plan)
    settle(60)
    for phone in phones[:50]:  # warm-up
        caller_history(phone)
    samples, by_kind = [], {"once": [], "busiest": [], "unknown": []}
    kinds = ["once"] * (len(phones) // 3) + ["busiest"] * (len(phones) // 3)
    kinds += ["unknown"] * (len(phones) - len(kinds))
    shown = 0
    for phone, kind in zip(phones, kinds, strict=True):
        start = time.perf_counter()
        history = caller_history(phone)
        elapsed = time.perf_counter() - start
        shown += len(history.cases)
        samples.append(elapsed)
        by_kind[kind].append(elapsed)
    overall = summary_ms(samples)
    result = {
        "cases": size,
        **{k: v for k, v in shape.items() if k != "busiest_phone"},
        "lookups": overall,
        "by_caller": {kind: summary_ms(values) for kind, values in by_kind.items()},
        "cases_shown_per_lookup": round(shown / len(phones), 2),
        "index_used": True,
        "load_average": round(os.getloadavg()[0], 2),
    }
    record("callers", result)
    print(
        f"{size:,} cases, {shape['callers']:,} callers ({shape['callers_once']:,} once, "
        f"{shape['callers_5_or_more']:,} with 5 or more, busiest {shape['busiest_caller_cases']})"
    )
    for kind, values in result["by_caller"].items():
        print(f"  {kind:<8} median {values['median_ms']} ms, p95 {values['p95_ms']} ms")
    print(f"load average while measuring: {result['load_average']} on {os.cpu_count()} CPUs")
    print_row(
        f"caller history ({len(samples):,} lookups)",
        f"median {overall['median_ms']:.2f} ms, p95 {overall['p95_ms']:.2f} ms",
        f"{size:,} cases",
        f"{overall['p95_ms'] / BUDGET_P95_MS:.2f}",
        f"p95 < {BUDGET_P95_MS:.0f} ms",
    )


if __name__ == "__main__":
    main()
