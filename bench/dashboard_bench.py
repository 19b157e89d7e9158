"""Dashboard API latency at a large history, served from the roll-ups.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_dashbench \
        python -m bench.dashboard_bench --requests 300

Rebuilds every roll-up over the generated cases first (timed: the one-off cost of turning the
dashboard on over an existing history), takes the open snapshot, then measures
GET /api/v1/dashboard/ for the centre (whole city) and for a street official (one street).
Target: p95 < 200 ms with 1M cases present.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt

from bench.common import print_row, record, settle, setup_django, timer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument(
        "--month-end",
        action="store_true",
        help="measure as at 23:00 on the last day of last month: a full month of rows against "
        "a full month before it (the heaviest day of the month)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="print only; leave bench/results.json alone"
    )
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from bench.latency import measure
    from cases.models import Case
    from civic import clock
    from civic.models import Membership, Unit, User
    from dashboard import services

    settings.ALLOWED_HOSTS = ["*"]
    cases = Case.objects.count()
    result: dict = {"cases": cases}
    if not args.skip_rebuild:
        with timer() as rebuilt:
            services.tally_rebuild()
        result["rebuild_s"] = round(rebuilt["seconds"], 1)
    with timer() as snap:
        services.dashboard_refresh()
    result["refresh_s"] = round(snap["seconds"], 2)
    settle()

    centre = Unit.objects.filter(kind=Unit.Kind.CENTRE).first()
    dispatcher, _ = User.objects.get_or_create(username="bench-dispatcher")
    Membership.objects.get_or_create(user=dispatcher, unit=centre, role=Membership.Role.DISPATCHER)
    street = Unit.objects.filter(code="B-S0").first()
    official, _ = User.objects.get_or_create(username="bench-street")
    Membership.objects.get_or_create(
        user=official, unit=street, role=Membership.Role.STREET_OFFICIAL
    )
    at = None
    if args.month_end:
        first = timezone.localdate().replace(day=1)
        at = timezone.make_aware(
            dt.datetime.combine(first - dt.timedelta(days=1), dt.time(23)),
            timezone.get_default_timezone(),
        )
        result["at"] = at.isoformat()
    for name, user in (("centre", dispatcher), ("street", official)):
        client = Client()
        client.force_login(user)
        # The API reads civic.clock: the in-process client runs in this thread.
        with clock.override(at) if at else contextlib.nullcontext():
            result[name] = measure(
                "/api/v1/dashboard/", client, args.requests, accept="application/json"
            )
        print_row(
            f"dashboard API ({name})",
            f"p95 {result[name]['p95_ms']} ms",
            f"{cases:,} cases",
            f"status {result[name]['status']}",
            "target p95 < 200 ms",
        )
    if not args.no_record:
        record("dashboard-month-end" if args.month_end else "dashboard", result)
    print(result)


if __name__ == "__main__":
    main()
