"""Monthly partitions for the tables that grow with time (issue 32), on PostgreSQL's own
declarative partitioning.

The case audit trail, notifications and the personal-data access log get one partition per
local month (Asia/Shanghai, the months every figure counts over) and a DEFAULT partition that
catches a row of a month nobody created yet, so no write is ever refused for want of a
partition. A beat task (`civic.tasks.create_partitions_ahead`) keeps the next months created;
a month that finds rows already waiting in DEFAULT has them moved into its new partition in the
same transaction. A month can be detached (it stays a plain table, for `pg_dump -t` and
archive) and attached back (`manage.py partitions`).

What holds on every partition: the parent's indexes, foreign keys and row triggers are cloned
onto each partition by PostgreSQL, so the audit rows stay immutable (the trigger functions
accept a move between partitions only under the transaction-local setting
`civic.partition_maintenance`, which only this module sets); uniqueness across months is kept
in tables that are not partitioned (`civic.NotificationKey`). The cases themselves are not
partitioned: see docs/performance.md, "Partitions".

Not django-postgres-extra: it needs its own database backend for every connection, creates
partitioned tables only when a model is first created (these tables exist with years of rows),
and its migration operations do not run on SQLite, which `make run` uses. On SQLite every
function here is a no-op and the tables stay plain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from civic.calendar import month_bounds, next_month

# How far ahead the beat task keeps months created (the current month counts as the first).
MONTHS_AHEAD = 3
# DDL on a busy parent waits at most this long for its lock; the beat task retries later.
LOCK_TIMEOUT = "5s"
MAINTENANCE_SETTING = "civic.partition_maintenance"


@dataclass(frozen=True)
class MonthlyTable:
    table: str
    column: str  # the timestamp the month is taken from


# Registered by the owning apps in their AppConfig.ready() (civic imports no app).
_TABLES: dict[str, MonthlyTable] = {}


def register_monthly_table(table: str, column: str) -> None:
    _TABLES[table] = MonthlyTable(table, column)


def monthly_tables() -> list[MonthlyTable]:
    return [_TABLES[name] for name in sorted(_TABLES)]


def monthly_table(table: str) -> MonthlyTable:
    try:
        return _TABLES[table]
    except KeyError:
        raise ValueError(f"{table} is not partitioned by month") from None


def supported() -> bool:
    return connection.vendor == "postgresql"


def is_partitioned(table: str) -> bool:
    """False on SQLite, and on PostgreSQL before the migrations that partition `table`."""
    if not supported():
        return False
    with connection.cursor() as cursor:
        return _relkind(cursor, table) == "p"


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def local_month(moment: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(moment or timezone.now()).replace(day=1)


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date | None  # None: the DEFAULT partition
    rows: int  # the planner's estimate (pg_class.reltuples), not a count


def partitions_of(table: str) -> list[Partition]:
    """The attached partitions of `table`, DEFAULT first, then by month."""
    if not supported():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [table],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound, estimate in rows:
        month = None if bound == "DEFAULT" else _month_of_name(table, name)
        found.append(Partition(name, month, int(estimate)))
    return sorted(found, key=lambda p: (p.month is not None, p.month or dt.date.min))


def detached_months(table: str) -> list[dt.date]:
    """Months whose partition table exists but is not attached (archived, or on its way)."""
    if not supported():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c "
            "WHERE c.relname LIKE %s AND c.relkind = 'r' AND NOT c.relispartition "
            "AND c.relnamespace = current_schema()::regnamespace",
            [f"{table}\\_p______"],
        )
        names = [row[0] for row in cursor.fetchall()]
    return sorted(m for m in (_month_of_name(table, n) for n in names) if m is not None)


def _month_of_name(table: str, name: str) -> dt.date | None:
    suffix = name.removeprefix(f"{table}_p")
    if len(suffix) != 6 or not suffix.isdigit():
        return None
    try:
        return dt.date(int(suffix[:4]), int(suffix[4:]), 1)
    except ValueError:
        return None


def ensure_months(table: str, months: Iterable[dt.date]) -> list[dt.date]:
    """Create the partitions of `months` that do not exist yet; returns the months created.
    Rows of such a month already sitting in DEFAULT move into the new partition."""
    spec = monthly_table(table)
    if not is_partitioned(spec.table):
        return []
    existing = {p.month for p in partitions_of(table)} | set(detached_months(table))
    created = []
    for month in sorted({m.replace(day=1) for m in months}):
        if month in existing:
            continue
        _create_month(spec, month)
        created.append(month)
    return created


def ensure_ahead(*, months_ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> dict:
    """Every monthly table: this month and the next `months_ahead - 1` exist."""
    first = (today or local_month()).replace(day=1)
    months = [first]
    for _ in range(max(months_ahead, 1) - 1):
        months.append(next_month(months[-1]))
    return {spec.table: ensure_months(spec.table, months) for spec in monthly_tables()}


def ensure_since(first: dt.date) -> dict:
    """Every monthly table: every month from `first` to this one, and the months ahead (a
    history written in bulk, as seed_demo and the bench generator write, lands in its months)."""
    months = months_between(first, local_month())
    created = {spec.table: ensure_months(spec.table, months) for spec in monthly_tables()}
    for table, ahead in ensure_ahead().items():
        created[table] = created.get(table, []) + ahead
    return created


def ensure_for_moments(moments: Iterable[dt.datetime]) -> dict:
    """Every monthly table: the months of these moments exist (a bulk load writes into its
    own months' partitions, never into DEFAULT)."""
    months = {local_month(m) for m in moments}
    return {spec.table: ensure_months(spec.table, months) for spec in monthly_tables()}


def _bounds(month: dt.date) -> tuple[str, str]:
    start, end = month_bounds(month)
    return start.isoformat(), end.isoformat()


def _create_month(spec: MonthlyTable, month: dt.date) -> None:
    """CREATE TABLE … LIKE and ATTACH rather than CREATE TABLE … PARTITION OF: attaching
    locks the parent only against other DDL, so reads and writes go on meanwhile."""
    name = partition_name(spec.table, month)
    start, end = _bounds(month)
    default = default_partition_name(spec.table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(
            f'CREATE TABLE "{name}" (LIKE "{spec.table}" INCLUDING DEFAULTS '
            "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        if _has_partition(spec.table, default):
            # Rows written before this month existed: moved, in this transaction, so they
            # are never both or neither in the table.
            cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{default}" WHERE "{spec.column}" >= %s '
                f'AND "{spec.column}" < %s RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
                [start, end],
            )
            cursor.execute("SELECT set_config(%s, 'off', true)", [MAINTENANCE_SETTING])
        cursor.execute(
            f'ALTER TABLE "{spec.table}" ATTACH PARTITION "{name}" '
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )


def _has_partition(table: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_inherits WHERE inhparent = to_regclass(%s) "
            "AND inhrelid = to_regclass(%s)",
            [table, name],
        )
        return cursor.fetchone() is not None


def detach_month(table: str, month: dt.date) -> str:
    """Detach `month`'s partition: it stays a plain table under its name (dump it with
    `pg_dump -t <name>`, then drop it or attach it back). Its rows leave every page and
    figure meanwhile. Returns the table's name."""
    spec = monthly_table(table)
    _require_postgresql()
    name = partition_name(spec.table, month)
    if not _has_partition(spec.table, name):
        raise ValueError(f"{name} is not an attached partition of {spec.table}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f'ALTER TABLE "{spec.table}" DETACH PARTITION "{name}"')
        _keep_immutable(cursor, spec.table, name)
    return name


def attach_month(table: str, month: dt.date) -> str:
    """Attach a detached (or restored) month back. PostgreSQL checks every row lies in the
    month; a row outside it refuses the whole attach."""
    spec = monthly_table(table)
    _require_postgresql()
    name = partition_name(spec.table, month)
    if _has_partition(spec.table, name):
        raise ValueError(f"{name} is already attached")
    if month not in detached_months(spec.table):
        raise ValueError(f"no table {name} to attach")
    start, end = _bounds(month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # The standalone copy of the audit trigger goes: attaching clones the parent's.
        for trigger in _own_triggers(cursor, name):
            cursor.execute(f'DROP TRIGGER "{trigger}" ON "{name}"')
        cursor.execute(
            f'ALTER TABLE "{spec.table}" ATTACH PARTITION "{name}" '
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )
    return name


def _own_triggers(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _keep_immutable(cursor, parent: str, detached: str) -> None:
    """A detached month keeps refusing UPDATE and DELETE: the parent's row triggers are
    copied onto it (PostgreSQL drops the clones on detach)."""
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
        [parent],
    )
    for trigger, definition in cursor.fetchall():
        if trigger in _own_triggers(cursor, detached):
            continue
        cursor.execute(_retarget(definition, parent, detached))


def _retarget(definition: str, old: str, new: str) -> str:
    """A pg_get_*def() statement of table `old` written for table `new`."""
    for prefix in (" ON public.", " ON ", " ONLY public.", " ONLY "):
        for quoted in (old, f'"{old}"'):
            needle = f"{prefix}{quoted} "
            if needle in definition:
                return definition.replace(needle, f'{prefix}"{new}" ', 1)
    raise ValueError(f"cannot retarget {definition!r} from {old} to {new}")


def _require_postgresql() -> None:
    if not supported():
        raise ValueError("partitions need PostgreSQL")


# --- Migrations: turn a plain table into a partitioned one (and back) -----------------------


def convert_to_partitioned(schema_editor, *, table: str, column: str) -> None:
    """Rebuild `table` as a table partitioned by month on `column` keeping every row, id,
    index, foreign key and trigger (same names). The primary key becomes (id, column), as
    PostgreSQL requires of a partitioned table; the id keeps counting from a sequence owned by
    the column. Months from the oldest row to MONTHS_AHEAD ahead get partitions, others go to
    DEFAULT until a partition is made for them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _relkind(cursor, table) == "p":
            return
        cursor.execute(f"SELECT min({column}) FROM {table}")
        oldest = cursor.fetchone()[0]
        saved = _rebuild_start(cursor, table)
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{saved.old}" INCLUDING DEFAULTS INCLUDING '
            f'CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ("{column}")'
        )
        cursor.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{column}")'
        )
        cursor.execute(
            f'CREATE TABLE "{default_partition_name(table)}" PARTITION OF "{table}" DEFAULT'
        )
        first = local_month(oldest) if oldest else local_month()
        last = local_month()
        for _ in range(MONTHS_AHEAD - 1):
            last = next_month(last)
        for month in months_between(first, last):
            start, end = _bounds(month)
            cursor.execute(
                f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}" '
                f"FOR VALUES FROM ('{start}') TO ('{end}')"
            )
        _rebuild_finish(cursor, table, saved)


def convert_to_plain(schema_editor, *, table: str) -> None:
    """The reverse of convert_to_partitioned (migrating back): one plain table, every row."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _relkind(cursor, table) != "p":
            return
        saved = _rebuild_start(cursor, table)
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{saved.old}" INCLUDING DEFAULTS INCLUDING '
            "CONSTRAINTS INCLUDING STORAGE)"
        )
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id)')
        _rebuild_finish(cursor, table, saved, identity=True)


@dataclass
class _Saved:
    old: str
    indexes: list[str]
    foreign_keys: list[tuple[str, str]]
    triggers: list[str]


def _relkind(cursor, table: str) -> str | None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return row[0] if row else None


def _rebuild_start(cursor, table: str) -> _Saved:
    """Move `table` aside (renamed, its index, key and trigger names freed) and remember how
    to recreate them on the new table."""
    cursor.execute(
        "SELECT count(*) FROM pg_constraint WHERE confrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    if cursor.fetchone()[0]:
        raise RuntimeError(f"{table} is referenced by a foreign key; it cannot be partitioned")
    old = f"{table}_rebuild"
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = to_regclass(%s) AND NOT i.indisprimary",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
        [table],
    )
    triggers = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in triggers:
        cursor.execute(f'DROP TRIGGER "{name}" ON "{table}"')
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{table}_pkey" TO "{old}_pkey"')
    return _Saved(
        old=old,
        # Their statements name `table`: they apply as they are to the new one.
        indexes=[definition for _name, definition in indexes],
        foreign_keys=foreign_keys,
        triggers=[definition for _name, definition in triggers],
    )


def _rebuild_finish(cursor, table: str, saved: _Saved, *, identity: bool = False) -> None:
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id DROP DEFAULT')
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{saved.old}"')
    cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
    top = cursor.fetchone()[0]
    # Dropping the old table drops its id sequence. A partitioned table cannot have an
    # identity column before PostgreSQL 17: its id counts on from a sequence the column owns
    # (what pg_get_serial_sequence and Django's sequence reset find); a plain one gets its
    # identity back, as Django made it.
    cursor.execute(f'DROP TABLE "{saved.old}"')
    if identity:
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY '
            f"(START WITH {top + 1})"
        )
    else:
        sequence = f"{table}_id_seq"
        cursor.execute(f'CREATE SEQUENCE "{sequence}" OWNED BY "{table}".id')
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{sequence}"\')'
        )
        cursor.execute("SELECT setval(%s, %s, %s)", [f'"{sequence}"', max(top, 1), top > 0])
    for definition in saved.indexes:
        cursor.execute(definition)
    for name, definition in saved.foreign_keys:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for definition in saved.triggers:
        cursor.execute(definition)
