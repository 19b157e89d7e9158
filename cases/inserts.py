"""A new case, its number and its "create" event in one statement (PostgreSQL).

Intake is the hottest write: every channel files through `services.case_create`. Through the
ORM it took three round trips (the day's number, the case, the event) and compiled two INSERTs
per case; here it is one pre-built statement. The values still come from the model fields
(`pre_save` and `get_db_prep_save`, as the ORM does), so defaults, `auto_now` and JSON behave
the same, and a field added to `Case` or `CaseEvent` is written without touching this module.
Other databases keep the ORM path in `services.case_create`.

The case's columns are parameters and the event travels as one JSON object that PostgreSQL reads
into the event's row type (`json_populate_record`), so the statement keeps within the 50
parameters for which psycopg caches a statement's parsing: with one parameter per column of
both rows (54) it re-parsed the whole statement on every call (0.12 ms). Sending the case as
JSON too cost PostgreSQL more than it saved in Python (measured in-process, stop 19).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import uuid

from django.db import connection
from psycopg.types.json import Json, Jsonb

from . import numbers
from .models import Case, CaseEvent


def supported() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, skip: set[str]) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]


# psycopg caches the parsing of statements with up to this many parameters.
CACHED_PARAMETERS = 50


@functools.cache
def _statement() -> tuple[str, list, list]:
    """The SQL, built once per process from the models' fields. Parameters: the day, the
    number's prefix (YYYYMMDD), the case's columns, the event as JSON."""
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
    return sql, case_fields, event_fields


def _values(instance, fields) -> list:
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _plain(value):
    """A database value as JSON that its column's input function reads back unchanged."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # every digit (Django's JSON encoder drops microseconds)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Json | Jsonb):  # a JSONField's adapted value: its document
        return value.obj
    raise TypeError(f"cases.inserts cannot write a {type(value).__name__}")


def _record(instance, fields) -> str:
    values = dict(zip((f.column for f in fields), _values(instance, fields), strict=True))
    return json.dumps(values, ensure_ascii=False, default=_plain)


def insert_case_with_event(case: Case, event: CaseEvent, *, day: dt.date) -> None:
    """Write `case` (numbered from `day`'s sequence) and `event` (for that case). Both
    instances come back saved: primary keys, the case's number, `event.case`. One statement,
    atomic on its own: outside a transaction it commits at once."""
    sql, case_fields, event_fields = _statement()
    params = [day, f"{day:%Y%m%d}", *_values(case, case_fields), _record(event, event_fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        case.pk, case.number, event.pk = cursor.fetchone()
    for instance in (case, event):
        instance._state.adding = False
        instance._state.db = connection.alias
    event.case = case
