"""Per-status claim counters (tracker.models.StatusCount), filled from the claims already stored."""

from django.db import migrations, models

# A copy, not an import: a migration must keep meaning what it meant when written.
STATUSES = ["new", "researching", "in_review", "published", "dismissed"]


def fill_counts(apps, schema_editor):
    Claim = apps.get_model("tracker", "Claim")
    StatusCount = apps.get_model("tracker", "StatusCount")
    real = dict(
        Claim._base_manager.filter(deleted_at__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=models.Count("id"))
    )
    StatusCount.objects.bulk_create([StatusCount(status=status, count=real.get(status, 0)) for status in STATUSES])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0003_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("researching", "Researching"),
                            ("in_review", "In review"),
                            ("published", "Published"),
                            ("dismissed", "Dismissed"),
                        ],
                        max_length=20,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("count", models.IntegerField(default=0)),
            ],
            options={
                "ordering": ["status"],
            },
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop),
    ]
