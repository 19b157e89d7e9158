"""Assessment benchmark: 1M cases of one month over 400 units in a separate database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_assessment_bench \
        .venv/bin/python bench/assessment_bench.py [--cases 1000000] [--keep]

Bulk path: units via the ORM, cases/assignments/revisits with INSERT … SELECT generate_series.
Times assessment_compute (whole service: aggregate + ranking + 400 row writes) against a
hand-written SQL aggregate of the same numbers, asserts they are equal, prints the ratio.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civic_assessment_bench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from assessment.services import assessment_compute, month_bounds, parse_month  # noqa: E402
from bench.common import print_row, record  # noqa: E402

MONTH = "2026-03"
FIELDS = [
    "cases",
    "exempt",
    "returned",
    "responded",
    "revisited",
    "resolved",
    "satisfied",
    "basically",
    "dissatisfied",
]

HAND_SQL = """
WITH lr AS (
  SELECT DISTINCT ON (r.case_id, r.unit_id) r.case_id, r.unit_id, r.resolved, r.satisfaction
  FROM cases_revisit r
  WHERE r.state = 'answered' AND r.answered_at < %(end)s
  ORDER BY r.case_id, r.unit_id, r.answered_at DESC, r.id DESC
)
SELECT a.unit_id,
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND NOT c.assessable),
  count(*) FILTER (WHERE a.state = 'returned'),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND c.contacted_at <= c.contact_due_at),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND lr.satisfaction <> ''),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND lr.satisfaction <> '' AND lr.resolved),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND lr.satisfaction = 'satisfied'),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND lr.satisfaction = 'basically'),
  count(DISTINCT a.case_id) FILTER (WHERE a.state IN ('active','done') AND c.assessable
                                     AND lr.satisfaction = 'dissatisfied')
FROM cases_assignment a
JOIN cases_case c ON c.id = a.case_id
LEFT JOIN lr ON lr.case_id = a.case_id AND lr.unit_id = a.unit_id
WHERE a.role = 'lead' AND a.dispatched_at >= %(start)s AND a.dispatched_at < %(end)s
GROUP BY a.unit_id
"""


def generate(n: int) -> None:
    from civic.models import Category, Unit
    from tests.factories import RegionFactory, UnitFactory, category_leaf

    region = RegionFactory()
    category = category_leaf(Category.HandlingLevel.DEPARTMENT, name="bench")
    kinds = [Unit.Kind.STREET, Unit.Kind.DEPARTMENT, Unit.Kind.ENTERPRISE, Unit.Kind.TOWNSHIP]
    units = [UnitFactory(kind=kinds[i % 4], name=f"bench unit {i}") for i in range(400)]
    ids = [u.pk for u in units]
    start, end = month_bounds(parse_month(MONTH))
    seconds = int((end - start).total_seconds())
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO cases_case (number, external_ref, channel, kind, urgency, title, description, address,
              reporter_name, reporter_phone, reporter_email, anonymous, access_code_hash, status,
              outcome, received_at, updated_at, is_overdue, reopen_count, return_count,
              extension_count, assessable, not_assessable_reason, version, category_id, region_id,
              lead_unit_id, dispatched_at, contact_due_at, contacted_at, closed_at)
            SELECT 'B' || g, '', 'web', 'complaint', 'normal', 't', 'd', '', '', '', '', false, 'x',
              'closed', 'resolved', ts, ts, false, 0, 0, 0, (g %% 50 <> 0),
              CASE WHEN g %% 50 = 0 THEN 'exempt' ELSE '' END, 1, %(cat)s, %(reg)s,
              (%(ids)s::bigint[])[1 + g %% 400], ts, ts + interval '2 hours',
              CASE WHEN g %% 7 = 0 THEN NULL WHEN g %% 11 = 0 THEN ts + interval '3 hours'
                   ELSE ts + interval '1 hour' END,
              ts + interval '2 days'
            FROM generate_series(1, %(n)s) g,
                 LATERAL (SELECT %(start)s::timestamptz + (g %% %(sec)s) * interval '1 second') t(ts)
            """,
            {
                "cat": category.pk,
                "reg": region.pk,
                "ids": ids,
                "n": n,
                "start": start,
                "sec": seconds,
            },
        )
        cur.execute(
            """
            INSERT INTO cases_assignment (role, state, dispatched_at, result_note, unit_id, case_id,
              case_received_at)
            SELECT 'lead', 'done', dispatched_at, '', lead_unit_id, id, received_at FROM cases_case
            WHERE number LIKE 'B%%'
            UNION ALL
            SELECT 'lead', 'returned', dispatched_at - interval '1 hour', '',
                   (%(ids)s::bigint[])[1 + (id + 7) %% 400], id, received_at
            FROM cases_case WHERE number LIKE 'B%%' AND id %% 97 = 0
            """,
            {"ids": ids},
        )
        cur.execute(
            """
            INSERT INTO cases_revisit (round, state, due_at, method, satisfaction, comment, case_id,
              unit_id, contacted, resolved, answered_at)
            SELECT 1, CASE WHEN id %% 10 = 0 THEN 'not_reached' ELSE 'answered' END,
              dispatched_at + interval '5 days', 'phone',
              CASE WHEN id %% 10 = 0 THEN ''
                   ELSE (ARRAY['satisfied','satisfied','satisfied','basically','dissatisfied'])
                        [1 + id %% 5] END,
              '', id, lead_unit_id, true,
              CASE WHEN id %% 10 = 0 THEN NULL ELSE id %% 4 <> 0 END,
              CASE WHEN id %% 10 = 0 THEN NULL ELSE dispatched_at + interval '1 day' END
            FROM cases_case WHERE number LIKE 'B%%' AND id %% 3 <> 0
            UNION ALL
            SELECT 2, 'answered', dispatched_at + interval '9 days', 'phone', 'satisfied', '', id,
              lead_unit_id, true, true, dispatched_at + interval '4 days'
            FROM cases_case WHERE number LIKE 'B%%' AND id %% 13 = 0 AND id %% 3 <> 0
            """,
            {},
        )
        cur.execute("ANALYZE")


def hand(month: str) -> dict:
    start, end = month_bounds(parse_month(month))
    with connection.cursor() as cur:
        cur.execute(HAND_SQL, {"start": start, "end": end})
        return {row[0]: dict(zip(FIELDS, row[1:], strict=True)) for row in cur.fetchall()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    assert "bench" in connection.settings_dict["NAME"], "run against a separate bench database"
    call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    generate(args.cases)
    print(f"generated {args.cases} cases in {time.perf_counter() - t:.1f} s")
    hand(MONTH)  # warm the cache once for both
    t = time.perf_counter()
    expected = hand(MONTH)
    t_sql = time.perf_counter() - t
    t = time.perf_counter()
    run = assessment_compute(month=MONTH, actor=None)
    t_service = time.perf_counter() - t
    got = {s.unit_id: {f: getattr(s, f) for f in FIELDS} for s in run.scores.filter(cases__gt=0)}
    expected = {k: v for k, v in expected.items() if v["cases"]}
    assert got == expected, "service and hand-written SQL disagree"
    print(f"units: {len(got)}, cases counted: {sum(v['cases'] for v in got.values())}")
    print(f"hand-written SQL aggregate: {t_sql:.2f} s")
    print(f"assessment_compute (aggregate + ranking + writes): {t_service:.2f} s")
    print(f"ratio: {t_service / t_sql:.2f}x (target <= 1.3x)")
    record(
        "assessment",
        {
            "cases": args.cases,
            "units": len(got),
            "cases_counted": sum(v["cases"] for v in got.values()),
            "reference_sql_s": round(t_sql, 3),
            "civic_s": round(t_service, 3),
            "ratio": round(t_service / t_sql, 3),
            "same_numbers": True,
        },
    )
    print_row(
        f"assessment ({args.cases:,} cases, {len(got)} units)",
        f"{t_service:.2f} s, same numbers",
        f"SQL aggregate {t_sql:.2f} s",
        f"{t_service / t_sql:.2f}x",
        "<= 1.3x",
    )


if __name__ == "__main__":
    main()
