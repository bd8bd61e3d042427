"""The roles of PRODUCT.md as Django groups, so a fresh database has every one to assign."""

from django.db import migrations

ROLES = ("admin", "manager", "purchasing", "associate", "viewer")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("inventory", "0006_replenishment_schedules"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
