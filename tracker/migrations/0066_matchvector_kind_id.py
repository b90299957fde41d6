"""The fingerprint of the vectors (count, max and sum of ids per kind) from an index-only scan."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0075_historical_article_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="matchvector",
            index=models.Index(fields=["kind", "id"], name="matchvector_kind_id"),
        ),
    ]
