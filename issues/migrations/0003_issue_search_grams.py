"""Search bigrams of every issue's description and address, and on PostgreSQL their GIN index
(see IssueQuerySet.search)."""

import issues.models
from django.db import migrations

INDEX = "issues_issue_search_grams_gin"


def fill(apps, schema_editor):
    from issues.models import search_grams

    Issue = apps.get_model("issues", "Issue")
    rows = Issue.objects.order_by().values_list("pk", "description", "address")
    with schema_editor.connection.cursor() as cursor:
        batch = []
        for pk, description, address in rows.iterator(chunk_size=5000):
            batch.append((search_grams(description, address), pk))
            if len(batch) == 5000:
                cursor.executemany("UPDATE issues_issue SET search_grams = %s WHERE id = %s",
                                   batch)
                batch = []
        if batch:
            cursor.executemany("UPDATE issues_issue SET search_grams = %s WHERE id = %s", batch)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON issues_issue "
            "USING gin (search_grams)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("issues", "0002_issue_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="issue",
            name="search_grams",
            field=issues.models.SearchGramsField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
