"""Generate a realistic city history at scale (PostgreSQL, set-based SQL).

    python -m bench.generate --cases 1000000 [--months 12] [--reset]

A city of 4 districts, 100 streets/townships, 300 communities, 30 departments and 10 utilities
(440 units), the real category tree (data/category_tree.csv), and N cases with assignments,
events and revisits. Category shares follow the first-level label shares of the real messages
(data/complaints_train.csv); regions are skewed (a few busy streets, a long tail), like hotline
data. Titles and descriptions are the real message texts. Everything is generated inside
PostgreSQL with generate_series, so 1M cases take tens of seconds, not hours.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path

from bench.common import ROOT, print_row, record, setup_django, timer

DATA = ROOT / "data"
SHARED = ROOT.parent / "shared" / "data"


def _data_file(name: str) -> Path:
    path = DATA / name
    return path if path.exists() else SHARED / name


def build_structure(seed: int = 7) -> dict:
    """Regions, units, categories and a handler per unit (idempotent)."""
    from civic.models import Category, Region, Unit

    rnd = random.Random(seed)
    if Unit.objects.filter(code__startswith="B-").exists():
        return {"units": Unit.objects.filter(code__startswith="B-").count()}
    city = Region.objects.create(code="B0", name="基准市", level=Region.Level.CITY)
    districts, streets, communities = [], [], []
    for d in range(4):
        districts.append(
            Region.objects.create(
                code=f"B0-{d}", name=f"第{d + 1}区", level=Region.Level.DISTRICT, parent=city
            )
        )
    for s in range(100):
        parent = districts[s % 4]
        level = Region.Level.STREET if s % 3 else Region.Level.TOWNSHIP
        streets.append(
            Region.objects.create(
                code=f"{parent.code}-{s}", name=f"街乡{s}", level=level, parent=parent
            )
        )
    for c in range(300):
        parent = streets[c % 100]
        communities.append(
            Region.objects.create(
                code=f"{parent.code}-{c}",
                name=f"社区{c}",
                level=Region.Level.COMMUNITY,
                parent=parent,
                center_lat=39.9 + rnd.random() * 0.3,
                center_lng=116.3 + rnd.random() * 0.3,
            )
        )
    district_units = [
        Unit.objects.create(
            code=f"B-D{i}", name=f"第{i + 1}区政府", kind=Unit.Kind.DISTRICT, jurisdiction=r
        )
        for i, r in enumerate(districts)
    ]
    for i, r in enumerate(streets):
        Unit.objects.create(
            code=f"B-S{i}",
            name=f"{r.name}办事处",
            kind=Unit.Kind.STREET if r.level == Region.Level.STREET else Unit.Kind.TOWNSHIP,
            jurisdiction=r,
            parent=district_units[i % 4],
        )
    for i, r in enumerate(communities):
        Unit.objects.create(
            code=f"B-C{i}", name=f"{r.name}居委会", kind=Unit.Kind.COMMUNITY, jurisdiction=r
        )
    for i in range(30):
        Unit.objects.create(code=f"B-M{i}", name=f"委办局{i}", kind=Unit.Kind.DEPARTMENT)
    for i in range(10):
        Unit.objects.create(code=f"B-E{i}", name=f"公用企业{i}", kind=Unit.Kind.ENTERPRISE)
    Unit.objects.create(code="B-HQ", name="热线中心", kind=Unit.Kind.CENTRE)

    if not Category.objects.filter(code__startswith="BC").exists():
        tops, mids = {}, {}
        with _data_file("category_tree.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                l1, l2, l3 = row["一级分类"], row["二级分类"], row["三级分类"]
                if l1 not in tops:
                    tops[l1] = Category.objects.create(code=f"BC{len(tops)}", name=l1, level=1)
                if (l1, l2) not in mids:
                    mids[(l1, l2)] = Category.objects.create(
                        code=f"{tops[l1].code}-{len(mids)}", name=l2, level=2, parent=tops[l1]
                    )
                Category.objects.create(
                    code=f"{mids[(l1, l2)].code}-{row_hash(l3)}",
                    name=l3,
                    level=3,
                    parent=mids[(l1, l2)],
                    handling_level=rnd.choice(
                        ["street", "street", "department", "department", "enterprise"]
                    ),
                )
    return {"units": Unit.objects.filter(code__startswith="B-").count()}


def row_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _texts() -> tuple[list[str], list[str], Counter]:
    titles, bodies, labels = [], [], Counter()
    with _data_file("complaints_train.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            titles.append(" ".join(row["留言主题"].split())[:200])
            bodies.append(" ".join(row["留言详情"].split())[:2000])
            labels[row["一级分类"]] += 1
    return titles, bodies, labels


CASES_SQL = """
WITH params AS (
    SELECT %(leaf_ids)s::bigint[] AS leaves,
           %(community_ids)s::bigint[] AS communities,
           %(street_unit_of)s::bigint[] AS street_unit, %(dept_ids)s::bigint[] AS depts,
           %(titles)s::text[] AS titles, %(bodies)s::text[] AS bodies
), g AS (
    SELECT i,
           -- skewed region choice: squaring a uniform number favours the first communities
           1 + floor(power(random(), 2) * 300)::int AS ci,
           random() AS rs, random() AS rt,
           now() - make_interval(secs => floor(random() * %(days)s * 86400)::int) AS received,
           -- the caller: squaring favours the first numbers of the pool, so most callers
           -- call once and a few call hundreds of times (caller history, docs/callers.md)
           floor(power(random(), 2) * %(callers)s)::int AS pi
    FROM generate_series(%(start)s, %(stop)s) AS i
)
INSERT INTO cases_case (
    number, external_ref, channel, kind, urgency, category_id, title, description, address, region_id,
    reporter_name, reporter_phone, reporter_phone_key, reporter_email, anonymous, access_code_hash,
    status, outcome,
    lead_unit_id, received_at, dispatched_at, signed_at, contacted_at, replied_at, closed_at,
    sign_due_at, contact_due_at, handle_due_at, return_window_ends_at, revisit_due_at,
    updated_at, is_overdue, reopen_count, return_count, extension_count, assessable,
    not_assessable_reason, version
)
SELECT
    to_char(g.received, 'YYYYMMDD') || lpad(g.i::text, 7, '0'), '',
    (ARRAY['hotline','hotline','hotline','web','app','wechat'])[1 + floor(g.rt * 6)::int],
    (ARRAY['complaint','complaint','request_for_help','report','consultation','suggestion'])[1 + floor(g.rs * 6)::int],
    CASE WHEN g.rt < 0.02 THEN 'emergency' WHEN g.rt < 0.12 THEN 'utility' WHEN g.rt < 0.9 THEN 'general' ELSE 'complex' END,
    p.leaves[1 + floor(random() * array_length(p.leaves, 1))::int],
    p.titles[1 + (g.i %% array_length(p.titles, 1))],
    p.bodies[1 + (g.i %% array_length(p.bodies, 1))],
    '',
    p.communities[g.ci],
    '', coalesce(c.phone, ''), coalesce(c.key, ''), '', c.phone IS NULL, md5(g.i::text),
    st.status,
    CASE WHEN st.status = 'closed' THEN 'resolved' ELSE '' END,
    CASE WHEN st.status = 'received' THEN NULL
         WHEN g.rs < 0.55 THEN p.street_unit[g.ci]
         ELSE p.depts[1 + floor(g.rs * 1000)::int %% array_length(p.depts, 1)] END,
    g.received,
    CASE WHEN st.status <> 'received' THEN g.received + interval '20 minutes' END,
    CASE WHEN st.status NOT IN ('received','dispatched') THEN g.received + interval '3 hours' END,
    CASE WHEN st.status IN ('in_progress','replied','closed') THEN g.received + make_interval(hours => floor(g.rt * 30)::int) END,
    CASE WHEN st.status IN ('replied','closed') THEN g.received + interval '4 days' END,
    CASE WHEN st.status = 'closed' THEN g.received + interval '6 days' END,
    CASE WHEN st.status <> 'received' THEN g.received + interval '1 day 20 minutes' END,
    CASE WHEN st.status <> 'received' THEN g.received + interval '1 day 20 minutes' END,
    CASE WHEN st.status <> 'received' THEN g.received + interval '9 days 20 minutes' END,
    CASE WHEN st.status <> 'received' THEN g.received + interval '1 day 20 minutes' END,
    CASE WHEN st.status = 'replied' THEN g.received + interval '11 days' END,
    g.received, false, 0, 0, 0, true, '', 1
FROM g CROSS JOIN params p
LEFT JOIN bench_callers c ON c.idx = g.pi
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN g.received > now() - interval '1 day' AND g.rt < 0.3 THEN 'received'
        WHEN g.received > now() - interval '10 days' THEN
             (ARRAY['dispatched','signed','in_progress','in_progress','replied'])[1 + floor(g.rs * 5)::int]
        WHEN g.received > now() - interval '20 days' AND g.rs < 0.3 THEN 'replied'
        ELSE 'closed' END AS status
) st
"""

ASSIGNMENTS_SQL = """
INSERT INTO cases_assignment (case_id, unit_id, role, state, dispatched_at, signed_at, result_note,
                              case_received_at)
SELECT id, lead_unit_id, 'lead', CASE WHEN status = 'closed' THEN 'done' ELSE 'active' END,
       dispatched_at, signed_at, '', received_at
FROM cases_case WHERE lead_unit_id IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
"""

EVENTS_SQL = """
INSERT INTO cases_caseevent (case_id, at, action, from_status, to_status, note, data)
SELECT id, received_at, 'create', '', 'received', '', '{}'::jsonb FROM cases_case WHERE id BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT id, dispatched_at, 'dispatch', 'received', 'dispatched', '', '{}'::jsonb FROM cases_case
 WHERE dispatched_at IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT id, replied_at, 'reply', 'in_progress', 'replied', '', '{}'::jsonb FROM cases_case
 WHERE replied_at IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT id, closed_at, 'close', 'replied', 'closed', '', '{}'::jsonb FROM cases_case
 WHERE closed_at IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
"""

REVISITS_SQL = """
INSERT INTO cases_revisit (case_id, round, unit_id, state, due_at, method, contacted, resolved,
                           satisfaction, comment, answered_at)
SELECT id, 1, lead_unit_id,
       CASE WHEN status = 'replied' THEN 'pending' WHEN (id %% 10) = 0 THEN 'not_reached' ELSE 'answered' END,
       replied_at + interval '7 days', 'phone',
       CASE WHEN status = 'closed' AND (id %% 10) <> 0 THEN (id %% 13) <> 0 END,
       CASE WHEN status = 'closed' AND (id %% 10) <> 0 THEN (id %% 5) <> 0 END,
       CASE WHEN status = 'closed' AND (id %% 10) <> 0 THEN
            (ARRAY['satisfied','satisfied','satisfied','basically','dissatisfied'])[1 + (id %% 5)]
            ELSE '' END,
       '', CASE WHEN status = 'closed' AND (id %% 10) <> 0 THEN closed_at END
FROM cases_case WHERE replied_at IS NOT NULL AND lead_unit_id IS NOT NULL AND id BETWEEN %(lo)s AND %(hi)s
"""


GENERATED_TABLES = ("cases_case", "cases_assignment", "cases_caseevent", "cases_revisit")


def _secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the generated tables' indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(GENERATED_TABLES)],
    )
    # A partitioned table's index reads "ON ONLY <table>": recreated so, it would stay INVALID
    # with no index on any month (every case's trail a scan of all of them).
    return [
        (name, definition.replace(" ON ONLY ", " ON ", 1)) for name, definition in cursor.fetchall()
    ]


def generate(cases: int, days: int = 365, batch: int = 200_000) -> dict:
    """Insert the history with the generated tables' secondary indexes dropped and rebuilt at
    the end (sorted builds instead of a million insertions each: the 30-minute budget of
    `make bench`), and without per-row foreign-key triggers where the role may skip them: the
    rows reference what this function just created. Both are undone even on failure."""
    from django.db import DatabaseError, connection

    from civic.models import Category, Region, Unit

    build_structure()
    titles, bodies, labels = _texts()
    leaves = list(
        Category.objects.filter(level=3, code__startswith="BC").select_related("parent__parent")
    )
    # Leaf weights: the real first-level shares, spread evenly over each label's leaves.
    by_top = Counter(leaf.parent.parent.name for leaf in leaves)
    weights = []
    for leaf in leaves:
        top = leaf.parent.parent.name
        share = labels.get(top, 1)  # labels absent from the sample keep a small share
        weights.append(max(1, round(1000 * share / by_top[top])))
    # Weighted choice in SQL is one array index: each leaf appears `weight` times.
    expanded = [leaf.id for leaf, w in zip(leaves, weights, strict=True) for _ in range(w)]
    communities = list(
        Region.objects.filter(level=Region.Level.COMMUNITY, code__startswith="B0").order_by("id")
    )
    street_units = {u.jurisdiction_id: u.id for u in Unit.objects.filter(code__startswith="B-S")}
    street_unit_of = [street_units[c.parent_id] for c in communities]
    depts = list(Unit.objects.filter(code__startswith="B-M").values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        start_id = cur.fetchone()[0] + 1
    # Each generated month's events land in their own partition, as a year of use would leave
    # them (the beat task's months ahead), not in the DEFAULT partition.
    from django.utils import timezone

    from civic import partitions

    partitions.ensure_since(partitions.local_month(timezone.now() - dt.timedelta(days=days + 31)))
    counts = Counter()
    with timer() as elapsed, connection.cursor() as setup:
        dropped = _secondary_indexes(setup)
        for name, _definition in dropped:
            setup.execute(f'DROP INDEX "{name}"')
        try:
            setup.execute("SET session_replication_role = replica")
            replica = True
        except DatabaseError:  # not a superuser: the triggers run, only slower
            replica = False
        try:
            arrays = {
                "leaf_ids": expanded,
                "community_ids": [c.id for c in communities],
                "street_unit_of": street_unit_of,
                "dept_ids": depts,
                "titles": titles,
                "bodies": bodies,
                "days": days,
            }
            _insert(cases, batch, start_id, arrays, counts)
        finally:
            if replica:
                setup.execute("SET session_replication_role = DEFAULT")
            setup.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in dropped:
                setup.execute(definition)
        with connection.cursor() as cur:
            cur.execute(
                "ANALYZE cases_case; ANALYZE cases_assignment; ANALYZE cases_caseevent; ANALYZE cases_revisit;"
            )
    rows = sum(counts.values())
    return {
        "counts": dict(counts),
        "seconds": round(elapsed["seconds"], 2),
        "rows_per_s": round(rows / elapsed["seconds"]),
        "indexes_rebuilt": len(dropped),
        "fk_triggers_skipped": replica,
    }


ANONYMOUS_SHARE = 0.05  # of the pool's numbers stand for callers who gave none


def _caller_pool(cur, size: int) -> None:
    """A temporary table of `size` callers (idx, phone, key): deterministic numbers, so runs
    that add to a history share callers, and their keyed hashes (cases.privacy.phone_key),
    computed here once per caller, not once per case. A share of the slots has no number."""
    from cases.privacy import phone_key

    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS bench_callers (idx int PRIMARY KEY, phone text, key text)"
    )
    cur.execute("TRUNCATE bench_callers")
    step = 100_000
    for lo in range(0, size, step):
        # The busiest slots always have a number: the bench's heaviest callers.
        idx = [
            i
            for i in range(lo, min(size, lo + step))
            if i < 1000 or (i * 37) % 100 >= ANONYMOUS_SHARE * 100
        ]
        # 7919 is prime to 10^9: distinct slots get distinct 11-digit mobile numbers.
        phones = [str(13_000_000_000 + (i * 7919 + 12345) % 1_000_000_000) for i in idx]
        keys = [phone_key(p) for p in phones]
        cur.execute(
            "INSERT INTO bench_callers SELECT * FROM unnest(%s::int[], %s::text[], %s::text[])",
            [idx, phones, keys],
        )
    cur.execute("ANALYZE bench_callers")


def _insert(cases: int, batch: int, start_id: int, arrays: dict, counts: Counter) -> None:
    """Cases in batches of `batch`, each with its assignments, events and revisits."""
    from django.db import connection

    # About 0.8 slots per case: with the squared choice, roughly half the numbers that call
    # at all call once, and the busiest call several hundred times a year.
    callers = max(1000, int(cases * 0.8))
    with connection.cursor() as cur:
        _caller_pool(cur, callers)
    arrays = {**arrays, "callers": callers}
    done = 0
    while done < cases:
        n = min(batch, cases - done)
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
            lo = cur.fetchone()[0] + 1
            cur.execute(
                CASES_SQL, {**arrays, "start": start_id + done, "stop": start_id + done + n - 1}
            )
            counts["cases"] += cur.rowcount
            cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
            hi = cur.fetchone()[0]
            for name, sql in (
                ("assignments", ASSIGNMENTS_SQL),
                ("events", EVENTS_SQL),
                ("revisits", REVISITS_SQL),
            ):
                cur.execute(sql, {"lo": lo, "hi": hi})
                counts[name] += cur.rowcount
        done += n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    setup_django()
    result = generate(args.cases, days=args.days)
    # A history that has been running for months has been vacuumed: set the visibility map
    # (index-only scans) and statistics as autovacuum would, outside the rows/s figure. Every
    # table: the small ones (categories, units) were never analysed either, and a planner that
    # thinks there are 44 categories instead of 650 joins them by a nested loop (13 ms of the
    # inbox's 16 ms query).
    from django.db import connection

    with timer() as settled, connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    result["vacuum_s"] = round(settled["seconds"], 1)
    record("generate", {"size": args.cases, **result})
    print_row(
        "generate city history",
        f"{result['rows_per_s']:,} rows/s",
        f"{result['counts']}",
        "",
        "reusable dataset",
    )


if __name__ == "__main__":
    main()
