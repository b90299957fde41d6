"""Indexes for the queue's priority sort, the public order and full-text search (EXPLAINed on 100,000 claims).

The filters on status, rating, claimant, assignee, article, outlet, tag and
creation date, and the other sorts, already had an index (0001, foreign keys).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    """Add an index that only PostgreSQL has (GIN over a tsvector); SQLite searches by substring without one."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0004_status_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                models.Case(
                    models.When(priority="high", then=models.Value(0)),
                    models.When(priority="normal", then=models.Value(1)),
                    default=models.Value(2),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("updated_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="claim_priority_rank",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                models.OrderBy(models.F("last_published_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("deleted_at__isnull", True), ("public_snapshot__isnull", False)),
                name="claim_public_order",
            ),
        ),
        AddIndexOnPostgres(
            model_name="claim",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector(
                    "text", "verdict_summary", "verdict_explanation", config="english"
                ),
                name="claim_search",
            ),
        ),
        AddIndexOnPostgres(
            model_name="appearance",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector("quote", "attribution", config="english"),
                name="appearance_search",
            ),
        ),
    ]
