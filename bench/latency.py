"""Page and API latency with a large history present (in-process Django client, warm cache).

    python -m bench.latency --requests 2000

Measures the unit inbox page and the API case list for the busiest unit, p50/p95/p99 in ms.
Target: p95 < 50 ms with 1M cases present.
"""

from __future__ import annotations

import argparse
import time

from bench.common import print_row, record, setup_django, summary_ms


def _busiest_unit_user():
    from django.db.models import Count

    from cases.models import Assignment
    from civic.models import Membership, Unit, User

    row = (
        Assignment.objects.filter(state="active", role="lead")
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    unit = (
        Unit.objects.get(pk=row["unit_id"]) if row else Unit.objects.filter(kind="street").first()
    )
    user, _ = User.objects.get_or_create(username="bench-handler")
    Membership.objects.get_or_create(user=user, unit=unit, role=Membership.Role.HANDLER)
    return user, unit, (row or {}).get("n", 0)


def measure(path: str, client, n: int, seconds: float = 120.0, accept: str = "text/html") -> dict:
    """n requests after 20 warm-up ones, or as many as fit in `seconds` (the step's own bound)."""
    samples = []
    status = None
    stop_at = time.perf_counter() + seconds
    for i in range(n + 20):
        if i >= 20 and time.perf_counter() > stop_at:
            break
        start = time.perf_counter()
        response = client.get(path, HTTP_ACCEPT=accept)
        elapsed = time.perf_counter() - start
        status = response.status_code
        if i >= 20:  # warm-up excluded
            samples.append(elapsed)
    return {"path": path, "status": status, **summary_ms(samples)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client

    import civic.wsgi  # noqa: F401  start-up as in production (it freezes start-up objects)
    from cases.models import Case

    settings.ALLOWED_HOSTS = ["*"]
    user, unit, active = _busiest_unit_user()
    client = Client()
    client.force_login(user)
    total = Case.objects.count()
    per = max(1, args.requests // 2)
    results = {}
    # Each as its users ask for it: the page as HTML, the API as JSON (an Accept header that
    # lists text/html first would get DRF's browsable HTML page instead).
    for name, path, accept in (
        ("inbox page", "/inbox/", "text/html"),
        ("API case list", "/api/v1/cases/?page_size=50", "application/json"),
    ):
        results[name] = measure(path, client, per, accept=accept)
        r = results[name]
        ok = r["status"] == 200
        print_row(
            f"{name} ({total:,} cases)",
            f"p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms" if ok else f"HTTP {r['status']}",
            f"{active:,} active for {unit.code}",
            "",
            "p95 < 50 ms",
        )
    record("latency", {"cases": total, "unit_active_cases": active, **results})


if __name__ == "__main__":
    main()
