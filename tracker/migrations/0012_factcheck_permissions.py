"""Desk roles' permissions on fact-checks: everyone on the desk reads them; editors and reviewers import them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# A copy, not an import: a migration must keep meaning what it meant when written.
REPORTER = ["view_factcheck"]
EDITOR = REPORTER + ["add_factcheck", "change_factcheck"]
GROUPS = {"reporter": REPORTER, "editor": EDITOR, "reviewer": EDITOR}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = list(Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Permissions missing for group {name}: {sorted(missing)}")
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_factchecks")]
    operations = [migrations.RunPython(grant, revoke)]
