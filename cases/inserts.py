"""A new case, its number and its "create" event in one statement (PostgreSQL).

Intake is the hottest write: every channel files through `services.case_create`. Through the
ORM it took three round trips (the day's number, the case, the event) and compiled two INSERTs
per case; here it is one pre-built statement. The values still come from the model fields
(`pre_save` and `get_db_prep_save`, as the ORM does), so defaults, `auto_now` and JSON behave
the same, and a field added to `Case` or `CaseEvent` is written without touching this module.
Other databases keep the ORM path in `services.case_create`.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection

from . import numbers
from .models import Case, CaseEvent


def supported() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, skip: set[str]) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]


@functools.cache
def _statement() -> tuple[str, list, list]:
    """The SQL, built once per process from the models' fields."""
    qn = connection.ops.quote_name
    case_fields = _columns(Case, {"number"})
    event_fields = _columns(CaseEvent, {"case_id"})
    # The day's counter advances as everywhere (`cases.numbers`); the number is formatted as
    # `numbers.number` does: YYYYMMDD + at least five digits.
    sql = f"""
WITH n AS ({numbers.ADVANCE_SQL}), c AS (
    INSERT INTO {qn(Case._meta.db_table)} (number, {", ".join(qn(f.column) for f in case_fields)})
    VALUES ((SELECT %s || lpad(last::text, greatest(5, length(last::text)), '0') FROM n),
            {", ".join(["%s"] * len(case_fields))})
    RETURNING id, number
), e AS (
    INSERT INTO {qn(CaseEvent._meta.db_table)}
        (case_id, {", ".join(qn(f.column) for f in event_fields)})
    VALUES ((SELECT id FROM c), {", ".join(["%s"] * len(event_fields))})
    RETURNING id
)
SELECT c.id, c.number, e.id FROM c, e
"""
    return sql, case_fields, event_fields


def _values(instance, fields) -> list:
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def insert_case_with_event(case: Case, event: CaseEvent, *, day: dt.date) -> None:
    """Write `case` (numbered from `day`'s sequence) and `event` (for that case). Both
    instances come back saved: primary keys, the case's number, `event.case`. Run it inside
    the caller's transaction, which its signal receivers share."""
    sql, case_fields, event_fields = _statement()
    params = [day, 1, f"{day:%Y%m%d}", *_values(case, case_fields), *_values(event, event_fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        case.pk, case.number, event.pk = cursor.fetchone()
    for instance in (case, event):
        instance._state.adding = False
        instance._state.db = connection.alias
    event.case = case
