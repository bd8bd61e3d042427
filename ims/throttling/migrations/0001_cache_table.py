"""The database cache's table, for a deployment without Redis (settings.CACHES): API throttle
counters must be shared by every web process, so they live in the database there. Creates
nothing when no database cache is configured; `manage.py createcachetable` does the same later,
e.g. after leaving Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
