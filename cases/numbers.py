"""Case numbers: YYYYMMDD + the day's sequence, at least five digits (`2026112300042`).

One mechanism for every writer: an upsert on the day's counter row advances it by a block and
returns the block's last number. Its row lock queues concurrent writers until they commit, so
each gets its own numbers; the day's first writer creates the row. Intake takes a block of one
(on PostgreSQL inside `cases.inserts`' single statement), the importer a block per batch.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import CaseNumberSequence

# Parameters: the day, how many numbers. PostgreSQL and SQLite (3.35+) both run it.
ADVANCE_SQL = (
    f"INSERT INTO {CaseNumberSequence._meta.db_table} AS s (day, last) VALUES (%s, %s) "
    "ON CONFLICT (day) DO UPDATE SET last = s.last + EXCLUDED.last RETURNING last"
)


def number(day: dt.date, n: int) -> str:
    return _numbered(f"{day:%Y%m%d}", n)


def _numbered(prefix: str, n: int) -> str:
    return f"{prefix}{n:05d}"


def reserve(day: dt.date, count: int = 1) -> list[str]:
    """The next `count` numbers of `day`. Run it inside the transaction that uses them."""
    with connection.cursor() as cursor:
        cursor.execute(ADVANCE_SQL, [day, count])
        (last,) = cursor.fetchone()
    prefix = f"{day:%Y%m%d}"  # once: a batch reserves thousands, and strftime is slow
    return [_numbered(prefix, n) for n in range(last - count + 1, last + 1)]
