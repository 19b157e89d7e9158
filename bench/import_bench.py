"""Bulk import of a CSV through `import_cases` against PostgreSQL COPY of the same file.

    python -m bench.import_bench --rows 1000000

Writes a CSV of N rows in civic's import columns (real message texts, the generated city's
category and region codes, a spread of received times, half of them closed), then in the same
run: COPY of that file into a bare table (no indexes, no constraints: the floor), and civic's
import (`cases.importing.import_file`, what `manage.py import_cases` runs): validation of every
row, category/region resolution, duplicate checks, reserved case numbers, hashed access codes,
the cases and one audit event each. Figure: rows/s and the ratio to COPY (target ≥ 0.5).
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
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from bench.generate import build_structure
    from cases.importing import import_file
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
            cur.execute("DROP TABLE bench_import_floor")
        with timer() as civic_t:
            report = import_file(path)
    copy_rate = copied / copy_t["seconds"]
    civic_rate = report.imported / civic_t["seconds"]
    ratio = civic_rate / copy_rate
    data = {
        "rows": args.rows,
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


if __name__ == "__main__":
    main()
