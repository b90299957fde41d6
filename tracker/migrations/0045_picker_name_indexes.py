"""Indexes for the name pickers' prefix lookups (tracker.pickers).

Django turns istartswith/iexact into UPPER(column::text) LIKE/= UPPER(%s) on
PostgreSQL, which a plain index on the column cannot serve; an expression
index with text_pattern_ops can, whatever the database's collation. SQLite
(development only) has no such operator class, so it gets none.
"""

from django.db import migrations

INDEXES = [
    ("tracker_claimant_name_upper_prefix", "tracker_claimant", "name"),
    ("tracker_article_title_upper_prefix", "tracker_article", "title"),
    ("tracker_outlet_name_upper_prefix", "tracker_outlet", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ((UPPER("{column}"::text)) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_source_kind_fact_check"),
    ]

    operations = [migrations.RunPython(create, drop)]
