"""A new case, its number and its "create" event in one statement (PostgreSQL).

Intake is the hottest write: every channel files through `services.case_create`. Through the
ORM it took three round trips (the day's number, the case, the event) and compiled two INSERTs
per case; here it is one pre-built statement. The values still come from the model fields
(`pre_save` and `get_db_prep_save`, as the ORM does; skipped only where they would hand the
value back unchanged or merely typed), so defaults, `auto_now` and JSON behave the same, and a
field added to `Case` or `CaseEvent` is written without touching this module.
Other databases keep the ORM path in `services.case_create`.

The case's columns are parameters and the event travels as one JSON object that PostgreSQL reads
into the event's row type (`json_populate_record`), so the statement keeps within the 50
parameters for which psycopg caches a statement's parsing: with one parameter per column of
both rows (54) it re-parsed the whole statement on every call (0.12 ms). Sending the case as
JSON too cost PostgreSQL more than it saved in Python (measured in-process, stop 19).

The statement is bound and prepared on the server, once per connection (`INTAKE_PREPARED`,
default on): planning its four parts was half of PostgreSQL's work per intake (backend CPU
0.27 ms prepared against 0.44-0.54 ms, stop 23), and psycopg no longer quotes a 5,000-character
description into the SQL text. psycopg prepares one statement per combination of parameter
types, so keys go typed as their columns (an empty one, None, still makes its own: a handful
per connection), and it forgets them all after any ROLLBACK on the connection (they are
prepared again at the next intake). Django's own cursors bind on the client and are never
prepared; behind PgBouncer in transaction mode older than 1.21, turn it off
(docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg.types import numeric
from psycopg.types.json import Json, Jsonb

from civic.fields import CodeField

from . import numbers
from .models import Case, CaseEvent


def supported() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, skip: set[str]) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]


# Values that Django's `pre_save` + `get_db_prep_save` would hand back unchanged, or only
# wrapped in the integer type Django gives them, are written without those calls: by field
# class, the Python type that qualifies. Intake writes 51 values a case, and the calls (with
# the `connection` proxy each takes) were a fifth of its Python.
_PLAIN = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    CodeField: str,
    models.BooleanField: bool,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.ForeignKey: int,
    models.DateTimeField: dt.datetime,  # aware only: Django converts a naive one, warning
}
# A key's id goes with its column's type as Django types other integers: psycopg types a plain
# int by its size (int2 for 5, int4 for 40000), and a prepared statement is prepared again
# for each new combination of parameter types.
_KEY_TYPES = {
    "BigAutoField": numeric.Int8,
    "AutoField": numeric.Int4,
    "SmallAutoField": numeric.Int2,
}


def _aware(value: dt.datetime) -> bool:
    return value.utcoffset() is not None


@dataclass(frozen=True, slots=True)
class _Column:
    field: models.Field
    attname: str
    plain: type | None  # a value of this type is written as it is (or `typed`)...
    check: Callable | None  # ...if this holds for it
    typed: type | None
    null_is_plain: bool  # so is None, for a nullable field of those classes


def _plan(fields) -> list[_Column]:
    integer_types = getattr(connection.ops, "integerfield_type_map", {})
    columns = []
    for f in fields:
        plain, check, typed = _PLAIN.get(type(f)), None, None
        if type(f) is models.ForeignKey:
            typed = _KEY_TYPES.get(f.target_field.get_internal_type())
        elif plain is int:
            typed = integer_types.get(f.get_internal_type())
        elif plain is dt.datetime:
            check = _aware
        if (
            (plain is int and typed is None)
            or getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
        ):
            plain = None  # Django's path: an untyped integer, or a time set on save
        columns.append(_Column(f, f.attname, plain, check, typed, f.null and plain is not None))
    return columns


# psycopg caches the parsing of statements with up to this many parameters.
CACHED_PARAMETERS = 50


@functools.cache
def _statement() -> tuple[str, list[_Column], list[_Column]]:
    """The SQL and the columns it writes, built once per process from the models' fields.
    Parameters: the day, the number's prefix (YYYYMMDD), the case's columns, the event as
    JSON."""
    qn = connection.ops.quote_name
    case_fields = _columns(Case, {"number"})
    event_fields = _columns(CaseEvent, {"case_id"})
    event_table = qn(CaseEvent._meta.db_table)
    # The day's counter advances by one as everywhere (`cases.numbers`); the number is
    # formatted as `numbers.number` does: YYYYMMDD + at least five digits.
    advance = numbers.ADVANCE_SQL.replace("VALUES (%s, %s)", "VALUES (%s, 1)")
    assert advance != numbers.ADVANCE_SQL, "cases.numbers.ADVANCE_SQL changed its parameters"
    sql = f"""
WITH n AS ({advance}), c AS (
    INSERT INTO {qn(Case._meta.db_table)} (number, {", ".join(qn(f.column) for f in case_fields)})
    VALUES ((SELECT %s || lpad(last::text, greatest(5, length(last::text)), '0') FROM n),
            {", ".join(["%s"] * len(case_fields))})
    RETURNING id, number
), e AS (
    INSERT INTO {event_table} (case_id, {", ".join(qn(f.column) for f in event_fields)})
    SELECT (SELECT id FROM c), {", ".join(f"r.{qn(f.column)}" for f in event_fields)}
    FROM json_populate_record(NULL::{event_table}, %s::json) AS r
    RETURNING id
)
SELECT c.id, c.number, e.id FROM c, e
"""
    return sql, _plan(case_fields), _plan(event_fields)


def _values(instance, columns: list[_Column], db) -> list:
    """The columns' database values, as `Model.save()` prepares them for `db`."""
    values = []
    for column in columns:
        value = getattr(instance, column.attname)
        if value is None:
            plain = column.null_is_plain
        else:
            plain = type(value) is column.plain and (column.check is None or column.check(value))
        if not plain:
            field = column.field
            value = field.get_db_prep_save(field.pre_save(instance, True), db)
        elif value is not None and column.typed is not None:
            value = column.typed(value)
        values.append(value)
    return values


def _plain(value):
    """A database value as JSON that its column's input function reads back unchanged."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # every digit (Django's JSON encoder drops microseconds)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Json | Jsonb):  # a JSONField's adapted value: its document
        return value.obj
    raise TypeError(f"cases.inserts cannot write a {type(value).__name__}")


def _record(instance, columns: list[_Column], db) -> str:
    names = (c.field.column for c in columns)
    values = dict(zip(names, _values(instance, columns, db), strict=True))
    return json.dumps(values, ensure_ascii=False, default=_plain)


class _PreparedCursor(ServerBindingCursor):
    """Binds on the server and prepares each statement at its first run on a connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


# psycopg honours `prepare=True` only on a connection with a threshold, and Django sets none
# (no automatic preparing). One that is never reached keeps it so: only this cursor prepares.
_NEVER_BY_COUNT = 2**62


def _cursor(db):
    """Django's cursor (health check, error wrapping, execute wrappers) around a
    `_PreparedCursor`, as `db.cursor()` builds its own. A plain one when disabled, and while
    Django logs queries (DEBUG, a test capturing them): psycopg keeps no text of a prepared
    run for Django's query log to read."""
    if not settings.INTAKE_PREPARED or db.queries_logged:
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    with db.wrap_database_errors:
        return db._prepare_cursor(_PreparedCursor(raw))


def insert_case_with_event(case: Case, event: CaseEvent, *, day: dt.date) -> None:
    """Write `case` (numbered from `day`'s sequence) and `event` (for that case). Both
    instances come back saved: primary keys, the case's number, `event.case`. One statement,
    atomic on its own: outside a transaction it commits at once."""
    sql, case_fields, event_fields = _statement()
    # The wrapper itself, once: each use of `connection` finds it in asgiref's Local.
    db = connections[DEFAULT_DB_ALIAS]
    case_values = _values(case, case_fields, db)
    params = [day, f"{day:%Y%m%d}", *case_values, _record(event, event_fields, db)]
    with _cursor(db) as cursor:
        cursor.execute(sql, params)
        case.pk, case.number, event.pk = cursor.fetchone()
    for instance in (case, event):
        instance._state.adding = False
        instance._state.db = db.alias
    event.case = case
