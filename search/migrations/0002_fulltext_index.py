"""The database's own full-text index over SearchEntry: an FTS5 table on SQLite. (PostgreSQL
gets its tsvector in the engine's own migration step; other databases are not supported.)"""
from django.db import migrations

FTS_COLUMNS = "title, keywords, summary, body, attachments, title_c, body_c, attachments_c, principals"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({FTS_COLUMNS}, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("zhiku_search", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
