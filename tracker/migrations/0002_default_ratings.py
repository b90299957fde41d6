"""The default verdict scale of DESIGN §1; admins edit it afterwards."""

from django.db import migrations

DEFAULT_SCALE = [
    ("true", "True", 5, "The statement is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", 4, "The statement is accurate but needs clarification or additional information."),
    ("half-true", "Half true", 3, "The statement is partially accurate but leaves out important details."),
    ("mostly-false", "Mostly false", 2, "The statement contains an element of truth but ignores critical facts."),
    ("false", "False", 1, "The statement is not accurate."),
    ("misleading", "Misleading", None, "Accurate in its parts, but arranged to give a false impression."),
    ("unverifiable", "Unverifiable", None, "The available evidence can neither confirm nor refute the statement."),
]


def create_scale(apps, schema_editor):
    Rating = apps.get_model("tracker", "Rating")
    for order, (slug, label, value, description) in enumerate(DEFAULT_SCALE, start=1):
        Rating.objects.update_or_create(
            slug=slug, defaults={"label": label, "value": value, "description": description, "order": order}
        )


def remove_scale(apps, schema_editor):
    Rating = apps.get_model("tracker", "Rating")
    Rating.objects.filter(slug__in=[row[0] for row in DEFAULT_SCALE], claims__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]
    operations = [migrations.RunPython(create_scale, remove_scale)]
