"""PostgreSQL only: stored tsvectors of the jieba tokens (config 'simple': the tokens are already
words), each with a GIN index, read by knowledge.selectors.article_search: `title_vector` (the
question, keywords, synonyms: short, so ranking any token's matches is cheap) and
`search_vector` (title side weight A, answer side C). SQLite has no tsvector; it scores in
Python instead."""

from django.db import migrations

ADD = """
ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, coalesce(search_body, '')), 'C')
) STORED;
CREATE INDEX knowledge_article_search_gin ON knowledge_article USING gin (search_vector);
ALTER TABLE knowledge_article ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, coalesce(search_title, ''))
) STORED;
CREATE INDEX knowledge_article_title_gin ON knowledge_article USING gin (title_vector);
"""
DROP = """
DROP INDEX IF EXISTS knowledge_article_search_gin;
DROP INDEX IF EXISTS knowledge_article_title_gin;
ALTER TABLE knowledge_article DROP COLUMN IF EXISTS title_vector;
ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
