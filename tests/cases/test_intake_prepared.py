"""The intake statement is bound and prepared on the server, once per connection (PostgreSQL).

Planning its four parts was half of PostgreSQL's time per new case; prepared, it is planned
once per connection. Only this statement is prepared: Django's own queries are not.
"""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection

from cases.models import Case, CaseEvent, CaseNumberSequence
from tests.cases.factories import file_case
from tests.cases.test_api import API, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared() -> list[tuple[str, int]]:
    """This session's prepared statements: their text and how often each ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def _intake_runs() -> int | None:
    runs = [n for sql, n in _prepared() if "INSERT INTO cases_casenumbersequence" in sql]
    assert len(runs) <= 1, "the intake statement was prepared more than once"
    return runs[0] if runs else None


def test_the_intake_statement_is_prepared_once_and_reused(api_client, world):
    for _ in range(3):
        assert api_client.post(f"{API}/cases/", new_case(world), format="json").status_code == 201
    assert _intake_runs() == 3
    # Nothing else the requests ran was prepared (Django's queries bind on the client).
    assert len(_prepared()) == 1
    assert Case.objects.count() == 3 and CaseEvent.objects.filter(action="create").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again(world):
    file_case(world)
    assert _intake_runs() == 1
    connection.close()
    assert _intake_runs() is None  # a new session starts with nothing prepared
    case, _ = file_case(world)
    assert _intake_runs() == 1
    assert Case.objects.filter(pk=case.pk, number=case.number).exists()


def test_keys_of_any_size_share_the_prepared_statement(world):
    """psycopg types a plain int by its size, and a statement is prepared again for each new
    combination of parameter types: keys go as their bigint columns' type."""
    from tests.factories import UserFactory

    far = UserFactory(id=100_000, username="far-resident")
    file_case(world, by=world.resident)
    file_case(world, by=far)
    assert world.resident.pk < 32_768 < far.pk
    assert _intake_runs() == 2


def test_turned_off_nothing_is_prepared_and_intake_works(api_client, world, settings):
    settings.INTAKE_PREPARED = False
    response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 201
    assert _intake_runs() is None
    assert Case.objects.filter(number=response.json()["number"]).exists()


@pytest.mark.parametrize("prepared", [True, False])
def test_a_failing_intake_raises_djangos_error_and_writes_nothing(world, settings, prepared):
    """Callers catch django.db.IntegrityError (the Idempotency-Key race): the prepared cursor
    must raise Django's errors, not psycopg's."""
    settings.INTAKE_PREPARED = prepared
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)):
        taken, _ = file_case(world)
        # A counter set back (as by a bad restore) hands out a number already taken.
        CaseNumberSequence.objects.filter(day=dt.date(2026, 11, 22)).update(last=0)
        with pytest.raises(IntegrityError):
            file_case(world)
    assert list(Case.objects.values_list("number", flat=True)) == [taken.number]
    assert CaseEvent.objects.count() == 1


def test_while_queries_are_logged_the_statement_shows_with_its_values(api_client, world):
    """DEBUG's query log (and tests capturing queries) read the statement's text with its
    values, which psycopg keeps only for statements it did not prepare."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 201
    (statement,) = [
        q["sql"] for q in queries.captured_queries if "cases_casenumbersequence" in q["sql"]
    ]
    assert "小区门口路灯坏了一周。" in statement
