"""The bench database's size: the whole, per million cases, and its largest tables (partitioned
tables summed over their partitions). Recorded as "db_size" in bench/results.json."""

from __future__ import annotations

from bench.common import print_row, record, setup_django

SIZE_SQL = """
SELECT coalesce(p.relname, c.relname) AS name, sum(pg_total_relation_size(c.oid)) AS bytes
FROM pg_class c
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
GROUP BY 1 ORDER BY 2 DESC LIMIT 8
"""


def main() -> None:
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), (SELECT count(*) FROM cases_case)"
        )
        total, cases = cursor.fetchone()
        cursor.execute(SIZE_SQL)
        tables = {name: int(size) for name, size in cursor.fetchall()}
    per_million = total / max(cases, 1) * 1_000_000
    print_row(
        f"database size ({cases:,} cases)",
        f"{total / 2**30:.2f} GiB, {per_million / 2**30:.2f} GiB/M",
        ", ".join(f"{n} {b / 2**30:.1f}" for n, b in list(tables.items())[:3])[:30],
    )
    record(
        "db_size",
        {
            "cases": cases,
            "bytes": total,
            "bytes_per_million_cases": round(per_million),
            "tables": tables,
        },
    )


if __name__ == "__main__":
    main()
