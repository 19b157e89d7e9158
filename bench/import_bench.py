"""Bulk import of a CSV through `import_cases` against PostgreSQL COPY of the same file.

    python -m bench.import_bench --rows 1000000

Writes a CSV of N rows in civic's import columns (real message texts, the generated city's
category and region codes, a spread of received times, half of them closed), then in the same
run: COPY of that file into a bare table (no indexes, no constraints: the floor), and civic's
import (`cases.importing.import_file`, what `manage.py import_cases` runs): validation of every
row, category/region resolution, duplicate checks, reserved case numbers, hashed access codes,
the cases and one audit event each. Figure: rows/s and the ratio to COPY (target ≥ 0.5).
A second line shows the ceiling: the same rows (the first 200,000) written into the real tables
by one SQL statement with no validation at all (rolled back).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bench.common import print_row, record, setup_django, timer

COLUMNS = [
    "external_ref",
    "received_at",
    "channel",
    "kind",
    "category",
    "region",
    "title",
    "description",
    "reporter_phone",
    "status",
]


def write_csv(path: Path, rows: int, categories: list[str], regions: list[str]) -> None:
    from bench.generate import _data_file

    with _data_file("complaints_train.csv").open(encoding="utf-8-sig", newline="") as fh:
        texts = [(r["留言主题"], r["留言详情"]) for r in csv.DictReader(fh)]
    rnd = random.Random(11)
    run = format(int(time.time()), "x")
    start = dt.datetime(2024, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            title, body = texts[i % len(texts)]
            out.writerow(
                [
                    f"IMP-{run}-{i}",
                    (start + dt.timedelta(seconds=i * 29)).strftime("%Y-%m-%d %H:%M:%S"),
                    rnd.choice(("hotline", "hotline", "web", "app")),
                    "complaint",
                    rnd.choice(categories),
                    rnd.choice(regions),
                    title[:200],
                    body[:5000],
                    f"139{i % 100_000_000:08d}",
                    "closed" if i % 2 else "received",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=None, help="import_cases --workers (default: its own)"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from bench.generate import build_structure
    from cases.importing import default_workers, import_file
    from civic.models import Category, Region

    build_structure()
    categories = list(Category.objects.filter(level=3).values_list("code", flat=True))
    regions = list(Region.objects.filter(level="community").values_list("code", flat=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        with timer() as written:
            write_csv(path, args.rows, categories, regions)
        size_mb = path.stat().st_size / 1e6
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_import_floor")
            cur.execute(
                "CREATE TABLE bench_import_floor (" + ", ".join(f"{c} text" for c in COLUMNS) + ")"
            )
        raw = connection.connection  # psycopg 3 connection under Django's
        copy_sql = "COPY bench_import_floor FROM STDIN (FORMAT csv, HEADER true)"
        with timer() as copy_t:
            with raw.cursor() as cur, path.open("rb") as fh, cur.copy(copy_sql) as cp:
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
            raw.commit()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_import_floor")
            copied = cur.fetchone()[0]
        # The ceiling is a rate: measured on at most CEILING_ROWS rows (a full 1M-row pass took
        # two minutes of the 30 the whole bench may take).
        ceiling_rows = min(copied, CEILING_ROWS)
        with timer() as write_t:
            _sql_write_floor(ceiling_rows)
        with connection.cursor() as cur:
            cur.execute("DROP TABLE bench_import_floor")
        workers = default_workers() if args.workers is None else args.workers
        with timer() as civic_t:
            report = import_file(path, workers=workers)
    # Untimed: clear what the rolled-back ceiling and the import left (a million dead and a
    # million new rows in each table), as autovacuum would. Left to autovacuum, that work ran
    # during the next steps and landed on whichever of their phases it overlapped.
    with timer() as vacuum_t, connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case, cases_caseevent")
    copy_rate = copied / copy_t["seconds"]
    write_rate = ceiling_rows / write_t["seconds"]
    civic_rate = report.imported / civic_t["seconds"]
    ratio = civic_rate / copy_rate
    data = {
        "rows": args.rows,
        "workers": workers,
        "file_mb": round(size_mb, 1),
        "write_csv_s": round(written["seconds"], 2),
        "copy_s": round(copy_t["seconds"], 3),
        "copy_rows_per_s": round(copy_rate),
        "civic_s": round(civic_t["seconds"], 2),
        "civic_rows_per_s": round(civic_rate),
        "imported": report.imported,
        "rejected": len(report.rejected),
        "duplicates": report.duplicates,
        "ratio": round(ratio, 3),
        "sql_write_rows": ceiling_rows,
        "sql_write_s": round(write_t["seconds"], 3),
        "sql_write_rows_per_s": round(write_rate),
        "sql_write_ratio": round(write_rate / copy_rate, 3),
        "vacuum_after_s": round(vacuum_t["seconds"], 1),
    }
    record("import", data)
    assert report.imported == copied == args.rows, data
    print_row(
        f"CSV import ({args.rows:,} rows, {size_mb:.0f} MB)",
        f"{civic_rate:,.0f} rows/s",
        f"COPY {copy_rate:,.0f} rows/s",
        f"{ratio:.2f}",
        ">= 0.5",
    )
    print_row(
        f"  SQL-only write ({ceiling_rows:,} rows)",
        f"{write_rate:,.0f} rows/s",
        f"COPY {copy_rate:,.0f} rows/s",
        f"{write_rate / copy_rate:.2f}",
        "(ceiling)",
    )


# The most any import can do on this schema: the COPY'd rows written into the real tables (a
# case + its audit event each, every index maintained) by one SQL statement, no validation, no
# numbering, in a transaction that is rolled back. civic's import cannot beat this figure.
WRITE_FLOOR_SQL = """
WITH ins AS (
    INSERT INTO cases_case (number, external_ref, channel, kind, urgency, category_id, title,
        description, address, region_id, reporter_name, reporter_phone, reporter_phone_key,
        reporter_email, anonymous, access_code_hash, status, outcome, received_at, closed_at, updated_at,
        is_overdue, reopen_count, return_count, extension_count, assessable,
        not_assessable_reason, version)
    SELECT 'BF' || row_number() OVER (), f.external_ref, f.channel, f.kind, 'general', c.id,
        f.title, btrim(f.description), '', g.id, '', f.reporter_phone,
        regexp_replace(f.reporter_phone, '[^0-9]', '', 'g'), '', false, '!', f.status,
        CASE WHEN f.status = 'closed' THEN 'resolved' ELSE '' END,
        f.received_at::timestamp AT TIME ZONE 'Asia/Shanghai', NULL, now(), false, 0, 0, 0,
        true, '', 1
    FROM (SELECT * FROM bench_import_floor LIMIT %(rows)s) f
    JOIN civic_category c ON c.code = f.category
    JOIN civic_region g ON g.code = f.region
    RETURNING id, status, received_at
)
INSERT INTO cases_caseevent (case_id, at, action, from_status, to_status, note, data)
SELECT id, now(), 'import', '', status, '', jsonb_build_object('received_at', received_at)
FROM ins
"""


CEILING_ROWS = 200_000


def _sql_write_floor(rows: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(WRITE_FLOOR_SQL, {"rows": rows})
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
