"""The optional semantic layer's sentence embeddings, one per matchable text (tracker.finding.semantic)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0045_picker_name_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchVector",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("c", "claim"), ("f", "fact-check")], max_length=1)),
                ("ref", models.BigIntegerField(help_text="The claim's or fact-check's id.")),
                ("vector", models.BinaryField(help_text="float16 numbers, little-endian, normalised to length 1.")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "ref"), name="matchvector_one_per_text")],
            },
        ),
    ]
