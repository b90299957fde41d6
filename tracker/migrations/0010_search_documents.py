"""Search documents (DESIGN §6): every claim's stems, a tsvector + GIN on PostgreSQL, an FTS5 table on SQLite.

The old expression indexes (0005) searched with the English configuration only
and over two tables; they go.
"""

from django.db import migrations, models

from tracker.finding import text

PG_FORWARD = [
    "ALTER TABLE tracker_claim ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED",
    "CREATE INDEX claim_search_vector ON tracker_claim USING gin (search_vector)",
    "DROP INDEX IF EXISTS claim_search",
    "DROP INDEX IF EXISTS appearance_search",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS claim_search_vector",
    "ALTER TABLE tracker_claim DROP COLUMN IF EXISTS search_vector",
]


def create_engine_parts(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            for statement in PG_FORWARD:
                cursor.execute(statement)
        elif schema_editor.connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS tracker_claim_fts "
                "USING fts5(document, tokenize = 'unicode61 remove_diacritics 0')"
            )


def drop_engine_parts(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            for statement in PG_BACKWARD:
                cursor.execute(statement)
        elif schema_editor.connection.vendor == "sqlite":
            cursor.execute("DROP TABLE IF EXISTS tracker_claim_fts")


def fill_documents(apps, schema_editor):
    """Write the documents of the claims already stored (the historical models: later fields do not exist yet)."""
    Claim = apps.get_model("tracker", "Claim")
    Appearance = apps.get_model("tracker", "Appearance")
    connection = schema_editor.connection
    last = 0
    while True:
        claims = list(Claim.objects.filter(pk__gt=last).order_by("pk").select_related("claimant")[:500])
        if not claims:
            return
        last = claims[-1].pk
        quotes = {}
        for a in Appearance.objects.filter(claim__in=claims).select_related("article").order_by("id"):
            quotes.setdefault(a.claim_id, []).append(a)
        tags = {}
        for row in Claim.tags.through.objects.filter(claim__in=claims).select_related("tag"):
            tags.setdefault(row.claim_id, []).append(row.tag.name)
        rows = []
        for claim in claims:
            appearances = quotes.get(claim.pk, [])
            dated = [a for a in appearances if a.article.published_at] or appearances
            first = min(dated, key=lambda a: (a.article.published_at or a.article.created_at, a.id), default=None)
            language = first.article.language if first else "en"
            parts = [claim.text, claim.verdict_summary, claim.verdict_explanation]
            parts += [claim.claimant.name] if claim.claimant_id else []
            parts += tags.get(claim.pk, [])
            stems = [" ".join(text.stems(part, language)) for part in parts]
            for a in appearances:
                stems += [" ".join(text.stems(a.quote + " " + a.attribution, a.article.language or language))]
            rows.append((" ".join(s for s in stems if s), claim.pk))
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE tracker_claim SET search_document = %s WHERE id = %s", rows)
            if connection.vendor == "sqlite":
                cursor.executemany(
                    "INSERT INTO tracker_claim_fts (rowid, document) VALUES (%s, %s)",
                    [(pk, document) for document, pk in rows if document],
                )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_idempotent_requests")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="claim", name="claim_search"),
                migrations.RemoveIndex(model_name="appearance", name="appearance_search"),
            ],
            database_operations=[],  # dropped on PostgreSQL by create_engine_parts; SQLite never had them
        ),
        # After the old indexes left the state: SQLite's table rebuild would re-create them.
        migrations.AddField(
            model_name="claim",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(create_engine_parts, drop_engine_parts),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
    ]
