"""The database cache table that holds the throttles' counts when no Redis is configured (settings.CACHES)."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# A copy, not an import: a migration must keep meaning what it meant when written.
TABLE = "factdesk_throttle_cache"


def create(apps, schema_editor):
    # Whatever CACHES says at migrate time (DEBUG on for `make run`): a later
    # start with DEBUG off must find the table there.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0050_public_order_only_index")]

    operations = [migrations.RunPython(create, drop)]
