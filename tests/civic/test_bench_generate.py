"""bench.generate on PostgreSQL: the history it writes lands in its months' partitions and every
index it drops for the load comes back valid (a partitioned table's index, recreated from its
"ON ONLY" definition, once stayed INVALID: every case's trail read all months)."""

import pytest
from django.db import connection

from bench.generate import generate
from civic import partitions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_generated_history_keeps_every_index_valid_on_every_partition():
    result = generate(cases=300, days=60, batch=100)

    assert result["counts"]["cases"] == 300 and result["counts"]["events"] >= 300
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE NOT i.indisvalid AND t.relnamespace = current_schema()::regnamespace"
        )
        assert cursor.fetchall() == []
        for part in partitions.partitions_of("cases_caseevent"):
            cursor.execute(
                "SELECT count(*) FROM pg_index WHERE indrelid = to_regclass(%s)", [part.name]
            )
            # The primary key, (case_id, at), at, and the two partial actor indexes.
            assert cursor.fetchone()[0] == 5, part.name
    assert partitions.partitions_of("cases_caseevent")[0].name == "cases_caseevent_default"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_caseevent_default")
        assert cursor.fetchone()[0] == 0
