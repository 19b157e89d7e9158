"""Monthly partitions of the tables that grow with time (civic/partitions.py, issue 32): the case
audit trail, notifications and the personal-data access log.

On PostgreSQL (the test database is built by the migrations that convert the tables): rows go
to their month, a month made late takes its rows out of DEFAULT, audit rows stay immutable on
every partition (and when detached), time-bounded queries prune partitions (EXPLAIN), the beat
task makes months ahead, notification keys stay unique across months, the importer writes into
its month's partition, a month detaches and attaches back, and the conversion keeps every row.
On SQLite nothing is partitioned and the same calls do nothing.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cases.importing import import_file
from cases.models import Case, CaseEvent, PersonalDataAccess
from civic import partitions
from civic.models import Notification, NotificationKey
from civic.notify.services import UnitNotice, notify_units, notify_users
from civic.tasks import create_partitions_ahead
from tests.cases.factories import file_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLES = ("cases_caseevent", "cases_personaldataaccess", "civic_notification")

postgres_only = pytest.mark.postgres


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


def _refused(sql: str, params=None) -> str:
    """The database's error for `sql` (rolled back to a savepoint), or "" if it ran."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    except DatabaseError as error:
        return str(error)
    return ""


def _at(year: int, month: int, day: int = 15, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


@postgres_only
@pytest.mark.django_db
def test_every_monthly_table_is_partitioned_with_this_month_ahead_and_a_default():
    assert {spec.table for spec in partitions.monthly_tables()} == set(TABLES)
    this_month = partitions.local_month()
    for table in TABLES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
            assert cursor.fetchone()[0] == "p"
        parts = partitions.partitions_of(table)
        assert parts[0].month is None and parts[0].name == f"{table}_default"
        months = [p.month for p in parts[1:]]
        assert this_month in months
        assert len([m for m in months if m >= this_month]) >= partitions.MONTHS_AHEAD


@postgres_only
@pytest.mark.django_db
def test_a_row_of_a_month_not_made_yet_waits_in_default_and_moves_into_its_month(world):
    month = dt.date(2031, 3, 1)
    with time_machine.travel(_at(2031, 3), tick=False):
        case, _code = file_case(world)
    events = list(CaseEvent.objects.filter(case=case).values_list("id", "action", "at"))
    assert events and _count("cases_caseevent_default") == len(events)

    assert partitions.ensure_months("cases_caseevent", [month]) == [month]

    assert _count("cases_caseevent_default") == 0
    assert _count(partitions.partition_name("cases_caseevent", month)) == len(events)
    assert list(CaseEvent.objects.filter(case=case).values_list("id", "action", "at")) == events
    # Made once: a second call creates nothing and moves nothing.
    assert partitions.ensure_months("cases_caseevent", [month]) == []
    # The move did not open a door: the audit rows are as immutable as before.
    assert "immutable" in _refused("DELETE FROM cases_caseevent WHERE case_id = %s", [case.pk])


@postgres_only
@pytest.mark.django_db
def test_audit_rows_are_immutable_on_every_partition_and_the_maintenance_setting_allows_no_update(
    world,
):
    case, _code = file_case(world)
    PersonalDataAccess.objects.create(case=case, user=world.dispatcher, surface="api")
    with time_machine.travel(_at(2041, 1), tick=False):  # a month with no partition: DEFAULT
        later, _code = file_case(world)
        PersonalDataAccess.objects.create(case=later, user=world.dispatcher, surface="api")
    this_month = partitions.local_month()
    for table in ("cases_caseevent", "cases_personaldataaccess"):
        part = partitions.partition_name(table, this_month)
        assert _count(part) >= 1 and _count(f"{table}_default") >= 1
        for target in (table, part, f"{table}_default"):
            assert "immutable" in _refused(f'UPDATE "{target}" SET at = at')
            assert "immutable" in _refused(f'DELETE FROM "{target}"')
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('civic.partition_maintenance', 'on', true)")
            assert "immutable" in _refused(f'UPDATE "{table}" SET at = at')
            transaction.set_rollback(True)


@postgres_only
@pytest.mark.django_db
def test_time_bounded_queries_read_only_their_months_partition(world):
    file_case(world)
    this_month = partitions.local_month()
    start, end = partitions.month_bounds(this_month)
    querysets = {
        "cases_caseevent": CaseEvent.objects.filter(at__gte=start, at__lt=end),
        "cases_personaldataaccess": PersonalDataAccess.objects.filter(at__gte=start, at__lt=end),
        "civic_notification": Notification.objects.filter(
            created_at__gte=start, created_at__lt=end
        ),
    }
    for table, queryset in querysets.items():
        plan = queryset.explain()
        names = {p.name for p in partitions.partitions_of(table)}
        read = {name for name in names if name in plan}
        assert read == {partitions.partition_name(table, this_month)}, plan
        # Bounds known only when the query runs (now()) prune too, at executor start-up.
        column = partitions.monthly_table(table).column
        with connection.cursor() as cursor:
            cursor.execute(
                f'EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM "{table}" WHERE '
                f"{column} >= now() - interval '1 second' AND {column} < now() + interval '1 second'"
            )
            analysed = "\n".join(row[0] for row in cursor.fetchall())
        assert "Subplans Removed" in analysed, analysed
        scanned = {name for name in names if f" on {name} " in analysed}
        assert scanned == {partitions.partition_name(table, this_month)}, analysed


@postgres_only
@pytest.mark.django_db
def test_the_beat_task_makes_the_months_ahead_of_every_table_once():
    with time_machine.travel(_at(2032, 11, 20), tick=False):
        made = create_partitions_ahead.apply().get()
        assert made == {table: ["2032-11-01", "2032-12-01", "2033-01-01"] for table in TABLES}
        assert create_partitions_ahead.apply().get() == {}
    for table in TABLES:
        months = {p.month for p in partitions.partitions_of(table)}
        assert {dt.date(2032, 11, 1), dt.date(2032, 12, 1), dt.date(2033, 1, 1)} <= months


@postgres_only
@pytest.mark.django_db
def test_a_notification_key_is_delivered_once_across_months(world):
    handler = world.handler
    with time_machine.travel(_at(2031, 6), tick=False):
        partitions.ensure_ahead()
        assert len(notify_users(users=[handler], kind="t", title="一", dedupe_key="k-1")) == 1
        notice = UnitNotice(world.department.pk, "摘要", "", "", "digest-1")
        first = notify_units(kind="digest", notices=[notice])
        assert first >= 1
    with time_machine.travel(_at(2031, 7), tick=False):
        partitions.ensure_ahead()
        assert notify_users(users=[handler], kind="t", title="一", dedupe_key="k-1") == []
        assert notify_units(kind="digest", notices=[notice]) == 0
        assert len(notify_users(users=[handler], kind="t", title="二", dedupe_key="k-2")) == 1
    assert Notification.objects.filter(user=handler, dedupe_key="k-1").count() == 1
    assert Notification.objects.filter(dedupe_key="digest-1").count() == first
    assert NotificationKey.objects.filter(user=handler, dedupe_key__in=["k-1", "k-2"]).count() == 2
    # Each notification sits in its own month's partition.
    assert _count("civic_notification_p203106") >= 1 + first
    assert _count("civic_notification_p203107") >= 1


@postgres_only
@pytest.mark.django_db
def test_a_detached_month_leaves_the_pages_stays_immutable_and_attaches_back(world):
    month = dt.date(2031, 5, 1)
    with time_machine.travel(_at(2031, 5), tick=False):
        partitions.ensure_ahead()
        case, _code = file_case(world)
    events = list(CaseEvent.objects.filter(case=case).values_list("id", flat=True))
    name = partitions.partition_name("cases_caseevent", month)
    out = StringIO()

    call_command("partitions", "detach", "cases_caseevent", "2031-05", stdout=out)

    assert f"detached {name}" in out.getvalue()
    assert not CaseEvent.objects.filter(case=case).exists()
    assert _count(name) == len(events)
    assert month in partitions.detached_months("cases_caseevent")
    assert "immutable" in _refused(f'UPDATE "{name}" SET note = %s', ["x"])
    # A detached month is not made again by the beat task or `ensure`.
    assert partitions.ensure_months("cases_caseevent", [month]) == []
    listing = StringIO()
    call_command("partitions", "list", stdout=listing)
    assert "2031-05  detached" in listing.getvalue()

    call_command("partitions", "attach", "cases_caseevent", "2031-05", stdout=out)

    assert list(CaseEvent.objects.filter(case=case).values_list("id", flat=True)) == events
    assert "immutable" in _refused(f'UPDATE "{name}" SET note = %s', ["x"])
    with pytest.raises(CommandError, match="already attached"):
        call_command("partitions", "attach", "cases_caseevent", "2031-05")


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["detach", "cases_case", "2031-05"], "not a monthly table"),
        (["detach", "cases_caseevent", "2031-13"], "not a month"),
        (["detach", "cases_caseevent", "9999-01"], "between 2000 and 2100"),
        (["detach", "cases_caseevent", "2040-01"], "not an attached partition"),
        (["attach", "civic_notification", "2040-01"], "no table"),
    ],
)
def test_the_command_refuses_bad_input_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("partitions", *args)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_importer_writes_into_its_months_partition(world, tmp_path):
    path = tmp_path / "past-month.csv"
    path.write_text(
        "received_at,category,region,title,description,channel,kind,status,reporter_phone\n"
        + "".join(
            f"2031-07-0{day} 09:30:00,{world.department_category.code},{world.community.code},"
            f"路灯不亮{day},小区路灯坏了,hotline,complaint,closed,13800000000\n"
            for day in range(1, 6)
        ),
        encoding="utf-8",
    )
    before_default = _count("cases_caseevent_default")
    with time_machine.travel(_at(2031, 8, 3), tick=True):
        report = import_file(path, batch_size=2)
    assert report.imported == 5
    assert _count("cases_caseevent_default") == before_default
    assert _count("cases_caseevent_p203108") == 5
    assert Case.objects.filter(title__startswith="路灯不亮").count() == 5


@postgres_only
@pytest.mark.django_db
def test_converting_back_and_forth_keeps_every_row_id_index_key_and_trigger(world):
    file_case(world)
    rows = list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "action", "at"))

    def shape():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT array_agg(indexrelid::regclass::text ORDER BY 1) FROM pg_index "
                "WHERE indrelid = 'cases_caseevent'::regclass), "
                "(SELECT array_agg(conname::text ORDER BY 1) FROM pg_constraint "
                "WHERE conrelid = 'cases_caseevent'::regclass), "
                "(SELECT array_agg(tgname::text ORDER BY 1) FROM pg_trigger "
                "WHERE tgrelid = 'cases_caseevent'::regclass AND NOT tgisinternal)"
            )
            return cursor.fetchone()

    partitioned = shape()
    with connection.cursor() as cursor:  # the rows' deferred key checks, done before the DDL
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        partitions.convert_to_plain(editor, table="cases_caseevent")
    assert partitions.partitions_of("cases_caseevent") == []
    assert (
        list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "action", "at")) == rows
    )
    assert "immutable" in _refused("DELETE FROM cases_caseevent")

    with connection.schema_editor() as editor:
        partitions.convert_to_partitioned(editor, table="cases_caseevent", column="at")
    assert shape() == partitioned
    assert (
        list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "action", "at")) == rows
    )
    # The id counts on past the copied rows.
    later, _ = file_case(world)
    assert CaseEvent.objects.filter(case=later).order_by("id").first().id > rows[-1][0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('cases_caseevent', 'id')")
        assert cursor.fetchone()[0] == "public.cases_caseevent_id_seq"


@pytest.mark.django_db
def test_on_sqlite_nothing_is_partitioned_and_the_calls_do_nothing():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite behaviour (make run)")
    assert partitions.ensure_ahead() == {table: [] for table in TABLES}
    assert partitions.partitions_of("cases_caseevent") == []
    assert create_partitions_ahead.apply().get() == {}
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("partitions", "list")
