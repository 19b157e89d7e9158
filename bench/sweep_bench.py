"""Deadline sweep over many open cases, against one hand-written SQL UPDATE doing the flagging.

    python -m bench.sweep_bench --cases 1000000 --due 10000

N open (in-progress) cases are inserted set-based; `--due` of them have just passed their
handling deadline, the rest are due 8–30 days ahead (outside the warning horizon). The reference
is the bare flagging statement, run and committed in the same run (then undone, untimed); then
civic's sweep does the real work (flag, DeadlineEffect, CaseEvent, SupervisionOrder, notices).
A second sweep must find nothing (idempotency), and both must flag the same rows.
"""

from __future__ import annotations

import argparse
import time

from bench.common import print_row, record, setup_django, timer

INSERT_SQL = """
INSERT INTO cases_case (
    number, external_ref, channel, kind, urgency, category_id, title, description, address, region_id,
    reporter_name, reporter_phone, reporter_email, anonymous, access_code_hash, status, outcome,
    lead_unit_id, received_at, dispatched_at, signed_at, contacted_at, handle_due_at, updated_at,
    is_overdue, reopen_count, return_count, extension_count, assessable, not_assessable_reason, version
)
SELECT %(prefix)s || lpad(i::text, 12, '0'), '', 'hotline', 'complaint', 'general', %(category)s,
       '路面破损', '路面破损需要维修', '', %(region)s, '', '', '', true, md5(i::text), 'in_progress', '',
       (%(units)s::bigint[])[1 + (i %% %(n_units)s)],
       now() - interval '10 days', now() - interval '9 days', now() - interval '9 days',
       now() - interval '8 days',
       CASE WHEN i <= %(due)s THEN now() - interval '1 minute'
            ELSE now() + make_interval(days => 8 + (i %% 22)) END,
       now(), false, 0, 0, 0, true, '', 1
FROM generate_series(1, %(n)s) AS i
"""

REFERENCE_SQL = """
UPDATE cases_case SET is_overdue = true
WHERE status IN ('dispatched', 'signed', 'in_progress') AND handle_due_at <= now() AND NOT is_overdue
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection, transaction

    from bench.generate import build_structure
    from cases.models import Case, DeadlineEffect, SupervisionOrder
    from cases.sweep import sweep
    from civic.models import Category, Region, Unit

    build_structure()
    units = list(Unit.objects.filter(code__startswith="B-M").values_list("id", flat=True))
    category = Category.objects.filter(level=3).values_list("id", flat=True).first()
    region = Region.objects.filter(level="community").values_list("id", flat=True).first()
    # Each run its own number prefix: earlier runs' cases stay (their audit rows are immutable).
    prefix = "S" + format(int(time.time()) % 100000, "05d")
    # The workload is exactly N open cases of which `--due` are newly due: earlier runs' cases
    # and a generated history (make bench runs bench.generate first) are closed beforehand.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET status = 'closed', closed_at = coalesce(closed_at, now()) "
            "WHERE status <> 'closed'"
        )
    with timer() as gen, connection.cursor() as cur:
        cur.execute(
            INSERT_SQL,
            {
                "category": category,
                "region": region,
                "units": units,
                "n_units": len(units),
                "due": args.due,
                "n": args.cases,
                "prefix": prefix,
            },
        )
    # Settle the table first (as autovacuum would): whichever statement first reads the new
    # rows and the entries left by closing the earlier ones would otherwise pay for cleaning
    # them up (hint bits, dead index entries), and the reference runs first.
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")
    # Reference: the bare flagging, committed as civic's sweep commits its work (a rolled-back
    # UPDATE never waits for its WAL to reach the disk). Then undone and settled, untimed.
    with timer() as ref, transaction.atomic(), connection.cursor() as cur:
        cur.execute(REFERENCE_SQL + " RETURNING id")
        flagged_ids = [row[0] for row in cur.fetchall()]
    flagged_by_sql = len(flagged_ids)
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET is_overdue = false WHERE id = ANY(%s)", [flagged_ids])
        cur.execute("VACUUM (ANALYZE) cases_case")
    with timer() as civic_time:
        counts = sweep()
    with timer() as second:
        again = sweep()
    flagged = Case.objects.filter(number__startswith=prefix, is_overdue=True).count()
    effects = DeadlineEffect.objects.filter(
        case__number__startswith=prefix, effect="overdue"
    ).count()
    orders = SupervisionOrder.objects.filter(case__number__startswith=prefix).count()
    ratio = civic_time["seconds"] / ref["seconds"] if ref["seconds"] else float("nan")
    data = {
        "open_cases": args.cases,
        "newly_due": args.due,
        "generate_s": round(gen["seconds"], 2),
        "reference_sql_s": round(ref["seconds"], 3),
        "civic_sweep_s": round(civic_time["seconds"], 3),
        "second_sweep_s": round(second["seconds"], 3),
        "ratio": round(ratio, 2),
        "flagged_by_sql": flagged_by_sql,
        "flagged_by_civic": flagged,
        "effects": effects,
        "supervision_orders": orders,
        "second_sweep_counts": again,
        "sweep_counts": counts,
    }
    record("sweep", data)
    assert flagged == flagged_by_sql == args.due, data
    assert not again.get("handle_overdue"), data
    print_row(
        f"deadline sweep ({args.cases:,} open, {args.due:,} due)",
        f"{civic_time['seconds']:.2f} s (re-run {second['seconds']:.2f} s)",
        f"SQL UPDATE {ref['seconds']:.3f} s",
        f"{ratio:.2f}x",
        "<= 1.5x",
    )


if __name__ == "__main__":
    main()
