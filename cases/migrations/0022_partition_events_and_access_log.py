"""Issue 32: the case audit trail and the personal-data access log partitioned by month
(civic.partitions), on PostgreSQL; SQLite keeps plain tables.

The audit triggers now let one thing through: a DELETE under the transaction-local setting
`civic.partition_maintenance`, which civic.partitions sets only to move rows out of the DEFAULT
partition into a new month's partition (the same rows, inserted in the same transaction).
"""

from django.db import migrations

from civic.partitions import convert_to_partitioned, convert_to_plain

TABLES = (("cases_caseevent", "at"), ("cases_personaldataaccess", "at"))

FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION cases_caseevent_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('civic.partition_maintenance', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'case events are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION cases_personaldataaccess_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('civic.partition_maintenance', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'personal-data access records are immutable';
END;
$$ LANGUAGE plpgsql;
"""
OLD_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION cases_caseevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case events are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION cases_personaldataaccess_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'personal-data access records are immutable';
END;
$$ LANGUAGE plpgsql;
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS_SQL)
    for table, column in TABLES:
        convert_to_partitioned(schema_editor, table=table, column=column)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _column in TABLES:
        convert_to_plain(schema_editor, table=table)
    schema_editor.execute(OLD_FUNCTIONS_SQL)


class Migration(migrations.Migration):
    dependencies = [("cases", "0021_page_indexes")]

    operations = [migrations.RunPython(partition, unpartition)]
