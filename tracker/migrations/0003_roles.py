"""The groups of DESIGN §3 with their permissions (tracker.roles.GROUP_PERMISSIONS)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# A copy, not an import: a migration must keep meaning what it meant when written.
_VIEW = ["outlet", "article", "claimant", "claim", "appearance", "source", "evidence", "rating", "tag"]
_VIEW += ["verificationevent", "correction", "trashedclaim"]
_ADD = ["outlet", "article", "claimant", "claim", "appearance", "source", "evidence", "tag"]
_CHANGE = ["outlet", "article", "claimant", "claim", "appearance", "source", "evidence", "tag"]
REPORTER = [f"view_{m}" for m in _VIEW] + [f"add_{m}" for m in _ADD] + ["change_own_claim"]
EDITOR = REPORTER + [f"change_{m}" for m in _CHANGE]
EDITOR += ["delete_claim", "delete_evidence", "delete_appearance", "transition_claim"]
REVIEWER = EDITOR + ["review_claim"]
GROUPS = {"reporter": REPORTER, "editor": EDITOR, "reviewer": REVIEWER}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure
    # they exist now so the groups can be given them on a fresh database.
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
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_default_ratings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
