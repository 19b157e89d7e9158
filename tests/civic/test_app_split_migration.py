"""Upgrading a database from before the app split keeps every row, content type and constraint.

Whistles, Open311 and the public side moved out of `cases` into `whistles`, `open311` and
`public` keeping their tables (`cases_*`): cases 0016 and the new apps' 0001 change Django's
state only, and relabel the models' content types. This builds a database at the old layout
(cases at 0015, the three new apps never applied), fills it through the historical models,
migrates it to the split and checks that nothing in the database moved but the labels; then
`manage.py migrate` takes it the rest of the way and today's models read it. "The split" is
cases 0016 and the new apps' 0001 with their dependencies, not the leaves: migrations made
later (cases 0017, public 0002) change the schema on purpose.

The old layout is built two ways, on two scratch databases of the test server (never the test
database, never another; both dropped at the end), side by side to keep the run short:

- never applied: every app's migrations up to its leaf except the new apps, with cases held at
  0015, in one plan with `migrate`'s pre/post_migrate signals (so the content types and
  permissions are made from the old state, as the old code's `migrate` made them). Nothing
  depends on cases 0016 or the new apps, so this is what an old deploy's database looks like.
- rolled back: migrated to the split (the new layout, fresh), then whistles, open311 and public
  back to zero and cases back to 0015 (their backward operations are state only, and relabel
  the content types back). Done as one plan too: four `manage.py migrate` runs took ~28 s.

Both must give the same database (schema, applied migrations, content types, permissions),
with the tables of a fresh new-layout database. The never-applied one is then filled (through
`cases.*` historical models: every moved model, an extra_cases link, a permission of a moved
model's content type given to a group, an admin log entry) and upgraded to the split as
`manage.py migrate` does (its signals, one plan); filling and upgrading the other too would prove nothing more, as the two
are the same database, and would cost ~15 s.

After the upgrade: every row of the moved tables (and of the case, content type, permission
and group tables) as it was, id and column for column; each content type the same row
relabelled; the group's permissions now `whistles.*`, `open311.*`, `public.*`; no table,
index, constraint, trigger or function added, removed or changed (the whole schema is
compared, before and after, and with the fresh database's); the audit trigger and the unique
constraints still refuse; `makemigrations --check` and `migrate --plan` find nothing to do.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.civic.app_split_steps import MOVED, NEW_APPS, OLD_CASES
from tests.ops.servers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

MOVED_TABLES = sorted({f"cases_{model}" for model in MOVED} | {"cases_whistle_extra_cases"})
# The rows the checks compare before and after (the moved models', and what points at them).
DATA_TABLES = [
    *MOVED_TABLES,
    "cases_case",
    "cases_caseevent",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "civic_user_groups",
    "django_admin_log",
]
NAMED = {
    "whistle_summons_unique_unit",
    "whistle_summons_pending",
    "resident_whistle_one_pending_per_case",
    "cases_whist_status_e961b4_idx",
    "metoo_once_per_user",
    "metoo_once_per_session",
    "follow_case_xor_region",
    "follow_once_per_case",
    "follow_once_per_region",
    "service_attribute_unique_code",
}
SCHEMA = {
    "relations": """
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1""",
    "columns": """
        SELECT table_name, column_name, data_type, character_maximum_length, is_nullable,
               column_default, collation_name, is_identity
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2""",
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' ORDER BY 1, 2""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1""",
}


@pytest.fixture
def scratch_databases():
    """Two empty databases on the test server, dropped (their connections ended) afterwards."""
    admin = database_url("postgres")
    names = {way: f"civic_layout_{secrets.token_hex(4)}_{way}" for way in ("never", "back")}
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'CREATE DATABASE "{name}"')
                # Scratch data: no need to wait for the disk at each of ~150 commits.
                conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        yield {way: database_url(name) for way, name in names.items()}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names.values():
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _run(url: str, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "civic.settings.test",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "memory://",
    }
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _step(url: str, *args: str):
    """One step of tests/civic/app_split_steps.py, in a subprocess on database `url`."""
    out = _run(url, "-m", "tests.civic.app_split_steps", *args)
    return json.loads(out.rsplit("RESULT ", 1)[1])


def _query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _schema(url: str) -> dict[str, list[tuple]]:
    return {part: _query(url, sql) for part, sql in SCHEMA.items()}


def _layout(url: str) -> dict:
    """What an old-layout database must have whichever way it was built (ids aside)."""
    return {
        "schema": _schema(url),
        "migrations": sorted(_query(url, "SELECT app, name FROM django_migrations")),
        "content_types": sorted(_query(url, "SELECT app_label, model FROM django_content_type")),
        "permissions": sorted(
            _query(
                url,
                "SELECT t.app_label, t.model, p.codename, p.name FROM auth_permission p "
                "JOIN django_content_type t ON t.id = p.content_type_id",
            )
        ),
    }


def _rows(url: str) -> dict[str, list]:
    with psycopg.connect(url) as conn:
        return {
            table: [
                row[0]
                for row in conn.execute(f"SELECT row_to_json(t) FROM {table} t ORDER BY t.id")
            ]
            for table in DATA_TABLES
        }


def _rolled_back(url: str) -> dict:
    """Fresh at the new layout (as the split left it), then back to the old one."""
    _step(url, "split")
    fresh = _schema(url)
    plan = _step(url, "roll-back")
    return {"fresh_schema": fresh, "plan": plan, "layout": _layout(url)}


def _never_applied(url: str) -> dict:
    """Straight to the old layout; filled there; migrated to the split, then to the leaves;
    read back."""
    plan = _step(url, "never-applied")
    layout = _layout(url)
    ids = _step(url, "fill")
    rows_before, schema_before = _rows(url), _schema(url)
    upgrade = _step(url, "split")
    rows_after, schema_after = _rows(url), _schema(url)
    # Then what a deploy runs: the migrations made after the split too, and today's models.
    _run(url, "manage.py", "migrate", "--no-input", "-v0")
    return {
        "plan": plan,
        "layout": layout,
        "ids": ids,
        "rows_before": rows_before,
        "schema_before": schema_before,
        "upgrade": upgrade,
        "rows_after": rows_after,
        "schema_after": schema_after,
        "read": _step(url, "read", json.dumps(ids)),
    }


def _sql_error(url: str, sql: str, params=()) -> psycopg.Error | None:
    """The error `sql` raises (rolled back either way)."""
    with psycopg.connect(url) as conn:
        try:
            conn.execute(sql, params)
        except psycopg.Error as exc:
            return exc
        finally:
            conn.rollback()
    return None


def test_upgrade_from_before_the_app_split_keeps_everything(scratch_databases):
    url = scratch_databases["never"]
    with ThreadPoolExecutor(2) as pool:
        back = pool.submit(_rolled_back, scratch_databases["back"])
        never = pool.submit(_never_applied, url)
        back, up = back.result(), never.result()
    ids, read = up["ids"], up["read"]
    moved_migrations = [
        ("cases", "0016_models_moved_to_their_apps"),
        *((app, "0001_initial") for app in NEW_APPS),
    ]

    # 1. The old layout: the same database both ways, and the new layout's tables.
    assert up["plan"]
    assert not [s for s in up["plan"] if s.startswith(("cases.0016", *NEW_APPS))]
    assert sorted(back["plan"]) == sorted(f"{a}.{n} (back)" for a, n in moved_migrations)
    old = up["layout"]
    assert old == back["layout"]
    applied = {tuple(m) for m in old["migrations"]}
    assert OLD_CASES in applied
    assert not applied & set(moved_migrations)
    assert {("cases", model) for model in MOVED} <= {tuple(t) for t in old["content_types"]}
    assert not [t for t in old["content_types"] if t[0] in NEW_APPS]
    # The moves are state only: a fresh database at the new layout has the same tables,
    # columns, constraints, indexes, triggers and functions.
    assert old["schema"] == back["fresh_schema"]

    # 3. The upgrade to the split applied exactly the moves.
    assert sorted(up["upgrade"]) == sorted(f"{a}.{n}" for a, n in moved_migrations)

    # 4. Every row, with its id and every column, as it was (the M2M link among them).
    before, after = up["rows_before"], up["rows_after"]
    for table in MOVED_TABLES:
        assert before[table], f"{table} was not filled"
        assert after[table] == before[table], table
    [link] = after["cases_whistle_extra_cases"]
    assert (link["whistle_id"], link["case_id"]) == (ids["whistle"], ids["cases"][1])
    for table in set(DATA_TABLES) - set(MOVED_TABLES) - {"django_content_type"}:
        assert after[table] == before[table], table

    # The content types: the same rows (same ids) relabelled, and nothing else changed.
    assert after["django_content_type"] == [
        {**t, "app_label": MOVED[t["model"]]}
        if t["app_label"] == "cases" and t["model"] in MOVED
        else t
        for t in before["django_content_type"]
    ]
    assert read["content_types"] == {
        model: [ids["content_types"][model], app] for model, app in MOVED.items()
    }
    # Permissions given out followed them (same permission and group rows, compared above).
    assert read["group_perms"] == [
        "open311.view_open311client",
        "public.view_metoo",
        "whistles.blow_whistle",
        "whistles.view_whistle",
    ]
    assert read["log_entry"] == ["whistles.models", "Whistle", ids["whistle"]]

    # Today's models read the old rows, and new rows get new ids.
    assert read["counts"] == {
        "whistle": 1,
        "whistlesummons": 1,
        "whistlelogentry": 1,
        "residentwhistlerequest": 2,
        "open311client": 1,
        "serviceattribute": 1,
        "open311request": 1,
        "follow": 2,
        "metoo": 2,
        "publictext": 1,
    }
    assert read["whistle"] == {
        "street": ids["units"]["street"],
        "case": ids["cases"][0],
        "extra_cases": [ids["cases"][1]],
        "summonses": [ids["summons"]],
        "log": [ids["log"]],
        "resident_request": ids["requests"][0],
    }
    assert read["case"] == {
        "whistles": [ids["whistle"]],
        "open311": ids["open311"],
        "open311_client": "市民 App",
        "public_text": "路灯已修复",
        "me_toos": ids["me_toos"],
        "followers": [ids["follows"][0]],
    }
    assert read["new_whistle_id"] > ids["whistle"]

    # The schema did not move: every table, column, constraint, index, trigger and function
    # as before the upgrade, and as on a database made fresh at the new layout.
    schema = up["schema_after"]
    for part in ("constraints", "indexes", "triggers"):
        assert schema[part] == up["schema_before"][part], part
    assert schema == up["schema_before"] == back["fresh_schema"]
    assert {row[1] for row in schema["constraints"] + schema["indexes"]} >= NAMED
    new_prefixes = tuple(f"{app}_" for app in NEW_APPS)
    assert not [rel for rel, _ in schema["relations"] if rel.startswith(new_prefixes)]
    assert {(table, name) for table, name, _ in schema["triggers"]} >= {
        ("cases_caseevent", "cases_caseevent_no_update"),
        ("cases_personaldataaccess", "cases_personaldataaccess_no_update"),
    }

    # ... and it still works: the audit trail is immutable, the constraints enforce.
    error = _sql_error(url, "UPDATE cases_caseevent SET note = 'x' WHERE id = %s", [ids["event"]])
    assert isinstance(error, psycopg.errors.RaiseException)
    assert "case events are immutable" in str(error)
    error = _sql_error(
        url,
        "INSERT INTO cases_whistlesummons (whistle_id, unit_id, state, summoned_at, reporters, "
        "committed_action) SELECT whistle_id, unit_id, 'pending', now(), '', '' "
        "FROM cases_whistlesummons WHERE id = %s",
        [ids["summons"]],
    )
    assert isinstance(error, psycopg.errors.UniqueViolation)
    assert error.diag.constraint_name == "whistle_summons_unique_unit"
    assert read["duplicate_summons"] == "whistle_summons_unique_unit"  # through the ORM
    error = _sql_error(
        url,
        "INSERT INTO cases_residentwhistlerequest (case_id, resident_id, street_id, "
        "requested_at, reason, state, decline_reason) SELECT case_id, resident_id, street_id, "
        "now(), 'again', 'pending', '' FROM cases_residentwhistlerequest WHERE id = %s",
        [ids["requests"][1]],
    )
    assert isinstance(error, psycopg.errors.UniqueViolation)
    assert error.diag.constraint_name == "resident_whistle_one_pending_per_case"

    # 4–5. The models match the migrations, and nothing is left to migrate.
    assert read["makemigrations_check"] == [0, "No changes detected\n"]
    assert read["migrate_plan"] == [0, "Planned operations:\n  No planned migration operations.\n"]
