"""PostgreSQL only: searching a word inside case titles (`cases.selectors.case_search`) from an
index. Chinese has no spaces to split words on, and most words are two characters, fewer than
pg_trgm's three, so the index holds every pair of adjacent characters of the lower-cased title
(`civic_title_grams`); a word of n characters is looked up by its n-1 pairs (`@>`) and the rows
found are re-checked with the word itself (`ILIKE`), so the result equals the plain `%word%`
scan. The title's statistics sample is raised so that the planner's estimate of a word's
`ILIKE` (read off that sample) tells a common word from a rare one. SQLite scans."""

from django.db import migrations

ADD = """
CREATE FUNCTION civic_title_grams(title text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(lower(title), i, 2)), '{}')
    FROM generate_series(1, char_length(title) - 1) AS i
$$;
CREATE INDEX case_title_grams_gin ON cases_case USING gin (civic_title_grams(title));
ALTER TABLE cases_case ALTER COLUMN title SET STATISTICS 1000;
"""
DROP = """
ALTER TABLE cases_case ALTER COLUMN title SET STATISTICS -1;
DROP INDEX IF EXISTS case_title_grams_gin;
DROP FUNCTION IF EXISTS civic_title_grams(text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0019_alter_case_channel")]

    operations = [migrations.RunPython(forwards, backwards)]
