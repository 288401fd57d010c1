from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reviews_search_vector_gin "
            "ON reviews_candidatesearchdocument USING gin (vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviews_search_vector_gin")


class Migration(migrations.Migration):
    """Full-text search index (PostgreSQL only; SQLite searches without one)."""

    dependencies = [("reviews", "0001_review_workspace")]

    operations = [migrations.RunPython(create_index, drop_index)]
