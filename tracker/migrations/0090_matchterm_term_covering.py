"""PostgreSQL: matchterm_term carries each posting's weight and length, so a ranking reads postings from the index.

The one-statement ranking (tracker.finding.matching._ranking_sql) reads every posting of a query's kept terms:
at 100k claims ~19k of them, which fetched from the heap took 52 ms of its 166, and 1 ms from the index. SQLite
has no INCLUDE; its index stays as it is, and the models' state does not change (the index keeps its name and
columns: a covering index is this database's business).
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS matchterm_term",
    "CREATE INDEX matchterm_term ON tracker_matchterm (term, kind, ref) INCLUDE (weight, length)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS matchterm_term",
    "CREATE INDEX matchterm_term ON tracker_matchterm (term, kind, ref)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0066_matchvector_kind_id"),
    ]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
