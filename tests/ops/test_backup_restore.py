"""Backup and restore with pg_dump/pg_restore: a fresh database gets every case and event."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.cases.factories import case_in
from tests.ops.servers import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_into_fresh_database_finds_every_case_and_event(world, tmp_path):
    for state in ("received", "dispatched", "replied", "closed"):
        case_in(world, state)
    source = database_url()
    target_name = f"{connection.settings_dict['NAME']}_restore"
    target = database_url(target_name)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
        cur.execute("SELECT count(*), max(id) FROM cases_caseevent")
        events, last_event = cur.fetchone()
    dump = tmp_path / "civic.dump"
    env = {**os.environ, "DATABASE_URL": source}
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
    try:
        subprocess.run(
            [str(ROOT / "bin" / "backup"), str(dump)], check=True, env=env, capture_output=True
        )
        subprocess.run(
            [str(ROOT / "bin" / "restore"), str(dump), target], check=True, capture_output=True
        )
        with psycopg.connect(target) as conn:
            assert conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] == cases == 4
            assert conn.execute("SELECT count(*), max(id) FROM cases_caseevent").fetchone() == (
                events,
                last_event,
            )
            # The audit trail stays immutable after a restore (the trigger came along).
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute("UPDATE cases_caseevent SET note = 'x'")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
