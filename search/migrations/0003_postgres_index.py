"""The embedded index on PostgreSQL: a weighted tsvector per SearchEntry with a GIN index,
and the principals as an array (GIN too)."""
from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE IF NOT EXISTS search_pg ("
            # No foreign key: Django's flush truncates tables one by one; searches join on it.
            " entry_id bigint PRIMARY KEY,"
            " document tsvector NOT NULL, principals text[] NOT NULL, title_norm text NOT NULL)"
        )
        schema_editor.execute("CREATE INDEX IF NOT EXISTS search_pg_document ON search_pg USING gin (document)")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS search_pg_principals ON search_pg USING gin (principals)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_pg")


class Migration(migrations.Migration):
    dependencies = [("zhiku_search", "0002_fulltext_index")]
    operations = [migrations.RunPython(create, drop)]
