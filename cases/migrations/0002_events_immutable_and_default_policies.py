"""CaseEvent rows are immutable at the database level too (PostgreSQL trigger), and the
default time-limit policies (DESIGN §3.2a) exist from the start."""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION cases_caseevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case events are immutable';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS cases_caseevent_no_update ON cases_caseevent;
CREATE TRIGGER cases_caseevent_no_update BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_caseevent_immutable();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS cases_caseevent_no_update ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_immutable();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


def default_policies(apps, schema_editor):
    import datetime as dt

    TimeLimitPolicy = apps.get_model("cases", "TimeLimitPolicy")
    defaults = {
        "emergency": ((30, "minutes"), (2, "hours"), (2, "hours"), (30, "minutes")),
        "utility": ((2, "hours"), (24, "hours"), (24, "hours"), (2, "hours")),
        "general": ((1, "working_days"), (24, "hours"), (7, "working_days"), (24, "hours")),
        "complex": ((1, "working_days"), (24, "hours"), (15, "working_days"), (24, "hours")),
        "consultation": ((1, "working_days"), (24, "hours"), (24, "hours"), (24, "hours")),
    }
    for applies_to, (sign, contact, handle, ret) in defaults.items():
        TimeLimitPolicy.objects.get_or_create(
            applies_to=applies_to,
            category=None,
            effective_from=dt.date(2020, 1, 1),
            defaults={
                "sign_limit": sign[0],
                "sign_unit": sign[1],
                "contact_limit": contact[0],
                "contact_unit": contact[1],
                "handle_limit": handle[0],
                "handle_unit": handle[1],
                "return_window": ret[0],
                "return_unit": ret[1],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(default_policies, migrations.RunPython.noop),
    ]
